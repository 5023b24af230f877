"""The CSV source: a school-register file (docs/registry-csv.md) → a ``Batch`` and row errors.

One file is a full snapshot of the school units it names. A row with an error is refused as a
whole and reported with its row number and a Swedish message (identity numbers masked); the
other rows still form the batch. A school unit with a refused row is *not* treated as complete:
a typo must never end a student's enrolment or a guardianship, so nothing ends there this run.
A file that cannot be read at all (wrong encoding, not CSV, required columns missing) gives one
file-level error and no batch.

Source ids are derived from natural keys, and never contain an identity number in clear text
(reports and logs print source ids): a person's id is a SHA-256 of the canonical number with a
fixed prefix. That is a pseudonym, not a secret — the registry holds the numbers anyway.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from ..identity import is_reserve_number, mask_identity_numbers, parse_identity_number
from ..models import GuardianRelation, ProtectedIdentity, SchoolType
from ..schoolyear import SCHOOL_YEAR_START_MONTH
from ..validators import validate_school_year
from .records import (
    Batch,
    ClassRecord,
    EnrolmentRecord,
    GuardianRecord,
    GuardianRelationRecord,
    MembershipRecord,
    StudentRecord,
)

if TYPE_CHECKING:
    from ..models.registry import ImportRun

MAX_FILE_BYTES = 5 * 1024 * 1024
REQUIRED_COLUMNS = (
    "skolenhetskod",
    "klass",
    "läsår",
    "årskurs",
    "skolform",
    "elev_personnummer",
    "elev_förnamn",
    "elev_efternamn",
)
GUARDIAN_FIELDS = ("personnummer", "förnamn", "efternamn", "relation", "telefon", "epost")
OPTIONAL_COLUMNS = (
    "startdatum",
    "skyddade_personuppgifter",
    "elev_adress",
    "elev_postnummer",
    "elev_ort",
    *(f"vh{n}_{name}" for n in (1, 2) for name in GUARDIAN_FIELDS),
)

RELATION_TYPES = {
    "": GuardianRelation.Type.CUSTODIAN,
    "vårdnadshavare": GuardianRelation.Type.CUSTODIAN,
    "annan ansvarig": GuardianRelation.Type.OTHER_RESPONSIBLE,
    "god man": GuardianRelation.Type.TRUSTEE,
    "utsedd behörig": GuardianRelation.Type.APPOINTED,
    **{value: value for value in GuardianRelation.Type.values},
}
PROTECTED_IDENTITY = {
    "": ProtectedIdentity.NONE,
    "nej": ProtectedIdentity.NONE,
    "ingen": ProtectedIdentity.NONE,
    "ja": ProtectedIdentity.SECRECY_MARKING,
    "sekretessmarkering": ProtectedIdentity.SECRECY_MARKING,
    "skyddad folkbokföring": ProtectedIdentity.PROTECTED_REGISTRATION,
    "fingerade": ProtectedIdentity.FICTITIOUS,
    "fingerade personuppgifter": ProtectedIdentity.FICTITIOUS,
    **{value: value for value in ProtectedIdentity.values if value},
}
SCHOOL_TYPES = {
    **{code.lower(): code for code in SchoolType.values},
    **{str(label).lower(): code for code, label in SchoolType.choices},
}


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: the whole file
    message: str  # Swedish, identity numbers masked


@dataclass(frozen=True)
class PreviewRow:
    """What the preview shows of a row: no identity number, no address."""

    row: int
    school_unit_code: str
    class_name: str
    given_name: str
    family_name: str
    birth_date: datetime.date | None
    guardians: int


@dataclass
class CsvResult:
    batch: Batch | None
    errors: list[RowError] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)  # the accepted rows
    error_codes: list[str] = field(default_factory=list)  # school unit code per refused row

    @property
    def file_error(self) -> RowError | None:
        return next((error for error in self.errors if error.row is None), None)

    def school_summary(self) -> list[dict]:
        """Per school unit in the file: accepted rows, students, classes, guardians, errors."""
        if self.batch is None:
            return []
        codes = sorted({row.school_unit_code for row in self.rows})
        codes += sorted(set(self.error_codes) - set(codes))
        by_code = {
            code: {
                "code": code,
                "rows": 0,
                "students": set(),
                "classes": 0,
                "errors": self.error_codes.count(code),
                "complete": code in self.batch.complete_for_schools,
            }
            for code in codes
        }
        for row in self.rows:
            by_code[row.school_unit_code]["rows"] += 1
        for enrolment in self.batch.enrolments:
            by_code[enrolment.school_unit_code]["students"].add(enrolment.student_source_id)
        for school_class in self.batch.classes:
            by_code[school_class.school_unit_code]["classes"] += 1
        for summary in by_code.values():
            summary["students"] = len(summary["students"])
        return list(by_code.values())


class RowRefused(Exception):
    pass


def source_name(organisation_number: str) -> str:
    return f"csv:{organisation_number}"


def person_source_id(kind: str, canonical_identity: str) -> str:
    """``elev-…``/``vh-…``: stable across files, no identity number in clear text."""
    digest = hashlib.sha256(f"elevhalsa.registry.csv.{kind}:{canonical_identity}".encode())
    return f"{kind}-{digest.hexdigest()[:32]}"


def class_source_id(school_unit_code: str, school_year: str, name: str) -> str:
    return f"{school_unit_code}/{school_year}/{name}"


def enrolment_source_id(student_source_id: str, school_unit_code: str) -> str:
    return f"{student_source_id}@{school_unit_code}"


# --- Reading the file --------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or Windows-1252; ``ValueError`` with a message otherwise."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValueError(
            _(
                "Filen är en Excel-arbetsbok, inte en CSV-fil. Spara den i Excel som "
                "”CSV (semikolonavgränsad)” och ladda upp den igen."
            )
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise ValueError(
            _(
                "Filen har en teckenkodning som inte stöds (t.ex. UTF-16). Spara den som "
                "UTF-8 eller som ”CSV (semikolonavgränsad)” i Excel."
            )
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is None or re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise ValueError(
            _(
                "Filens teckenkodning känns inte igen. Spara den som UTF-8 eller som "
                "”CSV (semikolonavgränsad)” i Excel (Windows-1252)."
            )
        )
    return text


def _header_name(raw: str) -> str:
    return re.sub(r"\s+", "_", raw.strip().lstrip("\ufeff").strip().lower())


def read_rows(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and each non-blank row as (row number, {column: value}); ``ValueError``."""
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    if first_line.count(delimiter) == 0:
        raise ValueError(
            _("Filen är ingen CSV-fil med rubrikrad: kolumnerna ska skiljas åt med ; eller ,.")
        )
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [_header_name(name) for name in next(reader)]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise ValueError(
                _("Kolumner saknas i rubrikraden: %(columns)s. Se dokumentationen av formatet.")
                % {"columns": ", ".join(missing)}
            )
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(header):
                raise ValueError(
                    _("Rad %(row)d har fler kolumner än rubrikraden.") % {"row": reader.line_num}
                )
            values = [value.strip() for value in values] + [""] * (len(header) - len(values))
            rows.append((reader.line_num, dict(zip(header, values, strict=True))))
    except csv.Error:
        raise ValueError(
            _("Filen kan inte läsas som CSV (rad %(row)d).") % {"row": reader.line_num}
        ) from None
    return header, rows


