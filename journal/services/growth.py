"""Growth (tillväxt): recording measurements (one, or a class at once), correcting them, the
note's binding, parents' heights and the mid-parental range, and sharing with the guardians.
What a page shows (SD scores, weight classes, flags) is in ``growth_rows``.

Views check the policy first; these functions keep the growth rules. A measurement made here is
signed when saved (the nurse's save is her signature); one made through a note's height and
weight keywords is a draft until the note is signed (``GrowthWriter``). SD scores are computed
from the organisation's stored reference each time they are shown (``journal.growth``), never
stored; weight classes always against WHO 2007 BMI-for-age, which defines them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from schools.identity import LegalSex
from schools.models import Area, Profession, Student

from ..bindings import BindingKey
from ..models import (
    EntryStatus,
    GrowthMeasurement,
    GrowthSharing,
    HeightSource,
    JournalEntry,
    MeasurementContext,
    ParentHeights,
)
from ..models.growth import HEIGHT_RANGE, WEIGHT_RANGE
from .binding import BoundValue, register_writer
from .entries import _staff, author_title

# A height this much below an earlier one is probably a mistake: saved only when confirmed.
HEIGHT_DROP_CM = Decimal("2.0")
# Adults' heights for the mid-parental range.
PARENT_RANGE = (Decimal("100.0"), Decimal("230.0"))
ONE_DECIMAL = Decimal("0.1")

# Mid-parental target height (medelföräldralängd), Tanner's method as Swedish paediatrics uses
# it: (mother + father) / 2, plus 6.5 cm for a boy or minus 6.5 cm for a girl (men are on
# average 13 cm taller). The adult height of a child falls within about ±10 cm of it, so it is
# shown as a range. Sources: Tanner JM, Goldstein H, Whitehouse RH, Arch Dis Child
# 1970;45:755–62; Svenska Barnläkarföreningens sektion för endokrinologi och diabetes,
# "Target – medelföräldralängd" (endodiab.barnlakarforeningen.se/tillvaxt/).
MID_PARENTAL_SEX_CM = Decimal("6.5")
MID_PARENTAL_RANGE_CM = Decimal("10.0")


# --- Input -------------------------------------------------------------------------------------


def parse_decimal(value, *, label: str) -> Decimal | None:
    """A typed number: decimal comma or point, at most one decimal; None when empty."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationError(
                _("%(label)s: ange ett tal, t.ex. 142,5.") % {"label": label}, code="invalid"
            ) from None
    if not number.is_finite():
        raise ValidationError(_("%(label)s: ange ett tal.") % {"label": label}, code="invalid")
    if number != number.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP):
        raise ValidationError(
            _("%(label)s: ange högst en decimal.") % {"label": label}, code="decimals"
        )
    return number.quantize(ONE_DECIMAL)


@dataclass
class MeasurementInput:
    """One measurement to record (a form row, already parsed)."""

    student: Student
    measured_on: datetime.date
    height_cm: Decimal | None
    weight_kg: Decimal | None
    context: str = MeasurementContext.HEALTH_VISIT
    note: str = ""
    confirm_drop: bool = False


@dataclass(frozen=True)
class EarlierHeight:
    height_cm: Decimal
    measured_on: datetime.date


def one_decimal(value: Decimal) -> str:
    """One decimal with the locale's sign ("142,5" in Swedish), as the nurse reads it."""
    return formats.number_format(value, decimal_pos=1)


