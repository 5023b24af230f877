"""The student's log extract (issue 11, R-LOG-4): every access from every organisation in a
period, names only for public bodies, masked for protected identity until a harm assessment."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.extracts import extract_create, extract_lines, extract_rows
from consent.models import (
    AccessAction,
    AccessLogEntry,
    AccessReason,
    LogExtract,
)
from schools.models import Organisation
from tests.helpers import visible_text
from tests.schools.factories import StudentFactory

NURSE_A_NAME = "Nora Kommunsköterska"
NURSE_B_NAME = "Berit Friskolesköterska"


def _ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _row(user, student, at, *, action=AccessAction.VIEW, reason=AccessReason.CARE_RELATION):
    member = user.staff_member
    school = member.assignments.get().school
    return AccessLogEntry.objects.create(
        at=at,
        user=user,
        username=user.username,
        student=student,
        action=action,
        reason=reason,
        organisation=member.organisation,
        school=school,
    )


@pytest.fixture
def planted(nurse_a, nurse_b, student_a, org_b):
    """Accesses to student_a ten and twelve days ago from organisation A (municipal) and B
    (independent); one outside the period; one to another student."""
    Organisation.objects.filter(pk=org_b.pk).update(kind=Organisation.Kind.INDEPENDENT)
    for user, name in ((nurse_a, NURSE_A_NAME), (nurse_b, NURSE_B_NAME)):
        user.first_name, user.last_name = name.split()
        user.save()
    nurse_a.staff_member.title = "Skolsköterska åk 1–6"
    nurse_a.staff_member.save()
    inside = [
        _row(nurse_a, student_a, _ago(12)),
        _row(nurse_b, student_a, _ago(10), action=AccessAction.PRINT, reason=AccessReason.CONSENT),
    ]
    _row(nurse_a, student_a, _ago(40))
    _row(nurse_a, StudentFactory(), _ago(11))
    return inside


def _extract(student, by, **kw):
    return extract_create(
        student=student,
        organisation=by.staff_member.organisation,
        by=by,
        period_from=_days(-20),
        period_to=_days(-5),
        requested_by_text="Eleven",
        **kw,
    )


def test_the_extract_lists_exactly_the_planted_accesses(planted, nurse_a, student_a):
    extract = _extract(student_a, nurse_a)
    assert list(extract_rows(extract)) == planted
    lines = extract_lines(extract, extract_rows(extract))
    own, other = lines
    assert own.organisation == "Kommun A" and own.unit == "Skola A"
    assert own.name == f"{NURSE_A_NAME}, Skolsköterska åk 1–6"
    assert own.access == "Visning (vårdrelation)"
    # An independent organisation: organisation and unit, never the staff member's name.
    assert (other.organisation, other.unit, other.name) == ("Friskolan B AB", "Skola B", "")
    assert other.access.startswith("Utskrift")


def test_clinician_produces_an_extract_page_and_pdf_both_logged(
    client, planted, doctor_a, student_a
):
    client.force_login(doctor_a)  # the layout names the signed-in user: not nurse_a
    new = reverse("consent:log-extract-new", args=[student_a.public_id])
    assert client.get(new).status_code == 200
    data = {"period_from": _days(-20), "period_to": _days(-5), "requested_by_text": "Eleven"}
    response = client.post(new, data)
    extract = LogExtract.objects.get()
    assert response.status_code == 302
    assert extract.status == LogExtract.Status.RELEASED and not extract.masked
    page = client.get(response["Location"])
    text = visible_text(page)
    assert NURSE_A_NAME in text and "Friskolan B AB" in text and "Skola B" in text
    assert NURSE_B_NAME not in text
    assert AccessLogEntry.objects.filter(
        action=AccessAction.EXPORT, record_type="consent.logextract", record_id=str(extract.pk)
    ).exists()
    pdf = client.get(reverse("consent:log-extract-pdf", args=[student_a.public_id, extract.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert AccessLogEntry.objects.filter(
        action=AccessAction.PRINT, record_type="consent.logextract"
    ).exists()
    from tests.test_authorization_matrix import pdf_text

    body = pdf_text(pdf.content)
    assert NURSE_A_NAME in body and NURSE_B_NAME not in body


def test_the_period_is_limited(client, nurse_a, student_a):
    client.force_login(nurse_a)
    new = reverse("consent:log-extract-new", args=[student_a.public_id])
    data = {"period_from": _days(-6 * 366), "period_to": _days(0), "requested_by_text": "Eleven"}
    response = client.post(new, data)
    assert response.status_code == 200
    assert "högst" in visible_text(response)
    assert not LogExtract.objects.exists()


def test_protected_identity_starts_masked_and_is_released_after_harm_assessment(
    client, planted, nurse_a, doctor_a, student_a
):
    student_a.protected_identity = "skyddad_folkbokforing"
    student_a.save()
    client.force_login(doctor_a)  # not nurse_a, whose name the layout shows when signed in
    extract = _extract(student_a, nurse_a)
    assert (extract.status, extract.masked) == (LogExtract.Status.DRAFT, True)
    detail = reverse("consent:log-extract-detail", args=[student_a.public_id, extract.pk])
    pdf_url = reverse("consent:log-extract-pdf", args=[student_a.public_id, extract.pk])
    text = visible_text(client.get(detail))
    assert NURSE_A_NAME not in text and "Skola B" not in text and "Maskerat" in text
    from tests.test_authorization_matrix import pdf_text

    assert NURSE_A_NAME not in pdf_text(client.get(pdf_url).content)

    release = reverse("consent:log-extract-release", args=[student_a.public_id, extract.pk])
    assert client.post(release, {"harm_assessment": ""}).status_code == 200
    response = client.post(release, {"harm_assessment": "Inget men: eleven begär själv."})
    assert response.status_code == 302
    extract.refresh_from_db()
    assert extract.status == LogExtract.Status.RELEASED and extract.assessed_by == doctor_a
    assert NURSE_A_NAME in visible_text(client.get(detail))
    assert NURSE_A_NAME in pdf_text(client.get(pdf_url).content)
    assert extract.history.count() == 2


def test_emergency_access_does_not_produce_extracts(client, emergency_nurse_a2, student_a):
    client.force_login(emergency_nurse_a2)
    url = reverse("consent:log-extract-new", args=[student_a.public_id])
    assert client.get(url).status_code == 403


def test_another_organisation_sees_neither_the_student_nor_the_extract(
    client, nurse_a, nurse_b, student_a
):
    extract = _extract(student_a, nurse_a)
    client.force_login(nurse_b)
    detail = reverse("consent:log-extract-detail", args=[student_a.public_id, extract.pk])
    assert client.get(detail).status_code == 404
