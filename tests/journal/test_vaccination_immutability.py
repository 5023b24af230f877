"""Signed is signed for vaccinations too (issue 8, migration 0018): a signed vaccination or
ordination never changes, no vaccination, ordination, register report or session is deleted,
the schools of a signed ordination are frozen with it, and every vaccination history table is
append-only — through ``save()``, ``delete()``, ``QuerySet.update()``/``delete()`` and
``bulk_update`` (the model guards, on every database), and through raw SQL on PostgreSQL, as the
owner (the triggers) and as the application role (its grants)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from journal.models import EntryStatus, ImmutableRecordError
from journal.models.vaccination import (
    Ordination,
    RegisterReport,
    Vaccination,
    VaccinationOutcome,
    VaccinationSession,
)
from journal.services import vaccinations as services
from tests.helpers import as_app_role

from . import test_vaccinations as base

# The dose, ordination and consent of the service tests: a girl in åk 5, a signed general
# ordination for her school and grade, a granted HPV consent (their fixtures, shared).
TODAY, at, days, give = base.TODAY, base.at, base.days, base.give
class5, pupil, doctor_a, hpv, lot = base.class5, base.pupil, base.doctor_a, base.hpv, base.lot
ordination, consent = base.ordination, base.consent


@contextmanager
def refused(error=ImmutableRecordError, match=None):
    """The refusal, in a savepoint so that the test's transaction survives it."""
    with pytest.raises(error, match=match), transaction.atomic():
        yield


@pytest.fixture
def dose(nurse_a, pupil, lot, ordination, consent):
    """A signed HPV dose given today, with its pending register report."""
    return give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)


@pytest.fixture
def draft_dose(nurse_a, pupil, hpv, school_a):
    """A draft (a dose bound to a note that is not signed yet), made with the model."""
    return Vaccination.objects.create(
        student=pupil,
        organisation=school_a.organisation,
        school=school_a,
        outcome=VaccinationOutcome.GIVEN,
        series="HPV",
        dose_number=1,
        vaccine=hpv,
        given_at=at(TODAY),
        vaccinator=nurse_a,
        vaccinator_name=nurse_a.get_full_name(),
    )


@pytest.fixture
def draft_ordination(nurse_a, hpv, school_a):
    return services.create_ordination(
        by=nurse_a,
        kind=Ordination.Kind.GENERAL,
        vaccine=hpv,
        strength="0,5 ml",
        dose="0,5 ml",
        route="intramuskulärt",
        valid_from=days(1),
        valid_until=days(100),
        schools=[school_a],
    )


@pytest.fixture
def session(nurse_a, class5, hpv, ordination):
    return VaccinationSession.objects.create(
        organisation=class5.school.organisation,
        school=class5.school,
        school_class=class5,
        vaccine=hpv,
        ordination=ordination,
        planned_on=days(7),
        created_by=nurse_a,
    )


def _row(model, obj) -> dict:
    return model._base_manager.filter(pk=obj.pk).values().get()


# --- The model guards (every database) ------------------------------------------------------


def test_a_signed_vaccination_is_not_saved_again(dose):
    before = _row(Vaccination, dose)
    dose.site = "höger överarm"
    with refused():
        dose.save()
    stale = Vaccination.objects.get(pk=dose.pk)  # a fresh object is refused as well
    stale.lot_number = "ANNAN"
    with refused():
        stale.save()
    assert _row(Vaccination, dose) == before


def test_a_draft_vaccination_changes_until_it_is_signed(draft_dose):
    draft_dose.site = "vänster överarm"
    draft_dose.save()
    Vaccination.objects.filter(pk=draft_dose.pk).update(route="intramuskulärt")
    Vaccination.objects.filter(pk=draft_dose.pk).update(
        status=EntryStatus.SIGNED, signed_at=timezone.now()
    )
    draft_dose.refresh_from_db()
    assert (draft_dose.site, draft_dose.route) == ("vänster överarm", "intramuskulärt")
    draft_dose.site = "höger överarm"
    with refused():
        draft_dose.save()


@pytest.mark.parametrize("which", ["draft", "signed"])
def test_no_vaccination_is_deleted(dose, draft_dose, which):
    row = draft_dose if which == "draft" else dose
    with refused():
        row.delete()
    with refused():
        Vaccination.objects.filter(pk=row.pk).delete()
    with refused():
        Vaccination.objects.all().delete()
    assert Vaccination.objects.count() == 2


