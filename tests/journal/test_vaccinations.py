"""Ordinations, recording doses, refusals, documented doses and corrections (issue 8, DOSES):
the service rules with a positive and a negative test each, and the pages."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consent.models import AccessLogEntry, Consent, ConsentKind, ConsentStatus
from journal.models import EntryStatus, ImmutableRecordError
from journal.models.vaccination import (
    Ordination,
    RegisterReport,
    Vaccination,
    VaccinationOutcome,
    Vaccine,
    VaccineLot,
)
from journal.services import vaccinations as services
from schools.models import Profession
from tests.conftest import VerifiedClient
from tests.schools.factories import (
    AssignmentFactory,
    ClassMembershipFactory,
    EnrolmentFactory,
    SchoolClassFactory,
    StaffMemberFactory,
    StudentFactory,
)

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """``day`` at ``hour``; today before that hour, now (a dose is never given in the future,
    and the suite also runs at night)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))
    now = timezone.localtime().replace(second=0, microsecond=0)
    return now if day == now.date() and moment > now else moment


@pytest.fixture
def class5(school_a):
    return SchoolClassFactory(school=school_a, grade=5, name="5A")


@pytest.fixture
def pupil(class5):
    """A girl in åk 5, 11 years old: HPV dose 1 is hers."""
    student = StudentFactory(
        given_name="Vera",
        family_name="Vaccinsdotter",
        identity_number=None,
        reserve_number="20150301TF01",
        birth_date=datetime.date(2015, 3, 1),
        legal_sex="F",
    )
    EnrolmentFactory(student=student, school=class5.school, start_date=days(-400))
    ClassMembershipFactory(student=student, school_class=class5, start_date=days(-400))
    return student


@pytest.fixture
def doctor_a(school_a):
    member = StaffMemberFactory(
        organisation=school_a.organisation,
        profession=Profession.SCHOOL_DOCTOR,
        user__username="doctor_a",
    )
    AssignmentFactory(staff_member=member, school=school_a)
    return member.user


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


@pytest.fixture
def consent(pupil, nurse_a):
    return Consent.objects.create(
        student=pupil,
        organisation=pupil.enrolments.get().school.organisation,
        kind=ConsentKind.VACCINATION,
        scope_code="HPV",
        valid_from=days(-400),
        valid_until=days(100),
        status=ConsentStatus.GRANTED,
        requested_by=nurse_a,
    )


def give(nurse, student, *, lot, ordination, consent, when=None, **kw):
    arguments = {
        "by": nurse,
        "student": student,
        "outcome": VaccinationOutcome.GIVEN,
        "given_at": when or at(TODAY),
        "series": "HPV",
        "vaccine": lot.vaccine,
        "lot": lot,
        "ordination": ordination,
        "consent": consent,
        "site": "vänster överarm",
    }
    arguments.update(kw)
    return services.record_vaccination(**arguments)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- Recording a dose ----------------------------------------------------------------------------


def test_a_dose_is_signed_at_once_and_queued_once(nurse_a, pupil, lot, ordination, consent):
    dose = give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    assert dose.status == EntryStatus.SIGNED and dose.signed_at is not None
    assert dose.dose_number == 1 and dose.programme_dose is not None
    assert dose.lot_number == "HPV123" and dose.lot_expires_on == lot.expires_on
    assert dose.consent_public_id == consent.public_id
    assert dose.school == pupil.enrolments.get().school
    report = RegisterReport.objects.get()
    assert report.vaccination == dose and report.status == RegisterReport.Status.PENDING
    assert report.unique_reference == f"elevhalsa-journal:{dose.public_id}"
    assert dose.history.get().history_user == nurse_a


def test_the_same_dose_twice_is_refused(nurse_a, pupil, lot, ordination, consent):
    give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    with pytest.raises(ValidationError) as excinfo:
        give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent, dose_number=1)
    assert "dose_number" in errors_of(excinfo)
    assert Vaccination.objects.count() == 1 and RegisterReport.objects.count() == 1


