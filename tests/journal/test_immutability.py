"""Signed is signed at every depth (issue 4, items 3–6): a signed entry and its child rows
(keyword values, codes, attachments, the bound vision record) never change, nothing deletes an
entry, marks and record copies are append-only — through ``save()``, ``delete()``,
``QuerySet.update()``/``delete()``, ``bulk_update``/``bulk_create``, the M2M manager, the admin,
and raw SQL on PostgreSQL both as the application role and as the owner. One test per path.
And every journal model keeps its history, with who did it."""

import hashlib
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import ProtectedError
from django.db.models.signals import m2m_changed
from django.urls import reverse

from consent.dbroles import no_delete_tables, protected_tables
from journal.models import (
    Attachment,
    AttachmentType,
    Code,
    DocumentTemplate,
    EntryCode,
    EntryMark,
    EntryStatus,
    ImmutableRecordError,
    JournalEntry,
    KeywordValue,
    MarkKind,
    RecordCopy,
    VisionResult,
)
from journal.services.attachments import attachment_add
from journal.services.entries import entry_save_draft, entry_sign, entry_start, mark_set
from journal.services.templates import version_create_draft
from tests.helpers import as_app_role
from tests.schools.factories import UserFactory

from .codes_helpers import load
from .factories import AK4_VALUES, FKLASS_VALUES, make_entry, published

# The smallest valid PNG: a 1×1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
CHILD_MODELS = [KeywordValue, EntryCode, Attachment, VisionResult]
HISTORY_MODELS = [
    model
    for model in apps.get_app_config("journal").get_models()
    if model.__name__.startswith("Historical")
]
HISTORY_TABLES = sorted(model._meta.db_table for model in HISTORY_MODELS)
# An UPDATE of every row of each history table (an M2M history table has no change reason).
HISTORY_UPDATES = {
    model._meta.db_table: f"UPDATE {model._meta.db_table} SET {model._meta.pk.column} = "
    f"{model._meta.pk.column}"
    for model in HISTORY_MODELS
}


def attach(entry, by) -> Attachment:
    """An attachment made with the model directly (the entry must still be a draft)."""
    return Attachment.objects.create(
        entry=entry,
        document_type=AttachmentType.CONSENT,
        description="Samtycke till vaccination",
        file=ContentFile(PNG, name="samtycke.png"),
        content_type="image/png",
        size=len(PNG),
        sha256=hashlib.sha256(PNG).hexdigest(),
        uploaded_by=by,
        uploaded_by_name=by.get_full_name(),
    )


@pytest.fixture
def kva_code(db) -> Code:
    return load("kva").codes.get(code="DV112")


@pytest.fixture
def signed(nurse_a, student_a, kva_code):
    """A signed förskoleklass visit with a value of every kind used, a code, an attachment and
    its vision result."""
    entry = make_entry(nurse_a, student_a, template="halsobesok-fklass")
    entry_save_draft(
        entry=entry,
        by=nurse_a,
        lock_version=entry.lock_version,
        values=FKLASS_VALUES,
        codes=[kva_code],
    )
    attach(entry, nurse_a)
    return entry_sign(entry=entry, by=nurse_a)


@pytest.fixture
def draft(nurse_a, student_a, kva_code):
    entry = make_entry(nurse_a, student_a, template="halsobesok-fklass")
    entry_save_draft(
        entry=entry,
        by=nurse_a,
        lock_version=entry.lock_version,
        values=FKLASS_VALUES,
        codes=[kva_code],
    )
    attach(entry, nurse_a)
    entry.refresh_from_db()
    return entry


@contextmanager
def refused(error=ImmutableRecordError):
    """The refusal, in a savepoint: ``bulk_update`` and the M2M manager open atomic blocks
    without one, and an error inside would break the test's transaction."""
    with pytest.raises(error), transaction.atomic():
        yield


def child(model, entry):
    return model.objects.filter(entry=entry).order_by("pk").first()


def snapshot(entry) -> dict:
    """Everything stored for the entry and its child rows."""
    return {
        "entry": JournalEntry.objects.filter(pk=entry.pk).values().get(),
        **{
            model.__name__: list(model.objects.filter(entry=entry).order_by("pk").values())
            for model in CHILD_MODELS
        },
    }


