"""Health visits: done derived from the signed note, planning a class and one visit, coverage
across a move, the class worklist (access, log rows, constant queries) and the start page."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consent.models import AccessLogEntry
from journal.models import HealthProgramme, HealthVisit, ImmutableRecordError, ProgrammePoint
from journal.models.visits import VisitStatus
from journal.services.entries import entry_sign, entry_start_correction
from journal.services.visit_coverage import class_coverage, coverage, coverage_warning
from journal.services.visits import (
    plan_class,
    point_for_class,
    programme_for,
    programme_points,
    school_year_bounds,
    visit_update,
    with_done,
)
from schools.models import ProtectedIdentity, SchoolType, Student
from schools.schoolyear import current_school_year
from tests.helpers import assert_constant_queries, visible_text
from tests.journal.factories import AK4_VALUES, FKLASS_VALUES, make_entry
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    SchoolClassFactory,
    StudentFactory,
)

# åk 2 and åk 7/8 have no "rygg"/extra required keywords beyond the closing ones.
AK2_VALUES = {k: v for k, v in AK4_VALUES.items() if k != "rygg"}

TODAY = timezone.localdate
YEAR = current_school_year()


def _in_year(days: int = 0) -> datetime.date:
    """A date in the current school year, ``days`` from today (clamped into the year)."""
    first, last = school_year_bounds(YEAR)
    return min(max(TODAY() + datetime.timedelta(days=days), first), last)


def _point(label_code: str) -> ProgrammePoint:
    return ProgrammePoint.objects.get(
        programme__organisation__isnull=True, template__code=label_code
    )


def _member(school_class, **student_fields) -> Student:
    student = StudentFactory(**student_fields)
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    return student


@pytest.fixture
def ak4():
    return _point("halsobesok-ak4")


@pytest.fixture
def class_4a(class_a):
    class_a.school_year = YEAR
    class_a.save()
    return class_a


@pytest.fixture
def planned(nurse_a, class_4a, student_a, ak4):
    plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=_in_year(3))
    return HealthVisit.objects.get(student=student_a, point=ak4)


# --- The programme ---------------------------------------------------------------------------


def test_programme_for_is_the_national_one_without_an_own(org_a):
    programme = programme_for(org_a)
    assert programme.organisation_id is None
    assert [p.label for p in programme_points(programme)] == [
        "Förskoleklass",
        "Åk 2",
        "Åk 4",
        "Åk 7/8",
        "Gymnasiet år 1",
    ]


def test_programme_for_prefers_the_organisations_published_programme(org_a, org_b):
    own = HealthProgramme.objects.create(
        organisation=org_a, number=1, name="Kommun A:s program", status="published"
    )
    assert programme_for(org_a) == own
    assert programme_for(org_b).organisation_id is None


@pytest.mark.parametrize(
    ("school_type", "grade", "expected"),
    [
        (SchoolType.FKLASS, 0, "Förskoleklass"),
        (SchoolType.GR, 2, "Åk 2"),
        (SchoolType.GR, 3, None),
        (SchoolType.GR, 7, "Åk 7/8"),
        (SchoolType.GR, 8, "Åk 7/8"),
        (SchoolType.GRS, 4, "Åk 4"),
        (SchoolType.GY, 1, "Gymnasiet år 1"),
        (SchoolType.GYS, 2, None),
    ],
)
def test_point_for_class_matches_form_and_grade(school_a, school_type, grade, expected):
    school_class = SchoolClassFactory(school=school_a, school_type=school_type, grade=grade)
    point = point_for_class(school_class, programme_for(school_a.organisation))
    assert (point.label if point else None) == expected


# --- Done is derived from the signed note ----------------------------------------------------


def _done(visit) -> bool:
    return with_done(HealthVisit.objects.filter(pk=visit.pk)).get().is_done


def test_a_draft_note_does_not_make_the_visit_done(nurse_a, student_a, planned):
    make_entry(nurse_a, student_a, template="halsobesok-ak4")
    assert not _done(planned)


def test_a_signed_note_makes_the_visit_done(nurse_a, student_a, planned, ak4):
    make_entry(nurse_a, student_a, template="halsobesok-ak4", sign=True)
    assert _done(planned)
    student = with_done(Student.objects.filter(pk=student_a.pk), ak4).get()
    assert student.is_done and student.done_at is not None


def test_a_note_on_another_template_does_not_count(nurse_a, student_a, planned):
    make_entry(nurse_a, student_a, template="halsobesok-fklass", sign=True)
    assert not _done(planned)


def test_a_corrected_note_keeps_the_visit_done(nurse_a, student_a, planned):
    original = make_entry(nurse_a, student_a, template="halsobesok-ak4", sign=True)
    correction = entry_start_correction(original=original, by=nurse_a, reason="Fel vikt")
    assert _done(planned)  # the original stays signed while the correction is a draft
    entry_sign(entry=correction, by=nurse_a)
    assert _done(planned)


def test_another_organisations_note_does_not_make_the_visit_done(
    nurse_b, student_a, planned, school_b
):
    EnrolmentFactory(student=student_a, school=school_b, is_health_responsible=False)
    make_entry(nurse_b, student_a, template="halsobesok-ak4", sign=True)
    assert not _done(planned)


def test_a_visit_is_never_deleted(planned):
    with pytest.raises(ImmutableRecordError):
        planned.delete()
    with pytest.raises(ImmutableRecordError):
        HealthVisit.objects.filter(pk=planned.pk).delete()


# --- Planning a class ------------------------------------------------------------------------


def test_plan_class_plans_every_current_member(nurse_a, class_4a, student_a, ak4):
    other = _member(class_4a)
    counts = plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=_in_year(3))
    assert counts["created"] == 2
    visits = HealthVisit.objects.filter(point=ak4)
    assert {v.student_id for v in visits} == {student_a.pk, other.pk}
    visit = visits.get(student=student_a)
    assert visit.status == VisitStatus.PLANNED
    assert visit.school_year == YEAR and visit.school == class_4a.school
    assert visit.organisation == class_4a.school.organisation
    assert visit.history.get().history_user == nurse_a


@pytest.mark.parametrize("day", ["first-1", "last+1"])
def test_plan_class_refuses_a_date_outside_the_school_year(nurse_a, class_4a, student_a, ak4, day):
    first, last = school_year_bounds(YEAR)
    planned_on = first - datetime.timedelta(days=1) if day == "first-1" else last
    if day == "last+1":
        planned_on = last + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=planned_on)
    assert "planned_on" in error.value.message_dict
    assert not HealthVisit.objects.exists()


def test_plan_class_accepts_the_first_and_last_day(nurse_a, class_4a, student_a, ak4):
    first, last = school_year_bounds(YEAR)
    plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=first)
    plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=last)
    assert HealthVisit.objects.get().planned_on == last


def test_plan_class_refuses_a_student_not_in_the_class(nurse_a, class_4a, student_a, ak4):
    outsider = StudentFactory()
    with pytest.raises(ValidationError) as error:
        plan_class(
            by=nurse_a,
            school_class=class_4a,
            point=ak4,
            planned_on=_in_year(3),
            student_ids=[student_a.pk, outsider.pk],
        )
    assert "students" in error.value.message_dict
    assert not HealthVisit.objects.exists()


def test_plan_class_refuses_a_point_of_another_grade(nurse_a, class_4a, student_a):
    with pytest.raises(ValidationError) as error:
        plan_class(
            by=nurse_a,
            school_class=class_4a,
            point=_point("halsobesok-ak2"),
            planned_on=_in_year(3),
        )
    assert "point" in error.value.message_dict


def test_planning_again_updates_rather_than_duplicates(nurse_a, class_4a, student_a, ak4):
    plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=_in_year(3))
    counts = plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=_in_year(10))
    assert counts["updated"] == 1 and counts["created"] == 0
    visit = HealthVisit.objects.get()
    assert visit.planned_on == _in_year(10)
    assert visit.history.count() == 2


def test_planning_keeps_a_declined_visit_and_skips_a_done_one(
    nurse_a, class_4a, student_a, ak4, planned
):
    visit_update(visit=planned, by=nurse_a, status="declined", declined_by="Vårdnadshavare")
    done = _member(class_4a)
    make_entry(nurse_a, done, template="halsobesok-ak4", sign=True)
    counts = plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=_in_year(20))
    assert counts["kept"] == 1 and counts["done"] == 1 and counts["created"] == 0
    planned.refresh_from_db()
    assert planned.status == VisitStatus.DECLINED
    assert not HealthVisit.objects.filter(student=done).exists()


def test_planning_leaves_a_former_member_out(nurse_a, class_4a, student_a, ak4):
    left = _member(class_4a)
    left.class_memberships.update(end_date=TODAY() - datetime.timedelta(days=1))
    plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=_in_year(3))
    assert not HealthVisit.objects.filter(student=left).exists()


# --- One visit ---------------------------------------------------------------------------------


def test_declined_needs_who_declined(nurse_a, planned):
    with pytest.raises(ValidationError) as error:
        visit_update(visit=planned, by=nurse_a, status="declined", planned_on=planned.planned_on)
    assert "declined_by" in error.value.message_dict
    planned.refresh_from_db()
    assert planned.status == VisitStatus.PLANNED


def test_not_applicable_needs_a_reason(nurse_a, planned):
    with pytest.raises(ValidationError) as error:
        visit_update(visit=planned, by=nurse_a, status="not_applicable")
    assert "reason" in error.value.message_dict


def test_a_visit_date_outside_its_school_year_is_refused(nurse_a, planned):
    first, _last = school_year_bounds(YEAR)
    with pytest.raises(ValidationError) as error:
        visit_update(
            visit=planned, by=nurse_a, status="planned", planned_on=first - datetime.timedelta(1)
        )
    assert "planned_on" in error.value.message_dict


def test_visit_update_keeps_history(nurse_a, doctor_a, planned):
    visit_update(
        visit=planned,
        by=doctor_a,
        status="invited",
        planned_on=planned.planned_on,
        invited_on=TODAY(),
    )
    planned.refresh_from_db()
    assert planned.status == VisitStatus.INVITED and planned.updated_by == doctor_a
    assert [h.status for h in planned.history.order_by("history_date")] == ["planned", "invited"]
    assert planned.history.first().history_user == doctor_a


# --- Coverage --------------------------------------------------------------------------------


@pytest.fixture
def moved(nurse_a, school_a, school_a2, student_a):
    """Student A did F and åk 2 at school A (signed), then moved to school A2's åk 7."""
    make_entry(nurse_a, student_a, template="halsobesok-fklass", values=FKLASS_VALUES, sign=True)
    make_entry(nurse_a, student_a, template="halsobesok-ak2", values=AK2_VALUES, sign=True)
    student_a.enrolments.update(end_date=TODAY() - datetime.timedelta(days=30))
    student_a.class_memberships.update(end_date=TODAY() - datetime.timedelta(days=30))
    EnrolmentFactory(
        student=student_a, school=school_a2, start_date=TODAY() - datetime.timedelta(29)
    )
    class_7 = SchoolClassFactory(
        school=school_a2, school_year=YEAR, school_type=SchoolType.GR, grade=7, name="7B"
    )
    ClassMembershipFactory(
        student=student_a, school_class=class_7, start_date=TODAY() - datetime.timedelta(29)
    )
    return class_7