def measurement_errors(
    data: MeasurementInput,
    *,
    earlier: EarlierHeight | None = None,
    today: datetime.date | None = None,
) -> dict[str, list[str]]:
    """Field → messages for one measurement; {} when it may be saved. No queries: the
    earlier height comes from ``earlier_heights``."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if data.height_cm is None and data.weight_kg is None:
        add("height_cm", _("Ange längd, vikt eller båda."))
    low, high = HEIGHT_RANGE
    if data.height_cm is not None and not low <= data.height_cm <= high:
        add("height_cm", _("Längden ska ligga mellan 50 och 230 cm."))
    low, high = WEIGHT_RANGE
    if data.weight_kg is not None and not low <= data.weight_kg <= high:
        add("weight_kg", _("Vikten ska ligga mellan 10 och 250 kg."))
    if data.measured_on is None:
        add("measured_on", _("Ange mätdatum."))
    elif data.measured_on > today:
        add("measured_on", _("Mätdatumet kan inte ligga i framtiden."))
    elif data.student.birth_date and data.measured_on < data.student.birth_date:
        add("measured_on", _("Mätdatumet ligger före elevens födelsedatum."))
    if (
        "height_cm" not in errors
        and data.height_cm is not None
        and earlier is not None
        and earlier.height_cm - data.height_cm > HEIGHT_DROP_CM
        and not data.confirm_drop
    ):
        add("confirm_drop", drop_message(data.height_cm, earlier))
    return errors


def drop_message(height: Decimal, earlier: EarlierHeight) -> str:
    return _(
        "Längden %(height)s cm är mer än 2 cm lägre än %(earlier)s cm den %(date)s. "
        "Kontrollera mätningen; kryssa i rutan för att spara den ändå."
    ) % {
        "height": one_decimal(height),
        "earlier": one_decimal(earlier.height_cm),
        "date": earlier.measured_on.isoformat(),
    }


def earlier_heights(
    student_ids: Iterable[int],
    on: datetime.date,
    *,
    organisation_id: int,
    exclude: GrowthMeasurement | None = None,
) -> dict[int, EarlierHeight]:
    """Each student's tallest current measurement on or before ``on`` in the organisation's
    record: one query for a whole class."""
    rows = (
        GrowthMeasurement.objects.current()
        .filter(
            student_id__in=list(student_ids),
            organisation_id=organisation_id,
            measured_on__lte=on,
            height_cm__isnull=False,
        )
        .order_by("student_id", "-height_cm", "-measured_on")
        .values_list("pk", "student_id", "height_cm", "measured_on")
    )
    tallest: dict[int, EarlierHeight] = {}
    for pk, student_id, height, measured_on in rows:
        if exclude is not None and pk == exclude.pk:
            continue
        tallest.setdefault(student_id, EarlierHeight(height, measured_on))
    return tallest


# --- Recording ---------------------------------------------------------------------------------


def _clinician(by):
    staff = _staff(by)
    if Profession(staff.profession).area != Area.EMI:
        raise ValidationError(
            _("Tillväxt dokumenteras av skolsköterska eller skolläkare."), code="area"
        )
    return staff


def _new_measurement(data: MeasurementInput, *, by, staff, now) -> GrowthMeasurement:
    return GrowthMeasurement(
        student=data.student,
        organisation_id=staff.organisation_id,
        area=Area.EMI,
        measured_on=data.measured_on,
        height_cm=data.height_cm,
        weight_kg=data.weight_kg,
        measured_by=by,
        measured_by_name=by.get_full_name() or by.get_username(),
        measured_by_title=author_title(staff),
        context=data.context,
        note=(data.note or "").strip(),
        status=EntryStatus.SIGNED,
        signed_at=now,
    )


@transaction.atomic
def record_measurements(*, by, rows: list[MeasurementInput]) -> list[GrowthMeasurement]:
    """Record and sign several measurements (a class) in a constant number of queries. Every
    row is checked first; a ValidationError (``{"row-<i>": ...}``) writes nothing."""
    if not rows:
        return []
    staff = _clinician(by)
    by_date: dict[datetime.date, list[int]] = {}
    for data in rows:
        if data.measured_on is not None:
            by_date.setdefault(data.measured_on, []).append(data.student.pk)
    earlier: dict[tuple[int, datetime.date], EarlierHeight] = {}
    for on, ids in by_date.items():
        for student_id, height in earlier_heights(
            ids, on, organisation_id=staff.organisation_id
        ).items():
            earlier[(student_id, on)] = height
    problems = {}
    for index, data in enumerate(rows):
        errors = measurement_errors(data, earlier=earlier.get((data.student.pk, data.measured_on)))
        if errors:
            problems[f"row-{index}"] = [
                message for messages in errors.values() for message in messages
            ]
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    measurements = [_new_measurement(data, by=by, staff=staff, now=now) for data in rows]
    return bulk_create_with_history(measurements, GrowthMeasurement, default_user=by)


@transaction.atomic
def record_measurement(
    *,
    by,
    student: Student,
    measured_on: datetime.date,
    height_cm: Decimal | None,
    weight_kg: Decimal | None,
    context: str = MeasurementContext.HEALTH_VISIT,
    note: str = "",
    confirm_drop: bool = False,
) -> GrowthMeasurement:
    """Record and sign one measurement. ValidationError by field (``confirm_drop``: a height
    more than 2 cm below an earlier one, saved only when confirmed)."""
    staff = _clinician(by)
    data = MeasurementInput(student, measured_on, height_cm, weight_kg, context, note, confirm_drop)
    if context not in MeasurementContext.values:
        raise ValidationError({"context": _("Okänt sammanhang.")})
    earlier = None
    if measured_on is not None:
        earlier = earlier_heights(
            [student.pk], measured_on, organisation_id=staff.organisation_id
        ).get(student.pk)
    if errors := measurement_errors(data, earlier=earlier):
        raise ValidationError(errors)
    measurement = _new_measurement(data, by=by, staff=staff, now=timezone.now())
    measurement._history_user = by
    measurement.save()
    return measurement


@transaction.atomic
def correct_measurement(
    *,
    original: GrowthMeasurement,
    by,
    reason: str,
    measured_on: datetime.date,
    height_cm: Decimal | None,
    weight_kg: Decimal | None,
    note: str = "",
    confirm_drop: bool = False,
) -> GrowthMeasurement:
    """A signed correction that replaces a signed measurement made on its own; the original
    stays, struck through. A note's measurement is corrected by correcting the note."""
    original = GrowthMeasurement.objects.select_for_update().get(pk=original.pk)
    if original.is_bound:
        raise ValidationError(
            _("Mätningen kommer från en anteckning: rätta anteckningen."), code="bound"
        )
    if not original.is_signed:
        raise ValidationError(_("Bara signerade mätningar rättas."), code="draft")
    if GrowthMeasurement.objects.filter(replaces=original, status=EntryStatus.SIGNED).exists():
        raise ValidationError(
            _("Mätningen är redan rättad: rätta den senaste versionen."), code="corrected"
        )
    staff = _clinician(by)
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Skriv varför mätningen rättas.")]
    data = MeasurementInput(
        original.student,
        measured_on,
        height_cm,
        weight_kg,
        original.context,
        note,
        confirm_drop,
    )
    earlier = None
    if measured_on is not None:
        earlier = earlier_heights(
            [original.student_id],
            measured_on,
            organisation_id=staff.organisation_id,
            exclude=original,
        ).get(original.student_id)
    errors |= measurement_errors(data, earlier=earlier)
    if errors:
        raise ValidationError(errors)
    correction = _new_measurement(data, by=by, staff=staff, now=timezone.now())
    correction.replaces = original
    correction.change_reason = reason.strip()
    correction._history_user = by
    correction.save()
    return correction


