"""Enrolments, and which one makes a school unit health-responsible for the student."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from ...models import Enrolment, Entity
from ..health import health_responsible_choose
from ..report import Kind
from .base import CHUNK, _fetch, _is_ending, _Steps


class _Enrolments(_Steps):
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


def _within(new_end, old_end) -> bool:
    far = datetime.date.max
    return (new_end or far) <= (old_end or far)