def test_done_at_one_school_counts_at_another_of_the_organisation(moved, student_a, org_a):
    rows = {row.point.label: row for row in coverage(student_a, org_a)}
    assert rows["Förskoleklass"].done and rows["Åk 2"].done
    assert not rows["Åk 4"].done and rows["Åk 4"].position == "passed"
    assert rows["Åk 7/8"].position == "current" and rows["Åk 7/8"].reachable
    assert rows["Gymnasiet år 1"].position == "other_track"
    warning = coverage_warning(student_a)
    assert not warning and warning.done == 2 and warning.reachable == 3


def test_another_organisation_sees_no_done_visits(moved, student_a, org_b):
    assert not any(row.done for row in coverage(student_a, org_b))


def test_a_student_in_ak_9_with_only_missed_visits_gets_a_warning(nurse_a, school_a):
    class_9 = SchoolClassFactory(school=school_a, school_year=YEAR, grade=9, name="9A")
    student = _member(class_9)
    # Visits were planned at every earlier point but missed or declined: not moved in.
    for code in ("halsobesok-fklass", "halsobesok-ak2", "halsobesok-ak4", "halsobesok-ak7-8"):
        HealthVisit.objects.create(
            student=student,
            point=_point(code),
            organisation=school_a.organisation,
            school=school_a,
            school_year="2020/21",
            status=VisitStatus.MISSED,
            updated_by=nurse_a,
        )
    warning = coverage_warning(student)
    assert warning and not warning.moved_in
    assert warning.reachable == 0 and warning.required == 3
    assert "högst 0 av minst 3" in warning.message