def test_dose_two_before_the_minimum_interval_is_refused(nurse_a, pupil, lot, ordination, consent):
    give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent, when=at(days(-30)))
    with pytest.raises(ValidationError) as excinfo:
        give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    assert any("För tidigt" in m for m in errors_of(excinfo)["dose_number"])


def test_dose_two_after_the_interval_is_accepted(nurse_a, pupil, lot, ordination, consent):
    give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent, when=at(days(-160)))
    second = give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    assert second.dose_number == 2


def test_a_dose_out_of_sequence_is_refused(nurse_a, pupil, lot, ordination, consent):
    with pytest.raises(ValidationError) as excinfo:
        give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent, dose_number=2)
    assert "dose_number" in errors_of(excinfo)


def test_an_expired_lot_is_refused_on_the_day_given(nurse_a, pupil, hpv, ordination, consent):
    old = VaccineLot.objects.create(vaccine=hpv, lot_number="OLD1", expires_on=days(-1))
    with pytest.raises(ValidationError) as excinfo:
        give(nurse_a, pupil, lot=old, ordination=ordination, consent=consent)
    assert "lot" in errors_of(excinfo)


def test_a_missing_lot_is_refused(nurse_a, pupil, lot, ordination, consent):
    with pytest.raises(ValidationError) as excinfo:
        services.record_vaccination(
            by=nurse_a,
            student=pupil,
            outcome=VaccinationOutcome.GIVEN,
            given_at=at(TODAY),
            series="HPV",
            vaccine=lot.vaccine,
            ordination=ordination,
            consent=consent,
        )
    assert "lot" in errors_of(excinfo)


def test_a_date_in_the_future_is_refused(nurse_a, pupil, lot, ordination, consent):
    with pytest.raises(ValidationError) as excinfo:
        give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent, when=at(days(1)))
    assert "given_at" in errors_of(excinfo)


def test_no_consent_needs_a_written_reason(nurse_a, pupil, lot, ordination):
    with pytest.raises(ValidationError) as excinfo:
        give(nurse_a, pupil, lot=lot, ordination=ordination, consent=None)
    assert "consent_override_reason" in errors_of(excinfo)
    dose = give(
        nurse_a,
        pupil,
        lot=lot,
        ordination=ordination,
        consent=None,
        consent_override_reason="Muntligt samtycke från båda vårdnadshavarna i telefon.",
    )
    assert dose.consent_override_reason.startswith("Muntligt")


def test_consent_for_finds_only_a_granted_consent_in_force(pupil, consent):
    assert services.consent_for(pupil, "hpv") == consent
    assert services.consent_for(pupil, "MPR") is None
    assert services.consent_for(pupil, "HPV", on=days(101)) is None


def test_an_unsigned_ordination_is_refused(nurse_a, pupil, lot, hpv, school_a, consent):
    draft = services.create_ordination(
        by=nurse_a,
        kind=Ordination.Kind.GENERAL,
        vaccine=hpv,
        strength="0,5 ml",
        dose="0,5 ml",
        route="im",
        valid_from=days(-10),
        valid_until=days(10),
        schools=[school_a],
    )
    with pytest.raises(ValidationError) as excinfo:
        give(nurse_a, pupil, lot=lot, ordination=draft, consent=consent)
    assert any("inte signerad" in m for m in errors_of(excinfo)["ordination"])


def test_a_dose_outside_the_ordination_is_refused(nurse_a, pupil, lot, ordination, consent):
    errors = services.ordination_errors(ordination, student=pupil, vaccine=lot.vaccine, on=TODAY)
    assert errors == []
    assert services.ordination_errors(
        ordination, student=pupil, vaccine=lot.vaccine, on=days(101)
    )  # after its validity
    other = Vaccine.objects.exclude(pk=lot.vaccine.pk).first()
    assert services.ordination_errors(ordination, student=pupil, vaccine=other, on=TODAY)