@pytest.fixture
def unchanged(signed):
    """Asserts after the test that nothing about the signed entry changed."""
    before = snapshot(signed)
    yield
    assert snapshot(signed) == before


# --- JournalEntry through the ORM ----------------------------------------------------------------


def test_a_signed_entry_is_not_saved(signed, unchanged):
    signed.contact_type = "phone"
    with refused():
        signed.save()


def test_a_stale_draft_object_of_a_signed_entry_is_not_saved(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    stale = JournalEntry.objects.get(pk=entry.pk)
    entry_sign(entry=entry, by=nurse_a)
    stale.author_name = "Någon annan"
    with refused():
        stale.save()
    entry.refresh_from_db()
    assert entry.author_name == nurse_a.get_full_name()


def test_the_refusal_is_a_validation_error_with_a_code():
    error = ImmutableRecordError()
    assert isinstance(error, ValidationError) and error.code == "immutable"


@pytest.mark.parametrize("status", ["draft", "signed"])
def test_no_entry_is_deleted_by_delete(draft, signed, status):
    entry = draft if status == "draft" else signed
    with refused():
        entry.delete()
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_of_a_signed_entry_is_refused(signed, draft, unchanged):
    with refused():
        JournalEntry.objects.filter(pk=signed.pk).update(contact_type="phone")
    with refused():  # one signed row among drafts is enough
        JournalEntry.objects.all().update(contact_type="phone")
    assert JournalEntry.objects.get(pk=draft.pk).contact_type == "visit"


def test_queryset_update_of_a_draft_is_allowed(draft):
    JournalEntry.objects.filter(pk=draft.pk).update(contact_type="phone")
    draft.refresh_from_db()
    assert draft.contact_type == "phone"


@pytest.mark.parametrize("status", ["draft", "signed"])
def test_no_entry_is_deleted_by_queryset_delete(draft, signed, status):
    entry = draft if status == "draft" else signed
    with refused():
        JournalEntry.objects.filter(pk=entry.pk).delete()
    with refused():
        JournalEntry.objects.all().delete()
    assert JournalEntry.objects.count() == 2


def test_bulk_update_of_a_signed_entry_is_refused(signed, unchanged):
    signed.contact_type = "phone"
    with refused():
        JournalEntry.objects.bulk_update([signed], ["contact_type"])


def test_a_student_with_entries_is_not_deleted(signed, student_a):
    with pytest.raises(ProtectedError), transaction.atomic():
        student_a.delete()
    assert JournalEntry.objects.filter(pk=signed.pk).exists()


# --- Child rows through the ORM ----------------------------------------------------------------


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_a_child_of_a_signed_entry_is_not_saved(signed, unchanged, model):
    row = child(model, signed)
    with refused():
        row.save()


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_a_child_of_a_signed_entry_is_not_deleted(signed, unchanged, model):
    with refused():
        child(model, signed).delete()


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_queryset_update_of_a_signed_entrys_children_is_refused(signed, unchanged, model):
    field = "measured_on" if model is VisionResult else "entry"
    value = "2020-01-01" if model is VisionResult else signed
    with refused():
        model.objects.filter(entry=signed).update(**{field: value})


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_queryset_delete_of_a_signed_entrys_children_is_refused(signed, unchanged, model):
    with refused():
        model.objects.filter(entry=signed).delete()
    with refused():
        model.objects.all().delete()


def test_bulk_update_of_a_signed_entrys_children_is_refused(signed, unchanged):
    value = child(KeywordValue, signed)
    value.text = "Ändrad i efterhand"
    with refused():
        KeywordValue.objects.bulk_update([value], ["text"])
    vision = child(VisionResult, signed)
    vision.left = Decimal("0.1")
    with refused():
        VisionResult.objects.bulk_update([vision], ["left"])


def test_the_children_of_a_draft_change(draft):
    value = child(KeywordValue, draft)
    value.text = "Ändrad i utkastet"
    value.save()
    KeywordValue.objects.filter(pk=value.pk).update(text="Igen")
    child(Attachment, draft).delete()
    VisionResult.objects.filter(entry=draft).update(left=Decimal("0.5"))
    assert child(VisionResult, draft).left == Decimal("0.5")


def test_a_new_keyword_value_for_a_signed_entry_is_refused(signed, unchanged):
    keyword = signed.template_version.keywords.get(code="anamnes")  # left empty when signed
    with refused():
        KeywordValue.objects.create(entry=signed, keyword=keyword, text="Tillagt efteråt")
    with refused():
        KeywordValue.objects.bulk_create([KeywordValue(entry=signed, keyword=keyword, text="X")])


def test_a_new_code_row_for_a_signed_entry_is_refused(signed, unchanged):
    other = Code.objects.get(code="DV111", version__is_active=True)
    with refused():
        EntryCode.objects.create(entry=signed, code=other)
    with refused():
        EntryCode.objects.bulk_create([EntryCode(entry=signed, code=other)])


def test_a_new_attachment_for_a_signed_entry_is_refused(signed, nurse_a, unchanged):
    with refused():
        attach(signed, nurse_a)
    with pytest.raises(ValidationError):  # the service says so before touching the disk
        attachment_add(
            entry=signed,
            by=nurse_a,
            uploaded_file=SimpleUploadedFile("scan.png", PNG, content_type="image/png"),
            document_type=AttachmentType.CONSENT,
        )


def test_a_new_vision_result_for_a_signed_entry_is_refused(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, values=AK4_VALUES, sign=True)  # åk 4: no vision
    with refused():
        VisionResult.objects.create(
            entry=entry,
            student=student_a,
            organisation_id=entry.organisation_id,
            measured_on="2026-01-01",
            left=Decimal("1.0"),
        )
    assert not VisionResult.objects.exists()


# --- The codes M2M ---------------------------------------------------------------------------


@pytest.fixture
def other_code(kva_code) -> Code:
    return Code.objects.get(version=kva_code.version, code="DV111")


def test_m2m_set_on_a_signed_entry_is_refused(signed, other_code, unchanged):
    with refused():
        signed.codes.set([other_code])


def test_m2m_add_on_a_signed_entry_is_refused(signed, other_code, unchanged):
    with refused():
        signed.codes.add(other_code)


def test_m2m_remove_on_a_signed_entry_is_refused(signed, kva_code, unchanged):
    with refused():
        signed.codes.remove(kva_code)


def test_m2m_clear_on_a_signed_entry_is_refused(signed, unchanged):
    with refused():
        signed.codes.clear()


def test_m2m_changes_on_a_draft_are_allowed(draft, kva_code, other_code):
    draft.codes.add(other_code)
    draft.codes.remove(kva_code)
    assert list(draft.codes.all()) == [other_code]
    draft.codes.set([kva_code])
    draft.codes.clear()
    assert not draft.entry_codes.exists()


def test_the_reverse_m2m_is_not_reachable_and_its_signal_refuses_anyway(signed, other_code):
    field = JournalEntry._meta.get_field("codes")
    assert field.remote_field.hidden  # related_name="+": no code.<entries> manager
    for action in ("pre_add", "pre_remove", "pre_clear"):
        with refused():
            m2m_changed.send(
                sender=EntryCode,
                instance=other_code if action == "pre_add" else signed.codes.get(),
                action=action,
                reverse=True,
                model=JournalEntry,
                pk_set={signed.pk} if action != "pre_clear" else None,
                using="default",
            )


# --- Marks and record copies: append-only --------------------------------------------------


@pytest.fixture
def mark(signed, nurse_a) -> EntryMark:
    return mark_set(entry=signed, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse_a)


@pytest.fixture
def copy(signed, nurse_a, student_a) -> RecordCopy:
    return RecordCopy.objects.create(
        kind=RecordCopy.Kind.ENTRY,
        student=student_a,
        entry=signed,
        area=signed.area,
        reason="Begäran från vårdnadshavare",
        organisation_id=signed.organisation_id,
        created_by=nurse_a,
        entry_count=1,
    )


@pytest.mark.parametrize("name", ["mark", "copy"])
def test_marks_and_copies_are_not_saved_again(mark, copy, name):
    row = {"mark": mark, "copy": copy}[name]
    row.reason = "Ändrat skäl"
    with refused():
        row.save()
    row.refresh_from_db()
    assert row.reason != "Ändrat skäl"


@pytest.mark.parametrize("name", ["mark", "copy"])
def test_marks_and_copies_are_not_deleted(mark, copy, name):
    row = {"mark": mark, "copy": copy}[name]
    with refused():
        row.delete()
    assert type(row).objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("name", ["mark", "copy"])
def test_marks_and_copies_refuse_queryset_update_bulk_update_and_delete(mark, copy, name):
    row = {"mark": mark, "copy": copy}[name]
    model = type(row)
    with refused():
        model.objects.filter(pk=row.pk).update(reason="Ändrat")
    row.reason = "Ändrat"
    with refused():
        model.objects.bulk_update([row], ["reason"])
    with refused():
        model.objects.filter(pk=row.pk).delete()
    assert model.objects.get(pk=row.pk).reason != "Ändrat"


# --- The admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model",
    [JournalEntry, KeywordValue, EntryCode, EntryMark, Attachment, VisionResult, RecordCopy],
    ids=lambda m: m.__name__,
)
def test_no_admin_writes_entries_or_their_rows(model):
    assert model not in admin.site._registry


