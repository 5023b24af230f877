"""Students and guardians: identity numbers (or reserve numbers), names, address, contact."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from ...identity import is_reserve_number, normalise_reserve_number, parse_identity_number
from ...models import ProtectedIdentity, Student
from ..report import Kind
from .base import _fetch, _Pending, _Steps, _validation_text

ADDRESS_FIELDS = ("street_address", "postal_code", "city")


class _People(_Steps):
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
