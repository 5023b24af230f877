"""Class memberships and guardian relations: periods of a student with a partner, and the
ends of those a complete batch no longer has."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Model, Q
from django.utils.translation import gettext as _

from ...models import ClassMembership, Entity, GuardianRelation
from ..report import Kind
from .base import _fetch, _is_ending, _Pending, _Steps


class _Periods(_Steps):
    # --- classes and memberships ----------------------------------------------------------

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

    def end_absent(self, entity: str, rows: list, pending: _Pending, why: str = "") -> None:
        for row in rows:
            row.end_date = max(self.ended_on, row.start_date)
            pending.change(row, ["end_date"])
            source_id = self.source_id_of(entity, row.pk) or ""
            message = why or _("Saknas i leveransen.")
            self.report.add_for(Kind.ENDED, entity, source_id, None, message, row)


def _by_id(values: dict) -> dict:
    """Compare and set foreign keys by id: reading ``row.student`` would cost a query."""
    return {
        (f"{key}_id" if isinstance(value, Model) else key): (
            value.pk if isinstance(value, Model) else value
        )
        for key, value in values.items()
    }


def _overlap(one, other) -> bool:
    far = datetime.date.max
    return one.start_date <= (other.end_date or far) and other.start_date <= (one.end_date or far)
