"""A growth reference as a folder of data: ``manifest.json`` and one CSV per measure and sex.

Used by migration 0013 (WHO 2007) and by ``manage.py load_growth_reference`` (any other
reference, e.g. a Swedish one), so a reference is added as data without code changes. The
manifest::

    {"code": "who2007", "name": "WHO 2007", "version": "2007", "is_swedish": false,
     "description": "...", "source": "...", "licence": "...",
     "tables": [{"measure": "height", "sex": "F", "file": "who2007_height_F.csv",
                 "provenance": "..."}, ...]}

Each CSV has the header ``age_months,L,M,S`` and one row per whole month, ages ascending. Any
error refuses the whole folder, naming the file and line. No model imports here: the migration
passes its historical models.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

MANIFEST = "manifest.json"
MEASURES = ("height", "weight", "bmi")
SEXES = ("F", "M")
HEADER = ["age_months", "L", "M", "S"]
_TEXT_FIELDS = ("code", "name", "version", "source", "licence")
_MAX_DECIMALS = 8  # GrowthLmsPoint's decimal_places
_MAX_ABS = Decimal(10) ** (12 - _MAX_DECIMALS)  # max_digits 12


class ReferenceFolderError(Exception):
    """The folder is not a loadable reference; the message says where and why."""


@dataclass(frozen=True)
class TableData:
    measure: str
    sex: str
    file: str
    provenance: str
    rows: tuple[tuple[int, Decimal, Decimal, Decimal], ...]


@dataclass(frozen=True)
class ReferenceData:
    code: str
    name: str
    version: str
    is_swedish: bool
    description: str
    source: str
    licence: str
    tables: tuple[TableData, ...]


def _decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ReferenceFolderError(f"{where}: {text!r} är inget tal.") from None
    if not value.is_finite() or abs(value) >= _MAX_ABS:
        raise ReferenceFolderError(f"{where}: {text!r} är utanför tillåtet intervall.")
    if -value.as_tuple().exponent > _MAX_DECIMALS:  # type: ignore[operator]
        raise ReferenceFolderError(f"{where}: högst {_MAX_DECIMALS} decimaler.")
    return value


def _read_table(folder: Path, entry: dict, index: int) -> TableData:
    where = f"{MANIFEST}, tabell {index + 1}"
    if not isinstance(entry, dict):
        raise ReferenceFolderError(f"{where}: ska vara ett objekt.")
    measure, sex = entry.get("measure"), entry.get("sex")
    name, provenance = entry.get("file"), entry.get("provenance")
    if measure not in MEASURES:
        raise ReferenceFolderError(f"{where}: okänt mått {measure!r} (height, weight, bmi).")
    if sex not in SEXES:
        raise ReferenceFolderError(f"{where}: okänt kön {sex!r} (F, M).")
    if not isinstance(provenance, str) or not provenance.strip():
        raise ReferenceFolderError(f"{where}: ursprung (provenance) saknas.")
    if not isinstance(name, str) or Path(name).name != name or not name.endswith(".csv"):
        raise ReferenceFolderError(f"{where}: ogiltigt filnamn {name!r}.")
    try:
        text = (folder / name).read_text(encoding="utf-8")
    except OSError as error:
        raise ReferenceFolderError(f"{name}: kan inte läsas ({error.strerror}).") from None
    lines = csv.reader(text.splitlines())
    header = next(lines, None)
    if [column.strip() for column in header or []] != HEADER:
        raise ReferenceFolderError(f"{name}, rad 1: rubriken ska vara {','.join(HEADER)}.")
    rows: list[tuple[int, Decimal, Decimal, Decimal]] = []
    for number, row in enumerate(lines, start=2):
        if not row:
            continue
        at = f"{name}, rad {number}"
        if len(row) != 4:
            raise ReferenceFolderError(f"{at}: fyra kolumner väntas.")
        try:
            age = int(row[0])
        except ValueError:
            raise ReferenceFolderError(f"{at}: åldern {row[0]!r} är inget heltal.") from None
        l, m, s = (_decimal(cell, at) for cell in row[1:])  # noqa: E741
        if age < 0 or age > 32767:
            raise ReferenceFolderError(f"{at}: åldern {age} är utanför tillåtet intervall.")
        if m <= 0 or s <= 0:
            raise ReferenceFolderError(f"{at}: M och S ska vara större än noll.")
        if rows and age <= rows[-1][0]:
            raise ReferenceFolderError(f"{at}: åldrarna ska vara stigande utan dubbletter.")
        rows.append((age, l, m, s))
    if len(rows) < 2:
        raise ReferenceFolderError(f"{name}: minst två rader behövs.")
    return TableData(measure, sex, name, provenance.strip(), tuple(rows))


def read_reference_folder(folder: Path | str) -> ReferenceData:
    """Read and check the whole folder; raises ``ReferenceFolderError``."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except OSError as error:
        raise ReferenceFolderError(f"{MANIFEST} kan inte läsas ({error.strerror}).") from None
    except json.JSONDecodeError as error:
        raise ReferenceFolderError(f"{MANIFEST}, rad {error.lineno}: ogiltig JSON.") from None
    if not isinstance(manifest, dict):
        raise ReferenceFolderError(f"{MANIFEST}: ska vara ett objekt.")
    for field in _TEXT_FIELDS:
        if not isinstance(manifest.get(field), str) or not manifest[field].strip():
            raise ReferenceFolderError(f"{MANIFEST}: fältet {field!r} saknas.")
    if not isinstance(manifest.get("is_swedish"), bool):
        raise ReferenceFolderError(f"{MANIFEST}: fältet 'is_swedish' ska vara true eller false.")
    entries = manifest.get("tables")
    if not isinstance(entries, list) or not entries:
        raise ReferenceFolderError(f"{MANIFEST}: 'tables' ska lista minst en tabell.")
    tables = tuple(_read_table(folder, entry, i) for i, entry in enumerate(entries))
    seen = [(t.measure, t.sex) for t in tables]
    if len(set(seen)) != len(seen):
        raise ReferenceFolderError(f"{MANIFEST}: samma mått och kön finns två gånger.")
    return ReferenceData(
        code=manifest["code"].strip(),
        name=manifest["name"].strip(),
        version=manifest["version"].strip(),
        is_swedish=manifest["is_swedish"],
        description=str(manifest.get("description", "")).strip(),
        source=manifest["source"].strip(),
        licence=manifest["licence"].strip(),
        tables=tables,
    )


def create_reference(data: ReferenceData, *, reference_model, table_model, point_model):
    """Create the reference, its tables and points (the caller holds the transaction)."""
    reference = reference_model.objects.create(
        code=data.code,
        name=data.name,
        version=data.version,
        is_swedish=data.is_swedish,
        description=data.description,
        source=data.source,
        licence=data.licence,
    )
    points = []
    for table_data in data.tables:
        table = table_model.objects.create(
            reference=reference,
            measure=table_data.measure,
            sex=table_data.sex,
            provenance=table_data.provenance,
        )
        points += [
            point_model(table=table, age_months=age, l=l, m=m, s=s)
            for age, l, m, s in table_data.rows  # noqa: E741
        ]
    point_model.objects.bulk_create(points, batch_size=500)
    return reference