def test_the_admin_has_no_entry_pages_even_for_a_superuser(client, signed):
    superuser = UserFactory(username="drift", is_staff=True, is_superuser=True)
    client.force_login(superuser)
    assert client.get(reverse("admin:index")).status_code == 200
    for path in (
        "/admin/journal/journalentry/",
        f"/admin/journal/journalentry/{signed.pk}/change/",
        f"/admin/journal/journalentry/{signed.pk}/delete/",
        "/admin/journal/keywordvalue/",
        "/admin/journal/entrymark/",
    ):
        assert client.get(path).status_code == 404, path


# --- Registration for the database role's grants --------------------------------------------


def test_every_journal_history_table_is_append_only_for_the_application():
    assert len(HISTORY_TABLES) >= 9  # templates, keywords, code lists, entries and children
    assert set(HISTORY_TABLES) <= set(protected_tables())
    assert {"journal_entrymark", "journal_recordcopy"} <= set(protected_tables())


def test_entries_and_attachments_are_never_deleted_by_the_application():
    assert {"journal_journalentry", "journal_attachment"} <= set(no_delete_tables())


# --- History --------------------------------------------------------------------------------------


def _history(model, pk):
    return list(model.history.filter(id=pk).order_by("history_date", "history_id"))


def test_every_journal_model_keeps_its_history():
    for model in (JournalEntry, KeywordValue, EntryCode, Attachment, VisionResult):
        assert hasattr(model, "history"), model