def test_a_student_who_moved_in_is_planned_case_by_case(school_a):
    class_8 = SchoolClassFactory(school=school_a, school_year=YEAR, grade=8, name="8A")
    student = _member(class_8)
    warning = coverage_warning(student)
    assert warning.moved_in and warning.reachable == 1
    assert "planeras individuellt" in warning.message


def test_a_declined_ak_4_visit_still_leaves_three_within_reach(nurse_a, school_a, class_4a, ak4):
    student = _member(class_4a)
    make_entry(nurse_a, student, template="halsobesok-fklass", values=FKLASS_VALUES, sign=True)
    make_entry(nurse_a, student, template="halsobesok-ak2", values=AK2_VALUES, sign=True)
    assert not coverage_warning(student)  # F, 2 done; 4 and 7/8 ahead
    plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=_in_year(3))
    visit = HealthVisit.objects.get(student=student)
    visit_update(visit=visit, by=nurse_a, status="declined", declined_by="Eleven")
    warning = coverage_warning(student)
    assert not warning  # 2 done + åk 7/8 ahead = 3
    assert warning.reachable == 3


def test_gymnasiet_needs_one_visit(nurse_a, school_a):
    first = SchoolClassFactory(
        school=school_a, school_year=YEAR, school_type=SchoolType.GY, grade=1, name="NA1"
    )
    second = SchoolClassFactory(
        school=school_a, school_year=YEAR, school_type=SchoolType.GY, grade=2, name="NA2"
    )
    assert not coverage_warning(_member(first))
    late = coverage_warning(_member(second))
    assert late and late.required == 1 and late.moved_in