# --- One row -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    canonical: str
    birth_date: datetime.date | None


def _identity(raw: str, who: str) -> _Person:
    if not raw:
        raise RowRefused(_("%(who)s saknar personnummer.") % {"who": who})
    try:
        parsed = parse_identity_number(raw)
    except ValidationError:
        if not is_reserve_number(raw.replace("-", "")):
            raise RowRefused(
                _("%(who)s har ett ogiltigt person- eller samordningsnummer.") % {"who": who}
            ) from None
    else:
        return _Person(parsed.value, parsed.birth_date)
    reserve = raw.strip().upper().replace("-", "")
    try:
        birth_date = datetime.datetime.strptime(reserve[:8], "%Y%m%d").date()  # noqa: DTZ007
    except ValueError:
        raise RowRefused(
            _("%(who)s har ett reservnummer som inte börjar med födelsedatum (ÅÅÅÅMMDD).")
            % {"who": who}
        ) from None
    return _Person(reserve, birth_date)


def _school_year_start(school_year: str) -> datetime.date:
    return datetime.date(int(school_year[:4]), SCHOOL_YEAR_START_MONTH, 1)


def _school_year(raw: str) -> str:
    match = re.fullmatch(r"(\d{4})\s*[/-]\s*(?:\d{2})?(\d{2})", raw)
    value = f"{match[1]}/{match[2]}" if match else raw
    try:
        validate_school_year(value)
    except ValidationError as error:
        raise RowRefused(error.messages[0]) from None
    return value