def test_start_save_edit_and_sign_each_add_a_history_row_with_the_user(nurse_a, student_a):
    entry = entry_start(
        author=nurse_a, student=student_a, template_version=published("halsobesok-fklass")
    )
    assert [(h.history_type, h.status) for h in _history(JournalEntry, entry.pk)] == [
        ("+", "draft")
    ]
    entry = entry_save_draft(entry=entry, by=nurse_a, lock_version=1, values=FKLASS_VALUES)
    entry = entry_save_draft(
        entry=entry,
        by=nurse_a,
        lock_version=entry.lock_version,
        values={**FKLASS_VALUES, "bedomning": "Ändrad bedömning.", "syn-hoger": "0.9"},
    )
    entry_sign(entry=entry, by=nurse_a)
    rows = _history(JournalEntry, entry.pk)
    assert [(h.history_type, h.status, h.lock_version) for h in rows] == [
        ("+", "draft", 1),
        ("~", "draft", 2),
        ("~", "draft", 3),
        ("~", "signed", 3),
    ]
    assert rows[-1].signed_at is not None and rows[-2].signed_at is None
    assert all(h.history_user == nurse_a for h in rows)
    diff = rows[-1].diff_against(rows[-2])
    assert {"status", "signed_at"} <= set(diff.changed_fields)

    assessment = entry.values.get(keyword__code="bedomning")
    texts = [(h.history_type, h.text) for h in _history(KeywordValue, assessment.pk)]
    assert texts == [("+", FKLASS_VALUES["bedomning"]), ("~", "Ändrad bedömning.")]
    assert all(h.history_user == nurse_a for h in _history(KeywordValue, assessment.pk))

    vision = VisionResult.objects.get(entry=entry)
    rows = _history(VisionResult, vision.pk)
    assert [(h.history_type, h.status, h.right) for h in rows] == [
        ("+", "draft", Decimal("0.6")),
        ("~", "draft", Decimal("0.9")),
        ("~", "signed", Decimal("0.9")),
    ]
    assert all(h.history_user == nurse_a for h in rows)