def test_class_coverage_matches_the_single_student_answer(moved, student_a, org_a):
    warnings = class_coverage(
        [student_a],
        school_class=moved,
        points=programme_points(programme_for(org_a)),
        organisation=org_a.pk,
    )
    assert warnings[student_a.pk].reachable == coverage_warning(student_a).reachable


# --- The class worklist ------------------------------------------------------------------------


def _worklist(school_class) -> str:
    return reverse("journal:class-worklist", args=[school_class.pk])


def test_nurse_sees_the_worklist_with_status_and_links(client, nurse_a, class_4a, planned):
    done = _member(class_4a, given_name="Doris", family_name="Klar")
    make_entry(nurse_a, done, template="halsobesok-ak4", sign=True)
    unplanned = _member(class_4a, given_name="Ebbe", family_name="Oplanerad")
    client.force_login(nurse_a)
    response = client.get(_worklist(class_4a))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Programpunkt: Åk 4" in text
    rows = {s.pk: s for s in response.context["students"]}
    assert rows[done.pk].is_done
    assert rows[planned.student_id].visit == planned
    assert rows[unplanned.pk].visit is None
    assert "Ej planerat" in text and "Genomfört" in text and "Planerat" in text
    html = response.content.decode()
    assert f"{reverse('journal:entry-new', args=[unplanned.public_id])}?mall=halsobesok-ak4" in html
    assert reverse("journal:visit-update", args=[planned.pk]) in html
    assert reverse("journal:record", args=[unplanned.public_id]) in html


