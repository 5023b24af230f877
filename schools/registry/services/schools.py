"""School units and their classes, matched on the link, else on code / (school, year, name)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from ...models import Entity, School, SchoolClass, SchoolType
from ..report import Kind
from .base import _fetch, _Pending, _Steps, _validation_text


class _Schools(_Steps):
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