def test_a_general_ordination_covers_only_its_schools_and_grades(ordination, school_a2, hpv):
    fourth = StudentFactory()
    ClassMembershipFactory(student=fourth, school_class=SchoolClassFactory(grade=4))
    assert services.ordination_errors(ordination, student=fourth, vaccine=hpv, on=TODAY)
    elsewhere = StudentFactory()
    ClassMembershipFactory(
        student=elsewhere, school_class=SchoolClassFactory(school=school_a2, grade=5)
    )
    errors = services.ordination_errors(ordination, student=elsewhere, vaccine=hpv, on=TODAY)
    assert any("skola" in m for m in errors)


def test_an_individual_ordination_covers_only_its_student(nurse_a, doctor_a, pupil, hpv):
    individual = services.sign_ordination(
        ordination=services.create_ordination(
            by=doctor_a,
            kind=Ordination.Kind.INDIVIDUAL,
            vaccine=hpv,
            strength="0,5 ml",
            dose="0,5 ml",
            route="im",
            valid_from=days(-1),
            valid_until=days(30),
            student=pupil,
        ),
        by=doctor_a,
    )
    assert services.ordination_errors(individual, student=pupil, vaccine=hpv, on=TODAY) == []
    assert services.ordination_errors(individual, student=StudentFactory(), vaccine=hpv, on=TODAY)


def test_a_nurse_signs_an_ordination_only_with_the_permission(nurse_a, hpv, school_a):
    draft = services.create_ordination(
        by=nurse_a,
        kind=Ordination.Kind.GENERAL,
        vaccine=hpv,
        strength="0,5 ml",
        dose="0,5 ml",
        route="im",
        valid_from=days(0),
        valid_until=days(30),
        schools=[school_a],
    )
    with pytest.raises(ValidationError):
        services.sign_ordination(ordination=draft, by=nurse_a)
    nurse_a.user_permissions.add(Permission.objects.get(codename="sign_ordination"))
    nurse_a = type(nurse_a).objects.get(pk=nurse_a.pk)  # a fresh permission cache
    signed = services.sign_ordination(ordination=draft, by=nurse_a)
    assert signed.is_signed and signed.issued_by == nurse_a


def test_a_signed_ordination_never_changes(ordination):
    ordination.dose = "1 ml"
    with pytest.raises(ImmutableRecordError):
        ordination.save()
    with pytest.raises(ImmutableRecordError):
        Ordination.objects.filter(pk=ordination.pk).update(dose="1 ml")


def test_a_refusal_needs_a_reason_and_no_lot(nurse_a, pupil, lot):
    with pytest.raises(ValidationError) as excinfo:
        services.record_vaccination(
            by=nurse_a,
            student=pupil,
            outcome=VaccinationOutcome.DECLINED,
            given_at=at(TODAY),
            series="HPV",
            lot=lot,
        )
    assert {"reason", "lot"} <= set(errors_of(excinfo))
    refusal = services.record_vaccination(
        by=nurse_a,
        student=pupil,
        outcome=VaccinationOutcome.DECLINED,
        given_at=at(TODAY),
        series="HPV",
        reason="Vårdnadshavarna avböjer.",
    )
    assert refusal.is_signed and refusal.dose_number == 1
    assert not RegisterReport.objects.exists()


def test_a_documented_dose_needs_documentation_and_is_not_reported(nurse_a, pupil, hpv):
    arguments = {
        "by": nurse_a,
        "student": pupil,
        "outcome": VaccinationOutcome.GIVEN,
        "given_at": at(days(-300)),
        "series": "HPV",
        "vaccine": hpv,
        "source": "abroad",
        "lot_number": "utländsk sats 7",
    }
    with pytest.raises(ValidationError) as excinfo:
        services.record_vaccination(**arguments)
    assert "source_documentation" in errors_of(excinfo)
    dose = services.record_vaccination(**arguments, source_documentation="Intyg från Norge")
    assert dose.ordination is None and dose.lot is None and dose.lot_number == "utländsk sats 7"
    assert not RegisterReport.objects.exists()