def test_codes_and_attachments_keep_their_history(nurse_a, student_a, kva_code):
    entry = make_entry(nurse_a, student_a)
    entry = entry_save_draft(
        entry=entry,
        by=nurse_a,
        lock_version=entry.lock_version,
        values=AK4_VALUES,
        codes=[kva_code],
    )
    row = entry.entry_codes.get()
    entry = entry_save_draft(
        entry=entry, by=nurse_a, lock_version=entry.lock_version, values=AK4_VALUES, codes=[]
    )
    assert [(h.history_type, h.code_id) for h in _history(EntryCode, row.pk)] == [
        ("+", kva_code.pk),
        ("-", kva_code.pk),
    ]
    assert all(h.history_user == nurse_a for h in _history(EntryCode, row.pk))
    attachment = attachment_add(
        entry=entry,
        by=nurse_a,
        uploaded_file=SimpleUploadedFile("scan.png", PNG, content_type="image/png"),
        document_type=AttachmentType.CONSENT,
    )
    (created,) = _history(Attachment, attachment.pk)
    assert (created.history_type, created.history_user, created.sha256) == (
        "+",
        nurse_a,
        hashlib.sha256(PNG).hexdigest(),
    )


def test_a_failed_save_adds_no_history(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    counts = (JournalEntry.history.count(), KeywordValue.history.count())
    with pytest.raises(ValidationError):
        entry_save_draft(
            entry=entry,
            by=nurse_a,
            lock_version=entry.lock_version,
            values={**AK4_VALUES, "anamnes": "Ny", "langd": "999"},
        )
    assert (JournalEntry.history.count(), KeywordValue.history.count()) == counts


# --- PostgreSQL: raw SQL as the application role ----------------------------------------------


def _permission_denied(cursor, sql, params=()):
    with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
        cursor.execute(sql, params)


def _restricted(cursor, sql, params=(), match="signed journal entry"):
    """Refused by a trigger: ERRCODE restrict_violation (SQLSTATE 23001), an IntegrityError."""
    with pytest.raises(IntegrityError, match=match), transaction.atomic():
        cursor.execute(sql, params)


CHILD_UPDATES = {
    KeywordValue: "text = text || 'x'",
    EntryCode: "code_id = code_id",
    Attachment: "description = 'Ändrad'",
    VisionResult: '"left" = 0.1',
}


def test_app_role_cannot_update_a_signed_entry_but_may_update_a_draft(
    postgres, signed, draft, unchanged
):
    with as_app_role() as cursor:
        _restricted(
            cursor,
            "UPDATE journal_journalentry SET author_name = 'Någon annan' WHERE id = %s",
            [signed.pk],
        )
        _restricted(cursor, "UPDATE journal_journalentry SET status = 'draft', signed_at = NULL")
        cursor.execute(
            "UPDATE journal_journalentry SET contact_type = 'phone' WHERE id = %s", [draft.pk]
        )
        assert cursor.rowcount == 1
    draft.refresh_from_db()
    assert draft.contact_type == "phone"


def test_app_role_cannot_delete_any_entry(postgres, signed, draft):
    with as_app_role() as cursor:
        for entry in (draft, signed):
            _permission_denied(cursor, "DELETE FROM journal_journalentry WHERE id = %s", [entry.pk])
        _permission_denied(cursor, "TRUNCATE journal_journalentry CASCADE")
    assert JournalEntry.objects.count() == 2


def _copy_row(model, row, entry) -> tuple[str, list]:
    """INSERT … SELECT: a copy of ``row`` as a new row of ``entry`` (another keyword or code,
    so that no unique key decides before the trigger)."""
    table = model._meta.db_table
    columns, sources, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = connection.ops.quote_name(field.column)
        columns.append(column)
        if field.name == "public_id":
            sources.append("gen_random_uuid()")
        elif field.name == "entry":
            sources.append("%s")
            params.append(entry.pk)
        elif field.name == "keyword":
            sources.append("%s")
            params.append(entry.template_version.keywords.get(code="anamnes").pk)
        elif field.name == "code":
            sources.append("%s")
            params.append(Code.objects.get(version__is_active=True, code="DV111").pk)
        else:
            sources.append(column)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT {', '.join(sources)} FROM {table} WHERE id = %s"
    )
    return sql, [*params, row.pk]


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_app_role_cannot_change_a_signed_entrys_children(postgres, signed, unchanged, model):
    table = model._meta.db_table
    row = child(model, signed)
    with as_app_role() as cursor:
        _restricted(cursor, f"UPDATE {table} SET {CHILD_UPDATES[model]} WHERE id = %s", [row.pk])
        delete = f"DELETE FROM {table} WHERE id = %s"
        if table in no_delete_tables():
            _permission_denied(cursor, delete, [row.pk])
        else:  # a draft's rows are deleted by the services; a signed entry's by nobody
            _restricted(cursor, delete, [row.pk])
        _restricted(cursor, *_copy_row(model, row, signed))


