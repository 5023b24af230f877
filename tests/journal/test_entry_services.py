"""The journal's rules, through the services the views call (journal.services.entries):
starting, saving and locking drafts, signing, structured values and codes, optimistic locking,
the bound vision record, corrections and marks."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from journal.models import (
    ContactType,
    EntryMark,
    EntryStatus,
    ImmutableRecordError,
    JournalEntry,
    KeywordValue,
    MarkKind,
    TemplateVersion,
    VisionResult,
)
from journal.services.entries import (
    EditConflict,
    active_marks,
    current_marks,
    entry_save_draft,
    entry_sign,
    entry_start,
    entry_start_correction,
    mark_set,
)
from journal.services.templates import version_create_draft, version_publish
from schools.models import Profession
from tests.schools.factories import AssignmentFactory, StaffMemberFactory

from .codes_helpers import load
from .factories import AK4_VALUES, FKLASS_VALUES, age_draft, make_entry, published

REASON = "Fel öga angivet vid synundersökningen."


@pytest.fixture
def colleague_a(school_a):
    """Another nurse at school A: a care relation to student A, same area as nurse A."""
    member = StaffMemberFactory(
        organisation=school_a.organisation,
        profession=Profession.SCHOOL_NURSE,
        user__username="colleague_a",
    )
    AssignmentFactory(staff_member=member, school=school_a)
    return member.user


def save(entry, by, values, **kwargs):
    """Save with the entry's stored lock version, the way a freshly opened form does."""
    entry.refresh_from_db()
    return entry_save_draft(
        entry=entry, by=by, lock_version=entry.lock_version, values=values, **kwargs
    )


def stored(entry) -> dict:
    """Keyword code → stored value of the entry's keyword values."""
    return {
        value.keyword.code: value.value
        for value in KeywordValue.objects.filter(entry=entry).select_related("keyword")
    }


def messages_of(error: pytest.ExceptionInfo) -> dict:
    return error.value.message_dict


# --- Starting a draft ---------------------------------------------------------------------------


def test_a_nurse_starts_a_draft_with_her_snapshot_and_area(nurse_a, student_a, school_a):
    contact = timezone.now() - datetime.timedelta(hours=2)
    entry = entry_start(
        author=nurse_a,
        student=student_a,
        template_version=published("halsobesok-ak4"),
        contact_at=contact,
        contact_type=ContactType.PHONE,
        school=school_a,
    )
    assert entry.status == EntryStatus.DRAFT and entry.signed_at is None
    assert (entry.area, entry.organisation_id) == ("EMI", school_a.organisation_id)
    assert entry.author == nurse_a and entry.author_name == nurse_a.get_full_name()
    assert entry.author_title == "Skolsköterska"
    assert (entry.contact_at, entry.contact_type) == (contact, ContactType.PHONE)
    assert entry.lock_version == 1


def test_a_template_of_the_other_area_is_refused(nurse_a, psychologist_a, student_a):
    with pytest.raises(ValidationError) as error:
        entry_start(author=nurse_a, student=student_a, template_version=published("psykologsamtal"))
    assert "template_version" in messages_of(error)
    with pytest.raises(ValidationError):
        entry_start(
            author=psychologist_a, student=student_a, template_version=published("halsobesok-ak4")
        )
    assert not JournalEntry.objects.exists()


def test_unpublished_and_retired_versions_are_refused(nurse_a, student_a, registry_admin_a):
    current = published("telefonkontakt")
    draft = version_create_draft(template=current.template)
    with pytest.raises(ValidationError) as error:
        entry_start(author=nurse_a, student=student_a, template_version=draft)
    assert "template_version" in messages_of(error)
    version_publish(version=draft, by=registry_admin_a)
    current.refresh_from_db()
    assert current.status == TemplateVersion.Status.RETIRED
    with pytest.raises(ValidationError):
        entry_start(author=nurse_a, student=student_a, template_version=current)
    assert entry_start(author=nurse_a, student=student_a, template_version=draft).pk


def test_staff_without_an_area_cannot_document(registry_admin_a, student_a):
    with pytest.raises(ValidationError) as error:
        entry_start(
            author=registry_admin_a,
            student=student_a,
            template_version=published("telefonkontakt"),
        )
    assert error.value.code == "no_area"


