"""A growth chart as SVG: SD channels of a reference and one student's measurements.

``chart_context`` computes every coordinate here, as ready strings with a decimal point (the
Swedish locale would print commas), and ``journal/growth/_chart.svg.html`` only lays them out:
presentation attributes, no style attributes and no script, so the strict CSP holds. Meaning
never rests on colour alone (printing): each channel has its own dash pattern and a label at
its end. ``journal/growth/_chart_table.html`` is the same data as a table for screen readers.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext, ngettext

from journal.models.growth_reference import GrowthMeasure, GrowthReference

from .reference import DAYS_PER_MONTH, Reference, load_reference

__all__ = ["CHANNELS", "ChartPoint", "chart_context", "format_age", "format_z"]

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class ChartPoint:
    """One measurement on the chart; ``z`` as computed against the chart's reference."""

    age_days: int
    value: float | Decimal
    z: float | None
    date: datetime.date | None = None


@dataclass(frozen=True)
class Channel:
    z: int
    dasharray: str  # "" for a solid line
    stroke_width: str
    stroke: str


# Mean solid and heaviest; ±1 dashed, ±2 dotted, ±3 dash-dot: distinguishable in grey print.
CHANNELS = (
    Channel(3, "9 3 2 3", "1", "#6c757d"),
    Channel(2, "2 3", "1.2", "#495057"),
    Channel(1, "6 4", "1", "#6c757d"),
    Channel(0, "", "2", "#212529"),
    Channel(-1, "6 4", "1", "#6c757d"),
    Channel(-2, "2 3", "1.2", "#495057"),
    Channel(-3, "9 3 2 3", "1", "#6c757d"),
)

_MARGIN = {"left": 56, "right": 64, "top": 44, "bottom": 48}
_STUDENT_MARGIN_DAYS = round(2 * DAYS_PER_YEAR)  # around the student's measurements
_MIN_SPAN_DAYS = round(4 * DAYS_PER_YEAR)


def _num(value: float) -> str:
    """An SVG coordinate: a point as the decimal sign whatever the language."""
    return f"{value:.1f}"


def format_z(z: float | None) -> str:
    """An SD score for people: sign always, one decimal, e.g. "+1,2" or "−0,4"."""
    if z is None:
        return ""
    rounded = Decimal(repr(float(z))).quantize(Decimal("0.1"), ROUND_HALF_UP)
    sign = "+" if rounded > 0 else "−" if rounded < 0 else "±"
    return sign + number_format(abs(rounded), 1)