# --- The note's binding ------------------------------------------------------------------------


def _context_of(entry: JournalEntry) -> str:
    code = entry.template_version.template.code
    if code.startswith("halsobesok"):
        return MeasurementContext.HEALTH_VISIT
    if code == "oppen-mottagning":
        return MeasurementContext.OPEN_VISIT
    return MeasurementContext.OTHER


def _bound_number(bound: BoundValue | None) -> Decimal | None:
    if bound is None or bound.value is None:
        return None
    return Decimal(bound.value).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


class GrowthWriter:
    """Height and weight keywords of a note into one draft ``GrowthMeasurement``; signing the
    note signs it. A correction of a note makes a measurement that replaces the original's."""

    keys = frozenset({BindingKey.GROWTH_HEIGHT.value, BindingKey.GROWTH_WEIGHT.value})

    def save_draft(self, entry, values):
        height_bound = values.get(BindingKey.GROWTH_HEIGHT)
        weight_bound = values.get(BindingKey.GROWTH_WEIGHT)
        height, weight = _bound_number(height_bound), _bound_number(weight_bound)
        existing = GrowthMeasurement.objects.filter(entry=entry).first()
        if height is None and weight is None:
            if existing is not None:
                existing._history_user = getattr(entry, "_history_user", None)
                existing.delete()  # emptied in the draft: the history keeps what it held
            return
        measured_on = timezone.localdate(entry.contact_at)
        data = MeasurementInput(entry.student, measured_on, height, weight)
        # The keyword's own range may be wider than a measurement's (an organisation's
        # template): the message lands on the keyword, never a database error.
        errors = measurement_errors(data, today=measured_on)
        keyword_errors = {}
        for name, bound in (("height_cm", height_bound), ("weight_kg", weight_bound)):
            if name in errors and bound is not None:
                keyword_errors[bound.keyword.code] = errors.pop(name)
        if errors.get("measured_on"):
            code = (height_bound or weight_bound).keyword.code
            keyword_errors.setdefault(code, errors["measured_on"])
        if keyword_errors:
            raise ValidationError(keyword_errors)
        measurement = existing or GrowthMeasurement(entry=entry)
        measurement.student_id = entry.student_id
        measurement.organisation_id = entry.organisation_id
        measurement.area = entry.area
        measurement.measured_on = measured_on
        measurement.height_cm = height
        measurement.weight_kg = weight
        measurement.measured_by_id = entry.author_id
        measurement.measured_by_name = entry.author_name
        measurement.measured_by_title = entry.author_title
        measurement.context = _context_of(entry)
        if entry.corrects_id and measurement.replaces_id is None:
            original = GrowthMeasurement.objects.filter(entry_id=entry.corrects_id).first()
            if original is not None:
                measurement.replaces = original
                measurement.change_reason = entry.correction_reason or _("Rättad anteckning.")
        measurement._history_user = getattr(entry, "_history_user", None)
        measurement.save()

    def sign(self, entry):
        for measurement in GrowthMeasurement.objects.filter(entry=entry, status=EntryStatus.DRAFT):
            measurement.status = EntryStatus.SIGNED
            measurement.signed_at = timezone.now()
            measurement._history_user = getattr(entry, "_history_user", None)
            measurement.save()