def test_a_contact_time_in_the_future_is_refused_beyond_the_clock_skew(nurse_a, student_a):
    version = published("telefonkontakt")
    with pytest.raises(ValidationError) as error:
        entry_start(
            author=nurse_a,
            student=student_a,
            template_version=version,
            contact_at=timezone.now() + datetime.timedelta(minutes=10),
        )
    assert "contact_at" in messages_of(error)
    assert not JournalEntry.objects.exists()
    soon = timezone.now() + datetime.timedelta(minutes=4)
    entry = entry_start(
        author=nurse_a, student=student_a, template_version=version, contact_at=soon
    )
    with pytest.raises(ValidationError) as error:
        save(
            entry,
            nurse_a,
            {"kontakt-med": "Mamma"},
            contact_at=timezone.now() + datetime.timedelta(days=1),
        )
    assert "contact_at" in messages_of(error)
    entry.refresh_from_db()
    assert entry.contact_at == soon and entry.lock_version == 1
    assert stored(entry) == {}


# --- Saving a draft ------------------------------------------------------------------------------


def test_the_author_saves_values_contact_and_codes(nurse_a, student_a):
    kva = load("kva")
    code = kva.codes.get(code="DV112")
    entry = make_entry(nurse_a, student_a, values={})
    earlier = timezone.now() - datetime.timedelta(days=1)
    entry = save(
        entry,
        nurse_a,
        AK4_VALUES,
        codes=[code],
        contact_at=earlier,
        contact_type=ContactType.VIDEO,
    )
    entry.refresh_from_db()
    assert entry.lock_version == 2
    assert (entry.contact_at, entry.contact_type) == (earlier, ContactType.VIDEO)
    values = stored(entry)
    assert values["langd"] == Decimal("142.5") and values["rygg"] == "Utan anmärkning"
    assert values["anamnes"] == AK4_VALUES["anamnes"]
    assert list(entry.codes.all()) == [code]
    length = entry.values.get(keyword__code="langd")
    assert length.display == "142,5 cm"


def test_only_the_author_saves_a_draft(nurse_a, colleague_a, student_a):
    entry = make_entry(nurse_a, student_a)
    with pytest.raises(ValidationError) as error:
        save(entry, colleague_a, {**AK4_VALUES, "anamnes": "Kollegans text"})
    assert error.value.code == "not_author"
    assert stored(entry)["anamnes"] == AK4_VALUES["anamnes"]


