"""What every step of ``registry_apply`` shares: the state of one batch, chunked reads,
pending writes with history, source links, lookups that refuse, rows the batch no longer has."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ...models import Guardian, Organisation, School, SchoolClass, Student
from ..records import Batch
from ..report import Report

CHUNK = 2000


def _chunks(values: Iterable, size: int = CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _fetch(query: Callable[[list], Iterable], values: Iterable) -> list:
    """``query(chunk)`` over the values in chunks (SQLite limits the parameters of a query)."""
    found: list = []
    for chunk in _chunks(set(values)):
        found.extend(query(chunk))
    return found


def _validation_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _is_ending(old_end: datetime.date | None, new_end: datetime.date | None) -> bool:
    return new_end is not None and (old_end is None or new_end < old_end)


@dataclass
class _Pending:
    """Rows to write for one model: new objects, and changed ones with their fields."""

    model: type[Model]
    creates: list
    updates: dict  # id(obj) → obj
    fields: set

    @classmethod
    def of(cls, model):
        return cls(model, [], {}, set())

    def change(self, obj, changed: Iterable[str]) -> None:
        self.updates[id(obj)] = obj
        self.fields.update(changed)


class _Steps:
    """The state of one batch and the helpers its steps share (one mixin per concept)."""

    def __init__(self, *, batch: Batch, organisation: Organisation, report: Report, user):
        self.batch = batch
        self.organisation = organisation
        self.report = report
        self.user = user
        self.as_of = batch.as_of
        self.ended_on = batch.as_of - datetime.timedelta(days=1)
        self.links: dict[tuple[str, str], int] = {}
        self.new_links: list[tuple[str, str, Model]] = []  # saved after the objects
        self.seen: dict[str, set[str]] = defaultdict(set)  # source ids in the batch, per entity
        self.schools: dict[str, School] = {}  # this organisation's, by school unit code
        self.foreign_codes: set[str] = set()
        self.students: dict[str, Student] = {}  # applied, by source id
        self.guardians: dict[str, Guardian] = {}
        self.classes: dict[str, SchoolClass] = {}

    # --- helpers --------------------------------------------------------------------------

    def link(self, entity: str, source_id: str, obj: Model) -> None:
        if obj.pk is None or self.links.get((entity, source_id)) != obj.pk:
            self.new_links.append((entity, source_id, obj))

    def linked_id(self, entity: str, source_id: str) -> int | None:
        return self.links.get((entity, source_id))

    def school(self, code: str, entity: str, record) -> School | None:
        school = self.schools.get(code)
        if school is None:
            reason = (
                _("skolenheten %(code)s tillhör en annan huvudman.")
                if code in self.foreign_codes
                else _("okänd skolenhet %(code)s.")
            ) % {"code": code}
            self.report.refuse(entity, record.source_id, record.row, reason)
        return school

    def write(self, pending: _Pending) -> None:
        if pending.creates:
            bulk_create_with_history(
                pending.creates, pending.model, batch_size=CHUNK, default_user=self.user
            )
        self.write_updates(pending.model, list(pending.updates.values()), pending.fields)

    def write_updates(self, model, objs: list, fields: Iterable[str]) -> None:
        if objs:
            bulk_update_with_history(
                objs, model, sorted(fields), batch_size=CHUNK, default_user=self.user
            )

    def student_for(self, entity: str, source_id: str, row, student_source_id: str):
        student = self.students.get(student_source_id)
        if student is None:
            self.report.refuse(
                entity,
                source_id,
                row,
                _("okänd eller avvisad elev %(student)s.") % {"student": student_source_id},
            )
        return student

    def source_id_of(self, entity: str, pk: int) -> str | None:
        if not hasattr(self, "_reverse_links"):
            self._reverse_links = {(e, pk): s for (e, s), pk in self.links.items()}
        return self._reverse_links.get((entity, pk))

    def absent_ids(self, entity: str) -> set[int]:
        """Rows linked to this source that the batch no longer has (ended only if at a school
        the batch is complete for)."""
        if not self.batch.complete_for_schools:
            return set()
        seen = self.seen[entity]
        return {pk for (e, s), pk in self.links.items() if e == entity and s not in seen}