_writer = GrowthWriter()


def register_growth_writer() -> None:
    """Called from ``JournalConfig.ready``; once per process."""
    from .binding import _WRITERS

    if _writer not in _WRITERS:
        register_writer(_writer)


# --- Parents' heights --------------------------------------------------------------------------


def current_parent_heights(queryset) -> ParentHeights | None:
    """The newest signed version nothing replaces (``queryset`` is already filtered)."""
    return queryset.not_replaced().order_by("-signed_at", "-pk").first()


@transaction.atomic
def parent_heights_save(
    *,
    by,
    student: Student,
    mother_cm: Decimal | None,
    mother_source: str,
    father_cm: Decimal | None,
    father_source: str,
    note: str = "",
    reason: str = "",
    current: ParentHeights | None = None,
) -> ParentHeights:
    """Record the parents' heights, signed at once; with ``current`` a new version that
    replaces it (a reason is needed)."""
    staff = _clinician(by)
    errors: dict[str, list[str]] = {}
    if mother_cm is None and father_cm is None:
        errors["mother_cm"] = [_("Ange minst en förälders längd.")]
    low, high = PARENT_RANGE
    for name, value in (("mother_cm", mother_cm), ("father_cm", father_cm)):
        if value is not None and not low <= value <= high:
            errors.setdefault(name, []).append(_("Längden ska ligga mellan 100 och 230 cm."))
    for name, value in (("mother_source", mother_source), ("father_source", father_source)):
        if value not in HeightSource.values:
            errors.setdefault(name, []).append(_("Välj källa."))
    if current is not None:
        current = ParentHeights.objects.select_for_update().get(pk=current.pk)
        if ParentHeights.objects.filter(replaces=current, status=EntryStatus.SIGNED).exists():
            errors.setdefault(None, []).append(
                _("Uppgiften har redan ändrats: ladda om sidan och försök igen.")
            )
        if not (reason or "").strip():
            errors["reason"] = [_("Skriv varför uppgiften ändras.")]
    if errors:
        raise ValidationError(errors)
    record = ParentHeights(
        student=student,
        area=Area.EMI,
        organisation_id=staff.organisation_id,
        author=by,
        author_name=by.get_full_name() or by.get_username(),
        author_title=author_title(staff),
        status=EntryStatus.SIGNED,
        signed_at=timezone.now(),
        replaces=current,
        change_reason=(reason or "").strip() if current is not None else "",
        mother_cm=mother_cm,
        mother_source=mother_source,
        father_cm=father_cm,
        father_source=father_source,
        note=(note or "").strip(),
    )
    record._history_user = by
    record.save()
    return record


@dataclass(frozen=True)
class TargetRange:
    target: Decimal
    low: Decimal
    high: Decimal


def mid_parental_range(parents: ParentHeights | None, sex: str) -> TargetRange | None:
    """The target range for a girl or boy whose both parents' heights are known."""
    if parents is None or parents.mother_cm is None or parents.father_cm is None:
        return None
    if sex not in (LegalSex.FEMALE, LegalSex.MALE):
        return None
    shift = MID_PARENTAL_SEX_CM if sex == LegalSex.MALE else -MID_PARENTAL_SEX_CM
    target = ((parents.mother_cm + parents.father_cm) / 2 + shift).quantize(ONE_DECIMAL)
    return TargetRange(target, target - MID_PARENTAL_RANGE_CM, target + MID_PARENTAL_RANGE_CM)


# --- Sharing with guardians --------------------------------------------------------------------


def sharing_state(student: Student, organisation_id: int) -> GrowthSharing | None:
    """The latest sharing decision of the organisation about the student, if any."""
    return (
        GrowthSharing.objects.filter(student=student, organisation_id=organisation_id)
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def growth_share(*, by, student: Student, shared: bool, reason: str = "") -> GrowthSharing:
    """Share the growth values and curve with the guardians, or stop: a new row each time."""
    staff = _clinician(by)
    reason = (reason or "").strip()
    if not shared and not reason:
        raise ValidationError({"reason": _("Skriv varför delningen tas tillbaka.")})
    latest = sharing_state(student, staff.organisation_id)
    if (latest is not None and latest.shared) == shared:
        raise ValidationError(
            _("Tillväxten är redan delad.") if shared else _("Tillväxten är inte delad."),
            code="unchanged",
        )
    return GrowthSharing.objects.create(
        student=student,
        organisation_id=staff.organisation_id,
        area=Area.EMI,
        shared=shared,
        reason=reason,
        created_by=by,
        created_by_name=by.get_full_name() or by.get_username(),
    )
