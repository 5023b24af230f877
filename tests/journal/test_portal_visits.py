"""The guardian portal's health-visit section (issue 6, point 6): the next planned or invited
visit (date, programme point, school) and the visits done so far (date and point), never health
data; a constant number of queries; through the portal page only with the reading right."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from consent.portal.sections import READ, portal_sections
from journal.models import HealthVisit, ProgrammePoint
from journal.models.visits import VisitStatus
from journal.portal.visits import visits_context
from journal.services.visits import plan_class, school_year_bounds, visit_update
from schools.models import ProtectedIdentity
from schools.schoolyear import current_school_year
from tests.helpers import visible_text
from tests.journal.factories import FKLASS_VALUES, make_entry
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    GuardianRelationFactory,
    StudentFactory,
)

TODAY = timezone.localdate
YEAR = current_school_year()
TEMPLATE = "portal/sections/_visits.html"


def _in_year(days: int) -> datetime.date:
    first, last = school_year_bounds(YEAR)
    return min(max(TODAY() + datetime.timedelta(days=days), first), last)


def _point(code: str) -> ProgrammePoint:
    return ProgrammePoint.objects.get(programme__organisation__isnull=True, template__code=code)


@pytest.fixture
def class_4a(class_a):
    class_a.school_year = YEAR
    class_a.save()
    return class_a


@pytest.fixture
def child(student_a):
    # The section uses only ``child.student`` (a consent.portal.rights.ChildAccess).
    return SimpleNamespace(student=student_a)


def _render(child) -> str:
    return render_to_string(TEMPLATE, {**visits_context(child), "child": child})


def test_the_section_is_registered_with_the_reading_right():
    section = next(s for s in portal_sections() if s.key == "visits")
    assert section.right == READ and section.template == TEMPLATE
    assert section.context is visits_context


def test_nothing_planned_and_nothing_done(child, class_4a):
    context = visits_context(child)
    assert context == {"upcoming": None, "done": []}
    text = _render(child)
    assert "Inget hälsobesök är planerat just nu." in text
    assert "Inga hälsobesök är genomförda ännu." in text


def test_the_next_planned_visit_with_date_point_and_school(nurse_a, child, class_4a, school_a):
    plan_class(
        by=nurse_a, school_class=class_4a, point=_point("halsobesok-ak4"), planned_on=_in_year(5)
    )
    upcoming = visits_context(child)["upcoming"]
    assert upcoming == {"label": "Åk 4", "date": _in_year(5), "school": school_a.name}
    html = _render(child)
    assert "Åk 4" in html and school_a.name in html
    assert f'datetime="{_in_year(5).isoformat()}"' in html


def test_the_nearest_open_visit_comes_first_and_past_or_closed_ones_not(
    nurse_a, child, class_4a, student_a, school_a
):
    counts = plan_class(
        by=nurse_a, school_class=class_4a, point=_point("halsobesok-ak4"), planned_on=_in_year(40)
    )
    assert counts["created"] == 1
    catch_up = HealthVisit.objects.create(
        student=student_a,
        point=_point("halsobesok-ak2"),
        organisation=school_a.organisation,
        school=school_a,
        school_year=YEAR,
        status=VisitStatus.INVITED,
        planned_on=_in_year(10),
        invited_on=TODAY(),
        updated_by=nurse_a,
    )
    assert visits_context(child)["upcoming"]["label"] == "Åk 2"
    visit_update(visit=catch_up, by=nurse_a, status="declined", declined_by="Vårdnadshavare")
    assert visits_context(child)["upcoming"]["label"] == "Åk 4"
    past = HealthVisit.objects.get(student=student_a, point__template__code="halsobesok-ak4")
    if _in_year(-3) < TODAY():
        visit_update(visit=past, by=nurse_a, status="planned", planned_on=_in_year(-3))
        assert visits_context(child)["upcoming"] is None  # overdue: not "upcoming"


def test_a_visit_done_by_its_signed_note_is_listed_as_done_not_upcoming(
    nurse_a, child, class_4a, student_a
):
    plan_class(
        by=nurse_a, school_class=class_4a, point=_point("halsobesok-ak4"), planned_on=_in_year(1)
    )
    make_entry(nurse_a, student_a, template="halsobesok-ak4")  # a draft: not done
    context = visits_context(child)
    assert context["done"] == [] and context["upcoming"]["label"] == "Åk 4"
    contact = timezone.now() - datetime.timedelta(days=1)
    make_entry(nurse_a, student_a, template="halsobesok-ak4", sign=True, contact_at=contact)
    context = visits_context(child)
    assert context["upcoming"] is None
    assert context["done"] == [{"label": "Åk 4", "date": timezone.localtime(contact).date()}]


def test_no_health_data_reaches_the_guardian(nurse_a, child, class_4a, student_a):
    """Entry text, keyword values, the visit's comment and who declined stay with the staff."""
    make_entry(nurse_a, student_a, template="halsobesok-fklass", values=FKLASS_VALUES, sign=True)
    visit = HealthVisit.objects.create(
        student=student_a,
        point=_point("halsobesok-ak4"),
        organisation=class_4a.school.organisation,
        school=class_4a.school,
        school_year=YEAR,
        planned_on=_in_year(7),
        reason="Hemlig kommentar om oro",
        updated_by=nurse_a,
    )
    html = _render(child)
    assert "Förskoleklass" in html and "Åk 4" in html
    for secret in (*FKLASS_VALUES.values(), visit.reason, "Synskärpa", "118.0"):
        assert secret not in html, secret