def test_app_role_changes_a_drafts_children_as_the_services_do(
    postgres, nurse_a, student_a, kva_code
):
    """Saving a draft deletes emptied values, removed codes and an emptied vision result: the
    application role must be allowed that for drafts (the trigger guards signed entries)."""
    with as_app_role():
        entry = make_entry(nurse_a, student_a, template="halsobesok-fklass")
        entry = entry_save_draft(
            entry=entry,
            by=nurse_a,
            lock_version=entry.lock_version,
            values=FKLASS_VALUES,
            codes=[kva_code],
        )
        emptied = {**FKLASS_VALUES, "anamnes": "", "syn-vanster": "", "syn-hoger": ""}
        entry = entry_save_draft(
            entry=entry, by=nurse_a, lock_version=entry.lock_version, values=emptied, codes=[]
        )
        assert not entry.entry_codes.exists()
        assert not VisionResult.objects.filter(entry=entry).exists()
        entry = entry_save_draft(
            entry=entry,
            by=nurse_a,
            lock_version=entry.lock_version,
            values=FKLASS_VALUES,
            codes=[kva_code],
        )
        signed = entry_sign(entry=entry, by=nurse_a)
        mark_set(entry=signed, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse_a)
    assert JournalEntry.objects.get(pk=entry.pk).status == EntryStatus.SIGNED


def _alert_order_and_plan(nurse, student) -> None:
    """An alert, a signed medication order and a signed self-care plan (issue 9's tables)."""
    import datetime

    from django.utils import timezone

    from journal.services.alerts import alert_create
    from journal.services.medication import (
        order_create_draft,
        order_sign,
        plan_create_draft,
        plan_sign,
    )

    today = timezone.localdate()
    alert_create(
        by=nurse,
        student=student,
        kind="allergy",
        substance="Jordnötter",
        reaction="",
        severity="",
        condition="",
        description="",
    )
    order = order_create_draft(
        by=nurse,
        student=student,
        medicine="Salbutamol",
        dose="2 puffar",
        route="inhaled",
        as_needed=True,
        as_needed_condition="Vid andnöd",
        start_date=today,
        prescriber="Vårdcentralen Exempel",
        instructions_from="Vårdnadshavare",
        instructions_received_on=today,
        storage="carried",
    )
    order_sign(order=order, by=nurse)
    plan = plan_create_draft(
        by=nurse,
        student=student,
        measure="Astmamedicin vid behov.",
        performed_by="Mentor",
        instructions_given="Skolsköterskan visar.",
        on_change="Ring 112 vid svår andnöd.",
        reassess_on=today + datetime.timedelta(days=90),
        valid_from=today,
    )
    plan_sign(plan=plan, by=nurse)
    from journal.models import HealthVisit, ProgrammePoint

    HealthVisit.objects.create(
        student=student,
        point=ProgrammePoint.objects.get(programme__organisation=None, school_type="GR", grade=4),
        organisation=plan.organisation,
        school=student.enrolments.first().school,
        school_year="2026/27",
        updated_by=nurse,
    )


