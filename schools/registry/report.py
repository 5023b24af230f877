"""A run's report while it is being built: one line per row created, changed, ended or refused.

Lines may point at an object not yet saved (bulk creation gives it a pk later); ``items`` reads
the pk at the end. Every message and source id passes ``mask_identity_numbers``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..identity import mask_identity_numbers
from ..models import Entity, ImportRun, ImportRunItem

Kind = ImportRunItem.Kind


def entity_label(entity: str) -> str:
    if entity == "batch":
        return _("Leveransen")
    try:
        return str(Entity(entity).label)
    except ValueError:
        return entity


def where(entity: str, source_id: str, row: int | None) -> str:
    """“Elev elev-3f2a… (rad 12)”: how a refusal names the row."""
    text = f"{entity_label(entity)} {source_id}".strip()
    if row is not None:
        text += " " + _("(rad %(row)d)") % {"row": row}
    return text


@dataclass
class _Line:
    kind: str
    entity: str
    source_id: str
    row: int | None
    message: str
    obj: object = None


@dataclass
class Report:
    lines: list[_Line] = field(default_factory=list)

    def add(self, kind, entity, record, message: str = "", obj=None) -> None:
        self.lines.append(
            _Line(kind, entity, record.source_id, getattr(record, "row", None), message, obj)
        )

    def add_for(self, kind, entity, source_id: str, row, message: str = "", obj=None) -> None:
        self.lines.append(_Line(kind, entity, source_id, row, message, obj))

    def refuse(self, entity: str, source_id: str, row: int | None, reason: str) -> None:
        message = f"{where(entity, source_id, row)}: {reason}"
        self.lines.append(_Line(Kind.REFUSED, entity, source_id, row, message))

    def count(self, kind: str) -> int:
        return sum(1 for line in self.lines if line.kind == kind)

    def refusals_only(self) -> Report:
        return Report([line for line in self.lines if line.kind == Kind.REFUSED])

    def items(self, run: ImportRun) -> list[ImportRunItem]:
        return [
            ImportRunItem(
                run=run,
                kind=line.kind,
                entity=line.entity,
                source_id=mask_identity_numbers(line.source_id)[:200],
                row=line.row,
                message=mask_identity_numbers(line.message),
                object_id=getattr(line.obj, "pk", None),
            )
            for line in self.lines
        ]