def format_age(age_days: int) -> str:
    """Age in whole years and months, e.g. "8 år 3 mån"."""
    months = int(age_days // DAYS_PER_MONTH)
    years, months = divmod(months, 12)
    return gettext("%(years)s år %(months)s mån") % {"years": years, "months": months}


def _z_label(z: int) -> str:
    if z == 0:
        return gettext("M")
    return ("+" if z > 0 else "−") + str(abs(z))


def _nice_step(span: float, target_ticks: int = 8) -> float:
    raw = span / max(target_ticks, 1)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


_UNITS = {
    GrowthMeasure.HEIGHT: "cm",
    GrowthMeasure.WEIGHT: "kg",
    GrowthMeasure.BMI: "kg/m²",
}


def _axis_label(measure: str) -> str:
    return {
        GrowthMeasure.HEIGHT: gettext("Längd (cm)"),
        GrowthMeasure.WEIGHT: gettext("Vikt (kg)"),
        GrowthMeasure.BMI: gettext("BMI (kg/m²)"),
    }.get(measure, measure)


def _measure_title(measure: str, sex: str) -> str:
    girls = sex == "F"
    titles = {
        GrowthMeasure.HEIGHT: (
            gettext("Längd för ålder, flickor"),
            gettext("Längd för ålder, pojkar"),
        ),
        GrowthMeasure.WEIGHT: (
            gettext("Vikt för ålder, flickor"),
            gettext("Vikt för ålder, pojkar"),
        ),
        GrowthMeasure.BMI: (gettext("BMI för ålder, flickor"), gettext("BMI för ålder, pojkar")),
    }
    pair = titles.get(measure, (measure, measure))
    return pair[0] if girls else pair[1]


def _table_rows(points: list[ChartPoint], unit: str) -> list[dict]:
    rows = []
    for point in sorted(points, key=lambda p: p.age_days):
        rows.append(
            {
                "date": date_format(point.date, "Y-m-d") if point.date else "",
                "iso_date": point.date.isoformat() if point.date else "",
                "age": format_age(point.age_days),
                "value": f"{number_format(float(point.value), 1)} {unit}",
                "z": format_z(point.z) if point.z is not None else gettext("inget referensvärde"),
                "has_z": point.z is not None,
            }
        )
    return rows


def chart_context(
    reference: Reference | GrowthReference,
    measure: str,
    sex: str,
    points: list[ChartPoint],
    *,
    target: tuple[float, float] | None = None,
    width: int = 720,
    height: int = 440,
    chart_id: str | None = None,
) -> dict:
    """Everything ``journal/growth/_chart.svg.html`` and ``_chart_table.html`` draw."""
    if isinstance(reference, GrowthReference):
        reference = load_reference(reference)
    unit = _UNITS.get(measure, "")
    title = _measure_title(measure, sex)
    chart_id = chart_id or f"growth-{measure}"
    context = {
        "chart_id": chart_id,
        "width": str(width),
        "height": str(height),
        "measure": measure,
        "unit": unit,
        "title": f"{title} – {reference.title}",
        "measure_title": title,
        "reference_title": reference.title,
        "reference_label": reference.label,
        "not_swedish": not reference.is_swedish,
        "not_swedish_text": gettext("ej svensk referens"),
        "x_label": gettext("Ålder (år)"),
        "y_label": _axis_label(measure),
        "table_rows": _table_rows(points, unit),
        "no_points": not points,
        "no_points_text": gettext("Inga mätningar"),
        "channels": [],
        "points": [],
        "line": "",
        "x_ticks": [],
        "y_ticks": [],
        "target": None,
        "available": False,
    }
    age_range = reference.age_range(measure, sex)
    if age_range is None:
        context["description"] = gettext("%(reference)s har ingen tabell för %(measure)s.") % {
            "reference": reference.title,
            "measure": title.lower(),
        }
        context["unavailable_text"] = gettext("Inget referensvärde för det här måttet.")
        return context
    context["available"] = True

    # The x domain: the student's ages with a margin, inside the reference's range.
    first, last = age_range.first_days, age_range.last_days
    inside = [p for p in points if first <= p.age_days <= last]
    if inside:
        low = max(first, min(p.age_days for p in inside) - _STUDENT_MARGIN_DAYS)
        high = min(last, max(p.age_days for p in inside) + _STUDENT_MARGIN_DAYS)
        if high - low < _MIN_SPAN_DAYS:
            low = max(first, min(low, high - _MIN_SPAN_DAYS))
            high = min(last, max(high, low + _MIN_SPAN_DAYS))
        if target is not None and measure == GrowthMeasure.HEIGHT:
            high = last  # the adult target belongs at the end of the reference
    else:
        low, high = first, last
    step = max(1, round(DAYS_PER_MONTH / 2))
    ages = [*range(low, high, step), high]
    curves = {
        channel.z: [(age, reference.value_at(measure, sex, age, channel.z)) for age in ages]
        for channel in CHANNELS
    }
    values = [v for curve in curves.values() for _age, v in curve if v is not None]
    values += [float(p.value) for p in inside]
    if target is not None:
        values += [float(target[0]), float(target[1])]
    y_step = _nice_step(max(values) - min(values))
    y_low = math.floor(min(values) / y_step) * y_step
    y_high = math.ceil(max(values) / y_step) * y_step

    left, top = _MARGIN["left"], _MARGIN["top"]
    right, bottom = width - _MARGIN["right"], height - _MARGIN["bottom"]

    def x_of(age_days: float) -> float:
        return left + (age_days - low) / (high - low) * (right - left)

    def y_of(value: float) -> float:
        return bottom - (value - y_low) / (y_high - y_low) * (bottom - top)

    context.update(
        {
            "plot": {
                "left": _num(left),
                "right": _num(right),
                "top": _num(top),
                "bottom": _num(bottom),
                "width": _num(right - left),
                "height": _num(bottom - top),
                "x_label_x": _num((left + right) / 2),
                "x_label_y": _num(height - 8),
                "y_label_y": _num((top + bottom) / 2),
                "centre_x": _num((left + right) / 2),
                "centre_y": _num((top + bottom) / 2),
            },
            "title_y": "18",
            "subtitle_y": "34",
        }
    )
    first_year = math.ceil(low / DAYS_PER_YEAR)
    last_year = math.floor(high / DAYS_PER_YEAR)
    year_step = 1 if last_year - first_year <= 15 else 2
    context["x_ticks"] = [
        {"x": _num(x_of(year * DAYS_PER_YEAR)), "label": str(year)}
        for year in range(first_year, last_year + 1, year_step)
    ]
    y_ticks = []
    tick = y_low
    while tick <= y_high + y_step / 1000:
        decimals = 0 if float(y_step).is_integer() else 1
        y_ticks.append({"y": _num(y_of(tick)), "label": number_format(tick, decimals)})
        tick += y_step
    context["y_ticks"] = y_ticks

    channels = []
    for channel in CHANNELS:
        curve = [(age, v) for age, v in curves[channel.z] if v is not None]
        if len(curve) < 2:
            continue
        end_age, end_value = curve[-1]
        channels.append(
            {
                "z": channel.z,
                "label": _z_label(channel.z),
                "name": gettext("%(z)s SD") % {"z": _z_label(channel.z)}
                if channel.z
                else gettext("Medelvärde"),
                "points": " ".join(f"{_num(x_of(a))},{_num(y_of(v))}" for a, v in curve),
                "dasharray": channel.dasharray,
                "stroke_width": channel.stroke_width,
                "stroke": channel.stroke,
                "label_x": _num(x_of(end_age) + 4),
                "label_y": _num(y_of(end_value) + 4),
            }
        )
    context["channels"] = channels

    drawn = []
    for point in sorted(inside, key=lambda p: p.age_days):
        value = float(point.value)
        drawn.append(
            {
                "x": _num(x_of(point.age_days)),
                "y": _num(y_of(value)),
                "title": gettext("%(age)s: %(value)s %(unit)s, SD %(z)s")
                % {
                    "age": format_age(point.age_days),
                    "value": number_format(value, 1),
                    "unit": unit,
                    "z": format_z(point.z) if point.z is not None else "–",
                },
            }
        )
    context["points"] = drawn
    context["line"] = " ".join(f"{p['x']},{p['y']}" for p in drawn) if len(drawn) > 1 else ""

    if target is not None:
        target_low, target_high = sorted(float(t) for t in target)
        context["target"] = {
            "x": _num(right + 30),
            "y": _num(y_of(target_high)),
            "height": _num(max(y_of(target_low) - y_of(target_high), 1)),
            "label_x": _num(right + 24),
            "label_y": _num(y_of(target_high) - 4),
            "text": gettext("Målängd %(low)s–%(high)s cm")
            % {"low": number_format(target_low, 0), "high": number_format(target_high, 0)},
            "short": gettext("Mål"),
        }

    count = len(points)
    description = gettext(
        "SD-kanaler (medelvärde, ±1, ±2 och ±3 SD) för %(measure)s enligt %(reference)s, "
        "ålder %(low)s–%(high)s år."
    ) % {
        "measure": title.lower(),
        "reference": reference.label,
        "low": number_format(low / DAYS_PER_YEAR, 0),
        "high": number_format(high / DAYS_PER_YEAR, 0),
    }
    if count:
        description += " " + ngettext(
            "%(count)s mätning, se tabellen.", "%(count)s mätningar, se tabellen.", count
        ) % {"count": count}
    else:
        description += " " + gettext("Inga mätningar.")
    context["description"] = description
    return context
