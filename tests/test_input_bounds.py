"""No 500 from an out-of-range number or date typed in a form: the extreme value gets a message
on the form, what was typed stays, and nothing is saved. PostgreSQL is the database that refuses
an overflowing number ("smallint out of range"); Python refuses the day after 9999-12-31 and a
local midnight on 0001-01-01 in UTC on both. Run on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consent.models import LogExtract, LogReview
from elevhalsa.forms import EARLIEST_DATE, LATEST_DATE, validate_date_range
from journal.models import JournalEntry
from journal.models.vaccination import (
    DoseSource,
    Ordination,
    Vaccination,
    VaccinationOutcome,
    Vaccine,
    VaccineLot,
)
from journal.services import vaccinations as services
from tests.journal.factories import make_entry, published
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    SchoolClassFactory,
    StudentFactory,
)

pytestmark = pytest.mark.django_db

# Past a small integer column (32767) and past a 64-bit integer (SQLite's limit).
TOO_LARGE_NUMBERS = ["11", "40000", "99999999999999999999999"]
FIRST_MIDNIGHT = "0001-01-01T00:00"  # in UTC this is the year 0, which Python has not
LAST_MONTH = ("9999-12-01", "9999-12-31")  # the day after the period does not exist
FIRST_MONTH = ("0001-01-01", "0001-01-31")


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def errors_of(response, field: str) -> str:
    return " ".join(response.context["form"].errors.get(field, []))


# --- The validator every bounded date field uses ------------------------------------------------


def test_the_date_range_keeps_its_own_bounds():
    validate_date_range(EARLIEST_DATE)
    validate_date_range(LATEST_DATE)
    at_noon = timezone.make_aware(datetime.datetime.combine(LATEST_DATE, datetime.time(12)))
    validate_date_range(at_noon)


@pytest.mark.parametrize(
    "value",
    [
        EARLIEST_DATE - datetime.timedelta(days=1),
        LATEST_DATE + datetime.timedelta(days=1),
        datetime.date(1, 1, 1),
        datetime.date(9999, 12, 31),
        datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
    ],
)
def test_a_date_outside_the_range_is_refused_with_a_message(value):
    with pytest.raises(ValidationError) as error:
        validate_date_range(value)
    assert error.value.messages == ["Ange ett datum mellan 1900-01-01 och 2199-12-31."]


# --- Vaccinations: the dose number and the ordination's grades ----------------------------------


@pytest.fixture
def class_5(school_a):
    return SchoolClassFactory(school=school_a, grade=5, name="5A")


@pytest.fixture
def pupil(class_5):
    student = StudentFactory(
        given_name="Vera",
        family_name="Gränsdotter",
        identity_number=None,
        reserve_number="20150301TF01",
        birth_date=datetime.date(2015, 3, 1),
        legal_sex="F",
    )
    EnrolmentFactory(student=student, school=class_5.school, start_date=days(-400))
    ClassMembershipFactory(student=student, school_class=class_5, start_date=days(-400))
    return student


@pytest.fixture
def hpv():
    return Vaccine.objects.get(name="Gardasil 9")


@pytest.fixture
def lot(hpv):
    return VaccineLot.objects.create(vaccine=hpv, lot_number="HPV123", expires_on=days(200))


@pytest.fixture
def ordination(nurse_a, doctor_a, hpv, school_a):
    draft = services.create_ordination(
        by=nurse_a,
        kind=Ordination.Kind.GENERAL,
        vaccine=hpv,
        strength="0,5 ml",
        dose="0,5 ml",
        route="intramuskulärt",
        valid_from=days(-400),
        valid_until=days(100),
        schools=[school_a],
        grade_from=5,
        grade_to=5,
    )
    return services.sign_ordination(ordination=draft, by=doctor_a)


@pytest.mark.parametrize("number", TOO_LARGE_NUMBERS)
def test_a_too_large_dose_number_is_refused_on_the_dose_form(
    client, nurse_a, pupil, lot, ordination, number
):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:vaccination-new", args=[pupil.public_id]),
        {
            "outcome": VaccinationOutcome.DECLINED,
            "series": "HPV",
            "given_at": now_local(),
            "dose_number": number,
            "reason": "Mitt typade skäl",
        },
    )
    assert response.status_code == 200
    assert "10" in errors_of(response, "dose_number")
    assert "Mitt typade skäl" in response.content.decode()
    assert not Vaccination.objects.exists()


@pytest.mark.parametrize("number", TOO_LARGE_NUMBERS)
def test_a_too_large_dose_number_is_refused_on_the_documented_dose_form(
    client, nurse_a, pupil, hpv, number
):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:vaccination-document", args=[pupil.public_id]),
        {
            "source": DoseSource.BHV,
            "series": "HPV",
            "vaccine": hpv.pk,
            "dose_number": number,
            "given_on": days(-30).isoformat(),
            "source_documentation": "Mitt typade underlag",
        },
    )
    assert response.status_code == 200
    assert "10" in errors_of(response, "dose_number")
    assert "Mitt typade underlag" in response.content.decode()
    assert not Vaccination.objects.exists()


def test_a_too_large_dose_number_is_refused_on_the_correction_form(
    client, nurse_a, pupil, lot, ordination
):
    dose = services.record_vaccination(
        by=nurse_a,
        student=pupil,
        outcome=VaccinationOutcome.DECLINED,
        given_at=timezone.now() - datetime.timedelta(minutes=5),
        series="HPV",
        reason="Avböjd",
    )
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:vaccination-correct", args=[dose.public_id]),
        {
            "outcome": VaccinationOutcome.DECLINED,
            "series": "HPV",
            "given_at": timezone.localtime(dose.given_at).strftime("%Y-%m-%dT%H:%M"),
            "dose_number": "40000",
            "reason": "Avböjd",
            "change_reason": "Mitt typade rättelseskäl",
        },
    )
    assert response.status_code == 200
    assert "10" in errors_of(response, "dose_number")
    assert "Mitt typade rättelseskäl" in response.content.decode()
    assert not Vaccination.objects.filter(replaces=dose).exists()


@pytest.mark.parametrize(
    "arguments",
    [
        {"outcome": VaccinationOutcome.DECLINED, "reason": "Avböjd"},
        {
            "outcome": VaccinationOutcome.GIVEN,
            "source": DoseSource.BHV,
            "source_documentation": "BVC-journal",
        },
    ],
    ids=["declined", "documented"],
)
def test_the_service_refuses_a_dose_number_above_the_maximum(nurse_a, pupil, hpv, arguments):
    """Callers other than the forms (the note's keyword, a future import) are refused too."""
    common = {
        "by": nurse_a,
        "student": pupil,
        "given_at": timezone.now() - datetime.timedelta(days=30),
        "series": "HPV",
        "vaccine": hpv,
    }
    with pytest.raises(ValidationError) as error:
        services.record_vaccination(**common, **arguments, dose_number=services.MAX_DOSE_NUMBER + 1)
    assert error.value.message_dict["dose_number"] == ["Dosnumret får vara högst 10."]
    assert not Vaccination.objects.exists()
    dose = services.record_vaccination(**common, **arguments, dose_number=services.MAX_DOSE_NUMBER)
    assert dose.dose_number == services.MAX_DOSE_NUMBER


@pytest.mark.parametrize("grade", ["11", "40000", "99999999999999999999999"])
def test_a_grade_above_ten_is_refused_on_the_ordination_form(client, nurse_a, hpv, school_a, grade):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:ordination-new"),
        {
            "kind": Ordination.Kind.GENERAL,
            "vaccine": hpv.pk,
            "strength": "0,5 ml",
            "dose": "0,5 ml",
            "route": "Mitt typade administrationssätt",
            "schools": [school_a.pk],
            "grade_from": grade,
            "grade_to": grade,
            "valid_from": days(0).isoformat(),
            "valid_until": days(60).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "10" in errors_of(response, "grade_from")
    assert "10" in errors_of(response, "grade_to")
    assert "Mitt typade administrationssätt" in response.content.decode()
    assert not Ordination.objects.exists()


# --- A note's contact time ----------------------------------------------------------------------


def test_a_contact_time_in_the_year_one_is_refused_when_a_note_is_started(
    client, nurse_a, student_a
):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:entry-new", args=[student_a.public_id]),
        {"template_version": published().pk, "contact_type": "visit", "contact_at": FIRST_MIDNIGHT},
    )
    assert response.status_code == 200
    assert "Ange ett datum mellan 1900-01-01 och 2199-12-31." in errors_of(response, "contact_at")
    assert FIRST_MIDNIGHT in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_a_contact_time_in_the_year_one_is_refused_in_the_draft(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:entry-edit", args=[entry.public_id]),
        {
            "contact_type": entry.contact_type,
            "contact_at": FIRST_MIDNIGHT,
            "lock_version": str(entry.lock_version),
            "codes": "",
            "kw-anamnes": "Mitt typade anamnes",
        },
    )
    assert response.status_code == 200
    assert "Ange ett datum mellan 1900-01-01 och 2199-12-31." in errors_of(response, "contact_at")
    assert "Mitt typade anamnes" in response.content.decode()
    stored = JournalEntry.objects.get(pk=entry.pk)
    assert (stored.contact_at, stored.lock_version) == (entry.contact_at, entry.lock_version)


# --- The access log: review periods and the student's log extract ------------------------------


@pytest.mark.parametrize("period", [LAST_MONTH, FIRST_MONTH], ids=["9999", "0001"])
def test_the_log_search_refuses_a_period_at_the_end_of_the_calendar(client, log_reviewer_a, period):
    client.force_login(log_reviewer_a)
    response = client.get(
        reverse("consent:review-log"),
        {"period_from": period[0], "period_to": period[1], "username": "mitt-typade-namn"},
    )
    assert response.status_code == 400  # the log search's answer to a filter with errors
    assert "Ange ett datum mellan 1900-01-01 och 2199-12-31." in errors_of(response, "period_to")
    assert "mitt-typade-namn" in response.content.decode()


@pytest.mark.parametrize("kind", ["sample", "suspicion"])
@pytest.mark.parametrize("period", [LAST_MONTH, FIRST_MONTH], ids=["9999", "0001"])
def test_a_review_refuses_a_period_at_the_end_of_the_calendar(client, log_reviewer_a, kind, period):
    client.force_login(log_reviewer_a)
    response = client.post(
        reverse("consent:review-list"),
        {
            "kind": kind,
            "check_name": "outside_hours",
            "period_from": period[0],
            "period_to": period[1],
            "seed": "4711",
        },
    )
    assert response.status_code == 400  # like the log search
    assert "Ange ett datum mellan 1900-01-01 och 2199-12-31." in errors_of(response, "period_from")
    assert 'value="4711"' in response.content.decode()
    assert not LogReview.objects.exists()


@pytest.mark.parametrize("period", [LAST_MONTH, FIRST_MONTH], ids=["9999", "0001"])
def test_a_log_extract_refuses_a_period_at_the_end_of_the_calendar(
    client, nurse_a, student_a, period
):
    client.force_login(nurse_a)
    response = client.post(
        reverse("consent:log-extract-new", args=[student_a.public_id]),
        {
            "period_from": period[0],
            "period_to": period[1],
            "requested_by_text": "Mitt typade begärt av",
        },
    )
    assert response.status_code == 200
    assert "Ange ett datum mellan 1900-01-01 och 2199-12-31." in errors_of(response, "period_to")
    assert "Mitt typade begärt av" in response.content.decode()
    assert not LogExtract.objects.exists()