def _grade(raw: str, school_type: str) -> int:
    if raw.upper() in ("F", "FK") or (raw == "" and school_type == SchoolType.FKLASS):
        return 0
    if not raw.isdigit() or int(raw) > 10:
        raise RowRefused(_("Årskursen ska vara ett tal 0–10 (eller F för förskoleklass)."))
    return int(raw)


def _date(raw: str, column: str) -> datetime.date | None:
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise RowRefused(
            _("Kolumnen %(column)s ska vara ett datum (ÅÅÅÅ-MM-DD).") % {"column": column}
        ) from None


@dataclass(frozen=True)
class _Guardian:
    record: GuardianRecord
    relation_type: str


@dataclass(frozen=True)
class _Row:
    row: int
    school_unit_code: str
    class_name: str
    school_year: str
    grade: int
    school_type: str
    start_date: datetime.date
    student: StudentRecord
    birth_date: datetime.date | None
    guardians: tuple[_Guardian, ...]


def _guardian(values: dict[str, str], n: int, row: int) -> _Guardian | None:
    get = lambda name: values.get(f"vh{n}_{name}", "")  # noqa: E731
    if not any(get(name) for name in GUARDIAN_FIELDS):
        return None
    who = _("Vårdnadshavare %(n)d") % {"n": n}
    person = _identity(get("personnummer"), who)
    if not get("förnamn") or not get("efternamn"):
        raise RowRefused(_("%(who)s saknar förnamn eller efternamn.") % {"who": who})
    relation_type = RELATION_TYPES.get(get("relation").lower())
    if relation_type is None:
        raise RowRefused(
            _(
                "%(who)s har en okänd relation ”%(value)s”: ange Vårdnadshavare, Annan "
                "ansvarig, God man eller Utsedd behörig."
            )
            % {"who": who, "value": get("relation")}
        )
    record = GuardianRecord(
        source_id=person_source_id("vh", person.canonical),
        identity=person.canonical,
        given_name=get("förnamn"),
        family_name=get("efternamn"),
        phone=get("telefon"),
        email=get("epost"),
        birth_date=person.birth_date,
        row=row,
    )
    return _Guardian(record, relation_type)


def parse_row(row: int, values: dict[str, str], known_school_codes: Collection[str] | None) -> _Row:
    code = values["skolenhetskod"].replace(" ", "")
    if not re.fullmatch(r"\d{8}", code):
        raise RowRefused(_("Skolenhetskoden ska vara åtta siffror."))
    if known_school_codes is not None and code not in known_school_codes:
        raise RowRefused(_("Skolenhetskoden %(code)s finns inte hos huvudmannen.") % {"code": code})
    class_name = values["klass"]
    if not class_name:
        raise RowRefused(_("Klass saknas."))
    school_year = _school_year(values["läsår"])
    school_type = SCHOOL_TYPES.get(values["skolform"].lower())
    if school_type is None:
        raise RowRefused(
            _("Okänd skolform ”%(value)s”: ange t.ex. GR, GY, FKLASS eller GRS.")
            % {"value": values["skolform"]}
        )
    grade = _grade(values["årskurs"], school_type)
    start_date = _date(values.get("startdatum", ""), "startdatum") or _school_year_start(
        school_year
    )
    who = _("Eleven")
    person = _identity(values["elev_personnummer"], who)
    if not values["elev_förnamn"] or not values["elev_efternamn"]:
        raise RowRefused(_("Elevens förnamn eller efternamn saknas."))
    protected = PROTECTED_IDENTITY.get(values.get("skyddade_personuppgifter", "").lower())
    if protected is None:
        raise RowRefused(
            _(
                "Okänt värde i skyddade_personuppgifter: ange Nej, Sekretessmarkering, "
                "Skyddad folkbokföring eller Fingerade personuppgifter."
            )
        )
    student = StudentRecord(
        source_id=person_source_id("elev", person.canonical),
        identity=person.canonical,
        given_name=values["elev_förnamn"],
        family_name=values["elev_efternamn"],
        protected_identity=protected,
        birth_date=person.birth_date,
        street_address=values.get("elev_adress", ""),
        postal_code=values.get("elev_postnummer", ""),
        city=values.get("elev_ort", ""),
        row=row,
    )
    guardians = tuple(g for g in (_guardian(values, n, row) for n in (1, 2)) if g is not None)
    if len(guardians) == 2 and guardians[0].record.source_id == guardians[1].record.source_id:
        raise RowRefused(_("Vårdnadshavare 1 och 2 är samma person."))
    if any(g.record.source_id == person_source_id("vh", person.canonical) for g in guardians):
        raise RowRefused(_("Eleven står som sin egen vårdnadshavare."))
    return _Row(
        row=row,
        school_unit_code=code,
        class_name=class_name,
        school_year=school_year,
        grade=grade,
        school_type=school_type,
        start_date=start_date,
        student=student,
        birth_date=person.birth_date,
        guardians=guardians,
    )