def test_the_worklist_logs_one_row_per_student_shown(client, nurse_a, class_4a, student_a):
    _member(class_4a)
    client.force_login(nurse_a)
    client.get(_worklist(class_4a))
    rows = AccessLogEntry.objects.filter(action="list", user=nurse_a)
    assert rows.count() == 2
    assert {row.school_id for row in rows} == {class_4a.school_id}


def test_the_worklist_shows_protected_identity_as_the_class_page(client, nurse_a, class_4a):
    _member(
        class_4a,
        given_name="Siri",
        family_name="Skyddad",
        protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION,
    )
    client.force_login(nurse_a)
    text = visible_text(client.get(_worklist(class_4a)))
    assert "Siri Skyddad" in text and "Skyddade personuppgifter" in text


def test_a_class_without_a_visit_this_year_says_so(client, nurse_a, school_a):
    class_3 = SchoolClassFactory(school=school_a, school_year=YEAR, grade=3, name="3A")
    _member(class_3)
    client.force_login(nurse_a)
    response = client.get(_worklist(class_3))
    assert "har inget hälsobesök i basprogrammet" in visible_text(response)
    assert client.post(_worklist(class_3), {"planned_on": _in_year(3)}).status_code == 302
    assert not HealthVisit.objects.exists()


def test_the_worklist_query_count_is_constant_from_5_to_30(
    client,
    nurse_a,
    class_4a,
    student_a,
    ak4,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    """A class of 5 and of 30 take the same queries, so a school of 600 in 20 classes costs the
    same per page."""

    def add(count):
        for _ in range(count):
            _member(class_4a)
        plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=_in_year(3))

    add(4)
    make_entry(nurse_a, student_a, template="halsobesok-ak4", sign=True)

    def grow():
        add(25)
        visit = HealthVisit.objects.filter(status="planned").last()
        visit_update(visit=visit, by=nurse_a, status="declined", declined_by="Vårdnadshavare")
        make_entry(nurse_a, visit.student, template="halsobesok-fklass", values=FKLASS_VALUES)

    client.force_login(nurse_a)
    assert_constant_queries(
        client, _worklist(class_4a), grow, django_assert_max_num_queries, django_assert_num_queries
    )
    assert len(client.get(_worklist(class_4a)).context["students"]) == 30


def test_the_nurse_plans_the_class_from_the_worklist(client, nurse_a, class_4a, student_a, ak4):
    other = _member(class_4a)
    client.force_login(nurse_a)
    response = client.post(
        _worklist(class_4a),
        {"planned_on": _in_year(5).isoformat(), "students": [student_a.public_id, other.public_id]},
    )
    assert response.status_code == 302
    assert HealthVisit.objects.filter(point=ak4, planned_on=_in_year(5)).count() == 2
    assert "Planerade 2 hälsobesök" in visible_text(client.get(_worklist(class_4a)))


def test_planning_outside_the_year_shows_the_error_and_keeps_the_choice(
    client, nurse_a, class_4a, student_a
):
    other = _member(class_4a)
    first, _last = school_year_bounds(YEAR)
    client.force_login(nurse_a)
    response = client.post(
        _worklist(class_4a),
        {"planned_on": (first - datetime.timedelta(1)).isoformat(), "students": [other.public_id]},
    )
    assert response.status_code == 200
    assert "utanför läsåret" in visible_text(response)
    assert response.context["selected"] == {str(other.public_id)}
    assert (first - datetime.timedelta(1)).isoformat() in response.content.decode()
    assert not HealthVisit.objects.exists()


