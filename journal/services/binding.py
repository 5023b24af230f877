"""The binding mechanism: structured keywords that write domain records.

A keyword with ``binds_to`` (journal.bindings) names a binding key; one *writer* per record
model turns the note's values for its keys into a draft record when the note is saved, and signs
that record when the note is signed — in the same transaction as the note, so nothing is typed
twice and the record can never be signed apart from the note it came from.

Apps register their writers (growth, vaccination) with ``register_writer`` from their
``AppConfig.ready``; the vision writer is the journal's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.utils import timezone

from ..bindings import BindingKey
from ..models import EntryStatus, JournalEntry, Keyword, VisionResult


@dataclass(frozen=True)
class BoundValue:
    keyword: Keyword
    value: Any  # None when the keyword was left empty


class BoundRecordWriter(Protocol):
    keys: frozenset[str]

    def save_draft(self, entry: JournalEntry, values: Mapping[str, BoundValue]) -> None:
        """Create, update or remove the entry's draft record from ``values`` (one per key of
        this writer that the template binds)."""

    def sign(self, entry: JournalEntry) -> None:
        """Sign the entry's records (the entry is still a draft when this is called)."""


_WRITERS: list[BoundRecordWriter] = []


def register_writer(writer: BoundRecordWriter) -> None:
    if any(writer.keys & other.keys for other in _WRITERS):
        raise ValueError(f"A binding key of {writer!r} already has a writer.")
    _WRITERS.append(writer)


def save_bound_records(entry: JournalEntry, values: Mapping[str, BoundValue]) -> None:
    """``values``: binding key → the keyword and its value, for every bound keyword."""
    for writer in _WRITERS:
        mine = {key: value for key, value in values.items() if key in writer.keys}
        if mine:
            writer.save_draft(entry, mine)


def sign_bound_records(entry: JournalEntry) -> None:
    for writer in _WRITERS:
        writer.sign(entry)


class VisionWriter:
    """Visual acuity, left and right eye, into one ``VisionResult`` per note."""

    keys = frozenset({BindingKey.VISION_LEFT.value, BindingKey.VISION_RIGHT.value})

    def save_draft(self, entry, values):
        left = values.get(BindingKey.VISION_LEFT)
        right = values.get(BindingKey.VISION_RIGHT)
        existing = VisionResult.objects.filter(entry=entry).first()
        if (left is None or left.value is None) and (right is None or right.value is None):
            if existing is not None:
                existing._history_user = _history_user(entry)
                existing.delete()  # a draft's record, emptied: history keeps what it held
            return
        thresholds = [
            bound.keyword.flag_below
            for bound in (left, right)
            if bound is not None and bound.keyword.flag_below is not None
        ]
        result = existing or VisionResult(entry=entry)
        result.student_id = entry.student_id
        result.organisation_id = entry.organisation_id
        result.measured_on = timezone.localdate(entry.contact_at)
        result.left = _value(left)
        result.right = _value(right)
        result.flag_below = max(thresholds) if thresholds else None
        result._history_user = _history_user(entry)
        result.save()

    def sign(self, entry):
        for result in VisionResult.objects.filter(entry=entry, status=EntryStatus.DRAFT):
            result.status = EntryStatus.SIGNED
            result._history_user = _history_user(entry)
            result.save()


def _history_user(entry: JournalEntry):
    """Who saves or signs the note (the services set it on the entry first): the bound record's
    history names the same person, also outside a request."""
    return getattr(entry, "_history_user", None)


def _value(bound: BoundValue | None) -> Decimal | None:
    return None if bound is None else bound.value


register_writer(VisionWriter())
