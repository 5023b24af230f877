"""Signed is signed for vaccinations too (issue 8, migrations 0018 and 0021): a signed
vaccination or ordination never changes; no ordination, register report or session is deleted,
and no vaccination but a note's draft dose emptied in the draft note (its history keeps it); the
schools of a signed ordination are frozen with it, and every vaccination history table is
append-only — through ``save()``, ``delete()``, ``QuerySet.update()``/``delete()`` and
``bulk_update`` (the model guards, on every database), and through raw SQL on PostgreSQL, as the
owner (the triggers) and as the application role (its grants)."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from journal.models import EntryStatus, ImmutableRecordError, JournalEntry
from journal.models.vaccination import (
    Ordination,
    RegisterReport,
    Vaccination,
    VaccinationOutcome,
    VaccinationSession,
)
from journal.services import vaccinations as services
from journal.services.entries import entry_save_draft, entry_sign
from tests.helpers import as_app_role
from tests.journal.factories import make_entry

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


def _model_draft(nurse, pupil, hpv, school, entry=None) -> Vaccination:
    return Vaccination.objects.create(
        student=pupil,
        organisation=school.organisation,
        school=school,
        outcome=VaccinationOutcome.GIVEN,
        series="HPV",
        dose_number=1,
        vaccine=hpv,
        given_at=at(TODAY),
        vaccinator=nurse,
        vaccinator_name=nurse.get_full_name(),
        entry=entry,
    )


@pytest.fixture
def draft_dose(nurse_a, pupil, hpv, school_a):
    """A draft without a note, made with the model (no service makes one): it changes until
    signed, and is never deleted."""
    return _model_draft(nurse_a, pupil, hpv, school_a)


# A vaccination note's keywords (the national template "Vaccinationsanteckning").
NOTE = {"vaccin": "Gardasil 9", "satsnummer": "HPV123", "dos-nr": "1"}
EMPTY = {"vaccin": "", "satsnummer": "", "dos-nr": "", "injektionsstalle": ""}


@pytest.fixture
def note_dose(nurse_a, pupil, lot):
    """The draft dose of a draft vaccination note: the one vaccination that may be deleted."""
    entry = make_entry(nurse_a, pupil, template="vaccination", values=NOTE)
    return Vaccination.objects.get(entry=entry)


@pytest.fixture
def signed_note_dose(nurse_a, pupil, lot, ordination, consent):
    """The dose of a signed vaccination note: signed with it, its report queued."""
    entry = make_entry(nurse_a, pupil, template="vaccination", values=NOTE, sign=True)
    return Vaccination.objects.get(entry=entry)


@pytest.fixture
def signed_entrys_draft(nurse_a, student_a, hpv, school_a):
    """A draft dose bound to a note that is signed (no service leaves one: the model does)."""
    entry = make_entry(nurse_a, student_a, sign=True)
    return _model_draft(nurse_a, student_a, hpv, school_a, entry=entry)


@pytest.fixture
def reported_draft(note_dose, school_a):
    """A note's draft dose with a register report (reports are queued only at signing)."""
    RegisterReport.objects.create(
        unique_reference=f"test-{note_dose.pk}",
        vaccination=note_dose,
        organisation=school_a.organisation,
    )
    return note_dose


# Every vaccination that is never deleted, by why.
FROZEN = ["signed", "signed_note_dose", "without_note", "signed_entrys_draft", "reported_draft"]


@pytest.fixture
def frozen_dose(request):
    name = {"signed": "dose", "without_note": "draft_dose"}.get(request.param, request.param)
    return request.getfixturevalue(name)


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


def test_a_notes_draft_dose_is_deleted_and_its_history_keeps_it(nurse_a, note_dose):
    pk = note_dose.pk
    note_dose._history_user = nurse_a
    note_dose.delete()
    assert not Vaccination.objects.filter(pk=pk).exists()
    gone = Vaccination.history.filter(id=pk).latest()
    assert (gone.history_type, gone.history_user, gone.lot_number) == ("-", nurse_a, "HPV123")


def test_a_notes_draft_dose_is_deleted_by_a_queryset_too(note_dose):
    assert Vaccination.objects.filter(pk=note_dose.pk).delete()[0] == 1
    assert Vaccination.history.filter(id=note_dose.pk, history_type="-").exists()


@pytest.mark.parametrize("frozen_dose", FROZEN, indirect=True)
def test_no_other_vaccination_is_deleted(frozen_dose):
    before = _row(Vaccination, frozen_dose)
    with refused():
        frozen_dose.delete()
    with refused():
        Vaccination.objects.filter(pk=frozen_dose.pk).delete()
    with refused():  # nor with the rest of the table
        Vaccination.objects.all().delete()
    assert _row(Vaccination, frozen_dose) == before
    assert not Vaccination.history.filter(history_type="-").exists()


