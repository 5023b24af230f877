"""Students who moved in are planned case by case (issue 6, point 4): a catch-up visit for an
earlier grade's programme point, or the point marked not applicable; the coverage, the class
worklist and the start page show it; done still comes only from the signed note."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consent.models import AccessLogEntry
from journal.models import HealthProgramme, HealthVisit, ProgrammePoint
from journal.models.visits import VisitStatus
from journal.services.entries import entry_sign
from journal.services.programmes import programme_create_draft, programme_publish
from journal.services.visit_coverage import (
    catch_up_rows,
    coverage,
    coverage_warning,
    visit_catch_up,
)
from journal.services.visits import plan_class, school_year_bounds
from schools.models import SchoolType, Student
from schools.schoolyear import current_school_year
from tests.helpers import assert_constant_queries, visible_text
from tests.journal.factories import AK4_VALUES, make_entry
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    SchoolClassFactory,
    StudentFactory,
)

AK2_VALUES = {k: v for k, v in AK4_VALUES.items() if k != "rygg"}
TODAY = timezone.localdate
YEAR = current_school_year()


def _in_year(days: int = 0) -> datetime.date:
    first, last = school_year_bounds(YEAR)
    return min(max(TODAY() + datetime.timedelta(days=days), first), last)


def _point(code: str) -> ProgrammePoint:
    return ProgrammePoint.objects.get(programme__organisation__isnull=True, template__code=code)


def _member(school_class, **fields) -> Student:
    student = StudentFactory(**fields)
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    return student


@pytest.fixture
def class_7(school_a):
    return SchoolClassFactory(
        school=school_a, school_year=YEAR, school_type=SchoolType.GR, grade=7, name="7A"
    )


@pytest.fixture
def newcomer(class_7):
    """Moved in to åk 7 with no visit from earlier grades: F, åk 2 and åk 4 are missing."""
    return _member(class_7, given_name="Nova", family_name="Inflyttad")


@pytest.fixture
def ak2():
    return _point("halsobesok-ak2")


@pytest.fixture
def ak4():
    return _point("halsobesok-ak4")


def _catch_up(nurse, student, point, **fields):
    fields.setdefault("status", VisitStatus.PLANNED)
    if fields["status"] == VisitStatus.PLANNED:
        fields.setdefault("planned_on", _in_year(3))
    return visit_catch_up(
        by=nurse,
        student=student,
        point=point,
        organisation=nurse.staff_member.organisation_id,
        **fields,
    )


def _rows(student, org):
    return {row.point.label: row for row in coverage(student, org)}


# --- The service ---------------------------------------------------------------------------


def test_a_catch_up_is_planned_for_an_earlier_grade(nurse_a, newcomer, class_7, ak4, org_a):
    before = coverage_warning(newcomer)
    assert before.moved_in and before.reachable == 1
    assert {row.point.label for row in catch_up_rows(coverage(newcomer, org_a))} == {
        "Förskoleklass",
        "Åk 2",
        "Åk 4",
        "Åk 7/8",
    }

    visit = _catch_up(nurse_a, newcomer, ak4, reason="Flyttade in från annan kommun")

    assert visit.status == VisitStatus.PLANNED and visit.planned_on == _in_year(3)
    assert visit.school == class_7.school and visit.school_year == YEAR
    assert visit.organisation == org_a and visit.reason == "Flyttade in från annan kommun"
    assert visit.history.get().history_user == nurse_a
    row = _rows(newcomer, org_a)["Åk 4"]
    assert row.is_catch_up and row.reachable and not row.done
    assert not row.may_catch_up
    after = coverage_warning(newcomer)
    assert after.reachable == 2 and after.done == 0  # planned counts as planned, not done
    assert [r.point.label for r in after.catch_ups] == ["Åk 4"]


def test_two_catch_ups_bring_the_student_within_the_minimum(nurse_a, newcomer, ak2, ak4):
    _catch_up(nurse_a, newcomer, ak2)
    _catch_up(nurse_a, newcomer, ak4)
    warning = coverage_warning(newcomer)
    assert not warning and warning.reachable == 3


def test_done_comes_only_from_the_signed_note(nurse_a, newcomer, ak2, org_a):
    _catch_up(nurse_a, newcomer, ak2)
    entry = make_entry(nurse_a, newcomer, template="halsobesok-ak2", values=AK2_VALUES)
    assert not _rows(newcomer, org_a)["Åk 2"].done  # a draft is not a visit
    entry_sign(entry=entry, by=nurse_a)
    row = _rows(newcomer, org_a)["Åk 2"]
    assert row.done and not row.is_catch_up
    assert coverage_warning(newcomer).done == 1


def test_a_point_is_marked_not_applicable_with_a_reason(nurse_a, newcomer, org_a):
    fklass = _point("halsobesok-fklass")
    visit = _catch_up(
        nurse_a,
        newcomer,
        fklass,
        status=VisitStatus.NOT_APPLICABLE,
        planned_on=_in_year(3),
        reason="Flyttade in efter förskoleklass",
    )
    assert visit.status == VisitStatus.NOT_APPLICABLE and visit.planned_on is None
    row = _rows(newcomer, org_a)["Förskoleklass"]
    assert not row.reachable and not row.may_catch_up


def test_not_applicable_needs_a_reason(nurse_a, newcomer, ak2):
    with pytest.raises(ValidationError) as error:
        _catch_up(nurse_a, newcomer, ak2, status=VisitStatus.NOT_APPLICABLE, reason="  ")
    assert "reason" in error.value.message_dict
    assert not HealthVisit.objects.exists()


@pytest.mark.parametrize("day", ["before", "after", "missing"])
def test_a_date_outside_the_school_year_is_refused(nurse_a, newcomer, ak2, day):
    first, last = school_year_bounds(YEAR)
    planned_on = {
        "before": first - datetime.timedelta(days=1),
        "after": last + datetime.timedelta(days=1),
        "missing": None,
    }[day]
    with pytest.raises(ValidationError) as error:
        _catch_up(nurse_a, newcomer, ak2, planned_on=planned_on)
    assert "planned_on" in error.value.message_dict
    assert not HealthVisit.objects.exists()


def test_a_point_already_done_is_refused(nurse_a, newcomer, ak2):
    make_entry(nurse_a, newcomer, template="halsobesok-ak2", values=AK2_VALUES, sign=True)
    with pytest.raises(ValidationError) as error:
        _catch_up(nurse_a, newcomer, ak2)
    assert "redan genomfört" in error.value.message_dict["point"][0]
    assert not HealthVisit.objects.exists()


def test_a_second_visit_for_one_point_is_refused(nurse_a, newcomer, ak2):
    first = _catch_up(nurse_a, newcomer, ak2)
    with pytest.raises(ValidationError) as error:
        _catch_up(nurse_a, newcomer, ak2, planned_on=_in_year(10))
    assert "redan ett hälsobesök" in error.value.message_dict["point"][0]
    assert list(HealthVisit.objects.all()) == [first]


def test_another_care_providers_visit_for_the_point_is_refused(
    nurse_a, nurse_b, newcomer, ak2, school_b
):
    """The national programme's points are shared: one visit per student and point, whoever
    holds it."""
    HealthVisit.objects.create(
        student=newcomer,
        point=ak2,
        organisation=school_b.organisation,
        school=school_b,
        school_year="2021/22",
        status=VisitStatus.MISSED,
        updated_by=nurse_b,
    )
    with pytest.raises(ValidationError) as error:
        _catch_up(nurse_a, newcomer, ak2)
    assert "point" in error.value.message_dict
    assert HealthVisit.objects.count() == 1


def test_a_later_grades_point_is_planned_with_the_class(nurse_a, school_a):
    class_2 = SchoolClassFactory(school=school_a, school_year=YEAR, grade=2, name="2A")
    student = _member(class_2)
    with pytest.raises(ValidationError) as error:
        _catch_up(nurse_a, student, _point("halsobesok-ak4"))
    assert "senare årskurs" in error.value.message_dict["point"][0]
    with pytest.raises(ValidationError):
        _catch_up(nurse_a, student, _point("halsobesok-gy1"))  # another school form


def test_a_point_of_another_programme_is_refused(nurse_a, newcomer, org_b):
    own = programme_create_draft(
        source=HealthProgramme.objects.get(organisation__isnull=True, status="published"),
        organisation=org_b,
    )
    programme_publish(programme=own, by=None)
    with pytest.raises(ValidationError) as error:
        _catch_up(nurse_a, newcomer, own.points.get(grade=2))
    assert "point" in error.value.message_dict


# --- The pages ------------------------------------------------------------------------------


def _url(student, point) -> str:
    return reverse("journal:visit-catch-up", args=[student.public_id, point.pk])


def _visits_url(student) -> str:
    return reverse("journal:student-visits", args=[student.public_id])


def test_the_coverage_page_offers_catch_up_for_missing_points(client, nurse_a, newcomer, ak2):
    make_entry(
        nurse_a, newcomer, template="halsobesok-fklass", sign=True
    )  # F done: nothing to plan
    client.force_login(nurse_a)
    response = client.get(_visits_url(newcomer))
    assert response.status_code == 200
    body = response.content.decode()
    assert _url(newcomer, ak2) in body
    assert _url(newcomer, _point("halsobesok-fklass")) not in body
    assert _url(newcomer, _point("halsobesok-gy1")) not in body  # another school form
    assert "Planera individuellt Åk 2" in visible_text(response)


def test_a_doctor_may_plan_but_a_psychologist_sees_no_catch_up_links(
    client, psychologist_a, doctor_a, student_a
):
    client.force_login(psychologist_a)
    assert "Planera individuellt" not in visible_text(client.get(_visits_url(student_a)))
    client.force_login(doctor_a)
    assert client.get(_url(student_a, _point("halsobesok-ak2"))).status_code == 200


def test_the_nurse_plans_a_catch_up_from_the_page(client, nurse_a, newcomer, ak4):
    client.force_login(nurse_a)
    response = client.get(_url(newcomer, ak4))
    assert response.status_code == 200
    assert "Planera Åk 4 individuellt" in visible_text(response)
    assert AccessLogEntry.objects.filter(
        user=nurse_a, student=newcomer, action="edit", reason="care_relation"
    ).exists()

    response = client.post(
        _url(newcomer, ak4),
        {"status": "planned", "planned_on": _in_year(4).isoformat(), "reason": "Inflyttad"},
    )
    assert response.status_code == 302
    assert response["Location"] == _visits_url(newcomer)
    visit = HealthVisit.objects.get(student=newcomer, point=ak4)
    assert visit.planned_on == _in_year(4) and visit.updated_by == nurse_a
    text = visible_text(client.get(_visits_url(newcomer)))
    assert f"Åk 4 är planerat till {_in_year(4).isoformat()}" in text
    assert "individuellt planerat (ikapp)" in text
    assert "högst 2 av minst 3" in text  # F and åk 2 still missing: still case by case


def test_the_nurse_marks_a_point_not_applicable(client, nurse_a, newcomer):
    fklass = _point("halsobesok-fklass")
    client.force_login(nurse_a)
    response = client.post(
        _url(newcomer, fklass),
        {"status": "not_applicable", "reason": "Flyttade in i åk 7"},
        follow=True,
    )
    assert "Förskoleklass är markerat som ej aktuellt" in visible_text(response)
    assert "Ej aktuellt: Flyttade in i åk 7" in visible_text(response)
    assert HealthVisit.objects.get().status == VisitStatus.NOT_APPLICABLE


def test_a_date_outside_the_year_is_shown_and_nothing_typed_is_lost(client, nurse_a, newcomer, ak2):
    last = school_year_bounds(YEAR)[1]
    client.force_login(nurse_a)
    response = client.post(
        _url(newcomer, ak2),
        {
            "status": "planned",
            "planned_on": (last + datetime.timedelta(days=2)).isoformat(),
            "reason": "Kommer från Norge",
        },
    )
    assert response.status_code == 200
    text = visible_text(response)
    assert "Inget sparades" in text and "utanför läsåret" in text
    body = response.content.decode()
    assert "Kommer från Norge" in body
    assert (last + datetime.timedelta(days=2)).isoformat() in body
    assert not HealthVisit.objects.exists()


def test_no_choice_and_no_reason_are_shown_on_the_form(client, nurse_a, newcomer, ak2):
    client.force_login(nurse_a)
    response = client.post(_url(newcomer, ak2), {"planned_on": _in_year(2).isoformat()})
    assert "Välj om besöket ska planeras" in visible_text(response)
    response = client.post(_url(newcomer, ak2), {"status": "not_applicable"})
    assert "Skriv varför besöket inte är aktuellt" in visible_text(response)
    response = client.post(_url(newcomer, ak2), {"status": "done"})  # not a choice
    assert response.status_code == 200
    assert not HealthVisit.objects.exists()


def test_a_point_already_done_says_so(client, nurse_a, newcomer, ak2):
    make_entry(nurse_a, newcomer, template="halsobesok-ak2", values=AK2_VALUES, sign=True)
    client.force_login(nurse_a)
    response = client.get(_url(newcomer, ak2))
    assert "redan genomfört" in visible_text(response)
    assert "<form" not in response.content.decode().split('id="catch-up-heading"')[1]
    response = client.post(_url(newcomer, ak2), {"status": "planned", "planned_on": _in_year(2)})
    assert response.status_code == 200
    assert "redan genomfört" in visible_text(response)
    assert not HealthVisit.objects.exists()


def test_a_point_with_a_visit_links_to_it(client, nurse_a, newcomer, ak2):
    visit = _catch_up(nurse_a, newcomer, ak2)
    client.force_login(nurse_a)
    response = client.get(_url(newcomer, ak2))
    assert reverse("journal:visit-update", args=[visit.pk]) in response.content.decode()
    response = client.post(_url(newcomer, ak2), {"status": "planned", "planned_on": _in_year(9)})
    assert "redan ett hälsobesök" in visible_text(response)
    assert HealthVisit.objects.count() == 1


def test_a_point_of_another_organisations_programme_is_404(client, nurse_a, newcomer, org_b):
    own = programme_create_draft(
        source=HealthProgramme.objects.get(organisation__isnull=True, status="published"),
        organisation=org_b,
    )
    programme_publish(programme=own, by=None)
    client.force_login(nurse_a)
    url = _url(newcomer, own.points.get(grade=2))
    assert client.get(url).status_code == 404
    assert client.post(url, {"status": "planned", "planned_on": _in_year(2)}).status_code == 404
    assert not HealthVisit.objects.exists()
    assert AccessLogEntry.objects.filter(user=nurse_a, action="refused", student=newcomer).exists()


def test_an_unknown_point_is_404(client, nurse_a, newcomer):
    client.force_login(nurse_a)
    assert (
        client.get(reverse("journal:visit-catch-up", args=[newcomer.public_id, 999999])).status_code
        == 404
    )


@pytest.mark.parametrize("user", ["nurse_a2", "nurse_b", "psychologist_a", "registry_admin_a"])
def test_who_may_not_plan_gets_404_and_a_refused_row(client, request, user, student_a):
    who = request.getfixturevalue(user)
    client.force_login(who)
    url = _url(student_a, _point("halsobesok-ak2"))
    assert client.get(url).status_code == 404
    response = client.post(url, {"status": "planned", "planned_on": _in_year(2).isoformat()})
    assert response.status_code == 404
    assert not HealthVisit.objects.exists()
    assert AccessLogEntry.objects.filter(user=who, action="refused").exists()


# --- The worklist and the start page show a catch-up ----------------------------------------


@pytest.fixture
def class_4a(class_a):
    class_a.school_year = YEAR
    class_a.save()
    return class_a


def test_the_worklist_shows_a_catch_up_beside_the_class_point(
    client, nurse_a, class_4a, student_a, ak2
):
    _catch_up(nurse_a, student_a, ak2, planned_on=TODAY())
    client.force_login(nurse_a)
    response = client.get(reverse("journal:class-worklist", args=[class_4a.pk]))
    text = visible_text(response)
    assert f"Åk 2 individuellt: Planerat {TODAY().isoformat()}" in text
    row = next(s for s in response.context["students"] if s.pk == student_a.pk)
    assert row.visit is None  # the class's own point (åk 4) is still unplanned


def test_the_worklist_query_count_is_constant_with_catch_ups(
    client,
    nurse_a,
    class_4a,
    student_a,
    ak2,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    _catch_up(nurse_a, student_a, ak2)

    def grow():
        for _ in range(8):
            student = _member(class_4a)
            _catch_up(nurse_a, student, ak2)
            _catch_up(nurse_a, student, _point("halsobesok-fklass"))

    client.force_login(nurse_a)
    url = reverse("journal:class-worklist", args=[class_4a.pk])
    assert_constant_queries(
        client, url, grow, django_assert_max_num_queries, django_assert_num_queries
    )


def test_the_start_page_lists_a_catch_up_this_week_and_an_overdue_one(
    client, nurse_a, class_4a, student_a, ak2, ak4
):
    late = _member(class_4a, given_name="Lova", family_name="Sen")
    _catch_up(nurse_a, student_a, ak2, planned_on=TODAY())
    earlier = max(TODAY() - datetime.timedelta(days=10), school_year_bounds(YEAR)[0])
    _catch_up(nurse_a, late, ak2, planned_on=earlier)
    plan_class(by=nurse_a, school_class=class_4a, point=ak4, planned_on=_in_year(60))
    client.force_login(nurse_a)
    visits = client.get(reverse("home")).context["visits"]
    assert [(v.student, v.point) for v in visits["week"]] == [(student_a, ak2)]
    if earlier < TODAY():
        assert [(v.student, v.point) for v in visits["overdue"]] == [(late, ak2)]