def test_protected_identity_hides_the_school(nurse_a, child, class_4a, student_a, school_a):
    plan_class(
        by=nurse_a, school_class=class_4a, point=_point("halsobesok-ak4"), planned_on=_in_year(5)
    )
    student_a.protected_identity = ProtectedIdentity.SECRECY_MARKING
    student_a.save()
    assert visits_context(child)["upcoming"]["school"] == ""
    assert school_a.name not in _render(child)


def test_another_care_providers_visits_are_not_shown(
    nurse_a, nurse_b, child, class_4a, student_a, school_b
):
    """The section shows the care provider of the child's health-responsible school."""
    HealthVisit.objects.create(
        student=student_a,
        point=_point("halsobesok-ak2"),
        organisation=school_b.organisation,
        school=school_b,
        school_year=YEAR,
        planned_on=_in_year(3),
        updated_by=nurse_b,
    )
    assert visits_context(child)["upcoming"] is None


def test_a_child_without_a_current_school_gets_empty_lists(child, student_a):
    student_a.enrolments.update(end_date=TODAY() - datetime.timedelta(days=1))
    assert visits_context(child) == {"upcoming": None, "done": []}


def test_the_section_runs_a_constant_number_of_queries(
    nurse_a, child, class_4a, student_a, django_assert_num_queries
):
    with django_assert_num_queries(5):
        visits_context(child)
    plan_class(
        by=nurse_a, school_class=class_4a, point=_point("halsobesok-ak4"), planned_on=_in_year(5)
    )
    for code in ("halsobesok-fklass", "halsobesok-ak2"):
        make_entry(nurse_a, student_a, template=code, values=FKLASS_VALUES, sign=True)
    with django_assert_num_queries(5):
        context = visits_context(child)
    assert len(context["done"]) == 2 and context["upcoming"] is not None


# --- Through the portal page -------------------------------------------------------------------


def _portal_child_url(student) -> str:
    return reverse("portal:child", args=[student.public_id])


def _portal_client(guardian):
    portal_fakes = pytest.importorskip("tests.consent.portal_fakes")
    return portal_fakes.portal_client(guardian)


def test_a_guardian_sees_the_section_on_the_childs_page(nurse_a, class_4a, student_a, school_a):
    relation = GuardianRelationFactory(student=student_a)
    plan_class(
        by=nurse_a, school_class=class_4a, point=_point("halsobesok-ak4"), planned_on=_in_year(5)
    )
    response = _portal_client(relation.guardian).get(_portal_child_url(student_a))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Hälsobesök" in text and "Nästa hälsobesök" in text
    assert "Åk 4" in text and school_a.name in text


def test_a_guardian_of_a_child_past_13_does_not_see_the_section(nurse_a, class_4a, school_a):
    born = datetime.date(TODAY().year - 14, 1, 1)  # 13 or 14 today: guardians no longer read
    student = StudentFactory(
        identity_number=None, reserve_number=f"{born:%Y%m%d}TF01", birth_date=born
    )
    EnrolmentFactory(student=student, school=school_a)
    ClassMembershipFactory(student=student, school_class=class_4a)
    relation = GuardianRelationFactory(student=student)
    plan_class(
        by=nurse_a, school_class=class_4a, point=_point("halsobesok-ak4"), planned_on=_in_year(5)
    )
    response = _portal_client(relation.guardian).get(_portal_child_url(student))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Nästa hälsobesök" not in text and "Åk 4" not in text