# --- The file ----------------------------------------------------------------------------------


def parse_registry_csv(
    data: bytes,
    *,
    organisation_number: str,
    as_of: datetime.date,
    known_school_codes: Collection[str] | None = None,
) -> CsvResult:
    """Parse a school-register file. ``known_school_codes``: the organisation's school units
    (rows naming any other code are refused); None skips that check."""
    if len(data) > MAX_FILE_BYTES:
        message = _("Filen är större än %(mb)d MB. Dela upp den per skolenhet.") % {
            "mb": MAX_FILE_BYTES // (1024 * 1024)
        }
        return CsvResult(batch=None, errors=[RowError(None, message)])
    try:
        _header, raw_rows = read_rows(data)
    except ValueError as error:
        return CsvResult(batch=None, errors=[RowError(None, mask_identity_numbers(str(error)))])
    if not raw_rows:
        return CsvResult(batch=None, errors=[RowError(None, _("Filen innehåller inga elever."))])

    result = CsvResult(batch=None)
    accepted: list[_Row] = []
    seen_class: dict[tuple[str, str, str], tuple[str, int]] = {}  # (student, school, year)
    named_codes: set[str] = set()
    refused_codes: set[str] = set()
    for row, values in raw_rows:
        code = values["skolenhetskod"].replace(" ", "")
        named_codes.add(code)
        try:
            parsed = parse_row(row, values, known_school_codes)
            key = (parsed.student.source_id, parsed.school_unit_code, parsed.school_year)
            earlier = seen_class.setdefault(key, (parsed.class_name, row))
            if earlier[0] != parsed.class_name:
                raise RowRefused(
                    _(
                        "Eleven finns redan i klass %(class)s på rad %(row)d på samma "
                        "skolenhet och läsår; en elev kan bara gå i en klass i taget."
                    )
                    % {"class": earlier[0], "row": earlier[1]}
                )
        except RowRefused as refusal:
            result.errors.append(RowError(row, mask_identity_numbers(str(refusal))))
            result.error_codes.append(code)
            refused_codes.add(code)
            continue
        accepted.append(parsed)

    result.batch = build_batch(
        accepted,
        organisation_number=organisation_number,
        as_of=as_of,
        complete_for_schools=frozenset(
            code for code in named_codes - refused_codes if re.fullmatch(r"\d{8}", code)
        ),
    )
    result.rows = [
        PreviewRow(
            row=parsed.row,
            school_unit_code=parsed.school_unit_code,
            class_name=parsed.class_name,
            given_name=parsed.student.given_name,
            family_name=parsed.student.family_name,
            birth_date=parsed.birth_date,
            guardians=len(parsed.guardians),
        )
        for parsed in accepted
    ]
    return result