def test_a_psychologist_cannot_record_a_vaccination(psychologist_a, pupil, lot):
    with pytest.raises(ValidationError):
        services.record_vaccination(
            by=psychologist_a,
            student=pupil,
            outcome=VaccinationOutcome.DECLINED,
            given_at=at(TODAY),
            series="HPV",
            reason="x",
        )


# --- Corrections and the register report ---------------------------------------------------------


def test_a_correction_updates_the_same_report(nurse_a, pupil, lot, hpv, ordination, consent):
    dose = give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    report = RegisterReport.objects.get()
    from journal.register import acknowledge, mark_sent

    acknowledge(mark_sent(report, by=nurse_a, via="webbformulär"), "Kvitto 1", by=nurse_a)
    other_lot = VaccineLot.objects.create(vaccine=hpv, lot_number="HPV999", expires_on=days(90))
    correction = services.correct_vaccination(
        original=dose, by=nurse_a, reason="Fel sats angavs.", lot=other_lot
    )
    assert correction.replaces == dose and correction.is_signed
    assert correction.lot_number == "HPV999" and correction.change_reason == "Fel sats angavs."
    report = RegisterReport.objects.get()  # still one
    assert report.unique_reference == f"elevhalsa-journal:{dose.public_id}"
    assert report.vaccination == correction and report.revision == 2
    assert report.status == RegisterReport.Status.PENDING and report.receipt == ""
    dose.refresh_from_db()
    assert dose.lot_number == "HPV123"  # the original stays as it was
    with pytest.raises(ValidationError):
        services.correct_vaccination(original=dose, by=nurse_a, reason="igen", site="höger")


def test_a_correction_needs_a_reason(nurse_a, pupil, lot, ordination, consent):
    dose = give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    with pytest.raises(ValidationError) as excinfo:
        services.correct_vaccination(original=dose, by=nurse_a, reason=" ", site="höger")
    assert "change_reason" in errors_of(excinfo)


def test_a_dose_corrected_to_not_given_becomes_a_removal(nurse_a, pupil, lot, ordination, consent):
    from journal.register import is_removal

    dose = give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    with pytest.raises(ValidationError) as excinfo:  # a refusal needs its own reason
        services.correct_vaccination(
            original=dose, by=nurse_a, reason="Dosen gavs inte.", outcome="declined"
        )
    assert "reason" in errors_of(excinfo)
    correction = services.correct_vaccination(
        original=dose,
        by=nurse_a,
        reason="Dosen gavs inte.",
        outcome=VaccinationOutcome.DECLINED,
        outcome_reason="Eleven ville inte i sista stund.",
    )
    assert correction.lot is None and correction.reason.startswith("Eleven")
    report = RegisterReport.objects.get()
    assert report.vaccination == correction and report.revision == 2 and is_removal(report)


# --- Pages -------------------------------------------------------------------------------------


@pytest.fixture
def nurse_client(nurse_a):
    client = VerifiedClient()
    client.force_login(nurse_a)
    return client


def test_the_nurse_records_a_dose_on_the_page(nurse_client, pupil, lot, ordination, consent):
    url = reverse("journal:vaccination-new", args=[pupil.public_id])
    assert nurse_client.get(url).status_code == 200
    response = nurse_client.post(
        url,
        {
            "outcome": "given",
            "series": "hpv",
            "vaccine": lot.vaccine.pk,
            "lot": lot.pk,
            "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "ordination": ordination.pk,
            "site": "vänster överarm",
        },
    )
    dose = Vaccination.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:vaccination-detail", args=[dose.public_id])
    assert dose.consent_public_id == consent.public_id  # found by the series
    page = nurse_client.get(response["Location"])
    assert b"HPV123" in page.content
    assert AccessLogEntry.objects.filter(student=pupil).exists()


