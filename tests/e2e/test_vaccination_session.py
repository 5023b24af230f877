"""A class HPV session (issue 8, R-VAC-5): the nurse plans the session for a class under a signed
general ordination, opens it, picks the lot once, gives dose 1 to two students with consent
(one click each, the page moving to the next student), records a refusal with its reason, and
finds both doses in the register queue."""

import datetime
import re

import pytest
from django.utils import timezone

from consent.models import Consent, ConsentStatus
from journal.models import Ordination, Vaccination, Vaccine, VaccineLot
from tests.e2e.conftest import log_in
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    SchoolClassFactory,
    StudentFactory,
)

pytestmark = pytest.mark.browser


def _national_vaccines():
    """The national programme (migration 0017), in case the live-server flush removed it."""
    if Vaccine.objects.filter(name="Gardasil 9").exists():
        return
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    name = "0017_national_vaccination_programme"
    state = MigrationLoader(connection).project_state(("journal", name), at_end=True)
    import_module(f"journal.migrations.{name}").load(state.apps, None)


def _student(school_class, given_name, family_name):
    student = StudentFactory(given_name=given_name, family_name=family_name)
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    return student


def test_nurse_runs_an_hpv_session_for_a_class(page, console_errors, nurse_a, doctor_a, school_a):
    _national_vaccines()
    today = timezone.localdate()
    hpv = Vaccine.objects.get(name="Gardasil 9")
    ordination = Ordination.objects.create(
        organisation=school_a.organisation,
        kind=Ordination.Kind.GENERAL,
        vaccine=hpv,
        strength="0,5 ml",
        dose="0,5 ml",
        route="intramuskulärt",
        grade_from=5,
        grade_to=5,
        covers="Elever i åk 5",
        valid_from=today - datetime.timedelta(days=14),
        valid_until=today + datetime.timedelta(days=200),
        issued_by=doctor_a,
        issued_by_name="Dora Doktorsson",
    )
    # Schools first, then signed: a signed ordination's schools are frozen (migration 0018).
    ordination.schools.set([school_a])
    Ordination.objects.filter(pk=ordination.pk).update(
        status="signed", signed_at=timezone.now() - datetime.timedelta(days=14)
    )
    lot = VaccineLot.objects.create(
        vaccine=hpv, lot_number="E2E-HPV-1", expires_on=today + datetime.timedelta(days=90)
    )
    class_5 = SchoolClassFactory(school=school_a, name="5B", grade=5)
    anna = _student(class_5, "Anna", "Andersdotter")
    bo = _student(class_5, "Bo", "Bengtsson")
    cilla = _student(class_5, "Cilla", "Carlsdotter")
    for student in (anna, bo, cilla):
        Consent.objects.create(
            student=student,
            organisation=school_a.organisation,
            kind="vaccination",
            scope_code="HPV",
            school_year=class_5.school_year,
            valid_from=today - datetime.timedelta(days=7),
            status=ConsentStatus.GRANTED,
            requested_by=nurse_a,
        )

    log_in(page, "nurse_a")
    page.goto("/vaccinationsregistret/")
    page.get_by_role("heading", name="Att rapportera (0)").wait_for()

    # Plan the session from the class page.
    page.goto(f"/klasser/{class_5.pk}/")
    page.get_by_role("link", name="Vaccinationstillfällen").click()
    page.get_by_role("link", name="Planera vaccinationstillfälle").click()
    page.get_by_label("Vaccin").select_option(str(hpv.pk))
    page.get_by_label("Ordination").select_option(str(ordination.pk))
    page.get_by_role("button", name="Planera", exact=True).click()
    page.get_by_text(f"Vaccinationstillfället är planerat till {today.isoformat()}.").wait_for()

    # The lot, once, at the top.
    page.get_by_label("Sats", exact=True).select_option(str(lot.pk))
    page.get_by_label("Injektionsställe", exact=True).select_option("vänster överarm")
    page.get_by_role("button", name="Använd").click()
    page.get_by_text("Sats E2E-HPV-1").wait_for()

    # One click per student; the page comes back at the next student, lot kept.
    page.get_by_role("button", name=f"Given {anna.full_name}", exact=True).click()
    page.get_by_text(f"{anna.full_name}: Given, signerad.").wait_for()
    assert re.search(r"#row-2$", page.url)
    assert f"sats={lot.pk}" in page.url
    page.get_by_role("button", name=f"Given {bo.full_name}", exact=True).click()
    page.get_by_text(f"{bo.full_name}: Given, signerad.").wait_for()

    page.get_by_label(f"Skäl för {cilla.full_name}").fill("Vill vänta till nästa termin.")
    page.get_by_role("button", name=f"Avböjd {cilla.full_name}", exact=True).click()
    page.get_by_text(f"{cilla.full_name}: Avböjd, signerad.").wait_for()
    assert "Givna: 2 · Avböjda: 1" in page.locator("main").inner_text()

    doses = Vaccination.objects.filter(session__school_class=class_5, outcome="given")
    assert sorted(doses.values_list("student__given_name", flat=True)) == ["Anna", "Bo"]
    assert set(doses.values_list("lot_id", "dose_number", "status", "site")) == {
        (lot.pk, 1, "signed", "vänster överarm")
    }
    refusal = Vaccination.objects.get(student=cilla)
    assert (refusal.outcome, refusal.reason) == ("declined", "Vill vänta till nästa termin.")

    page.goto("/vaccinationsregistret/")
    page.get_by_role("heading", name="Att rapportera (2)").wait_for()
    assert console_errors == []