def test_an_emptied_keyword_deletes_its_draft_value_and_history_keeps_it(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    row = entry.values.get(keyword__code="anamnes")
    save(entry, nurse_a, {**AK4_VALUES, "anamnes": "   "})
    assert not KeywordValue.objects.filter(pk=row.pk).exists()
    assert "anamnes" not in stored(entry)
    deleted = KeywordValue.history.get(id=row.pk, history_type="-")
    assert deleted.text == AK4_VALUES["anamnes"] and deleted.history_user == nurse_a


def test_an_unchanged_value_is_not_rewritten(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    before = KeywordValue.history.count()
    save(entry, nurse_a, {**AK4_VALUES, "anamnes": "Ny anamnes."})
    assert KeywordValue.history.count() == before + 1  # only the changed keyword


@pytest.mark.parametrize(
    ("code", "value", "label"),
    [
        ("langd", "300", "Längd"),  # out of range (40–230 cm)
        ("vikt", "2", "Vikt"),
        ("langd", "lång", "Längd"),  # not a number
        ("langd", "NaN", "Längd"),
        ("langd", "142.1234", "Längd"),  # more decimals than stored
        ("rygg", "Kanske", "Rygg (skolios)"),  # not one of the choices
        ("halsoformular", "Inkommet", "Hälsoformulär"),
    ],
)
def test_bad_structured_values_are_refused_naming_the_keyword(
    nurse_a, student_a, code, value, label
):
    entry = make_entry(nurse_a, student_a)
    with pytest.raises(ValidationError) as error:
        save(entry, nurse_a, {**AK4_VALUES, "anamnes": "Ändrad", code: value})
    errors = messages_of(error)
    assert list(errors) == [code]
    assert label in errors[code][0]
    entry.refresh_from_db()
    assert stored(entry)["anamnes"] == AK4_VALUES["anamnes"]  # nothing written
    assert entry.lock_version == 2


def test_yes_no_and_dates_take_only_their_kind(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, template="vaccination")
    with pytest.raises(ValidationError) as error:
        save(entry, nurse_a, {"samtycke": "ja"})
    assert "Samtycke" in messages_of(error)["samtycke"][0]
    save(entry, nurse_a, {"samtycke": True, "vaccination": "Dos 1 given."})
    assert stored(entry)["samtycke"] is True


def test_a_number_with_a_decimal_comma_is_read(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    save(entry, nurse_a, {**AK4_VALUES, "langd": "143,2"})
    assert stored(entry)["langd"] == Decimal("143.2")


# --- Codes ------------------------------------------------------------------------------------


@pytest.fixture
def code_lists(db):
    old = load("kva", label="KVÅ 2025")  # DV111, DV112, ZXA10
    new = load("kva", [("DV113", "Kvalificerat rådgivande samtal om tobaksbruk", "")])
    icd = load("icd10se")  # J45 (a heading), J45.9, Z00.1
    return {
        "inactive": old.codes.get(code="DV111"),
        "kva": new.codes.get(code="DV113"),
        "heading": icd.codes.get(code="J45"),
        "icd": icd.codes.get(code="J45.9"),
    }


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("inactive", "DV111 finns inte i den aktiva kodlistan"),
        ("heading", "J45 finns inte i den aktiva kodlistan"),
        ("icd", "Diagnoskoder (ICD-10-SE) sätts av skolläkaren"),
    ],
)
def test_a_nurse_may_not_set_these_codes(nurse_a, student_a, code_lists, code, message):
    entry = make_entry(nurse_a, student_a)
    with pytest.raises(ValidationError) as error:
        save(entry, nurse_a, AK4_VALUES, codes=[code_lists["kva"], code_lists[code]])
    assert message in messages_of(error)["codes"][0]
    assert not entry.entry_codes.exists()


def test_a_nurse_sets_an_active_kva_code(nurse_a, student_a, code_lists):
    entry = make_entry(nurse_a, student_a)
    save(entry, nurse_a, AK4_VALUES, codes=[code_lists["kva"]])
    assert list(entry.codes.all()) == [code_lists["kva"]]


def test_the_doctor_sets_icd_codes_but_not_headings(doctor_a, student_a, code_lists):
    values = {"remissorsak": "Huvudvärk", "bedomning": "Spänningshuvudvärk."}
    entry = make_entry(doctor_a, student_a, template="skollakarbedomning", values=values)
    save(entry, doctor_a, values, codes=[code_lists["icd"], code_lists["kva"]])
    assert set(entry.codes.all()) == {code_lists["icd"], code_lists["kva"]}
    with pytest.raises(ValidationError) as error:
        save(entry, doctor_a, values, codes=[code_lists["heading"]])
    assert "codes" in messages_of(error)


def test_a_removed_code_is_deleted_from_the_draft(nurse_a, student_a, code_lists):
    entry = make_entry(nurse_a, student_a)
    save(entry, nurse_a, AK4_VALUES, codes=[code_lists["kva"]])
    save(entry, nurse_a, AK4_VALUES, codes=[])
    assert not entry.entry_codes.exists()


# --- Optimistic locking -------------------------------------------------------------------------


def test_two_saves_of_the_same_version_the_second_is_a_conflict(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    version = entry.lock_version
    first_tab = JournalEntry.objects.get(pk=entry.pk)
    second_tab = JournalEntry.objects.get(pk=entry.pk)
    entry_save_draft(
        entry=first_tab,
        by=nurse_a,
        lock_version=version,
        values={**AK4_VALUES, "anamnes": "Text från första fliken."},
    )
    with pytest.raises(EditConflict) as conflict:
        entry_save_draft(
            entry=second_tab,
            by=nurse_a,
            lock_version=version,
            values={**AK4_VALUES, "anamnes": "Text från andra fliken."},
        )
    current = conflict.value.current
    assert current.pk == entry.pk and current.lock_version == version + 1
    assert stored(entry)["anamnes"] == "Text från första fliken."


def test_signing_a_stale_version_is_a_conflict(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    stale = entry.lock_version
    save(entry, nurse_a, {**AK4_VALUES, "anamnes": "Sparad i en annan flik."})
    with pytest.raises(EditConflict) as conflict:
        entry_sign(entry=entry, by=nurse_a, lock_version=stale)
    assert conflict.value.current.lock_version == stale + 1
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT
    signed = entry_sign(entry=entry, by=nurse_a, lock_version=stale + 1)
    assert signed.is_signed


# --- Locked drafts ------------------------------------------------------------------------------


def test_a_draft_older_than_the_lock_days_is_locked_but_still_signable(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    assert entry.state_label == "Osignerad" and not entry.is_locked
    age_draft(entry, 13)
    assert not entry.is_locked
    save(entry, nurse_a, {**AK4_VALUES, "anamnes": "Sparad dag 13."})
    age_draft(entry, 15)
    assert entry.is_locked and entry.state_label == "Osignerad – låst"
    assert JournalEntry.objects.locked().filter(pk=entry.pk).exists()
    with pytest.raises(ValidationError) as error:
        save(entry, nurse_a, {**AK4_VALUES, "anamnes": "För sent."})
    assert error.value.code == "locked"
    assert stored(entry)["anamnes"] == "Sparad dag 13."
    signed = entry_sign(entry=entry, by=nurse_a)
    assert signed.is_signed and signed.state_label == "Signerad"
    assert not signed.is_locked
    assert not JournalEntry.objects.locked().filter(pk=entry.pk).exists()


@override_settings(JOURNAL_DRAFT_LOCK_DAYS=3)
def test_the_lock_days_are_a_setting(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    age_draft(entry, 2)
    assert not entry.is_locked
    save(entry, nurse_a, AK4_VALUES)
    age_draft(entry, 4)
    assert entry.is_locked and entry.state_label == "Osignerad – låst"
    with pytest.raises(ValidationError) as error:
        save(entry, nurse_a, AK4_VALUES)
    assert error.value.code == "locked"
    assert "3 dagar" in error.value.messages[0]
    assert entry_sign(entry=entry, by=nurse_a).is_signed


# --- Signing ------------------------------------------------------------------------------------


def test_signing_needs_every_required_keyword(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, template="telefonkontakt")
    with pytest.raises(ValidationError) as error:
        entry_sign(entry=entry, by=nurse_a)
    errors = messages_of(error)
    assert set(errors) == {"kontakt-med", "bedomning"}
    assert "Kontakt med" in errors["kontakt-med"][0]
    save(entry, nurse_a, {"kontakt-med": "Pappa", "bedomning": "   "})
    with pytest.raises(ValidationError) as error:
        entry_sign(entry=entry, by=nurse_a)
    assert set(messages_of(error)) == {"bedomning"}
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT and entry.signed_at is None
    save(entry, nurse_a, {"kontakt-med": "Pappa", "bedomning": "Ingen åtgärd."})
    assert entry_sign(entry=entry, by=nurse_a).is_signed


def test_signing_snapshots_name_and_title_and_sets_the_time(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    nurse_a.first_name, nurse_a.last_name = "Karin", "Nyström"
    nurse_a.save()
    staff = nurse_a.staff_member
    staff.title = "Distriktssköterska"
    staff.save()
    before = timezone.now()
    signed = entry_sign(entry=entry, by=nurse_a)
    signed.refresh_from_db()
    assert signed.status == EntryStatus.SIGNED
    assert before <= signed.signed_at <= timezone.now()
    assert (signed.author_name, signed.author_title) == ("Karin Nyström", "Distriktssköterska")
    nurse_a.last_name = "Gift"
    nurse_a.save()
    signed.refresh_from_db()
    assert signed.author_name == "Karin Nyström"


def test_only_the_author_signs_and_only_once(nurse_a, colleague_a, student_a):
    entry = make_entry(nurse_a, student_a)
    with pytest.raises(ValidationError) as error:
        entry_sign(entry=entry, by=colleague_a)
    assert error.value.code == "not_author"
    signed = entry_sign(entry=entry, by=nurse_a)
    signed_at = signed.signed_at
    with pytest.raises(ValidationError) as error:
        entry_sign(entry=entry, by=nurse_a)
    assert error.value.code == "signed"
    entry.refresh_from_db()
    assert entry.signed_at == signed_at


def test_a_signed_entry_is_not_saved_as_a_draft(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    with pytest.raises(ValidationError) as error:
        save(entry, nurse_a, {**AK4_VALUES, "anamnes": "Efteråt."})
    assert error.value.code == "signed"
    assert stored(entry)["anamnes"] == AK4_VALUES["anamnes"]


def test_a_stale_draft_object_of_a_signed_entry_changes_nothing(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    stale = JournalEntry.objects.get(pk=entry.pk)
    entry_sign(entry=entry, by=nurse_a)
    with pytest.raises((ValidationError, EditConflict)):
        entry_save_draft(
            entry=stale,
            by=nurse_a,
            lock_version=stale.lock_version,
            values={**AK4_VALUES, "anamnes": "Efteråt."},
        )
    assert stored(entry)["anamnes"] == AK4_VALUES["anamnes"]


# --- Bound records: vision ------------------------------------------------------------------------


def test_the_fklass_note_writes_one_draft_vision_result(nurse_a, student_a):
    contact = timezone.now() - datetime.timedelta(days=2)
    entry = make_entry(nurse_a, student_a, template="halsobesok-fklass", contact_at=contact)
    result = VisionResult.objects.get(entry=entry)
    assert result.status == EntryStatus.DRAFT
    assert (result.left, result.right) == (Decimal("1.0"), Decimal("0.6"))
    assert result.measured_on == timezone.localdate(contact)
    assert result.flag_below == Decimal("0.8")
    assert result.flagged_eyes == ["höger"] and result.is_flagged
    assert (result.student, result.organisation_id) == (student_a, entry.organisation_id)
    assert entry.values.get(keyword__code="syn-hoger").is_flagged


def test_changing_and_emptying_the_values_updates_and_removes_the_record(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, template="halsobesok-fklass")
    result = VisionResult.objects.get(entry=entry)
    save(entry, nurse_a, {**FKLASS_VALUES, "syn-hoger": "0.9"})
    assert VisionResult.objects.filter(entry=entry).count() == 1
    result.refresh_from_db()
    assert (result.left, result.right) == (Decimal("1.0"), Decimal("0.9"))
    assert result.flagged_eyes == []
    save(entry, nurse_a, {**FKLASS_VALUES, "syn-vanster": "", "syn-hoger": "0.7"})
    result.refresh_from_db()
    assert (result.left, result.right) == (None, Decimal("0.7"))
    save(entry, nurse_a, {**FKLASS_VALUES, "syn-vanster": "", "syn-hoger": ""})
    assert not VisionResult.objects.filter(entry=entry).exists()
    assert VisionResult.history.filter(id=result.pk, history_type="-").exists()
    save(entry, nurse_a, FKLASS_VALUES)
    assert VisionResult.objects.filter(entry=entry).count() == 1


def test_a_note_without_vision_values_writes_no_vision_result(nurse_a, student_a):
    entry = make_entry(
        nurse_a,
        student_a,
        template="halsobesok-fklass",
        values={k: v for k, v in FKLASS_VALUES.items() if not k.startswith("syn-")},
    )
    assert not VisionResult.objects.filter(entry=entry).exists()
    assert entry_sign(entry=entry, by=nurse_a).is_signed


def test_signing_the_note_signs_its_vision_result_which_then_never_changes(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, template="halsobesok-fklass", sign=True)
    result = VisionResult.objects.get(entry=entry)
    assert result.status == EntryStatus.SIGNED
    result.left = Decimal("0.2")
    with pytest.raises(ImmutableRecordError):
        result.save()
    with pytest.raises(ImmutableRecordError):
        result.delete()
    result.refresh_from_db()
    assert result.left == Decimal("1.0")


def test_a_failed_signing_leaves_the_vision_result_a_draft(nurse_a, student_a):
    values = {**FKLASS_VALUES, "bedomning": ""}
    entry = make_entry(nurse_a, student_a, template="halsobesok-fklass", values=values)
    with pytest.raises(ValidationError):
        entry_sign(entry=entry, by=nurse_a)
    assert VisionResult.objects.get(entry=entry).status == EntryStatus.DRAFT


# --- Corrections ------------------------------------------------------------------------------


def test_only_signed_entries_are_corrected_and_a_reason_is_needed(nurse_a, student_a):
    draft = make_entry(nurse_a, student_a)
    with pytest.raises(ValidationError):
        entry_start_correction(original=draft, by=nurse_a, reason=REASON)
    signed = entry_sign(entry=draft, by=nurse_a)
    with pytest.raises(ValidationError) as error:
        entry_start_correction(original=signed, by=nurse_a, reason="  ")
    assert "reason" in messages_of(error)
    assert not JournalEntry.objects.filter(corrects=signed).exists()


def test_a_correction_copies_values_codes_and_contact(nurse_a, student_a, code_lists, school_a):
    contact = timezone.now() - datetime.timedelta(days=3)
    entry = make_entry(nurse_a, student_a, contact_at=contact)
    save(entry, nurse_a, AK4_VALUES, codes=[code_lists["kva"]], contact_type=ContactType.PHONE)
    original = entry_sign(entry=entry, by=nurse_a)
    correction = entry_start_correction(
        original=original, by=nurse_a, reason=f"  {REASON} ", school=school_a
    )
    assert correction.status == EntryStatus.DRAFT and correction.pk != original.pk
    assert correction.corrects == original and correction.correction_reason == REASON
    assert (correction.contact_at, correction.contact_type) == (contact, ContactType.PHONE)
    assert correction.template_version_id == original.template_version_id
    assert (correction.student, correction.area, correction.school) == (student_a, "EMI", school_a)
    assert stored(correction) == stored(original)
    assert list(correction.codes.all()) == [code_lists["kva"]]
    # The correction is an ordinary draft: edited and signed; the original never changes.
    save(correction, nurse_a, {**AK4_VALUES, "langd": "124.5"})
    entry_sign(entry=correction, by=nurse_a)
    assert stored(original)["langd"] == Decimal("142.5")


def test_a_correction_gets_its_own_vision_result(nurse_a, student_a):
    original = make_entry(nurse_a, student_a, template="halsobesok-fklass", sign=True)
    correction = entry_start_correction(original=original, by=nurse_a, reason=REASON)
    results = VisionResult.objects.filter(student=student_a)
    assert results.count() == 2
    mine = results.get(entry=correction)
    assert mine.status == EntryStatus.DRAFT
    assert (mine.left, mine.right) == (Decimal("1.0"), Decimal("0.6"))
    save(correction, nurse_a, {**FKLASS_VALUES, "syn-vanster": "0.6", "syn-hoger": "1.0"})
    entry_sign(entry=correction, by=nurse_a)
    mine.refresh_from_db()
    theirs = results.get(entry=original)
    assert (mine.status, mine.left, mine.right) == (EntryStatus.SIGNED, Decimal("0.6"), 1)
    assert (theirs.status, theirs.left, theirs.right) == (EntryStatus.SIGNED, 1, Decimal("0.6"))


def test_one_pending_correction_per_original(nurse_a, colleague_a, student_a):
    original = make_entry(nurse_a, student_a, sign=True)
    pending = entry_start_correction(original=original, by=nurse_a, reason=REASON)
    again = entry_start_correction(original=original, by=nurse_a, reason="Ett annat skäl.")
    assert again.pk == pending.pk and again.correction_reason == REASON
    with pytest.raises(ValidationError) as error:
        entry_start_correction(original=original, by=colleague_a, reason=REASON)
    assert error.value.code == "correction_pending"
    assert original.corrections.count() == 1


def test_a_colleague_corrects_when_nothing_is_pending(nurse_a, colleague_a, student_a):
    original = make_entry(nurse_a, student_a, sign=True)
    correction = entry_start_correction(original=original, by=colleague_a, reason=REASON)
    assert correction.author == colleague_a and correction.corrects == original


def test_the_other_area_does_not_correct(nurse_a, psychologist_a, student_a):
    original = make_entry(nurse_a, student_a, sign=True)
    with pytest.raises(ValidationError) as error:
        entry_start_correction(original=original, by=psychologist_a, reason=REASON)
    assert error.value.code == "area"


def test_a_corrected_original_is_not_corrected_again(nurse_a, student_a):
    original = make_entry(nurse_a, student_a, sign=True)
    correction = entry_start_correction(original=original, by=nurse_a, reason=REASON)
    annotated = JournalEntry.objects.with_correction_state()
    assert annotated.get(pk=original.pk).is_corrected is False  # a draft correction only
    entry_sign(entry=correction, by=nurse_a)
    assert annotated.get(pk=original.pk).is_corrected is True
    assert annotated.get(pk=correction.pk).is_corrected is False
    with pytest.raises(ValidationError) as error:
        entry_start_correction(original=original, by=nurse_a, reason=REASON)
    assert error.value.code == "corrected"
    second = entry_start_correction(original=correction, by=nurse_a, reason="Ännu ett fel.")
    assert second.corrects == correction


# --- Marks ----------------------------------------------------------------------------------


def test_marks_go_on_signed_entries_only(nurse_a, student_a):
    draft = make_entry(nurse_a, student_a)
    with pytest.raises(ValidationError) as error:
        mark_set(entry=draft, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse_a)
    assert error.value.code == "draft"
    with pytest.raises(ValidationError) as error:
        mark_set(entry=entry_sign(entry=draft, by=nurse_a), kind="hidden", by=nurse_a)
    assert error.value.code == "kind"
    assert not EntryMark.objects.exists()


def test_only_emi_entries_are_shared_with_guardians(psychologist_a, student_a):
    values = {"samtalsorsak": "Oro inför provet", "bedomning": "Stöd i skolan räcker."}
    entry = make_entry(
        psychologist_a, student_a, template="psykologsamtal", values=values, sign=True
    )
    assert entry.area == "EPI"
    with pytest.raises(ValidationError) as error:
        mark_set(entry=entry, kind=MarkKind.SHARED_WITH_GUARDIANS, by=psychologist_a)
    assert error.value.code == "area"
    disputed = mark_set(
        entry=entry, kind=MarkKind.DISPUTED, by=psychologist_a, reason="Eleven håller inte med."
    )
    assert disputed.active


def test_disputed_and_withdrawals_need_a_reason(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    with pytest.raises(ValidationError) as error:
        mark_set(entry=entry, kind=MarkKind.DISPUTED, by=nurse_a, reason="  ")
    assert "reason" in messages_of(error)
    mark_set(entry=entry, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse_a)  # no reason needed
    with pytest.raises(ValidationError) as error:
        mark_set(entry=entry, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse_a, active=False)
    assert "reason" in messages_of(error)
    assert EntryMark.objects.count() == 1


def test_a_mark_is_set_withdrawn_and_set_again_as_new_rows(nurse_a, colleague_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    shared = MarkKind.SHARED_WITH_GUARDIANS
    with pytest.raises(ValidationError) as error:
        mark_set(entry=entry, kind=shared, by=nurse_a, active=False, reason="Inte delad.")
    assert error.value.code == "unchanged"
    first = mark_set(entry=entry, kind=shared, by=nurse_a, reason="Visad på mötet.")
    assert (first.created_by, first.created_by_name) == (nurse_a, nurse_a.get_full_name())
    assert first.reason == "Visad på mötet."
    with pytest.raises(ValidationError) as error:
        mark_set(entry=entry, kind=shared, by=colleague_a)
    assert error.value.code == "unchanged"
    disputed = mark_set(entry=entry, kind=MarkKind.DISPUTED, by=nurse_a, reason="Eleven bestrider.")
    assert current_marks(entry) == {shared: first, MarkKind.DISPUTED: disputed}
    assert active_marks(entry) == [first, disputed]
    withdrawn = mark_set(entry=entry, kind=shared, by=colleague_a, active=False, reason="Fel elev.")
    assert current_marks(entry)[shared] == withdrawn
    assert active_marks(entry) == [disputed]
    again = mark_set(entry=entry, kind=shared, by=nurse_a)
    assert current_marks(entry)[shared] == again and again.active
    assert list(EntryMark.objects.filter(entry=entry, kind=shared)) == [first, withdrawn, again]
    first.refresh_from_db()
    assert first.active  # the first row is never changed


def test_current_marks_uses_prefetched_rows(nurse_a, student_a, django_assert_num_queries):
    entry = make_entry(nurse_a, student_a, sign=True)
    mark_set(entry=entry, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse_a)
    entry = JournalEntry.objects.prefetch_related("marks").get(pk=entry.pk)
    with django_assert_num_queries(0):
        assert [mark.kind for mark in active_marks(entry)] == [MarkKind.SHARED_WITH_GUARDIANS]
