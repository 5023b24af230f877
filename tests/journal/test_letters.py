"""Invitation letters (kallelser) to planned health visits: content without health data, one page
per letter, protected-identity students left to paper handling, access and the access log."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from consent.models import AccessAction, AccessLogEntry
from journal.letters import class_point
from journal.models import HealthVisit, ProgrammePoint, VisitStatus
from journal.services.alerts import alert_create
from schools.models import ProtectedIdentity
from tests.journal.factories import make_entry
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    GuardianFactory,
    GuardianRelationFactory,
    SchoolClassFactory,
    StudentFactory,
)


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


PLANNED = in_days(14)


def ak4_point() -> ProgrammePoint:
    return ProgrammePoint.objects.get(
        programme__organisation__isnull=True,
        programme__status="published",
        school_type="GR",
        grade=4,
    )


def plan(student, by, *, school, planned_on=PLANNED, status=VisitStatus.PLANNED, **extra):
    return HealthVisit.objects.create(
        student=student,
        point=ak4_point(),
        organisation=school.organisation,
        school=school,
        school_year="2026/27",
        status=status,
        planned_on=planned_on,
        updated_by=by,
        **extra,
    )


def classmate(school_class, given, family="Klasskamrat", **extra):
    student = StudentFactory(given_name=given, family_name=family, **extra)
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    return student


def pdf_pages(response) -> list[str]:
    assert response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def print_rows(user):
    return AccessLogEntry.objects.filter(user=user, action=AccessAction.PRINT)


@pytest.fixture
def nurse(nurse_a):
    nurse_a.first_name, nurse_a.last_name = "Sara", "Sköterska"
    nurse_a.save()
    member = nurse_a.staff_member
    member.title = "Skolsköterska, leg."
    member.save()
    return nurse_a


@pytest.fixture
def visit_a(student_a, nurse, school_a):
    GuardianRelationFactory(
        student=student_a, guardian=GuardianFactory(given_name="Greta", family_name="Förälder")
    )
    return plan(student_a, nurse, school=school_a)


# --- One student's letter -----------------------------------------------------------------------


def test_letter_has_name_date_school_and_contact_but_no_health_data(
    client, nurse, student_a, school_a, visit_a
):
    alert_create(
        by=nurse,
        student=student_a,
        kind="allergy",
        substance="Jordnötter",
        reaction="Anafylaxi",
        severity="severe",
        description="Adrenalinpenna i skåpet.",
    )
    make_entry(nurse, student_a, template="oppen-mottagning", values={"kontaktorsak": "Huvudvärk"})
    client.force_login(nurse)

    response = client.get(reverse("journal:visit-letter", args=[visit_a.pk]))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="kallelse-halsobesok-')
    assert "Alva" not in disposition and "Exempelsson" not in disposition
    assert response["Cache-Control"] == "private, no-store"
    (page,) = pdf_pages(response)
    text = " ".join(page.split())
    assert "Till vårdnadshavare för Alva Exempelsson" in text
    assert "Greta Förälder" in text
    assert PLANNED.isoformat() in text
    assert "Skola A" in text
    assert "klass 4A" in text
    assert "Hälsobesök åk 4: Tillväxt, rygg (skolios) och hälsosamtal." in text
    assert "Meddela skolsköterskan om tiden inte passar." in text
    assert "Sara Sköterska, Skolsköterska, leg." in text
    for secret in (
        student_a.identity_number,
        student_a.identity_number[-4:],
        student_a.street_address,
        "Jordnötter",
        "Anafylaxi",
        "Adrenalinpenna",
        "Huvudvärk",
    ):
        assert secret not in text


def test_letter_logs_one_print_row(client, nurse, student_a, visit_a):
    client.force_login(nurse)
    client.get(reverse("journal:visit-letter", args=[visit_a.pk]))
    (row,) = AccessLogEntry.objects.filter(user=nurse)
    assert row.action == AccessAction.PRINT
    assert row.student == student_a
    assert row.record_type == "journal.healthvisit"
    assert row.record_id == str(visit_a.pk)


def test_protected_student_gets_no_letter(client, nurse, student_a, visit_a):
    student_a.protected_identity = ProtectedIdentity.PROTECTED_REGISTRATION
    student_a.save()
    client.force_login(nurse)

    response = client.get(reverse("journal:visit-letter", args=[visit_a.pk]))

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "kräver manuell hantering" in response.content.decode()
    assert not print_rows(nurse).exists()
    row = AccessLogEntry.objects.get(user=nurse)
    assert row.action == AccessAction.VIEW and row.protected


@pytest.mark.parametrize("planned_on", [None, in_days(-1)], ids=["no-date", "past"])
def test_visit_without_a_coming_date_gets_no_letter(client, nurse, student_a, school_a, planned_on):
    visit = plan(student_a, nurse, school=school_a, planned_on=planned_on)
    client.force_login(nurse)

    response = client.get(reverse("journal:visit-letter", args=[visit.pk]))

    assert response.status_code == 404
    assert "Planera ett datum först" in response.content.decode()
    assert not print_rows(nurse).exists()


@pytest.mark.parametrize(
    "status", [VisitStatus.DECLINED, VisitStatus.NOT_APPLICABLE, VisitStatus.MISSED]
)
def test_visit_that_will_not_happen_gets_no_letter(client, nurse, student_a, school_a, status):
    visit = plan(
        student_a,
        nurse,
        school=school_a,
        status=status,
        declined_by="Vårdnadshavare" if status == VisitStatus.DECLINED else "",
    )
    client.force_login(nurse)
    assert client.get(reverse("journal:visit-letter", args=[visit.pk])).status_code == 404


def test_done_visit_gets_no_letter(client, nurse, student_a, visit_a):
    make_entry(nurse, student_a, template="halsobesok-ak4", sign=True)
    client.force_login(nurse)
    assert client.get(reverse("journal:visit-letter", args=[visit_a.pk])).status_code == 404


def test_unknown_visit_is_404_with_refused_row(client, nurse):
    client.force_login(nurse)
    assert client.get(reverse("journal:visit-letter", args=[999999])).status_code == 404
    assert AccessLogEntry.objects.get(user=nurse).action == AccessAction.REFUSED


@pytest.mark.parametrize("who", ["nurse_b", "nurse_a2", "psychologist_a"])
def test_others_get_404_for_the_letter(client, request, visit_a, who):
    user = request.getfixturevalue(who)
    client.force_login(user)

    response = client.get(reverse("journal:visit-letter", args=[visit_a.pk]))

    assert response.status_code == 404
    assert not print_rows(user).exists()
    assert AccessLogEntry.objects.get(user=user).action == AccessAction.REFUSED


def test_letter_needs_login(client, visit_a):
    response = client.get(reverse("journal:visit-letter", args=[visit_a.pk]))
    assert response.status_code == 302


# --- A class's letters --------------------------------------------------------------------------


@pytest.fixture
def planned_class(class_a, nurse, school_a, visit_a, student_a):
    """Class 4A: Alva and Bo planned, Cilla protected and planned, Dan without a visit, Eva
    declined, Filip done."""
    bo = classmate(class_a, "Bo")
    plan(bo, nurse, school=school_a)
    cilla = classmate(
        class_a, "Cilla", "Skyddad", protected_identity=ProtectedIdentity.SECRECY_MARKING
    )
    plan(cilla, nurse, school=school_a)
    classmate(class_a, "Dan")
    eva = classmate(class_a, "Eva")
    plan(eva, nurse, school=school_a, status=VisitStatus.DECLINED, declined_by="Vårdnadshavare")
    filip = classmate(class_a, "Filip")
    plan(filip, nurse, school=school_a)
    make_entry(nurse, filip, template="halsobesok-ak4", sign=True)
    return {"printed": [student_a, bo], "protected": cilla}


def test_class_point_is_the_national_ak4(class_a):
    assert class_point(class_a) == ak4_point()


def test_class_page_counts_letters_and_paper_handling(client, nurse, class_a, planned_class):
    client.force_login(nurse)

    response = client.get(reverse("journal:class-letters", args=[class_a.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 elev kräver manuell hantering (skyddade personuppgifter)" in html
    assert "Skriv ut 2 kallelser (PDF)" in html
    assert "Cilla" not in html and "Skyddad" not in html
    assert not print_rows(nurse).exists()


def test_class_pdf_has_one_page_per_planned_student_without_protected(
    client, nurse, class_a, planned_class
):
    client.force_login(nurse)

    response = client.post(reverse("journal:class-letters", args=[class_a.pk]))

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="kallelser-4a-')
    assert response["Cache-Control"] == "private, no-store"
    pages = pdf_pages(response)
    assert len(pages) == 2
    assert "Alva Exempelsson" in pages[0]
    assert "Bo Klasskamrat" in pages[1]
    everything = " ".join(pages)
    for absent in ("Cilla", "Skyddad", "Dan", "Eva", "Filip"):
        assert absent not in everything


def test_class_pdf_logs_a_print_row_per_printed_student(client, nurse, class_a, planned_class):
    client.force_login(nurse)
    client.post(reverse("journal:class-letters", args=[class_a.pk]))

    rows = print_rows(nurse)
    assert {row.student for row in rows} == set(planned_class["printed"])
    assert rows.count() == 2
    assert all(row.reason == "care_relation" for row in rows)
    assert all(row.school_id == class_a.school_id for row in rows)
    assert not AccessLogEntry.objects.filter(student=planned_class["protected"]).exists()


def test_class_pdf_query_count_does_not_grow_with_the_class(
    client, nurse, class_a, school_a, visit_a, django_assert_max_num_queries
):
    client.force_login(nurse)
    url = reverse("journal:class-letters", args=[class_a.pk])
    client.post(url)  # warm up the session and the content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.post(url)
    for number in range(5):
        plan(classmate(class_a, f"Elev{number}"), nurse, school=school_a)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.post(url)
    assert len(pdf_pages(response)) == 6


def test_class_without_planned_visits(client, nurse, class_a, student_a):
    client.force_login(nurse)
    url = reverse("journal:class-letters", args=[class_a.pk])

    assert "Skriv ut" not in client.get(url).content.decode()
    response = client.post(url)

    assert response.status_code == 200
    assert "Det finns inga kallelser att skriva ut." in response.content.decode()
    assert not print_rows(nurse).exists()


def test_class_of_a_grade_without_a_point(client, nurse, school_a):
    school_class = SchoolClassFactory(school=school_a, grade=3, name="3A")
    client.force_login(nurse)
    response = client.get(reverse("journal:class-letters", args=[school_class.pk]))
    assert response.status_code == 200
    assert "inget hälsobesök i programmet" in response.content.decode()


@pytest.mark.parametrize("who", ["nurse_b", "nurse_a2", "psychologist_a"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_others_get_404_for_class_letters(client, request, class_a, planned_class, who, method):
    user = request.getfixturevalue(who)
    client.force_login(user)

    response = getattr(client, method)(reverse("journal:class-letters", args=[class_a.pk]))

    assert response.status_code == 404
    assert not print_rows(user).exists()