def test_queryset_update_and_bulk_update_of_a_signed_vaccination_are_refused(dose, draft_dose):
    before = _row(Vaccination, dose)
    with refused():
        Vaccination.objects.filter(pk=dose.pk).update(lot_number="ANNAN")
    with refused():  # one signed row among drafts is enough
        Vaccination.objects.all().update(site="höger överarm")
    dose.lot_number = "ANNAN"
    with refused():
        Vaccination.objects.bulk_update([dose], ["lot_number"])
    assert _row(Vaccination, dose) == before
    assert Vaccination.objects.get(pk=draft_dose.pk).site == ""


def test_a_correction_leaves_the_original_as_it_was(nurse_a, dose):
    before = _row(Vaccination, dose)
    correction = services.correct_vaccination(
        original=dose, by=nurse_a, reason="Fel injektionsställe.", site="höger överarm"
    )
    assert correction.replaces_id == dose.pk and correction.status == EntryStatus.SIGNED
    assert _row(Vaccination, dose) == before


def test_a_signed_ordination_is_frozen_and_no_ordination_is_deleted(ordination, draft_ordination):
    before = _row(Ordination, ordination)
    ordination.dose = "1 ml"
    with refused():
        ordination.save()
    with refused():
        Ordination.objects.filter(pk=ordination.pk).update(dose="1 ml")
    with refused():
        Ordination.objects.bulk_update([ordination], ["dose"])
    for row in (ordination, draft_ordination):
        with refused():
            row.delete()
        with refused():
            Ordination.objects.filter(pk=row.pk).delete()
    assert _row(Ordination, ordination) == before
    draft_ordination.dose = "1 ml"  # a draft is still the author's to change
    draft_ordination.save()
    Ordination.objects.filter(pk=draft_ordination.pk).update(route="subkutant")
    assert Ordination.objects.filter(dose="1 ml", route="subkutant").count() == 1


def test_a_register_report_is_never_deleted(dose):
    report = RegisterReport.objects.get(vaccination=dose)
    with refused():
        report.delete()
    assert RegisterReport.objects.filter(pk=report.pk).exists()


# --- PostgreSQL: raw SQL as the owner (the suite's own connection) ---------------------------


def _restricted(cursor, sql, params=(), match="refused"):
    """Refused by a trigger: ERRCODE restrict_violation (SQLSTATE 23001), an IntegrityError."""
    with refused(IntegrityError, match=match):
        cursor.execute(sql, params)


def test_the_owner_cannot_update_a_signed_vaccination(postgres, dose, draft_dose):
    before = _row(Vaccination, dose)
    with connection.cursor() as cursor:
        _restricted(
            cursor,
            "UPDATE journal_vaccination SET lot_number = 'ANNAN' WHERE id = %s",
            [dose.pk],
            match="UPDATE refused",
        )
        _restricted(cursor, "UPDATE journal_vaccination SET status = 'draft', signed_at = NULL")
        cursor.execute("UPDATE journal_vaccination SET site = 'lår' WHERE id = %s", [draft_dose.pk])
        assert cursor.rowcount == 1
    assert _row(Vaccination, dose) == before


def test_the_owner_cannot_delete_any_vaccination(postgres, dose, draft_dose):
    with connection.cursor() as cursor:
        for row in (draft_dose, dose):
            _restricted(
                cursor,
                "DELETE FROM journal_vaccination WHERE id = %s",
                [row.pk],
                match="never deleted",
            )
    with refused(IntegrityError, match="never deleted"):  # past the model guards
        Vaccination._base_manager.filter(pk=draft_dose.pk)._raw_delete(connection.alias)
    assert Vaccination.objects.count() == 2


def test_the_owner_cannot_change_a_signed_ordination_or_delete_any(
    postgres, ordination, draft_ordination
):
    before = _row(Ordination, ordination)
    with connection.cursor() as cursor:
        _restricted(
            cursor,
            "UPDATE journal_ordination SET dose = '1 ml' WHERE id = %s",
            [ordination.pk],
            match="UPDATE refused",
        )
        for row in (draft_ordination, ordination):
            _restricted(
                cursor,
                "DELETE FROM journal_ordination WHERE id = %s",
                [row.pk],
                match="never deleted",
            )
        cursor.execute(
            "UPDATE journal_ordination SET dose = '1 ml' WHERE id = %s", [draft_ordination.pk]
        )
        assert cursor.rowcount == 1
    assert _row(Ordination, ordination) == before


