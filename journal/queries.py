"""Read-side querysets the record pages share: one timeline shape, a constant number of queries.

``timeline(queryset, user=...)`` adds everything an entry card shows (template, unit, keyword
values with their keywords, codes with their list, marks, signed corrections, attachment count)
as joins, subqueries and prefetches, so a page of 5 or of 200 entries costs the same queries.
``prepare(entries)`` then derives, in Python and without queries, what the card template needs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from schools.models import School

from .access import visible_entries
from .models import Attachment, EntryCode, EntryMark, EntryStatus, JournalEntry, KeywordValue
from .services.entries import active_marks
from .values import VALUE_COLUMN

__all__ = ["Change", "HistoryRow", "entry_history", "prepare", "timeline"]


def _attachment_count():
    # A subquery rather than Count("attachments"): filters that join child rows would
    # multiply a joined count.
    counts = (
        Attachment.objects.filter(entry=OuterRef("pk"))
        .order_by()
        .values("entry")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def timeline(queryset, *, user=None, visible=None):
    """``queryset`` of entries with what a card shows. The caller restricts it: a list starts
    from ``visible_entries``; ``get_entry_or_404(queryset=timeline(...))`` checks the one entry.

    Signed corrections are prefetched as ``signed_corrections``; with ``user`` only those the
    user may see (a correction is an entry of its own and goes through the record filter too);
    ``visible``, the ids of the entries she may see, does the same when the caller has them.
    """
    corrections = JournalEntry.objects.signed().order_by("signed_at", "pk")
    if visible is not None:
        corrections = corrections.filter(pk__in=visible)
    elif user is not None:
        corrections = corrections.filter(pk__in=visible_entries(user).values("pk"))
    return (
        queryset.with_correction_state()
        .select_related("template_version__template", "school", "organisation", "corrects")
        .annotate(attachment_count=_attachment_count())
        .prefetch_related(
            Prefetch(
                "values",
                queryset=KeywordValue.objects.select_related("keyword").order_by("keyword__order"),
            ),
            Prefetch(
                "entry_codes",
                queryset=EntryCode.objects.select_related("code__version").order_by("code__code"),
            ),
            Prefetch("marks", queryset=EntryMark.objects.order_by("created_at", "pk")),
            Prefetch("corrections", queryset=corrections, to_attr="signed_corrections"),
        )
    )


def prepare(entries: Iterable[JournalEntry]) -> list[JournalEntry]:
    """Attach ``shown_marks`` (active marks) and ``correction`` (the signed correction that
    replaced it, if any) to each entry of a ``timeline`` queryset; no queries."""
    entries = list(entries)
    for entry in entries:
        entry.shown_marks = active_marks(entry) if entry.status == EntryStatus.SIGNED else []
        signed = getattr(entry, "signed_corrections", [])
        entry.correction = signed[-1] if signed else None
    return entries


# --- History: django-simple-history rows of an entry and its child rows, with diffs -------------

HISTORY_TYPES = {
    "+": _("Skapad"),
    "~": _("Ändrad"),
    "-": _("Borttagen"),
}
# The entry's own fields a reader cares about; the rest (ids, lock version) are plumbing.
ENTRY_FIELDS = (
    "contact_type",
    "contact_at",
    "status",
    "signed_at",
    "author_name",
    "author_title",
    "school",
    "correction_reason",
)


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    when: datetime.datetime
    who: str
    type: str  # "+", "~" or "-"
    subject: str
    changes: list[Change] = field(default_factory=list)
    order: int = 0  # tie-break for rows written in the same instant

    @property
    def type_label(self) -> str:
        return str(HISTORY_TYPES[self.type])


def _user_name(record) -> str:
    user = record.history_user
    if user is None:
        return str(_("Systemet"))
    return user.get_full_name() or user.get_username()


def _shown(model_field, value, names: dict) -> str:
    if value is None or value == "":
        return "–"
    if model_field.is_relation:
        return names.get((model_field.related_model, value), str(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Ja") if value else _("Nej"))
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return formats.number_format(value.normalize())  # 142.500 → 142,5
    return str(value)


def _changes(record, previous, fields, names: dict, *, label: str | None = None) -> list[Change]:
    """What ``record`` changed against ``previous``: for a first record what it set, for a
    removal what was there. ``label`` names every change (a keyword value has one field)."""
    model_fields = [record.instance_type._meta.get_field(name) for name in fields]

    def named(model_field) -> str:
        return label or str(model_field.verbose_name).capitalize()

    if previous is None or record.history_type == "-":
        changes = []
        for model_field in model_fields:
            value = getattr(record, model_field.attname)
            if value is None or value == "":
                continue
            shown = _shown(model_field, value, names)
            old, new = (shown, "–") if record.history_type == "-" else ("–", shown)
            changes.append(Change(named(model_field), old, new))
        return changes
    delta = record.diff_against(previous, included_fields=fields)
    by_name = {change.field: change for change in delta.changes}
    return [
        Change(
            named(model_field),
            _shown(model_field, by_name[model_field.name].old, names),
            _shown(model_field, by_name[model_field.name].new, names),
        )
        for model_field in model_fields
        if model_field.name in by_name
    ]


def _with_previous(records):
    """(record, previous record of the same row) in time order, grouped by the row's id."""
    rows: dict[int, list] = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        rows.setdefault(record.id, []).append(record)
    for versions in rows.values():
        previous = None
        for record in versions:
            yield record, previous
            previous = record


def entry_history(entry: JournalEntry) -> list[HistoryRow]:
    """The entry's history and its keyword values' and codes', newest first: three queries
    for the records and one for unit names, however long the history."""
    entry_records = list(entry.history.select_related("history_user"))
    value_records = list(
        KeywordValue.history.filter(entry_id=entry.pk).select_related("history_user", "keyword")
    )
    code_records = list(
        EntryCode.history.filter(entry_id=entry.pk).select_related("history_user", "code__version")
    )
    school_ids = {record.school_id for record in entry_records if record.school_id}
    names = {
        (School, pk): name
        for pk, name in School.objects.filter(pk__in=school_ids).values_list("pk", "name")
    }
    rows: list[HistoryRow] = []
    for record, previous in _with_previous(entry_records):
        changes = _changes(record, previous, ENTRY_FIELDS, names)
        rows.append(
            HistoryRow(
                record.history_date,
                _user_name(record),
                record.history_type,
                str(_("Anteckningen")),
                changes,
                record.history_id,
            )
        )
    for record, previous in _with_previous(value_records):
        column = VALUE_COLUMN[record.keyword.kind]
        rows.append(
            HistoryRow(
                record.history_date,
                _user_name(record),
                record.history_type,
                record.keyword.label,
                _changes(record, previous, [column], names, label=str(_("Värde"))),
                record.history_id,
            )
        )
    for record in code_records:
        code = record.code
        rows.append(
            HistoryRow(
                record.history_date,
                _user_name(record),
                record.history_type,
                f"{code.version.get_system_display()} {code.code} {code.title}",
                [],
                record.history_id,
            )
        )
    rows.sort(key=lambda row: (row.when, row.order), reverse=True)
    return rows