def test_a_bad_dose_keeps_what_was_typed(nurse_client, pupil, hpv, ordination, consent):
    old = VaccineLot.objects.create(vaccine=hpv, lot_number="OLD9", expires_on=days(-5))
    response = nurse_client.post(
        reverse("journal:vaccination-new", args=[pupil.public_id]),
        {
            "outcome": "given",
            "series": "HPV",
            "vaccine": hpv.pk,
            "lot": old.pk,
            "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "ordination": ordination.pk,
            "site": "mitt-typade-stalle",
        },
    )
    assert response.status_code == 200
    assert b"gick ut" in response.content and b"mitt-typade-stalle" in response.content
    assert not Vaccination.objects.exists()


def test_a_psychologist_gets_403_on_the_dose_form(psychologist_a, pupil):
    client = VerifiedClient()
    client.force_login(psychologist_a)
    url = reverse("journal:vaccination-new", args=[pupil.public_id])
    assert client.get(url).status_code == 403


def test_a_nurse_at_another_organisation_gets_404(nurse_b, pupil):
    client = VerifiedClient()
    client.force_login(nurse_b)
    url = reverse("journal:vaccination-new", args=[pupil.public_id])
    assert client.get(url).status_code == 404


def test_the_doctor_signs_an_ordination_on_its_page(doctor_a, nurse_client, hpv, school_a):
    response = nurse_client.post(
        reverse("journal:ordination-new"),
        {
            "kind": "general",
            "vaccine": hpv.pk,
            "strength": "0,5 ml",
            "dose": "0,5 ml",
            "route": "im",
            "schools": [school_a.pk],
            "grade_from": "5",
            "grade_to": "5",
            "valid_from": days(0).isoformat(),
            "valid_until": days(60).isoformat(),
        },
    )
    ordination = Ordination.objects.get()
    assert response.status_code == 302 and not ordination.is_signed
    sign = reverse("journal:ordination-sign", args=[ordination.public_id])
    nurse_client.post(sign)
    ordination.refresh_from_db()
    assert not ordination.is_signed  # a nurse without the permission
    doctor = VerifiedClient()
    doctor.force_login(doctor_a)
    doctor.post(sign)
    ordination.refresh_from_db()
    assert ordination.is_signed and ordination.issued_by == doctor_a


def test_a_dose_is_corrected_on_the_page(nurse_client, nurse_a, pupil, lot, ordination, consent):
    dose = give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    url = reverse("journal:vaccination-correct", args=[dose.public_id])
    assert nurse_client.get(url).status_code == 200
    response = nurse_client.post(
        url,
        {
            "outcome": "given",
            "series": "HPV",
            "vaccine": lot.vaccine.pk,
            "lot": lot.pk,
            "dose_number": "1",
            "given_at": timezone.localtime(dose.given_at).strftime("%Y-%m-%dT%H:%M"),
            "ordination": ordination.pk,
            "site": "höger överarm",
            "change_reason": "Fel arm angavs.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    correction = Vaccination.objects.get(replaces=dose)
    assert correction.site == "höger överarm"
    page = nurse_client.get(reverse("journal:vaccination-detail", args=[dose.public_id]))
    assert b"<del>" in page.content
    assert RegisterReport.objects.get().revision == 2


def test_the_student_page_links_the_forms_and_each_dose(
    nurse_client, psychologist_a, nurse_a, pupil, lot, ordination, consent
):
    dose = give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    page = nurse_client.get(reverse("journal:student-vaccinations", args=[pupil.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("journal:vaccination-new", args=[pupil.public_id]) in html
    assert reverse("journal:vaccination-document", args=[pupil.public_id]) in html
    assert reverse("journal:vaccination-detail", args=[dose.public_id]) in html
    # The psychologist sees the status, neither the forms nor the doses' pages.
    client = VerifiedClient()
    client.force_login(psychologist_a)
    page = client.get(reverse("journal:student-vaccinations", args=[pupil.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("journal:vaccination-new", args=[pupil.public_id]) not in html
    assert str(dose.public_id) not in html
