"""Apply a batch of school-register changes; confirm the assignments a source proposes.

``registry_apply`` makes the registry match one ``Batch`` (``records.py``) from one source:

* **Matching**: an entity is matched on its ``SourceLink`` (source, entity, source id) first;
  students and guardians then on identity number (personnummer/samordningsnummer, or the
  reserve number), classes on (school, school year, name), enrolments, class memberships and
  guardian relations on an open row for the same student and school / class / guardian. A
  matched row not yet linked gets its link.
* **Writes**: names, protected identity, address, contact data, periods. Never anything in the
  journal or consent apps (this module imports neither). Blank address, phone or e-mail in a
  record leave ours as they are (a CSV file has no such columns); a person with protected
  identity has the address cleared. Rows whose values already match are not written at all,
  so applying the same batch twice writes nothing and adds no history.
* **Temporary numbers** with letters (``20130101TF01``) are stored as ``reserve_number``, never
  as personnummer; a birth date is then required.
* **Ends**: an explicit end date ends the row. For the school units in
  ``complete_for_schools``, an enrolment or class membership linked to this source at one of
  them that the batch no longer has ends on ``as_of`` − 1 day (or on its start date if it had
  not started), and so does a guardian relation of a student the batch enrols at one of them.
  Nothing is deleted.
* **Health responsibility** around a move: see ``schools.registry.health``.
* **Duties** become ``ProposedAssignment`` rows (no care relation); ``assignment_confirm``
  creates the ``Assignment``. A duty that ends (end date, or absent from a complete batch)
  ends the proposal and its confirmed assignment.
* **Refusals** (an identity number that is invalid or missing, an unknown school unit or one
  of another organisation, an unknown student or guardian, a student in two classes of one
  school at once) are reported with the source id and row, identity numbers masked; the rest
  is applied.
* **Atomicity and speed**: every write of the batch happens in one transaction, so each
  entity's change (and the whole batch) is all or nothing; the run row is written outside it
  and survives a failure (status failed, error masked). Rows are read for the whole batch in a
  few queries (chunks of ``CHUNK``) and written with simple-history's bulk helpers, so the
  number of queries does not grow with the number of students beyond one per chunk.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..identity import (
    is_reserve_number,
    mask_identity_numbers,
    normalise_reserve_number,
    parse_identity_number,
)
from ..models import (
    Assignment,
    ClassMembership,
    Enrolment,
    Entity,
    Guardian,
    GuardianRelation,
    ImportRun,
    ImportRunItem,
    Organisation,
    ProposedAssignment,
    ProtectedIdentity,
    School,
    SchoolClass,
    SchoolType,
    SourceLink,
    StaffMember,
    Student,
)
from .health import health_responsible_choose
from .records import Batch
from .report import Kind, Report

logger = logging.getLogger(__name__)

CHUNK = 2000
ADDRESS_FIELDS = ("street_address", "postal_code", "city")


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


# --- The run ---------------------------------------------------------------------------------


def registry_apply(*, batch: Batch, triggered_by=None) -> ImportRun:
    """Apply one batch; returns the run with its counts (report lines in ``run.items``)."""
    organisation = Organisation.objects.filter(
        organisation_number=batch.organisation_number
    ).first()
    run = ImportRun.objects.create(
        source=batch.source,
        organisation=organisation,
        started_at=timezone.now(),
        triggered_by=triggered_by,
    )
    report = Report()
    if organisation is None:
        report.refuse(
            "batch",
            batch.organisation_number,
            None,
            _("Okänt organisationsnummer; hela leveransen avvisades."),
        )
        return _finish(run, report, ImportRun.Status.FAILED)
    applier = _Apply(batch=batch, organisation=organisation, report=report, user=triggered_by)
    try:
        with transaction.atomic():
            applier.apply()
    except Exception as error:  # the run row must say what happened, whatever it was
        text = mask_identity_numbers(f"{type(error).__name__}: {error}")
        logger.error("Registry import %s failed: %s", run.pk, text)
        report = report.refusals_only()
        report.refuse("batch", "", None, _("Importen avbröts, inget sparades: %s") % text)
        return _finish(run, report, ImportRun.Status.FAILED)
    return _finish(run, report, ImportRun.Status.OK)


def _finish(run: ImportRun, report: Report, status: str) -> ImportRun:
    ImportRunItem.objects.bulk_create(report.items(run), batch_size=CHUNK)
    run.status = status
    run.finished_at = timezone.now()
    run.created = report.count(Kind.CREATED)
    run.changed = report.count(Kind.CHANGED)
    run.ended = report.count(Kind.ENDED)
    run.refused = report.count(Kind.REFUSED)
    run.save(update_fields=["status", "finished_at", "created", "changed", "ended", "refused"])
    return run


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


class _Apply:
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

    # --- the steps ------------------------------------------------------------------------

    def apply(self) -> None:
        self.links = {
            (entity, source_id): object_id
            for entity, source_id, object_id in SourceLink.objects.filter(
                source=self.batch.source
            ).values_list("entity", "source_id", "object_id")
        }
        self.apply_schools()
        self.students = self.apply_people(Student, Entity.STUDENT, self.batch.students)
        self.guardians = self.apply_people(Guardian, Entity.GUARDIAN, self.batch.guardians)
        self.apply_enrolments()
        self.apply_classes()
        self.apply_memberships()
        self.apply_guardian_relations()
        self.apply_duties()
        self.save_links()

    def save_links(self) -> None:
        creates, moved = {}, {}
        for entity, source_id, obj in self.new_links:
            if (entity, source_id) in self.links:
                moved[(entity, source_id)] = obj.pk  # its row was gone: linked anew
            else:
                creates[(entity, source_id)] = SourceLink(
                    source=self.batch.source, entity=entity, source_id=source_id, object_id=obj.pk
                )
        updates = []
        for entity, source_ids in _group(moved):
            for link in SourceLink.objects.filter(
                source=self.batch.source, entity=entity, source_id__in=source_ids
            ):
                link.object_id = moved[(entity, link.source_id)]
                updates.append(link)
        # SourceLink has no history: plain bulk writes are the right tool.
        SourceLink.objects.bulk_create(creates.values(), batch_size=CHUNK)
        SourceLink.objects.bulk_update(updates, ["object_id"], batch_size=CHUNK)

    def apply_schools(self) -> None:
        batch = self.batch
        codes = {record.school_unit_code for record in batch.school_units}
        codes |= {record.school_unit_code for record in batch.enrolments}
        codes |= {record.school_unit_code for record in batch.classes}
        codes |= {record.school_unit_code for record in batch.duties}
        found = {
            school.school_unit_code: school
            for school in _fetch(
                lambda chunk: School.objects.filter(school_unit_code__in=chunk), codes
            )
        }
        self.foreign_codes = {
            code for code, school in found.items() if school.organisation_id != self.organisation.pk
        }
        self.schools = {
            code: school for code, school in found.items() if code not in self.foreign_codes
        }
        for record in batch.school_units:
            code = record.school_unit_code
            self.seen[Entity.SCHOOL].add(record.source_id)
            if code in self.foreign_codes:
                self.school(code, Entity.SCHOOL, record)  # reports the refusal
                continue
            school = self.schools.get(code)
            values = {"name": record.name, "school_types": list(record.school_types)}
            values = {key: value for key, value in values.items() if value}
            if school is None:
                school = School(organisation=self.organisation, school_unit_code=code, **values)
                school.name = school.name or code
                kind = Kind.CREATED
                changed = ["name"]
            else:
                changed = [key for key, value in values.items() if getattr(school, key) != value]
                kind = Kind.CHANGED
                for key in changed:
                    setattr(school, key, values[key])
            if changed:
                try:
                    school.full_clean()
                except ValidationError as error:
                    self.report.refuse(
                        Entity.SCHOOL, record.source_id, record.row, _validation_text(error)
                    )
                    continue
                school.save()  # a handful of rows: the history signal writes the history
                self.report.add(kind, Entity.SCHOOL, record, obj=school)
            self.schools[code] = school
            self.link(Entity.SCHOOL, record.source_id, school)

    def identity(self, entity: str, record) -> tuple[str | None, str | None] | None:
        """(identity_number, reserve_number), or None when refused."""
        raw = (record.identity or "").strip()
        if not raw:
            self.report.refuse(
                entity, record.source_id, record.row, _("saknar person- eller samordningsnummer.")
            )
            return None
        if is_reserve_number(raw.replace("-", "").replace(" ", "")):
            if record.birth_date is None:
                self.report.refuse(
                    entity,
                    record.source_id,
                    record.row,
                    _("ett tillfälligt nummer kräver födelsedatum."),
                )
                return None
            return None, normalise_reserve_number(raw.replace(" ", ""))
        try:
            return parse_identity_number(raw).value, None
        except ValidationError as error:
            self.report.refuse(entity, record.source_id, record.row, _validation_text(error))
            return None

    def apply_people(self, model, entity: str, records: list) -> dict[str, Model]:
        parsed = []
        for record in records:
            if record.source_id in self.seen[entity]:
                self.report.refuse(
                    entity, record.source_id, record.row, _("samma id förekommer två gånger.")
                )
                continue
            self.seen[entity].add(record.source_id)
            if record.protected_identity not in ProtectedIdentity.values:
                self.report.refuse(
                    entity, record.source_id, record.row, _("okänd markering av skyddad identitet.")
                )
                continue
            identity = self.identity(entity, record)
            if identity is not None:
                parsed.append((record, *identity))
        linked = {self.linked_id(entity, record.source_id) for record, _n, _r in parsed}
        existing = _fetch(lambda chunk: model.objects.filter(pk__in=chunk), linked - {None})
        existing += _fetch(
            lambda chunk: model.objects.filter(identity_number__in=chunk),
            {number for _rec, number, _r in parsed if number},
        )
        existing += _fetch(
            lambda chunk: model.objects.filter(reserve_number__in=chunk),
            {reserve for _rec, _n, reserve in parsed if reserve},
        )
        by_pk = {obj.pk: obj for obj in existing}
        by_number = {obj.identity_number: obj for obj in by_pk.values() if obj.identity_number}
        by_reserve = {obj.reserve_number: obj for obj in by_pk.values() if obj.reserve_number}
        pending = _Pending.of(model)
        applied: dict[str, Model] = {}
        for record, number, reserve in parsed:
            obj = by_pk.get(self.linked_id(entity, record.source_id))
            by_identity = by_number.get(number) if number else by_reserve.get(reserve)
            if obj is None:
                obj = by_identity
            elif by_identity is not None and by_identity is not obj:
                self.report.refuse(
                    entity,
                    record.source_id,
                    record.row,
                    _("identitetsnumret hör redan till en annan person i registret."),
                )
                continue
            values = self.person_values(model, record, number, reserve)
            if obj is not None and obj.identity_number and not number:
                values.pop("birth_date")  # the personnummer decides it
            is_new = obj is None
            if is_new:
                obj = model(**values)
                changed = list(values)
            else:
                changed = [key for key, value in values.items() if getattr(obj, key) != value]
                for key in changed:
                    setattr(obj, key, values[key])
            if changed:
                try:
                    obj.derive_from_identity()
                    obj.full_clean(validate_unique=False, validate_constraints=False)
                except ValidationError as error:
                    self.report.refuse(
                        entity, record.source_id, record.row, _validation_text(error)
                    )
                    if not is_new:
                        obj.refresh_from_db()
                    continue
                if is_new:
                    pending.creates.append(obj)
                    self.report.add(Kind.CREATED, entity, record, obj=obj)
                elif obj.pk is None:
                    pass  # created by an earlier record of this batch (same person, two ids)
                else:
                    derived = {"identity_kind", "birth_date", "legal_sex"}
                    pending.change(obj, {*changed, *derived})
                    self.report.add(
                        Kind.CHANGED, entity, record, _("Ändrat: %s") % ", ".join(changed), obj
                    )
            if obj.identity_number:
                by_number[obj.identity_number] = obj
            if obj.reserve_number:
                by_reserve[obj.reserve_number] = obj
            applied[record.source_id] = obj
            self.link(entity, record.source_id, obj)
        self.write(pending)
        return applied

    def person_values(self, model, record, number, reserve) -> dict:
        values = {
            "given_name": record.given_name.strip(),
            "family_name": record.family_name.strip(),
            "protected_identity": record.protected_identity,
        }
        if number:
            values["identity_number"] = number
        else:
            values["reserve_number"] = reserve
            values["birth_date"] = record.birth_date
        extra = ADDRESS_FIELDS if model is Student else ("phone", "email")
        for key in extra:
            value = getattr(record, key, "").strip()
            if value:
                values[key] = value
        if record.protected_identity and model is Student:
            values.update(dict.fromkeys(ADDRESS_FIELDS, ""))
        return values

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

    # --- enrolments and the health-responsible rule ---------------------------------------

    def apply_enrolments(self) -> None:
        entity = Entity.ENROLMENT
        valid = []
        for record in self.batch.enrolments:
            self.seen[entity].add(record.source_id)
            student = self.student_for(
                entity, record.source_id, record.row, record.student_source_id
            )
            school = self.school(record.school_unit_code, entity, record) if student else None
            if student is None or school is None:
                continue
            if record.end_date and record.end_date < record.start_date:
                self.report.refuse(
                    entity, record.source_id, record.row, _("slutdatum före startdatum.")
                )
                continue
            valid.append((record, student, school))
        absent = self.absent_ids(entity)
        absent_rows = _fetch(
            lambda chunk: Enrolment.objects.filter(
                pk__in=chunk, school__school_unit_code__in=self.batch.complete_for_schools
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=self.as_of)),
            absent,
        )
        student_ids = {student.pk for _r, student, _s in valid}
        student_ids |= {enrolment.student_id for enrolment in absent_rows}
        rows = _fetch(
            lambda chunk: Enrolment.objects.filter(student_id__in=chunk).select_related("school"),
            student_ids,
        )
        by_student: dict[int, list[Enrolment]] = defaultdict(list)
        for enrolment in rows:
            by_student[enrolment.student_id].append(enrolment)
        by_pk = {enrolment.pk: enrolment for enrolment in rows}
        before = {e.pk: (e.start_date, e.end_date, e.is_health_responsible) for e in rows}
        linked_pks = {pk for (e, _s), pk in self.links.items() if e == entity}
        source_ids: dict[int, str] = {}
        touched: set[int] = set()
        lines: dict[int, tuple] = {}  # id(enrolment) → (record, is_new)
        for record, student, school in valid:
            enrolment = by_pk.get(self.linked_id(entity, record.source_id))
            if enrolment is None:
                candidates = [
                    e
                    for e in by_student[student.pk]
                    if e.school_id == school.pk
                    and e.pk not in linked_pks
                    and id(e) not in lines
                    and (e.end_date is None or e.end_date >= record.start_date)
                ]
                enrolment = max(candidates, key=lambda e: e.start_date, default=None)
            if enrolment is None:
                enrolment = Enrolment(student=student, school=school)
                by_student[student.pk].append(enrolment)
            enrolment.start_date = record.start_date
            enrolment.end_date = record.end_date
            source_ids[id(enrolment)] = record.source_id
            lines[id(enrolment)] = record
            touched.add(student.pk)
            self.link(entity, record.source_id, enrolment)
        for enrolment in absent_rows:
            enrolment = by_pk[enrolment.pk]
            enrolment.end_date = max(self.ended_on, enrolment.start_date)
            touched.add(enrolment.student_id)
        school_organisations = {e.school_id: e.school.organisation_id for e in rows}
        school_organisations |= {s.pk: s.organisation_id for s in self.schools.values()}
        for student_id in touched:
            health_responsible_choose(
                enrolments=by_student[student_id],
                as_of=self.as_of,
                organisation_id=self.organisation.pk,
                school_organisations=school_organisations,
                source_ids=source_ids,
            )
        self.write_enrolments(
            [e for student_id in touched for e in by_student[student_id]], before, lines
        )

    def write_enrolments(self, enrolments: list[Enrolment], before: dict, lines: dict) -> None:
        """In an order the exclusion constraint accepts at every statement: flags cleared,
        then periods shortened, then the rest, then flags set, then new rows."""
        lose, shrink, other, gain, creates = [], [], [], [], []
        for enrolment in enrolments:
            record = lines.get(id(enrolment))
            entity = Entity.ENROLMENT
            if enrolment.pk is None:
                enrolment.clean_fields(exclude=["student", "school"])  # no query per row
                creates.append(enrolment)
                self.report.add(Kind.CREATED, entity, record, obj=enrolment)
                continue
            start, end, flag = before[enrolment.pk]
            now = (enrolment.start_date, enrolment.end_date, enrolment.is_health_responsible)
            if now == (start, end, flag):
                continue
            if flag and not enrolment.is_health_responsible:
                lose.append(enrolment)
            elif enrolment.is_health_responsible and not flag:
                gain.append(enrolment)
            elif enrolment.start_date >= start and _within(enrolment.end_date, end):
                shrink.append(enrolment)
            else:
                other.append(enrolment)
            kind = Kind.ENDED if _is_ending(end, enrolment.end_date) else Kind.CHANGED
            message = ""
            if flag != enrolment.is_health_responsible:
                message = (
                    _("Hälsoansvarig enhet.")
                    if enrolment.is_health_responsible
                    else _("Inte längre hälsoansvarig enhet.")
                )
            if record is not None:
                self.report.add(kind, entity, record, message, enrolment)
            else:
                source_id = self.source_id_of(entity, enrolment.pk)
                if kind == Kind.ENDED and source_id is not None:
                    message = (message + " " + _("Saknas i leveransen.")).strip()
                self.report.add_for(kind, entity, source_id or "", None, message, enrolment)
        fields = ["start_date", "end_date", "is_health_responsible"]
        for group in (lose, shrink, other, gain):
            self.write_updates(Enrolment, group, fields)
        if creates:
            # New health-responsible rows last, so none overlaps a flag not yet cleared.
            creates.sort(key=lambda e: e.is_health_responsible)
            bulk_create_with_history(creates, Enrolment, batch_size=CHUNK, default_user=self.user)

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

    def end_absent(self, entity: str, rows: list, pending: _Pending, why: str = "") -> None:
        for row in rows:
            row.end_date = max(self.ended_on, row.start_date)
            pending.change(row, ["end_date"])
            source_id = self.source_id_of(entity, row.pk) or ""
            message = why or _("Saknas i leveransen.")
            self.report.add_for(Kind.ENDED, entity, source_id, None, message, row)

    # --- classes and memberships ----------------------------------------------------------

    def apply_classes(self) -> None:
        entity = Entity.SCHOOL_CLASS
        records = []
        for record in self.batch.classes:
            if record.source_id in self.seen[entity]:
                self.report.refuse(
                    entity, record.source_id, record.row, _("samma id förekommer två gånger.")
                )
                continue
            self.seen[entity].add(record.source_id)
            school = self.school(record.school_unit_code, entity, record)
            if school is None:
                continue
            if record.school_type not in SchoolType.values:
                self.report.refuse(entity, record.source_id, record.row, _("okänd skolform."))
                continue
            records.append((record, school))
        linked = {self.linked_id(entity, record.source_id) for record, _s in records} - {None}
        years = {record.school_year for record, _s in records}
        school_ids = {school.pk for _r, school in records}
        existing = SchoolClass.objects.filter(
            Q(pk__in=linked) | Q(school_id__in=school_ids, school_year__in=years)
        )
        by_pk = {school_class.pk: school_class for school_class in existing}
        by_key = {(c.school_id, c.school_year, c.name): c for c in by_pk.values()}
        pending = _Pending.of(SchoolClass)
        for record, school in records:
            values = {
                "school_id": school.pk,
                "school_year": record.school_year,
                "name": record.name.strip(),
                "grade": record.grade,
                "school_type": record.school_type,
            }
            key = (school.pk, record.school_year, values["name"])
            school_class = by_pk.get(self.linked_id(entity, record.source_id)) or by_key.get(key)
            if school_class is None:
                school_class = SchoolClass(**values)
                changed = list(values)
            else:
                changed = [k for k, v in values.items() if getattr(school_class, k) != v]
                for k in changed:
                    setattr(school_class, k, values[k])
            if changed:
                try:
                    school_class.full_clean(
                        exclude=["school"], validate_unique=False, validate_constraints=False
                    )
                except ValidationError as error:
                    self.report.refuse(
                        entity, record.source_id, record.row, _validation_text(error)
                    )
                    continue
                if school_class.pk is None:
                    if school_class not in pending.creates:
                        pending.creates.append(school_class)
                    self.report.add(Kind.CREATED, entity, record, obj=school_class)
                else:
                    pending.change(school_class, changed)
                    self.report.add(Kind.CHANGED, entity, record, obj=school_class)
            by_key[key] = school_class
            self.classes[record.source_id] = school_class
            self.link(entity, record.source_id, school_class)
        self.write(pending)

    def apply_memberships(self) -> None:
        entity = Entity.CLASS_MEMBERSHIP
        members = []  # (source id, member record, class record, student, class)
        for class_record in self.batch.classes:
            school_class = self.classes.get(class_record.source_id)
            for member in class_record.members:
                source_id = f"{class_record.source_id}/{member.student_source_id}"
                self.seen[entity].add(source_id)
                if school_class is None:
                    self.report.refuse(
                        entity, source_id, member.row, _("klassen avvisades eller är okänd.")
                    )
                    continue
                student = self.student_for(entity, source_id, member.row, member.student_source_id)
                if student is not None:
                    members.append((source_id, member, student, school_class))
        members = self.without_double_classes(members)
        absent = _fetch(
            lambda chunk: ClassMembership.objects.filter(
                pk__in=chunk,
                school_class__school__school_unit_code__in=self.batch.complete_for_schools,
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=self.as_of)),
            self.absent_ids(entity),
        )
        self.apply_periods(
            ClassMembership,
            entity,
            [
                (source_id, member, {"student": student, "school_class": school_class})
                for source_id, member, student, school_class in members
            ],
            partner="school_class",
            absent=absent,
        )

    def without_double_classes(self, members: list) -> list:
        """A student in two classes of one school and school year at the same time: every
        such membership is refused (which one is right is for the school to say)."""
        groups: dict[tuple, list] = defaultdict(list)
        for item in members:
            _source_id, _member, student, school_class = item
            groups[(student.pk, school_class.school_id, school_class.school_year)].append(item)
        refused: set[int] = set()
        for items in groups.values():
            for index, (_s, one, _st, class_one) in enumerate(items):
                for _s2, other, _st2, class_two in items[index + 1 :]:
                    if class_one is not class_two and _overlap(one, other):
                        refused |= {id(one), id(other)}
        kept = []
        for source_id, member, student, school_class in members:
            if id(member) in refused:
                names = sorted(
                    {
                        item[3].name
                        for item in groups[
                            (student.pk, school_class.school_id, school_class.school_year)
                        ]
                    }
                )
                self.report.refuse(
                    Entity.CLASS_MEMBERSHIP,
                    source_id,
                    member.row,
                    _("eleven går i flera klasser samtidigt vid samma skolenhet (%s).")
                    % ", ".join(names),
                )
            else:
                kept.append((source_id, member, student, school_class))
        return kept

    # --- guardian relations ---------------------------------------------------------------

    def apply_guardian_relations(self) -> None:
        entity = Entity.GUARDIAN_RELATION
        relations = []
        for record in self.batch.guardian_relations:
            source_id = f"{record.student_source_id}/{record.guardian_source_id}"
            self.seen[entity].add(source_id)
            student = self.student_for(entity, source_id, record.row, record.student_source_id)
            guardian = self.guardians.get(record.guardian_source_id)
            if student is None:
                continue
            if guardian is None:
                self.report.refuse(
                    entity,
                    source_id,
                    record.row,
                    _("okänd eller avvisad vårdnadshavare %s.") % record.guardian_source_id,
                )
                continue
            if record.relation_type not in GuardianRelation.Type.values:
                self.report.refuse(entity, source_id, record.row, _("okänd relationstyp."))
                continue
            values = {
                "student": student,
                "guardian": guardian,
                "relation_type": record.relation_type,
            }
            relations.append((source_id, record, values))
        complete_students = {
            self.students[record.student_source_id].pk
            for record in self.batch.enrolments
            if record.school_unit_code in self.batch.complete_for_schools
            and record.student_source_id in self.students
        }
        absent = _fetch(
            lambda chunk: GuardianRelation.objects.filter(
                pk__in=chunk, student_id__in=complete_students
            ).filter(Q(end_date__isnull=True) | Q(end_date__gte=self.as_of)),
            self.absent_ids(entity) if complete_students else (),
        )
        self.apply_periods(GuardianRelation, entity, relations, partner="guardian", absent=absent)

    # --- shared: periods of a student with a partner (class or guardian) ------------------

    def apply_periods(self, model, entity: str, items: list, *, partner: str, absent: list):
        """``items``: (source id, record with start/end dates, values incl. student and the
        partner). Matched on the link, else an open row of the same student and partner."""
        partner_id = f"{partner}_id"
        student_ids = {values["student"].pk for _s, _r, values in items}
        rows = _fetch(lambda chunk: model.objects.filter(student_id__in=chunk), student_ids)
        by_pk = {row.pk: row for row in rows}
        linked_pks = {pk for (e, _s), pk in self.links.items() if e == entity}
        open_rows: dict[tuple, list] = defaultdict(list)
        for row in rows:
            if row.pk not in linked_pks:
                open_rows[(row.student_id, getattr(row, partner_id))].append(row)
        pending = _Pending.of(model)
        for source_id, record, values in items:
            if record.end_date and record.end_date < record.start_date:
                self.report.refuse(entity, source_id, record.row, _("slutdatum före startdatum."))
                continue
            values = _by_id(values) | {"start_date": record.start_date, "end_date": record.end_date}
            row = by_pk.get(self.linked_id(entity, source_id))
            if row is None:
                key = (values["student_id"], values[partner_id])
                candidates = [
                    r
                    for r in open_rows[key]
                    if r.end_date is None or r.end_date >= record.start_date
                ]
                row = max(candidates, key=lambda r: r.start_date, default=None)
                if row is not None:
                    open_rows[key].remove(row)
            if row is None:
                row = model(**values)
                row.clean_fields(exclude=["student", partner])  # no query per row
                pending.creates.append(row)
                self.report.add_for(Kind.CREATED, entity, source_id, record.row, obj=row)
            else:
                old_end = row.end_date
                changed = [k for k, v in values.items() if getattr(row, k) != v]
                for k in changed:
                    setattr(row, k, values[k])
                if changed:
                    pending.change(row, changed)
                    kind = Kind.ENDED if _is_ending(old_end, row.end_date) else Kind.CHANGED
                    self.report.add_for(kind, entity, source_id, record.row, obj=row)
            self.link(entity, source_id, row)
        self.end_absent(entity, absent, pending)
        self.write(pending)

    # --- duties ---------------------------------------------------------------------------

    def apply_duties(self) -> None:
        entity = Entity.DUTY
        usernames = {record.username for record in self.batch.duties}
        staff = {
            member.user.username: member
            for member in StaffMember.objects.filter(
                user__username__in=usernames, organisation=self.organisation
            ).select_related("user")
        }
        valid = []
        for record in self.batch.duties:
            self.seen[entity].add(record.source_id)
            member = staff.get(record.username)
            if member is None:
                self.report.refuse(
                    entity,
                    record.source_id,
                    record.row,
                    _("ingen personal med användarnamnet %(username)s hos huvudmannen.")
                    % {"username": record.username},
                )
                continue
            school = self.school(record.school_unit_code, entity, record)
            if school is None:
                continue
            if record.end_date and record.end_date < record.start_date:
                self.report.refuse(
                    entity, record.source_id, record.row, _("slutdatum före startdatum.")
                )
                continue
            valid.append((record, member, school))
        linked = {self.linked_id(entity, record.source_id) for record, _m, _s in valid}
        absent = self.absent_ids(entity)
        proposals = {
            proposal.pk: proposal
            for proposal in ProposedAssignment.objects.filter(
                pk__in=(linked | absent) - {None}
            ).select_related("assignment", "school")
        }
        pending = _Pending.of(ProposedAssignment)
        assignments: dict[int, Assignment] = {}
        for record, member, school in valid:
            proposal = proposals.get(self.linked_id(entity, record.source_id))
            if proposal is None:
                proposal = ProposedAssignment(
                    organisation=self.organisation,
                    staff_member=member,
                    school=school,
                    duty_role=record.duty_role,
                    source=self.batch.source,
                    source_id=record.source_id,
                    start_date=record.start_date,
                    end_date=record.end_date,
                )
                if _has_ended(record.end_date, self.as_of):
                    proposal.status = ProposedAssignment.Status.ENDED
                proposal.full_clean(
                    exclude=["organisation", "staff_member", "school"],
                    validate_unique=False,
                    validate_constraints=False,
                )
                pending.creates.append(proposal)
                self.report.add(Kind.CREATED, entity, record, obj=proposal)
            else:
                old_end = proposal.end_date
                values = {"start_date": record.start_date, "end_date": record.end_date}
                if proposal.status == ProposedAssignment.Status.PROPOSED:
                    values |= {"school_id": school.pk, "staff_member_id": member.pk}
                values["duty_role"] = record.duty_role
                changed = [k for k, v in values.items() if getattr(proposal, k) != v]
                for k in changed:
                    setattr(proposal, k, values[k])
                changed += self.end_proposal(proposal, record.end_date, assignments)
                if changed:
                    pending.change(proposal, changed)
                    ending = _is_ending(old_end, proposal.end_date)
                    kind = Kind.ENDED if ending else Kind.CHANGED
                    self.report.add(kind, entity, record, "", proposal)
            self.link(entity, record.source_id, proposal)
        for pk in absent:
            proposal = proposals.get(pk)
            if (
                proposal is None
                or proposal.school.school_unit_code not in self.batch.complete_for_schools
                or _has_ended(proposal.end_date, self.as_of)
            ):
                continue
            proposal.end_date = max(self.ended_on, proposal.start_date)
            changed = ["end_date", *self.end_proposal(proposal, proposal.end_date, assignments)]
            pending.change(proposal, changed)
            self.report.add_for(
                Kind.ENDED,
                entity,
                self.source_id_of(entity, pk) or "",
                None,
                _("Saknas i leveransen."),
                proposal,
            )
        self.write_updates(Assignment, list(assignments.values()), ["end_date"])
        self.write(pending)

    def end_proposal(self, proposal, end_date, assignments: dict) -> list[str]:
        """A duty with an end ends the confirmed assignment then too, and the proposal once
        the date has passed."""
        changed = []
        assignment = proposal.assignment
        if end_date and assignment is not None and _is_ending(assignment.end_date, end_date):
            assignment.end_date = max(end_date, assignment.start_date)
            assignments[assignment.pk] = assignment
        if _has_ended(end_date, self.as_of) and proposal.status in (
            ProposedAssignment.Status.PROPOSED,
            ProposedAssignment.Status.CONFIRMED,
        ):
            proposal.status = ProposedAssignment.Status.ENDED
            changed.append("status")
        return changed


def _by_id(values: dict) -> dict:
    """Compare and set foreign keys by id: reading ``row.student`` would cost a query."""
    return {
        (f"{key}_id" if isinstance(value, Model) else key): (
            value.pk if isinstance(value, Model) else value
        )
        for key, value in values.items()
    }


def _group(keys: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for entity, source_id in keys:
        grouped[entity].append(source_id)
    return list(grouped.items())


def _within(new_end, old_end) -> bool:
    far = datetime.date.max
    return (new_end or far) <= (old_end or far)


def _overlap(one, other) -> bool:
    far = datetime.date.max
    return one.start_date <= (other.end_date or far) and other.start_date <= (one.end_date or far)


def _has_ended(end_date, as_of) -> bool:
    return end_date is not None and end_date < as_of


# --- Proposed assignments ----------------------------------------------------------------------


@transaction.atomic
def assignment_confirm(*, proposals, by) -> list[Assignment]:
    """Confirm proposed assignments (a queryset or a list): each becomes an ``Assignment``,
    which is what makes a care relation. Only proposals still proposed, of the confirming
    user's own organisation (a superuser: any)."""
    pks = [proposal.pk for proposal in proposals]
    rows = list(
        ProposedAssignment.objects.select_for_update(of=("self",))
        .filter(pk__in=pks)
        .select_related("staff_member", "school")
        .order_by("pk")
    )
    not_proposed = [row for row in rows if row.status != ProposedAssignment.Status.PROPOSED]
    if not_proposed:
        raise ValidationError(
            _("Bara föreslagna tjänstgöringar kan bekräftas (%(count)d var redan avgjorda).")
            % {"count": len(not_proposed)}
        )
    member = getattr(by, "staff_member", None)
    if not by.is_superuser and any(
        member is None or row.organisation_id != member.organisation_id for row in rows
    ):
        raise ValidationError(_("Du kan bara bekräfta tjänstgöringar hos din egen huvudman."))
    assignments = []
    for row in rows:
        assignment = Assignment(
            staff_member=row.staff_member,
            school=row.school,
            start_date=row.start_date,
            end_date=row.end_date,
        )
        assignment.full_clean()
        assignments.append(assignment)
    bulk_create_with_history(assignments, Assignment, default_user=by)
    now = timezone.now()
    for row, assignment in zip(rows, assignments, strict=True):
        row.assignment = assignment
        row.status = ProposedAssignment.Status.CONFIRMED
        row.decided_by = by
        row.decided_at = now
    bulk_update_with_history(
        rows,
        ProposedAssignment,
        ["assignment", "status", "decided_by", "decided_at"],
        default_user=by,
    )
    return assignments


@transaction.atomic
def assignment_reject(*, proposals, by) -> int:
    """Reject proposed assignments: they stay in the list, marked, and grant nothing."""
    rows = list(
        ProposedAssignment.objects.select_for_update()
        .filter(pk__in=[proposal.pk for proposal in proposals])
        .filter(status=ProposedAssignment.Status.PROPOSED)
    )
    now = timezone.now()
    for row in rows:
        row.status = ProposedAssignment.Status.REJECTED
        row.decided_by = by
        row.decided_at = now
    bulk_update_with_history(
        rows, ProposedAssignment, ["status", "decided_by", "decided_at"], default_user=by
    )
    return len(rows)
