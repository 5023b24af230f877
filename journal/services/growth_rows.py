"""What a growth page shows: ages, BMI, SD scores recomputed from the stored reference, weight
classes (WHO 2007 BMI-for-age), flags, each student's newest measurement for lists, and the
charts' points. No writes; the queries are constant per page (the LMS rows are cached per
process by ``journal.growth.reference``).

Flags (only when the organisation's ``GrowthSettings.flags_enabled``): between consecutive
current measurements, a change of more than ``channel_change_sd`` SD in height or BMI, a change
of weight class, and a weight loss of more than ``weight_loss_kg``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from schools.identity import LegalSex
from schools.models import Student

from ..models import GrowthMeasure, GrowthMeasurement, GrowthReference, GrowthSettings
from .growth import HEIGHT_DROP_CM, one_decimal

# --- What a page shows -------------------------------------------------------------------------


@dataclass
class References:
    """The organisation's reference (SD scores and charts) and WHO 2007 (weight classes),
    loaded once per page; either may be missing when no reference data is loaded."""

    chart: object | None  # journal.growth.reference.Reference
    who: object | None
    settings: GrowthSettings | None

    @property
    def flags_enabled(self) -> bool:
        return self.settings is not None and self.settings.flags_enabled


def references_for(organisation_id: int | None) -> References:
    """One query (two when the organisation charts with another reference than WHO 2007),
    plus the LMS rows the first time in a process."""
    from ..growth.reference import DEFAULT_REFERENCE_CODE, load_reference

    settings = None
    if organisation_id is not None:
        settings = (
            GrowthSettings.objects.select_related("reference")
            .filter(organisation_id=organisation_id)
            .first()
        )
    if settings is not None and settings.reference.code == DEFAULT_REFERENCE_CODE:
        who_stored = settings.reference
    else:
        who_stored = (
            GrowthReference.objects.filter(code=DEFAULT_REFERENCE_CODE).order_by("-pk").first()
        )
    stored = settings.reference if settings is not None else who_stored
    chart = load_reference(stored) if stored is not None else None
    if who_stored is None:
        who = None
    elif chart is not None and stored.pk == who_stored.pk:
        who = chart
    else:
        who = load_reference(who_stored)
    return References(chart=chart, who=who, settings=settings)


@dataclass
class GrowthRow:
    measurement: GrowthMeasurement
    age_days: int | None
    bmi: Decimal | None
    height_z: float | None = None
    weight_z: float | None = None
    bmi_z: float | None = None
    weight_class: str | None = None
    is_replaced: bool = False
    lower_than_earlier: bool = False
    flags: list[str] = field(default_factory=list)

    @property
    def is_current(self) -> bool:
        return self.measurement.is_signed and not self.is_replaced

    @property
    def age(self) -> str:
        from ..growth.charts import format_age

        return format_age(self.age_days) if self.age_days is not None else "–"

    @property
    def height_sds(self) -> str:
        return _sds(self.height_z)

    @property
    def weight_sds(self) -> str:
        return _sds(self.weight_z)

    @property
    def bmi_sds(self) -> str:
        return _sds(self.bmi_z)

    @property
    def weight_class_label(self) -> str:
        from ..growth.reference import WeightClass

        return str(WeightClass(self.weight_class).label) if self.weight_class else ""


def _sds(z: float | None) -> str:
    from ..growth.charts import format_z

    return format_z(z) if z is not None else ""


def _age_days(birth: datetime.date | None, on: datetime.date) -> int | None:
    return None if birth is None else (on - birth).days


def _row(measurement, *, sex, birth, references: References) -> GrowthRow:
    from ..growth.reference import weight_class

    age = _age_days(birth, measurement.measured_on)
    row = GrowthRow(
        measurement=measurement,
        age_days=age,
        bmi=measurement.bmi,
        is_replaced=bool(getattr(measurement, "is_replaced", False)),
    )
    chart, who = references.chart, references.who
    if age is None or sex not in (LegalSex.FEMALE, LegalSex.MALE):
        return row
    if chart is not None:
        row.height_z = chart.z(GrowthMeasure.HEIGHT, sex, age, measurement.height_cm)
        row.weight_z = chart.z(GrowthMeasure.WEIGHT, sex, age, measurement.weight_kg)
        row.bmi_z = chart.z(GrowthMeasure.BMI, sex, age, row.bmi)
    if who is not None and row.bmi is not None:
        bmi_z = row.bmi_z if who is chart else who.z(GrowthMeasure.BMI, sex, age, row.bmi)
        found = weight_class(bmi_z)
        row.weight_class = found.value if found is not None else None
    return row


def _sd(value: float) -> str:
    return formats.number_format(round(value, 1), decimal_pos=1, force_grouping=False)


def _flag(rows: list[GrowthRow], settings: GrowthSettings | None) -> None:
    """Flags on each current row against the previous current row that has the measure; and
    ``lower_than_earlier`` (always: a likely measuring mistake, not a clinical flag)."""
    tallest: GrowthRow | None = None
    previous: dict[str, GrowthRow] = {}
    threshold = float(settings.channel_change_sd) if settings is not None else None
    loss = settings.weight_loss_kg if settings is not None else None
    for row in rows:
        if not row.is_current:
            continue
        m = row.measurement
        if m.height_cm is not None:
            if tallest is not None and tallest.measurement.height_cm - m.height_cm > HEIGHT_DROP_CM:
                row.lower_than_earlier = True
            if tallest is None or m.height_cm > tallest.measurement.height_cm:
                tallest = row
        if settings is not None and settings.flags_enabled:
            for key, z, label in (
                ("height", row.height_z, _("Längd")),
                ("bmi", row.bmi_z, _("BMI")),
            ):
                before = previous.get(key)
                earlier_z = None if before is None else getattr(before, f"{key}_z")
                if z is not None and earlier_z is not None and abs(z - earlier_z) > threshold:
                    row.flags.append(
                        _("%(measure)s: ändring %(change)s SD sedan %(date)s")
                        % {
                            "measure": label,
                            "change": ("+" if z > earlier_z else "−") + _sd(abs(z - earlier_z)),
                            "date": before.measurement.measured_on.isoformat(),
                        }
                    )
            before = previous.get("class")
            if (
                before is not None
                and row.weight_class is not None
                and before.weight_class != row.weight_class
            ):
                from ..growth.reference import WeightClass

                row.flags.append(
                    _("Viktklass: %(before)s → %(now)s")
                    % {
                        "before": WeightClass(before.weight_class).label,
                        "now": WeightClass(row.weight_class).label,
                    }
                )
            before = previous.get("weight")
            if (
                before is not None
                and m.weight_kg is not None
                and before.measurement.weight_kg - m.weight_kg > loss
            ):
                row.flags.append(
                    _("Viktnedgång %(kg)s kg sedan %(date)s")
                    % {
                        "kg": one_decimal(before.measurement.weight_kg - m.weight_kg),
                        "date": before.measurement.measured_on.isoformat(),
                    }
                )
        if row.height_z is not None:
            previous["height"] = row
        if row.bmi_z is not None:
            previous["bmi"] = row
        if row.weight_class is not None:
            previous["class"] = row
        if m.weight_kg is not None:
            previous["weight"] = row


def growth_rows(
    measurements: Iterable[GrowthMeasurement], *, student: Student, references: References
) -> list[GrowthRow]:
    """Rows for the student's table, oldest first, with ages, BMI, SD scores, weight class and
    flags (flags only when the organisation turned them on). ``measurements`` may carry
    ``is_replaced`` (``with_replaced()``); no queries."""
    ordered = sorted(measurements, key=lambda m: (m.measured_on, m.pk))
    rows = [
        _row(m, sex=student.legal_sex, birth=student.birth_date, references=references)
        for m in ordered
    ]
    _flag(rows, references.settings)
    return rows


@dataclass(frozen=True)
class GrowthSummary:
    """The newest current measurement of a student, for lists."""

    measured_on: datetime.date
    height_cm: Decimal | None
    weight_kg: Decimal | None
    weight_class: str | None
    flags: tuple[str, ...]

    @property
    def weight_class_label(self) -> str:
        from ..growth.reference import WeightClass

        return str(WeightClass(self.weight_class).label) if self.weight_class else ""


def _sexes_and_births(students) -> dict[int, tuple[str, datetime.date | None]]:
    """Sex and birth date by pk: from the objects given, one query for bare ids."""
    known = {s.pk: (s.legal_sex, s.birth_date) for s in students if not isinstance(s, int)}
    ids = [s for s in students if isinstance(s, int)]
    if ids:
        for pk, sex, birth in Student.objects.filter(pk__in=ids).values_list(
            "pk", "legal_sex", "birth_date"
        ):
            known[pk] = (sex, birth)
    return known


def growth_summaries(
    students: Iterable[Student | int], *, organisation_id: int | None, measurements
) -> dict[int, GrowthSummary]:
    """Each student's newest current measurement, weight class and flags (the flags of the
    newest measurement against the ones before), for a list of students (objects, or ids) in
    a constant number of queries. ``measurements``: the user's visible measurements (the
    record filter)."""
    students = list(students)
    if not students:
        return {}
    people = _sexes_and_births(students)
    references = references_for(organisation_id)
    by_student: dict[int, list[GrowthMeasurement]] = {}
    for measurement in (
        measurements.current()
        .filter(student_id__in=list(people))
        .order_by("student_id", "measured_on", "pk")
    ):
        by_student.setdefault(measurement.student_id, []).append(measurement)
    summaries = {}
    for student_id, rows_in in by_student.items():
        sex, birth = people.get(student_id, (LegalSex.UNKNOWN, None))
        rows = [_row(m, sex=sex, birth=birth, references=references) for m in rows_in]
        _flag(rows, references.settings)
        last = rows[-1]
        summaries[student_id] = GrowthSummary(
            measured_on=last.measurement.measured_on,
            height_cm=last.measurement.height_cm,
            weight_kg=last.measurement.weight_kg,
            weight_class=last.weight_class,
            flags=tuple(last.flags),
        )
    return summaries


def flags_for(
    students: Iterable[Student | int], *, organisation_id: int | None, measurements
) -> dict[int, tuple[str, ...]]:
    """The current flags per student (only students with a flag), set-based: a constant
    number of queries for a class."""
    return {
        student_id: summary.flags
        for student_id, summary in growth_summaries(
            students, organisation_id=organisation_id, measurements=measurements
        ).items()
        if summary.flags
    }


def chart_points(rows: list[GrowthRow], measure: str) -> list:
    """The current rows' values of one measure as the chart's points."""
    from ..growth.charts import ChartPoint

    points = []
    for row in rows:
        if not row.is_current or row.age_days is None:
            continue
        value, z = {
            GrowthMeasure.HEIGHT: (row.measurement.height_cm, row.height_z),
            GrowthMeasure.WEIGHT: (row.measurement.weight_kg, row.weight_z),
            GrowthMeasure.BMI: (row.bmi, row.bmi_z),
        }[measure]
        if value is not None:
            points.append(ChartPoint(row.age_days, float(value), z, row.measurement.measured_on))
    return points


def attach_growth_summaries(user, students: list[Student], *, organisation_id) -> None:
    """Set ``student.growth`` (a ``GrowthSummary`` or None) on each student of a list the user
    sees (the class worklist's growth column), through the record filter: a psychologist's
    summaries are all None."""
    from ..access import GROWTH_SPEC, visible_records

    summaries = growth_summaries(
        students,
        organisation_id=organisation_id,
        measurements=visible_records(user, GrowthMeasurement, GROWTH_SPEC),
    )
    for student in students:
        student.growth = summaries.get(student.pk)


@dataclass
class GrowthChart:
    measure: str
    context: dict  # journal.growth.charts.chart_context


def growth_charts(
    references: References, student: Student, rows: list[GrowthRow], *, target=None
) -> list[GrowthChart]:
    """Height and BMI (when the reference has them), and weight only when the student has a
    weight, or is today, inside the reference's weight ages (WHO 2007: 5–10 years). No
    queries. ``target``: the mid-parental range, drawn on the height chart."""
    from ..growth.charts import chart_context

    reference = references.chart
    sex = student.legal_sex
    if reference is None or sex not in (LegalSex.FEMALE, LegalSex.MALE):
        return []
    today_age = _age_days(student.birth_date, timezone.localdate())
    charts = []
    for measure in (GrowthMeasure.HEIGHT, GrowthMeasure.WEIGHT, GrowthMeasure.BMI):
        age_range = reference.age_range(measure, sex)
        if age_range is None:
            continue
        points = chart_points(rows, measure)
        if measure == GrowthMeasure.WEIGHT and not (
            any(point.age_days in age_range for point in points) or today_age in age_range
        ):
            continue
        band = None
        if target is not None and measure == GrowthMeasure.HEIGHT:
            band = (float(target.low), float(target.high))
        context = chart_context(
            reference, measure, sex, points, target=band, chart_id=f"growth-{measure}"
        )
        charts.append(GrowthChart(measure, context))
    return charts