def test_a_queryset_with_one_frozen_dose_deletes_none(note_dose, dose):
    with refused():
        Vaccination.objects.filter(pk__in=[note_dose.pk, dose.pk]).delete()
    assert Vaccination.objects.count() == 2


def test_a_draft_dose_signed_in_memory_or_in_the_database_is_not_deleted(note_dose):
    note_dose.status = EntryStatus.SIGNED  # in memory only
    with refused():
        note_dose.delete()
    stale = Vaccination.objects.get(pk=note_dose.pk)
    Vaccination.objects.filter(pk=note_dose.pk).update(
        status=EntryStatus.SIGNED, signed_at=timezone.now()
    )
    with refused():  # the stored row decides, whatever the object says
        stale.delete()
    stale.entry_id = None
    with refused():
        stale.delete()
    assert Vaccination.objects.filter(pk=note_dose.pk).exists()


def test_a_stored_draft_without_its_note_in_memory_is_not_deleted(note_dose):
    note_dose.entry = None
    with refused():
        note_dose.delete()
    assert Vaccination.objects.filter(pk=note_dose.pk).exists()


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


@pytest.mark.parametrize("frozen_dose", FROZEN, indirect=True)
def test_the_owner_cannot_delete_any_other_vaccination(postgres, frozen_dose):
    before = _row(Vaccination, frozen_dose)
    with connection.cursor() as cursor:
        _restricted(
            cursor,
            "DELETE FROM journal_vaccination WHERE id = %s",
            [frozen_dose.pk],
            match="never deleted",
        )
    with refused(IntegrityError, match="never deleted"):  # past the model guards
        Vaccination._base_manager.filter(pk=frozen_dose.pk)._raw_delete(connection.alias)
    assert _row(Vaccination, frozen_dose) == before


def test_the_owner_deletes_a_notes_draft_dose(postgres, note_dose, dose):
    with connection.cursor() as cursor:
        _restricted(cursor, "DELETE FROM journal_vaccination", match="never deleted")
        cursor.execute("DELETE FROM journal_vaccination WHERE id = %s", [note_dose.pk])
        assert cursor.rowcount == 1
    assert list(Vaccination.objects.all()) == [dose]


def test_the_migration_is_reversible(postgres, note_dose, dose):
    """``remove`` puts back 0018's trigger (no DELETE at all); ``install`` this one again."""
    migration = importlib.import_module("journal.migrations.0021_vaccination_draft_delete")
    delete = "DELETE FROM journal_vaccination WHERE id = %s"
    with connection.schema_editor() as editor:
        migration.remove(None, editor)
    with connection.cursor() as cursor:
        _restricted(cursor, delete, [note_dose.pk], match="journal entries are never deleted")
        _restricted(
            cursor,
            "UPDATE journal_vaccination SET site = 'lår' WHERE id = %s",
            [dose.pk],
            match="UPDATE refused",
        )
    with connection.schema_editor() as editor:
        migration.install(None, editor)
    with connection.cursor() as cursor:
        _restricted(cursor, delete, [dose.pk], match="signed vaccination .*: never deleted")
        cursor.execute(delete, [note_dose.pk])
        assert cursor.rowcount == 1


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


def test_the_app_role_deletes_nothing_but_a_draft_dose_and_cannot_update_a_signed_dose(
    postgres, dose, draft_dose, draft_ordination, session
):
    report = RegisterReport.objects.get(vaccination=dose)
    with as_app_role() as cursor:
        for table, pk in (
            ("journal_ordination", draft_ordination.pk),
            ("journal_registerreport", report.pk),
            ("journal_vaccinationsession", session.pk),
        ):
            with refused(ProgrammingError, match="permission denied"):
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
        # Doses: the role may DELETE (a draft note's emptied dose); the trigger refuses the rest.
        for row in (dose, draft_dose):
            _restricted(
                cursor,
                "DELETE FROM journal_vaccination WHERE id = %s",
                [row.pk],
                match="never deleted",
            )
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


def test_the_app_role_empties_a_draft_notes_dose_as_the_service_does(postgres, nurse_a, pupil, lot):
    with as_app_role():
        entry = make_entry(nurse_a, pupil, template="vaccination", values=NOTE)
        pk = Vaccination.objects.get(entry=entry).pk
        entry = entry_save_draft(
            entry=entry,
            by=nurse_a,
            lock_version=entry.lock_version,
            values={**EMPTY, "bedomning": "Avbröts, eleven var sjuk."},
        )
        assert not Vaccination.objects.filter(pk=pk).exists()
        assert Vaccination.history.get(id=pk, history_type="-").history_user == nurse_a
        entry_sign(entry=entry, by=nurse_a)
    assert JournalEntry.objects.get(pk=entry.pk).status == EntryStatus.SIGNED
    assert not Vaccination.objects.exists()