def _growth_reference(organisation):
    from journal.models import GrowthLmsTable, GrowthReference, GrowthSettings

    reference = GrowthReference.objects.create(
        code="immutabel", name="Testreferens", version="1", source="Påhittad", licence="-"
    )
    GrowthLmsTable.objects.create(reference=reference, measure="height", sex="F", provenance="-")
    GrowthSettings.objects.create(organisation=organisation, reference=reference)


def _vaccination_rows(nurse, student) -> None:
    """Issue 8's tables: a general ordination (drafted, then signed) for the student's school, a
    class session under it, a signed dose with its register report (updated once), and a lot.
    Vaccines and the national programme come with migration 0017; a vaccine saved again and
    the organisation's copy of the programme (its doses' vaccines: the M2M history) add rows
    here whatever ran before."""
    from django.utils import timezone

    from journal.models import (
        Ordination,
        Vaccination,
        VaccinationProgramme,
        VaccinationSession,
        Vaccine,
        VaccineLot,
    )
    from journal.register import mark_sent, queue_report
    from journal.services.vaccination_programmes import vaccination_programme_create_draft
    from journal.services.vaccinations import create_ordination

    school_class = student.class_memberships.select_related("school_class").get().school_class
    vaccine = Vaccine.objects.get(name="Gardasil 9")
    vaccine.save()
    vaccination_programme_create_draft(
        source=VaccinationProgramme.objects.get(organisation=None, status="published"),
        organisation=school_class.school.organisation,
        by=nurse,
    )
    lot = VaccineLot.objects.create(vaccine=vaccine, lot_number="IMM1", expires_on="2099-12-31")
    ordination = create_ordination(
        by=nurse,
        kind=Ordination.Kind.GENERAL,
        vaccine=vaccine,
        strength="0,5 ml",
        dose="0,5 ml",
        route="intramuskulärt",
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate(),
        schools=[school_class.school],
    )
    ordination.status = EntryStatus.SIGNED
    ordination.signed_at = timezone.now()
    ordination.save()
    session = VaccinationSession.objects.create(
        organisation=school_class.school.organisation,
        school=school_class.school,
        school_class=school_class,
        vaccine=vaccine,
        ordination=ordination,
        planned_on=timezone.localdate(),
        created_by=nurse,
    )
    dose = Vaccination.objects.create(
        student=student,
        organisation=school_class.school.organisation,
        school=school_class.school,
        outcome="given",
        series="HPV",
        dose_number=1,
        vaccine=vaccine,
        lot=lot,
        lot_number=lot.lot_number,
        given_at=timezone.now(),
        ordination=ordination,
        session=session,
        vaccinator=nurse,
        vaccinator_name=nurse.get_full_name(),
        status=EntryStatus.SIGNED,
        signed_at=timezone.now(),
    )
    mark_sent(queue_report(dose, by=nurse), by=nurse, via="webbformulär")


@pytest.fixture
def every_history_table_has_rows(signed, mark, copy, registry_admin_a, kva_code):
    """At least one row in every journal history table, so that row triggers have a row to
    fire on (templates, keywords and code-list versions too)."""
    template = DocumentTemplate.objects.create(area="EMI", code="immutabel", name="Testmall")
    version_create_draft(template=published("telefonkontakt").template, by=registry_admin_a)
    template.name = "Testmall 2"
    template.save()
    _alert_order_and_plan(signed.author, signed.student)
    _growth_reference(signed.organisation)
    # Parents' heights (issue 7; measurements come with the signed åk 4 note's binding).
    from journal.services.growth import parent_heights_save

    parent_heights_save(
        by=signed.author,
        student=signed.student,
        mother_cm=Decimal("165.0"),
        mother_source="measured",
        father_cm=None,
        father_source="unknown",
    )
    _vaccination_rows(signed.author, signed.student)
    for model in HISTORY_MODELS:
        assert model.objects.exists(), model.__name__


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_app_role_cannot_update_or_delete_history(postgres, every_history_table_has_rows, table):
    count = _count(table)
    with as_app_role() as cursor:
        _permission_denied(cursor, HISTORY_UPDATES[table])
        _permission_denied(cursor, f"DELETE FROM {table}")
        _permission_denied(cursor, f"TRUNCATE {table}")
    assert _count(table) == count