def test_planning_a_student_not_in_the_class_is_refused(client, nurse_a, class_4a, student_a):
    outsider = StudentFactory()
    EnrolmentFactory(student=outsider, school=class_4a.school)
    client.force_login(nurse_a)
    response = client.post(
        _worklist(class_4a),
        {"planned_on": _in_year(5).isoformat(), "students": [outsider.public_id]},
    )
    assert response.status_code == 200
    assert "går inte i klassen" in visible_text(response)
    assert not HealthVisit.objects.exists()


@pytest.mark.parametrize("user", ["nurse_a2", "nurse_b", "psychologist_a", "registry_admin_a"])
def test_who_may_not_see_the_worklist_gets_404(client, request, user, class_4a, student_a):
    client.force_login(request.getfixturevalue(user))
    assert client.get(_worklist(class_4a)).status_code == 404
    assert client.post(_worklist(class_4a), {"planned_on": _in_year(3)}).status_code == 404
    assert not HealthVisit.objects.exists()


def test_a_school_doctor_sees_the_worklist(client, doctor_a, class_4a, student_a):
    client.force_login(doctor_a)
    assert client.get(_worklist(class_4a)).status_code == 200


# --- One visit's page --------------------------------------------------------------------------


def _visit_url(visit) -> str:
    return reverse("journal:visit-update", args=[visit.pk])


def test_declined_without_who_is_refused_on_the_form(client, nurse_a, planned):
    client.force_login(nurse_a)
    response = client.post(
        _visit_url(planned),
        {"status": "declined", "planned_on": planned.planned_on.isoformat(), "reason": "Sjuk"},
    )
    assert response.status_code == 200
    assert "Ange vem som avböjde" in visible_text(response)
    assert "Sjuk" in response.content.decode()  # nothing typed is lost
    planned.refresh_from_db()
    assert planned.status == VisitStatus.PLANNED


def test_the_nurse_records_who_declined(client, nurse_a, planned, class_4a):
    client.force_login(nurse_a)
    back = _worklist(class_4a)
    response = client.post(
        _visit_url(planned),
        {"status": "declined", "declined_by": "Vårdnadshavare", "next": back},
    )
    assert response.status_code == 302 and response.url == back
    planned.refresh_from_db()
    assert planned.status == VisitStatus.DECLINED and planned.declined_by == "Vårdnadshavare"
    assert AccessLogEntry.objects.filter(
        user=nurse_a, action="edit", record_type="journal.healthvisit", record_id=str(planned.pk)
    ).exists()


def test_the_visit_page_ignores_a_foreign_next(client, nurse_a, planned):
    client.force_login(nurse_a)
    response = client.post(
        _visit_url(planned),
        {"status": "planned", "planned_on": planned.planned_on.isoformat(), "next": "//evil"},
    )
    assert response.url == reverse("journal:student-visits", args=[planned.student.public_id])


def test_the_visit_page_shows_the_history(client, nurse_a, planned):
    client.force_login(nurse_a)
    response = client.get(_visit_url(planned))
    assert response.status_code == 200
    assert "Historik" in visible_text(response)


@pytest.mark.parametrize("user", ["nurse_a2", "nurse_b", "psychologist_a"])
def test_who_may_not_change_the_visit_gets_404_and_a_refused_row(client, request, user, planned):
    who = request.getfixturevalue(user)
    client.force_login(who)
    assert client.get(_visit_url(planned)).status_code == 404
    response = client.post(_visit_url(planned), {"status": "declined", "declined_by": "X"})
    assert response.status_code == 404
    planned.refresh_from_db()
    assert planned.status == VisitStatus.PLANNED
    assert AccessLogEntry.objects.filter(user=who, action="refused").exists()


def test_an_unknown_visit_is_404(client, nurse_a, db):
    client.force_login(nurse_a)
    assert client.get(reverse("journal:visit-update", args=[999999])).status_code == 404


# --- One student's coverage page --------------------------------------------------------------


