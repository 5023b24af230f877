"""A vaccination note whose keywords bind to a dose (issue 8): the draft dose follows the
draft note (emptied keywords delete it, its history keeps it); signing the note checks every
rule of the dose, signs it and queues its register report once; a problem refuses signing with a
clear message and leaves both drafts."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from journal.bindings import BINDINGS, binding_errors
from journal.models import EntryStatus, ImmutableRecordError, JournalEntry, Keyword
from journal.models.vaccination import (
    DoseSource,
    RegisterReport,
    Vaccination,
    VaccinationOutcome,
    VaccineLot,
)
from journal.services.entries import entry_save_draft, entry_sign, entry_start_correction
from tests.helpers import visible_text
from tests.journal import test_vaccinations as doses_tests
from tests.journal.factories import make_entry, published
from tests.journal.test_entry_views import edit_url, form_data

# The dose helper's fixtures: a girl in åk 5, Gardasil 9 with a lot, a signed general directive
# and a granted HPV consent.
class5 = doses_tests.class5
pupil = doses_tests.pupil
doctor_a = doses_tests.doctor_a
hpv = doses_tests.hpv
lot = doses_tests.lot
ordination = doses_tests.ordination
consent = doses_tests.consent
days = doses_tests.days

NOTE = {
    "vaccin": "Gardasil 9",
    "satsnummer": "HPV123",
    "dos-nr": "1",
    "injektionsstalle": "Vänster överarm",
    "vaccination": "Mådde bra efteråt.",
}
EMPTY = {"vaccin": "", "satsnummer": "", "dos-nr": "", "injektionsstalle": ""}


def note(nurse, student, values=None) -> JournalEntry:
    return make_entry(nurse, student, template="vaccination", values=values or NOTE)


def save(entry, nurse, values) -> JournalEntry:
    return entry_save_draft(entry=entry, by=nurse, lock_version=entry.lock_version, values=values)


def refused_signing(entry, nurse) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        entry_sign(entry=entry, by=nurse)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT
    assert not Vaccination.objects.filter(status=EntryStatus.SIGNED).exists()
    assert not RegisterReport.objects.exists()
    return excinfo.value.message_dict


def test_the_national_vaccination_template_binds_the_dose(db):
    version = published("vaccination")
    assert version.template.name == "Vaccinationsanteckning"
    assert version.template.area == "EMI"
    bound = {k.code: k.binds_to for k in version.keywords.all() if k.binds_to}
    assert bound == {
        "vaccin": "vaccination.vaccine",
        "satsnummer": "vaccination.lot",
        "dos-nr": "vaccination.dose_number",
        "injektionsstalle": "vaccination.site",
    }
    for keyword in version.keywords.all():
        if keyword.binds_to:
            assert keyword.binds_to in BINDINGS
            assert not binding_errors(
                keyword.binds_to,
                kind=keyword.kind,
                unit=keyword.unit,
                min_value=keyword.min_value,
                max_value=keyword.max_value,
                flag_below=keyword.flag_below,
            )


def test_saving_the_note_makes_one_draft_dose(nurse_a, pupil, hpv, lot):
    entry = note(nurse_a, pupil)
    dose = Vaccination.objects.get(entry=entry)
    assert dose.status == EntryStatus.DRAFT
    assert (dose.outcome, dose.source) == (VaccinationOutcome.GIVEN, DoseSource.HERE)
    assert (dose.vaccine, dose.lot, dose.series, dose.dose_number) == (hpv, lot, "HPV", 1)
    assert (dose.lot_number, dose.lot_expires_on) == ("HPV123", lot.expires_on)
    assert dose.site == "Vänster överarm"
    assert dose.vaccinator == nurse_a
    assert dose.given_at == entry.contact_at
    assert dose.student == pupil and dose.organisation_id == entry.organisation_id

    save(entry, nurse_a, {**NOTE, "injektionsstalle": "Höger överarm"})
    dose.refresh_from_db()
    assert dose.site == "Höger överarm"
    assert Vaccination.objects.count() == 1


def test_an_unknown_vaccine_saves_the_note_but_refuses_signing(nurse_a, pupil, lot):
    entry = note(nurse_a, pupil, {**NOTE, "vaccin": "Okändix"})
    assert not Vaccination.objects.exists()
    errors = refused_signing(entry, nurse_a)
    assert "Okänt vaccin ”Okändix”" in errors["vaccin"][0]


def test_emptying_the_keywords_deletes_the_draft_dose(nurse_a, pupil, lot, ordination, consent):
    entry = note(nurse_a, pupil)
    pk = Vaccination.objects.get(entry=entry).pk
    entry = save(entry, nurse_a, {**EMPTY, "bedomning": "Avbröts, eleven var sjuk."})
    assert not Vaccination.objects.exists()
    gone = Vaccination.history.get(id=pk, history_type="-")  # the history keeps what it held
    assert (gone.history_user, gone.lot_number, gone.status) == (nurse_a, "HPV123", "draft")
    entry_sign(entry=entry, by=nurse_a)
    assert not Vaccination.objects.exists()
    assert not RegisterReport.objects.exists()


def test_filling_the_keywords_again_makes_a_new_draft_dose(
    nurse_a, pupil, lot, ordination, consent
):
    entry = note(nurse_a, pupil)
    first = Vaccination.objects.get(entry=entry).pk
    entry = save(entry, nurse_a, EMPTY)
    entry = save(entry, nurse_a, {**NOTE, "injektionsstalle": "Höger överarm"})
    dose = Vaccination.objects.get()
    assert dose.pk != first and dose.entry == entry
    assert (dose.status, dose.site) == (EntryStatus.DRAFT, "Höger överarm")
    entry_sign(entry=entry, by=nurse_a)
    dose.refresh_from_db()
    assert dose.status == EntryStatus.SIGNED
    assert RegisterReport.objects.get().vaccination == dose


def test_an_unknown_vaccine_keeps_the_draft_dose_as_it_was(nurse_a, pupil, lot):
    entry = note(nurse_a, pupil)
    dose = Vaccination.objects.get(entry=entry)
    save(entry, nurse_a, {**NOTE, "vaccin": "Okändix", "injektionsstalle": "Höger lår"})
    assert Vaccination.objects.get() == dose  # not deleted: the keywords are not empty
    assert Vaccination.objects.get().site == "Vänster överarm"


def test_emptying_a_corrections_keywords_leaves_the_signed_original_dose(
    nurse_a, pupil, lot, ordination, consent
):
    original = entry_sign(entry=note(nurse_a, pupil), by=nurse_a)
    signed = Vaccination.objects.get(entry=original)
    correction = entry_start_correction(original=original, by=nurse_a, reason="Ingen dos gavs.")
    correction = save(correction, nurse_a, NOTE)
    assert Vaccination.objects.filter(entry=correction, status=EntryStatus.DRAFT).exists()
    save(correction, nurse_a, EMPTY)
    assert list(Vaccination.objects.all()) == [signed]
    assert signed.status == EntryStatus.SIGNED
    with pytest.raises(ImmutableRecordError):
        signed.delete()
    assert RegisterReport.objects.get().vaccination == signed


def test_signing_the_note_signs_the_dose_and_queues_one_report(
    nurse_a, pupil, lot, ordination, consent
):
    entry = note(nurse_a, pupil)
    entry_sign(entry=entry, by=nurse_a)
    dose = Vaccination.objects.get(entry=entry)
    assert dose.status == EntryStatus.SIGNED
    assert dose.signed_at is not None
    assert dose.ordination == ordination
    assert dose.consent_public_id == consent.public_id
    assert dose.programme_dose is not None and dose.programme_dose.series == "HPV"
    assert dose.history.latest().history_user == nurse_a
    report = RegisterReport.objects.get()
    assert report.vaccination == dose
    assert RegisterReport.objects.count() == 1


def test_an_expired_lot_refuses_signing(nurse_a, pupil, hpv, ordination, consent):
    VaccineLot.objects.create(vaccine=hpv, lot_number="OLD1", expires_on=days(-10))
    entry = note(nurse_a, pupil, {**NOTE, "satsnummer": "old1"})
    assert Vaccination.objects.get(entry=entry).lot.lot_number == "OLD1"  # saved all the same
    errors = refused_signing(entry, nurse_a)
    assert "gick ut" in errors["satsnummer"][0]


def test_an_unknown_lot_refuses_signing(nurse_a, pupil, lot, ordination, consent):
    entry = note(nurse_a, pupil, {**NOTE, "satsnummer": "NOPE"})
    errors = refused_signing(entry, nurse_a)
    assert errors["satsnummer"] == ["Satsnummer NOPE finns inte för Gardasil 9."]


def test_no_ordination_refuses_signing(nurse_a, pupil, lot, consent):
    entry = note(nurse_a, pupil)
    errors = refused_signing(entry, nurse_a)
    assert any("Ingen signerad ordination" in m for m in errors[NON_FIELD_ERRORS])


def test_no_consent_refuses_signing(nurse_a, pupil, lot, ordination):
    entry = note(nurse_a, pupil)
    errors = refused_signing(entry, nurse_a)
    assert any("inget lämnat samtycke till HPV" in m for m in errors[NON_FIELD_ERRORS])


def test_a_dose_out_of_sequence_refuses_signing(nurse_a, pupil, lot, ordination, consent):
    entry = note(nurse_a, pupil, {**NOTE, "dos-nr": "2"})
    errors = refused_signing(entry, nurse_a)
    assert any("Dos 1 måste ges före dos 2" in m for m in errors["dos-nr"])


def test_the_dose_of_a_signed_note_cannot_change(nurse_a, pupil, lot, ordination, consent):
    entry = note(nurse_a, pupil)
    entry = entry_sign(entry=entry, by=nurse_a)
    dose = Vaccination.objects.get(entry=entry)
    dose.site = "Höger lår"
    with pytest.raises(ImmutableRecordError):
        dose.save()
    with pytest.raises(ValidationError):
        save(entry, nurse_a, {**NOTE, "dos-nr": "2"})
    dose.refresh_from_db()
    assert (dose.site, dose.dose_number) == ("Vänster överarm", 1)
    assert RegisterReport.objects.count() == 1


def test_correcting_the_note_replaces_the_dose_and_updates_its_report(
    nurse_a, pupil, lot, ordination, consent
):
    original = entry_sign(entry=note(nurse_a, pupil), by=nurse_a)
    first = Vaccination.objects.get(entry=original)
    correction = entry_start_correction(original=original, by=nurse_a, reason="Fel arm.")
    correction = save(correction, nurse_a, {**NOTE, "injektionsstalle": "Höger överarm"})
    entry_sign(entry=correction, by=nurse_a)
    second = Vaccination.objects.get(entry=correction)
    assert (second.status, second.replaces, second.site) == (
        EntryStatus.SIGNED,
        first,
        "Höger överarm",
    )
    assert second.change_reason == "Fel arm."
    report = RegisterReport.objects.get()  # the same report, sent again
    assert (report.vaccination, report.revision) == (second, 2)


def test_the_edit_page_shows_why_the_dose_cannot_be_signed(client, nurse_a, pupil, hpv, consent):
    VaccineLot.objects.create(vaccine=hpv, lot_number="OLD1", expires_on=days(-10))
    entry = note(nurse_a, pupil, {})
    client.force_login(nurse_a)
    values = {**NOTE, "satsnummer": "OLD1"}
    response = client.post(edit_url(entry), form_data(entry, values, action="sign"))
    assert response.status_code == 200
    form = response.context["form"]
    assert "gick ut" in form.errors["kw-satsnummer"][0]
    assert any("Ingen signerad ordination" in m for m in form.non_field_errors())
    assert "Utkastet sparades men signerades inte" in visible_text(response)
    assert NOTE["vaccination"] in response.content.decode()  # nothing typed is lost
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT
    assert Vaccination.objects.get(entry=entry).status == EntryStatus.DRAFT


def test_a_fractional_dose_number_saves_but_refuses_signing(
    nurse_a, pupil, lot, ordination, consent
):
    entry = note(nurse_a, pupil, {**NOTE, "dos-nr": "1,5"})
    assert Vaccination.objects.get(entry=entry).dose_number is None
    errors = refused_signing(entry, nurse_a)
    assert errors["dos-nr"] == ["Dosnumret är ett heltal, t.ex. 1 eller 2."]


@pytest.mark.parametrize("typed", ["0", "11", "40000"])
def test_a_dose_number_out_of_range_saves_but_refuses_signing(
    nurse_a, pupil, lot, ordination, consent, typed
):
    # The national keyword refuses these itself (1–10); an organisation's own keyword may have
    # no range, and 40000 does not fit the dose's small-integer column.
    Keyword.objects.filter(code="dos-nr").update(min_value=None, max_value=None)
    entry = note(nurse_a, pupil, {**NOTE, "dos-nr": typed})
    assert Vaccination.objects.get(entry=entry).dose_number is None
    errors = refused_signing(entry, nurse_a)
    assert errors["dos-nr"] == ["Dosnumret ska vara mellan 1 och 10."]


def test_the_national_dose_number_keyword_refuses_eleven_on_saving(nurse_a, pupil, lot):
    with pytest.raises(ValidationError) as excinfo:
        note(nurse_a, pupil, {**NOTE, "dos-nr": "11"})
    # A count has no unit: no space before the full stop.
    assert excinfo.value.message_dict["dos-nr"] == ["Dos nr: värdet ska ligga mellan 1 och 10."]