@pytest.mark.parametrize("table", ["journal_entrymark", "journal_recordcopy"])
def test_app_role_cannot_update_or_delete_marks_and_copies(postgres, mark, copy, table):
    with as_app_role() as cursor:
        _permission_denied(cursor, f"UPDATE {table} SET reason = 'x'")
        _permission_denied(cursor, f"DELETE FROM {table}")
    assert _count(table) == 1


def _count(table) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


# --- PostgreSQL: raw SQL as the owner (the suite's own connection) ---------------------------


def test_the_owner_cannot_update_a_signed_entry(postgres, signed, draft, unchanged):
    with connection.cursor() as cursor:
        _restricted(
            cursor,
            "UPDATE journal_journalentry SET author_name = 'Någon annan' WHERE id = %s",
            [signed.pk],
        )
        cursor.execute(
            "UPDATE journal_journalentry SET contact_type = 'phone' WHERE id = %s", [draft.pk]
        )
        assert cursor.rowcount == 1


def test_the_owner_cannot_delete_any_entry(postgres, signed, draft):
    with connection.cursor() as cursor:
        for entry in (draft, signed):
            _restricted(
                cursor,
                "DELETE FROM journal_journalentry WHERE id = %s",
                [entry.pk],
                match="never deleted",
            )
    assert JournalEntry.objects.count() == 2


def test_the_orm_cannot_delete_an_entry_past_the_guards_either(postgres, draft):
    with pytest.raises(IntegrityError, match="never deleted"), transaction.atomic():
        JournalEntry._base_manager.filter(pk=draft.pk)._raw_delete(connection.alias)
    assert JournalEntry.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_the_owner_cannot_change_a_signed_entrys_children(postgres, signed, unchanged, model):
    table = model._meta.db_table
    row = child(model, signed)
    with connection.cursor() as cursor:
        _restricted(cursor, f"UPDATE {table} SET {CHILD_UPDATES[model]} WHERE id = %s", [row.pk])
        _restricted(cursor, f"DELETE FROM {table} WHERE id = %s", [row.pk])
    with pytest.raises(IntegrityError, match="signed journal entry"), transaction.atomic():
        model._base_manager.filter(pk=row.pk)._raw_delete(connection.alias)


def test_the_owner_cannot_add_children_to_a_signed_entry(postgres, signed, unchanged):
    for model in CHILD_MODELS:
        row = child(model, signed)
        with connection.cursor() as cursor:
            _restricted(cursor, *_copy_row(model, row, signed))
    keyword = signed.template_version.keywords.get(code="anamnes")
    with pytest.raises(IntegrityError, match="signed journal entry"), transaction.atomic():
        KeywordValue._base_manager.bulk_create(  # past the model guards
            [KeywordValue(entry=signed, keyword=keyword, text="Tillagt")]
        )


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_the_owner_cannot_update_or_delete_history(postgres, every_history_table_has_rows, table):
    count = _count(table)
    with connection.cursor() as cursor:
        for sql in (HISTORY_UPDATES[table], f"DELETE FROM {table}"):
            _restricted(cursor, sql, match="append-only")
    assert _count(table) == count


@pytest.mark.parametrize("table", ["journal_entrymark", "journal_recordcopy"])
def test_the_owner_cannot_update_or_delete_marks_and_copies(postgres, mark, copy, table):
    with connection.cursor() as cursor:
        _restricted(cursor, f"UPDATE {table} SET reason = 'x'", match="append-only")
        _restricted(cursor, f"DELETE FROM {table}", match="append-only")
    assert _count(table) == 1