def test_the_coverage_page_counts_the_visits_done_at_school_a(client, nurse_a2, moved, student_a):
    client.force_login(nurse_a2)
    response = client.get(reverse("journal:student-visits", args=[student_a.public_id]))
    assert response.status_code == 200
    text = visible_text(response)
    assert "2 besök genomförda, 3 möjliga" in text
    assert [row.done for row in response.context["rows"]][:3] == [True, True, False]
    assert AccessLogEntry.objects.filter(user=nurse_a2, action="view", student=student_a).exists()


def test_the_coverage_page_warns(client, nurse_a, school_a):
    class_8 = SchoolClassFactory(school=school_a, school_year=YEAR, grade=8, name="8A")
    student = _member(class_8)
    client.force_login(nurse_a)
    response = client.get(reverse("journal:student-visits", args=[student.public_id]))
    assert "planeras individuellt" in visible_text(response)


def test_a_psychologist_sees_no_visit_data_on_the_coverage_page(
    client, psychologist_a, nurse_a, planned, student_a
):
    client.force_login(psychologist_a)
    response = client.get(reverse("journal:student-visits", args=[student_a.public_id]))
    assert response.status_code == 200
    assert "rows" not in response.context
    assert "Planerat" not in visible_text(response)


def test_the_coverage_page_is_404_for_another_organisation(client, nurse_b, student_a):
    client.force_login(nurse_b)
    url = reverse("journal:student-visits", args=[student_a.public_id])
    assert client.get(url).status_code == 404


# --- The start page ----------------------------------------------------------------------------


@pytest.fixture
def week(nurse_a, class_4a, student_a, ak4):
    """Student A planned today; Ivar planned three weeks ago and not done; Disa done."""
    today = TODAY()
    plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=today)
    late = _member(class_4a, given_name="Ivar", family_name="Sen")
    done = _member(class_4a, given_name="Disa", family_name="Gjord")
    earlier = max(today - datetime.timedelta(days=21), school_year_bounds(YEAR)[0])
    plan_class(
        by=nurse_a,
        school_class=class_4a,
        point=ak4,
        planned_on=earlier,
        student_ids=[late.pk, done.pk],
    )
    make_entry(nurse_a, done, template="halsobesok-ak4", sign=True)
    return {"today": student_a, "late": late, "done": done}


def test_the_start_page_shows_this_weeks_and_overdue_visits(client, nurse_a, week):
    client.force_login(nurse_a)
    response = client.get(reverse("home"))
    visits = response.context["visits"]
    assert [v.student for v in visits["week"]] == [week["today"]]
    assert [v.student for v in visits["overdue"]] == [week["late"]]
    text = visible_text(response)
    assert "Hälsobesök den här veckan" in text and "Försenade hälsobesök" in text
    assert "Disa Gjord" not in text
    logged = set(
        AccessLogEntry.objects.filter(user=nurse_a, action="list").values_list(
            "student_id", flat=True
        )
    )
    assert logged == {week["today"].pk, week["late"].pk}


def test_the_start_page_has_no_visits_for_a_psychologist(client, psychologist_a, week):
    client.force_login(psychologist_a)
    response = client.get(reverse("home"))
    assert response.context["visits"] is None
    assert "Hälsobesök den här veckan" not in visible_text(response)


def test_the_start_page_shows_no_visits_of_another_school(client, nurse_a2, week):
    client.force_login(nurse_a2)
    visits = client.get(reverse("home")).context["visits"]
    assert visits["week"] == [] and visits["overdue"] == []


def test_the_start_page_query_count_is_constant_in_visits(
    client, nurse_a, week, class_4a, ak4, django_assert_max_num_queries, django_assert_num_queries
):
    def grow():
        ids = [_member(class_4a).pk for _ in range(12)]
        plan_class(
            by=nurse_a, school_class=class_4a, point=ak4, planned_on=TODAY(), student_ids=ids
        )

    client.force_login(nurse_a)
    assert_constant_queries(
        client, reverse("home"), grow, django_assert_max_num_queries, django_assert_num_queries
    )
