"""Writing school-time medication orders and self-care (egenvård) plans (R-MED-1).

Both are signed records (``journal.models.signed``): a draft its author writes and signs, then
frozen; a change is a new version — a draft copying the signed one, with ``replaces`` and a
reason — and the newest signed version is the one that holds. Only the medical record's
clinicians (school nurse, school doctor) write them. Views check the policy first; these
functions keep the records' own rules and give every bad value a message on its field.

What holds *today*: an order is current when signed, not replaced, started and not ended; a
plan when signed, not replaced and in force (``current_orders`` / ``current_plans``). Plans
whose re-assessment date is near or past are computed when asked (``plans_to_reassess``), no
job needed.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.models import Area, Profession, StaffMember, Student

from ..models import EntryStatus, MedicationOrder, MedicationRoute, MedicationStorage, SelfCarePlan
from ..models.signed import SignedRecord
from .attachments import check_upload
from .entries import author_title

# How many days ahead the start page warns of a plan's re-assessment.
REASSESS_WARNING_DAYS = 14

ORDER_FIELDS = (
    "medicine",
    "strength",
    "form",
    "atc_code",
    "dose",
    "route",
    "times_of_day",
    "as_needed",
    "as_needed_condition",
    "start_date",
    "end_date",
    "prescriber",
    "prescribed_on",
    "instructions_from",
    "instructions_received_on",
    "instructions_file",
    "storage",
    "school_helper",
    "note",
)
PLAN_FIELDS = (
    "measure",
    "performed_by",
    "instructions_given",
    "on_change",
    "follow_up",
    "reassess_on",
    "valid_from",
)

# The message for each field that must be filled in; forms use the same words.
ORDER_REQUIRED = {
    "medicine": gettext_lazy("Ange läkemedlets namn."),
    "dose": gettext_lazy("Ange dosen."),
    "route": gettext_lazy("Välj administrationssätt."),
    "start_date": gettext_lazy("Ange från vilket datum läkemedlet ges."),
    "prescriber": gettext_lazy("Ange förskrivande läkare och vårdenhet."),
    "instructions_from": gettext_lazy("Ange vem som lämnade den skriftliga instruktionen."),
    "instructions_received_on": gettext_lazy("Ange när den skriftliga instruktionen togs emot."),
    "storage": gettext_lazy("Välj hur läkemedlet förvaras."),
}
PLAN_REQUIRED = {
    "measure": gettext_lazy("Beskriv egenvårdsåtgärden."),
    "performed_by": gettext_lazy("Ange vem som utför åtgärden i skolan."),
    "instructions_given": gettext_lazy("Beskriv hur instruktion och utbildning ges."),
    "on_change": gettext_lazy("Beskriv vad personalen gör och vem de kontaktar vid förändring."),
    "valid_from": gettext_lazy("Ange från vilket datum planen gäller."),
    "reassess_on": gettext_lazy("Ange när planen senast ska omprövas."),
}
# ATC: anatomical group, then optional deeper levels (A, A10, A10A, A10AB, A10AB01).
ATC_PATTERN = re.compile(r"^[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?$")


# --- What holds today ------------------------------------------------------------------------


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def with_replaced(queryset):
    """Annotate ``is_replaced``: a signed newer version replaces the row."""
    newer = queryset.model.objects.filter(replaces=OuterRef("pk"), status=EntryStatus.SIGNED)
    return queryset.annotate(is_replaced=Exists(newer))


def current_orders(queryset, on: datetime.date | None = None):
    """Signed, not replaced, started and not ended on ``on`` (default today)."""
    on = _today(on)
    return (
        queryset.not_replaced()
        .filter(start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
    )


def current_plans(queryset, on: datetime.date | None = None):
    """Signed, not replaced and in force on ``on`` (default today)."""
    return queryset.not_replaced().filter(valid_from__lte=_today(on))


def plans_to_reassess(queryset, on: datetime.date | None = None, days: int = REASSESS_WARNING_DAYS):
    """The newest signed plans whose re-assessment is due within ``days`` or overdue."""
    on = _today(on)
    return queryset.not_replaced().filter(reassess_on__lte=on + datetime.timedelta(days=days))


def record_state(record: SignedRecord, on: datetime.date | None = None) -> str:
    """ "draft", "replaced", "ended", "upcoming" or "current" (``is_replaced`` annotated by
    ``with_replaced``, else asked)."""
    on = _today(on)
    if not record.is_signed:
        return "draft"
    replaced = getattr(record, "is_replaced", None)
    if replaced is None:
        replaced = type(record).objects.filter(replaces=record, status=EntryStatus.SIGNED).exists()
    if replaced:
        return "replaced"
    if isinstance(record, MedicationOrder):
        if record.end_date is not None and record.end_date < on:
            return "ended"
        starts = record.start_date
    else:
        starts = record.valid_from
    return "upcoming" if starts > on else "current"


def reassessment_state(plan: SelfCarePlan, on: datetime.date | None = None) -> str:
    """ "overdue", "due" (within the warning days) or "" for a plan's re-assessment date."""
    on = _today(on)
    if plan.reassess_on < on:
        return "overdue"
    if plan.reassess_on <= on + datetime.timedelta(days=REASSESS_WARNING_DAYS):
        return "due"
    return ""