def test_the_schools_of_a_signed_ordination_are_frozen(
    postgres, ordination, draft_ordination, school_a, school_b
):
    table = Ordination.schools.through._meta.db_table
    with connection.cursor() as cursor:
        _restricted(
            cursor,
            f"INSERT INTO {table} (ordination_id, school_id) VALUES (%s, %s)",
            [ordination.pk, school_b.pk],
            match="signed ordination",
        )
        _restricted(
            cursor,
            f"DELETE FROM {table} WHERE ordination_id = %s",
            [ordination.pk],
            match="signed ordination",
        )
        _restricted(
            cursor,
            f"UPDATE {table} SET ordination_id = %s WHERE ordination_id = %s",
            [draft_ordination.pk, ordination.pk],
            match="signed ordination",
        )
    with refused(IntegrityError, match="signed ordination"):  # the M2M manager too
        ordination.schools.add(school_b)
    draft_ordination.schools.add(school_b)  # a draft's schools still change
    draft_ordination.schools.remove(school_a)
    assert list(ordination.schools.all()) == [school_a]
    assert list(draft_ordination.schools.all()) == [school_b]


def test_the_owner_cannot_delete_a_report_or_a_session_but_updates_them(postgres, dose, session):
    report = RegisterReport.objects.get(vaccination=dose)
    with connection.cursor() as cursor:
        for table, pk in (
            ("journal_registerreport", report.pk),
            ("journal_vaccinationsession", session.pk),
        ):
            _restricted(cursor, f"DELETE FROM {table} WHERE id = %s", [pk], match="DELETE refused")
        cursor.execute(
            "UPDATE journal_registerreport SET status = 'sent' WHERE id = %s", [report.pk]
        )
        cursor.execute(
            "UPDATE journal_vaccinationsession SET planned_on = planned_on + 1 WHERE id = %s",
            [session.pk],
        )
    assert RegisterReport.objects.get(pk=report.pk).status == RegisterReport.Status.SENT
    assert VaccinationSession.objects.filter(pk=session.pk).exists()


def test_the_owner_cannot_rewrite_vaccination_history(postgres, dose, draft_ordination, session):
    """Every vaccination history table has a row here (the products' rows come with migration
    0017); test_immutability.py checks every history table for both roles."""
    tables = [
        "journal_historicalvaccination",
        "journal_historicalordination",
        "journal_historicalregisterreport",
        "journal_historicalvaccinationsession",
        "journal_historicalvaccine",
        "journal_historicalvaccinelot",
        "journal_historicalvaccinationprogramme",
        "journal_historicalprogrammedose",
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")
            count = cursor.fetchone()[0]
            assert count, table
            for sql in (f"UPDATE {table} SET history_change_reason = 'x'", f"DELETE FROM {table}"):
                _restricted(cursor, sql, match="append-only")
            cursor.execute(f"SELECT count(*) FROM {table}")
            assert cursor.fetchone()[0] == count


# --- PostgreSQL: raw SQL as the application role -----------------------------------------------


def test_the_app_role_deletes_nothing_and_cannot_update_a_signed_dose(
    postgres, dose, draft_ordination, session
):
    report = RegisterReport.objects.get(vaccination=dose)
    with as_app_role() as cursor:
        for table, pk in (
            ("journal_vaccination", dose.pk),
            ("journal_ordination", draft_ordination.pk),
            ("journal_registerreport", report.pk),
            ("journal_vaccinationsession", session.pk),
        ):
            with refused(ProgrammingError, match="permission denied"):
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
        _restricted(
            cursor,
            "UPDATE journal_vaccination SET lot_number = 'ANNAN' WHERE id = %s",
            [dose.pk],
            match="UPDATE refused",
        )
        # What the services do: queue updates and drafts' changes are allowed.
        cursor.execute(
            "UPDATE journal_registerreport SET status = 'sent' WHERE id = %s", [report.pk]
        )
        cursor.execute(
            "UPDATE journal_ordination SET dose = '1 ml' WHERE id = %s", [draft_ordination.pk]
        )
    assert Vaccination.objects.get(pk=dose.pk).lot_number == "HPV123"