def build_batch(
    rows: list[_Row],
    *,
    organisation_number: str,
    as_of: datetime.date,
    complete_for_schools: frozenset[str],
) -> Batch:
    batch = Batch(
        source=source_name(organisation_number),
        organisation_number=organisation_number,
        as_of=as_of,
        complete_for_schools=complete_for_schools,
    )
    students: dict[str, StudentRecord] = {}
    enrolments: dict[str, EnrolmentRecord] = {}
    classes: dict[str, tuple[_Row, dict[str, MembershipRecord]]] = {}
    guardians: dict[str, GuardianRecord] = {}
    relations: dict[tuple[str, str], GuardianRelationRecord] = {}
    for row in rows:
        student_id = row.student.source_id
        students.setdefault(student_id, row.student)
        enrolment_id = enrolment_source_id(student_id, row.school_unit_code)
        enrolment = enrolments.get(enrolment_id)
        if enrolment is None or row.start_date < enrolment.start_date:
            enrolments[enrolment_id] = EnrolmentRecord(
                source_id=enrolment_id,
                student_source_id=student_id,
                school_unit_code=row.school_unit_code,
                start_date=row.start_date,
                row=row.row if enrolment is None else enrolment.row,
            )
        class_id = class_source_id(row.school_unit_code, row.school_year, row.class_name)
        _first, members = classes.setdefault(class_id, (row, {}))
        members.setdefault(
            student_id,
            MembershipRecord(student_source_id=student_id, start_date=row.start_date, row=row.row),
        )
        for guardian in row.guardians:
            guardians.setdefault(guardian.record.source_id, guardian.record)
            relations.setdefault(
                (student_id, guardian.record.source_id),
                GuardianRelationRecord(
                    student_source_id=student_id,
                    guardian_source_id=guardian.record.source_id,
                    relation_type=guardian.relation_type,
                    start_date=row.start_date,
                    row=row.row,
                ),
            )
    batch.students = list(students.values())
    batch.enrolments = list(enrolments.values())
    batch.classes = [
        ClassRecord(
            source_id=class_id,
            school_unit_code=first.school_unit_code,
            name=first.class_name,
            school_year=first.school_year,
            grade=first.grade,
            school_type=first.school_type,
            members=tuple(members.values()),
            row=first.row,
        )
        for class_id, (first, members) in classes.items()
    ]
    batch.guardians = list(guardians.values())
    batch.guardian_relations = list(relations.values())
    return batch


# --- Importing ---------------------------------------------------------------------------------


def known_school_codes(organisation) -> set[str]:
    return set(organisation.schools.values_list("school_unit_code", flat=True))


@sensitive_variables("data")
def csv_preview(*, data: bytes, organisation, as_of: datetime.date | None = None) -> CsvResult:
    """Parse a file for an organisation: its own school units only. Saves nothing."""
    return parse_registry_csv(
        data,
        organisation_number=organisation.organisation_number,
        as_of=as_of or timezone.localdate(),
        known_school_codes=known_school_codes(organisation),
    )


@sensitive_variables("data")
def csv_import(
    *, data: bytes, organisation, triggered_by=None, as_of: datetime.date | None = None
) -> tuple[CsvResult, ImportRun | None]:
    """Parse and apply a file through ``registry_apply``; the run's report also lists the rows
    the parser refused. No run when the file cannot be read at all."""
    from .services import registry_apply  # the service's module imports the models

    result = csv_preview(data=data, organisation=organisation, as_of=as_of)
    if result.batch is None:
        return result, None
    run = registry_apply(batch=result.batch, triggered_by=triggered_by)
    record_row_errors(run=run, errors=result.errors)
    return result, run


@transaction.atomic
def record_row_errors(*, run: ImportRun, errors: list[RowError]) -> None:
    """The rows the parser refused belong in the run's report beside the service's refusals."""
    from ..models.registry import ImportRunItem

    rows = [error for error in errors if error.row is not None]
    if not rows:
        return
    ImportRunItem.objects.bulk_create(
        [
            ImportRunItem(
                run=run,
                kind=ImportRunItem.Kind.REFUSED,
                entity="row",
                source_id="",
                row=error.row,
                message=error.message,
            )
            for error in rows
        ]
    )
    run.refused += len(rows)
    run.save(update_fields=["refused"])