# --- Checking values -------------------------------------------------------------------------


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _length_errors(model, values: Mapping[str, Any]) -> dict[str, str]:
    errors = {}
    for name, value in values.items():
        field = model._meta.get_field(name)
        too_long = isinstance(value, str) and len(value) > (field.max_length or len(value))
        if isinstance(field, models.CharField) and too_long:
            errors[name] = _("Högst %(count)s tecken.") % {"count": field.max_length}
    return errors


def order_errors(
    values: Mapping[str, Any], *, on: datetime.date | None = None, skip: Iterable[str] = ()
) -> dict[str, str]:
    """Field → message for an order's values (as the model holds them). ``skip``: fields a
    form has already refused (their value is missing, not empty)."""
    on = _today(on)
    skip = set(skip)
    errors: dict[str, str] = {}
    for name, message in ORDER_REQUIRED.items():
        if _blank(values.get(name)):
            errors[name] = str(message)
    if values.get("route") and values["route"] not in MedicationRoute.values:
        errors["route"] = _("Okänt administrationssätt.")
    if values.get("storage") and values["storage"] not in MedicationStorage.values:
        errors["storage"] = _("Okänd förvaring.")
    atc = values.get("atc_code") or ""
    if atc and not ATC_PATTERN.match(atc):
        errors["atc_code"] = _("ATC-koden har formen A10AB01 (en bokstav, två siffror, …).")
    if values.get("as_needed"):
        if _blank(values.get("as_needed_condition")):
            errors["as_needed_condition"] = _(
                "Beskriv när läkemedlet ges vid behov (t.ex. vid astmaanfall)."
            )
    elif _blank(values.get("times_of_day")):
        errors["times_of_day"] = _("Ange när läkemedlet ges, eller välj ”vid behov”.")
    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        errors["end_date"] = _("Slutdatumet ligger före startdatumet.")
    received = values.get("instructions_received_on")
    if received and received > on:
        errors["instructions_received_on"] = _("Instruktionen kan inte tas emot i framtiden.")
    prescribed = values.get("prescribed_on")
    if prescribed and prescribed > on:
        errors["prescribed_on"] = _("Förskrivningsdatumet kan inte ligga i framtiden.")
    text = {k: v for k, v in values.items() if k in ORDER_FIELDS and k != "instructions_file"}
    for name, message in _length_errors(MedicationOrder, text).items():
        errors.setdefault(name, message)
    return {name: message for name, message in errors.items() if name not in skip}


def plan_errors(
    values: Mapping[str, Any], *, on: datetime.date | None = None, skip: Iterable[str] = ()
) -> dict[str, str]:
    """Field → message for a plan's values. A re-assessment date already past is refused
    whenever the plan is written or signed: a new plan is never overdue from the start."""
    on = _today(on)
    skip = set(skip)
    errors: dict[str, str] = {}
    for name, message in PLAN_REQUIRED.items():
        if _blank(values.get(name)):
            errors[name] = str(message)
    valid_from, reassess_on = values.get("valid_from"), values.get("reassess_on")
    if reassess_on and reassess_on < on:
        errors["reassess_on"] = _(
            "Omprövningsdatumet har redan passerat: välj ett datum framåt i tiden."
        )
    elif valid_from and reassess_on and reassess_on < valid_from:
        errors["reassess_on"] = _("Omprövningen ligger före datumet planen gäller från.")
    text = {k: v for k, v in values.items() if k in PLAN_FIELDS}
    for name, message in _length_errors(SelfCarePlan, text).items():
        errors.setdefault(name, message)
    return {name: message for name, message in errors.items() if name not in skip}


# --- Who writes ------------------------------------------------------------------------------


def clinician(user) -> StaffMember:
    """The writer's staff profile: a clinician of the medical record (nurse, doctor)."""
    staff = StaffMember.objects.filter(user_id=user.pk).first()
    if staff is None or Profession(staff.profession).area != Area.EMI:
        raise ValidationError(
            _(
                "Läkemedel och egenvårdsplaner dokumenteras av skolsköterska eller skolläkare "
                "(medicinsk elevhälsa)."
            ),
            code="area",
        )
    return staff


def _stamp_author(record: SignedRecord, by, staff: StaffMember) -> None:
    record.author = by
    record.author_name = by.get_full_name() or by.get_username()
    record.author_title = author_title(staff)


def _check_own_draft(record: SignedRecord, by) -> None:
    if record.is_signed:
        raise ValidationError(
            _("Den är signerad och kan inte ändras: gör en ny version."), code="signed"
        )
    if record.author_id != by.pk:
        raise ValidationError(_("Bara den som skrev utkastet kan ändra det."), code="not_author")


def _apply(record: SignedRecord, names: tuple[str, ...], fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(names)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if name == "instructions_file":
            continue  # checked and set by _apply_file
        field = record._meta.get_field(name)
        if isinstance(value, str):
            value = value.strip()
        elif value is None and isinstance(field, (models.CharField, models.TextField)):
            value = ""
        elif value is None and isinstance(field, models.BooleanField):
            value = False
        setattr(record, name, value)
    if isinstance(record, MedicationOrder):
        record.atc_code = (record.atc_code or "").upper()
        if not record.as_needed:
            record.as_needed_condition = ""


def _apply_file(order: MedicationOrder, upload) -> dict[str, str]:
    """Set a new scanned instruction (checked by its first bytes); errors by field."""
    if not upload:
        return {}
    try:
        check_upload(upload)
    except ValidationError as error:
        return {"instructions_file": " ".join(error.messages)}
    order.instructions_file = upload
    return {}


def _values(record: SignedRecord, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names if name != "instructions_file"}


def _validate_order(order: MedicationOrder, upload=None) -> None:
    errors = _apply_file(order, upload)
    for name, message in order_errors(_values(order, ORDER_FIELDS)).items():
        errors.setdefault(name, message)
    if errors:
        raise ValidationError(errors)


def _validate_plan(plan: SelfCarePlan) -> None:
    if errors := plan_errors(_values(plan, PLAN_FIELDS)):
        raise ValidationError(errors)


def _new_record(model, *, by, student: Student) -> SignedRecord:
    staff = clinician(by)
    record = model(student=student, area=Area.EMI, organisation_id=staff.organisation_id)
    _stamp_author(record, by, staff)
    return record


def _save(record: SignedRecord, by) -> SignedRecord:
    record._history_user = by
    record.save()
    return record


def _locked_draft(record: SignedRecord, by) -> SignedRecord:
    """The stored row, locked, after the author-and-draft check on what is stored."""
    stored = type(record).objects.select_for_update().get(pk=record.pk)
    _check_own_draft(stored, by)
    return stored


def _sign(record: SignedRecord, by, validate) -> SignedRecord:
    stored = type(record).objects.select_for_update().get(pk=record.pk)
    if stored.is_signed:
        raise ValidationError(_("Den är redan signerad."), code="signed")
    if stored.author_id != by.pk:
        raise ValidationError(_("Bara den som skrev utkastet kan signera det."), code="not_author")
    staff = clinician(by)
    validate(stored)
    if (
        stored.replaces_id is not None
        and type(stored)
        .objects.filter(replaces_id=stored.replaces_id, status=EntryStatus.SIGNED)
        .exists()
    ):
        raise ValidationError(
            _("En annan ny version är redan signerad: utgå från den."), code="replaced"
        )
    _stamp_author(stored, by, staff)
    stored.status = EntryStatus.SIGNED
    stored.signed_at = timezone.now()
    return _save(stored, by)


def _revise(record: SignedRecord, by, reason: str, names: tuple[str, ...]) -> SignedRecord:
    """A draft copying the newest signed version, with ``replaces`` and the reason; the
    author's own open revision is returned again, someone else's refuses a second one."""
    model = type(record)
    stored = model.objects.select_for_update().get(pk=record.pk)
    if not stored.is_signed:
        raise ValidationError(
            _("Ett utkast ändras direkt; bara en signerad version får en ny version."),
            code="draft",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Skriv varför en ny version behövs.")}, code="reason")
    newer = model.objects.filter(replaces=stored)
    if newer.filter(status=EntryStatus.SIGNED).exists():
        raise ValidationError(
            _("Det finns redan en nyare version: utgå från den."), code="replaced"
        )
    pending = newer.drafts().first()
    if pending is not None:
        if pending.author_id == by.pk:
            return pending
        raise ValidationError(
            _("%(name)s håller redan på med en ny version.") % {"name": pending.author_name},
            code="revision_pending",
        )
    copy = _new_record(model, by=by, student=stored.student)
    copy.area = stored.area
    for name in names:
        setattr(copy, name, getattr(stored, name))
    if isinstance(copy, MedicationOrder) and stored.instructions_file:
        copy.instructions_file = stored.instructions_file.name
    copy.replaces = stored
    copy.change_reason = reason
    return _save(copy, by)


# --- Medication orders -----------------------------------------------------------------------


@transaction.atomic
def order_create_draft(*, by, student: Student, **fields) -> MedicationOrder:
    """A new order draft by ``by`` (a nurse or doctor). ``fields`` are the order's fields;
    ``instructions_file`` an uploaded scan (PDF or image)."""
    order = _new_record(MedicationOrder, by=by, student=student)
    _apply(order, ORDER_FIELDS, fields)
    _validate_order(order, fields.get("instructions_file"))
    return _save(order, by)


@transaction.atomic
def order_save_draft(*, order: MedicationOrder, by, **fields) -> MedicationOrder:
    """Save the author's draft; fields not given stay as they are, as does the scan when no
    new file is given."""
    order = _locked_draft(order, by)
    _apply(order, ORDER_FIELDS, fields)
    _validate_order(order, fields.get("instructions_file"))
    return _save(order, by)


@transaction.atomic
def order_sign(*, order: MedicationOrder, by) -> MedicationOrder:
    """Sign the author's draft: from now on it never changes. A signed new version replaces
    the one it copied."""
    return _sign(order, by, _validate_order)


@transaction.atomic
def order_revise(*, order: MedicationOrder, by, reason: str) -> MedicationOrder:
    """A new version of a signed order: a draft copying it, with the reason."""
    return _revise(order, by, reason, ORDER_FIELDS)


# --- Self-care plans -------------------------------------------------------------------------


@transaction.atomic
def plan_create_draft(*, by, student: Student, **fields) -> SelfCarePlan:
    """A new self-care plan draft by the assessing clinician ``by``."""
    plan = _new_record(SelfCarePlan, by=by, student=student)
    _apply(plan, PLAN_FIELDS, fields)
    _validate_plan(plan)
    return _save(plan, by)


@transaction.atomic
def plan_save_draft(*, plan: SelfCarePlan, by, **fields) -> SelfCarePlan:
    plan = _locked_draft(plan, by)
    _apply(plan, PLAN_FIELDS, fields)
    _validate_plan(plan)
    return _save(plan, by)


@transaction.atomic
def plan_sign(*, plan: SelfCarePlan, by) -> SelfCarePlan:
    return _sign(plan, by, _validate_plan)


@transaction.atomic
def plan_revise(*, plan: SelfCarePlan, by, reason: str) -> SelfCarePlan:
    """A new version of a signed plan (typically at its re-assessment), with the reason."""
    return _revise(plan, by, reason, PLAN_FIELDS)
