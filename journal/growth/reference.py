"""SD scores from LMS tables: our own functions, and a stored reference loaded for use.

Cole's LMS method: at each age a Box-Cox power L, median M and coefficient of variation S give
z = ((value / M) ** L - 1) / (L * S), and the value at a z is M * (1 + L * S * z) ** (1 / L).
For weight and BMI, WHO 2007 restricts the tails: beyond ±3 SD the distance is measured in the
width of the 2–3 SD band ("SD23"; WHO AnthroPlus manual and de Onis et al. 2007), because the
LMS curves overstate extreme values there. Height is plain LMS (L = 1, a normal distribution).

Ages are in days; a table's rows are in months since birth, and an age in months is
``age_days / 30.4375`` (365.25 / 12, as WHO computes it). L, M and S are interpolated linearly
between rows. Outside a table's age range there is no reference value (``None``): never an
extrapolation.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from journal.models.growth_reference import (
    GrowthLmsPoint,
    GrowthLmsTable,
    GrowthMeasure,
    GrowthReference,
    GrowthSettings,
)

__all__ = [
    "DAYS_PER_MONTH",
    "DEFAULT_REFERENCE_CODE",
    "WEIGHT_CLASS_BASIS",
    "AgeRange",
    "IsoBmi",
    "NotAvailable",
    "Reference",
    "WeightClass",
    "clear_cache",
    "default_reference",
    "iso_bmi",
    "load_reference",
    "reference_for",
    "value_at_z",
    "weight_class",
    "weight_class_for",
    "weight_class_label",
    "z_score",
]

DAYS_PER_MONTH = 30.4375
DEFAULT_REFERENCE_CODE = "who2007"
# A birthday falls up to a day either side of a whole number of 30.4375-day months (leap
# years), so an age within a day of a table's first or last row uses that row.
EDGE_TOLERANCE_DAYS = 1
# Weight-based measures get WHO's restricted tails in WHO references (code "who…").
RESTRICTED_MEASURES = frozenset({GrowthMeasure.WEIGHT, GrowthMeasure.BMI})

Number = float | int | Decimal


# -- The LMS formulas


def _lms_value(l: float, m: float, s: float, z: float) -> float:  # noqa: E741
    if l == 0:
        return m * math.exp(s * z)
    base = 1 + l * s * z
    if base <= 0:
        raise ValueError("z lies outside this LMS distribution")
    return m * base ** (1 / l)


def z_score(l: Number, m: Number, s: Number, value: Number, *, restricted: bool = False) -> float:  # noqa: E741
    """The SD score of ``value``; ``restricted``: WHO's SD23 rule beyond ±3 (weight, BMI)."""
    l, m, s, value = float(l), float(m), float(s), float(value)  # noqa: E741
    if value <= 0 or m <= 0 or s <= 0:
        raise ValueError("LMS needs positive values")
    z = math.log(value / m) / s if l == 0 else ((value / m) ** l - 1) / (l * s)
    if restricted and abs(z) > 3:
        sign = 1 if z > 0 else -1
        sd3 = _lms_value(l, m, s, 3 * sign)
        sd23 = abs(sd3 - _lms_value(l, m, s, 2 * sign))
        z = 3 * sign + (value - sd3) / sd23
    return z


def value_at_z(l: Number, m: Number, s: Number, z: Number, *, restricted: bool = False) -> float:  # noqa: E741
    """The measurement at SD score ``z`` (the inverse of ``z_score`` with the same rule)."""
    l, m, s, z = float(l), float(m), float(s), float(z)  # noqa: E741
    if restricted and abs(z) > 3:
        sign = 1 if z > 0 else -1
        sd3 = _lms_value(l, m, s, 3 * sign)
        sd23 = abs(sd3 - _lms_value(l, m, s, 2 * sign))
        return sd3 + (z - 3 * sign) * sd23
    return _lms_value(l, m, s, z)


# -- A loaded reference


@dataclass(frozen=True)
class AgeRange:
    """A table's ages: its first and last row (months) and the days they cover."""

    first_months: float
    last_months: float

    @property
    def first_days(self) -> int:
        return math.ceil(self.first_months * DAYS_PER_MONTH - EDGE_TOLERANCE_DAYS)

    @property
    def last_days(self) -> int:
        return math.floor(self.last_months * DAYS_PER_MONTH + EDGE_TOLERANCE_DAYS)

    def __contains__(self, age_days: object) -> bool:
        return isinstance(age_days, int | float) and self.first_days <= age_days <= self.last_days


@dataclass(frozen=True)
class _Table:
    months: tuple[float, ...]
    l: tuple[float, ...]  # noqa: E741
    m: tuple[float, ...]
    s: tuple[float, ...]

    @property
    def age_range(self) -> AgeRange:
        return AgeRange(self.months[0], self.months[-1])

    def lms(self, age_days: float) -> tuple[float, float, float] | None:
        if age_days not in self.age_range:
            return None
        months = min(max(age_days / DAYS_PER_MONTH, self.months[0]), self.months[-1])
        i = bisect_right(self.months, months) - 1
        if i >= len(self.months) - 1:
            return self.l[-1], self.m[-1], self.s[-1]
        t = (months - self.months[i]) / (self.months[i + 1] - self.months[i])
        return tuple(  # type: ignore[return-value]
            col[i] + t * (col[i + 1] - col[i]) for col in (self.l, self.m, self.s)
        )


class Reference:
    """A growth reference with its LMS tables in memory; see ``load_reference``."""

    def __init__(
        self,
        *,
        pk: int | None,
        code: str,
        name: str,
        version: str,
        is_swedish: bool,
        tables: dict[tuple[str, str], _Table],
    ):
        self.pk = pk
        self.code = code
        self.name = name
        self.version = version
        self.is_swedish = is_swedish
        self._tables = tables

    def __repr__(self) -> str:
        return f"<Reference {self.code} {self.version}>"

    @property
    def label(self) -> str:
        """The name shown with every SD score and chart, e.g. "WHO 2007 – ej svensk referens"."""
        if self.is_swedish:
            return self.name
        return gettext("%(name)s – ej svensk referens") % {"name": self.name}

    @property
    def title(self) -> str:
        """Name and version, e.g. "WHO 2007, version 2007"."""
        return gettext("%(name)s, version %(version)s") % {
            "name": self.name,
            "version": self.version,
        }

    @property
    def measures(self) -> list[str]:
        return sorted({measure for measure, _sex in self._tables})

    def has_table(self, measure: str, sex: str) -> bool:
        return (measure, sex) in self._tables

    def restricted(self, measure: str) -> bool:
        return self.code.startswith("who") and measure in RESTRICTED_MEASURES

    def age_range(self, measure: str, sex: str | None = None) -> AgeRange | None:
        """The ages with a reference value; without ``sex``, those common to both sexes."""
        ranges = [
            table.age_range
            for (table_measure, table_sex), table in self._tables.items()
            if table_measure == measure and (sex is None or table_sex == sex)
        ]
        if not ranges:
            return None
        first = max(r.first_months for r in ranges)
        last = min(r.last_months for r in ranges)
        return AgeRange(first, last) if first <= last else None

    def lms(self, measure: str, sex: str, age_days: float) -> tuple[float, float, float] | None:
        table = self._tables.get((measure, sex))
        return table.lms(age_days) if table is not None and age_days is not None else None

    def z(self, measure: str, sex: str, age_days: float, value: Number | None) -> float | None:
        """The SD score, or ``None``: no table, age outside it or no usable value."""
        lms = self.lms(measure, sex, age_days)
        if lms is None or value is None or float(value) <= 0:
            return None
        return z_score(*lms, value, restricted=self.restricted(measure))

    def value_at(self, measure: str, sex: str, age_days: float, z: float) -> float | None:
        lms = self.lms(measure, sex, age_days)
        if lms is None:
            return None
        try:
            return value_at_z(*lms, z, restricted=self.restricted(measure))
        except ValueError:
            return None


_cache: dict[tuple[int, str], Reference] = {}


def clear_cache(**kwargs) -> None:
    _cache.clear()


# Any change to a reference's rows drops every loaded one (they change only when data is loaded).
for _model in (GrowthReference, GrowthLmsTable, GrowthLmsPoint):
    post_save.connect(clear_cache, sender=_model, dispatch_uid=f"growth_cache_{_model.__name__}")
    post_delete.connect(
        clear_cache, sender=_model, dispatch_uid=f"growth_cache_d_{_model.__name__}"
    )


def load_reference(reference: GrowthReference) -> Reference:
    """The reference with all its LMS rows (one query, then cached in this process)."""
    key = (reference.pk, reference.version)
    if key in _cache:
        return _cache[key]
    rows: dict[tuple[str, str], list[tuple[float, float, float, float]]] = {}
    points = (
        GrowthLmsPoint.objects.filter(table__reference=reference)
        .order_by("table_id", "age_months")
        .values_list("table__measure", "table__sex", "age_months", "l", "m", "s")
    )
    for measure, sex, age, l, m, s in points:  # noqa: E741
        rows.setdefault((measure, sex), []).append((float(age), float(l), float(m), float(s)))
    tables = {key: _Table(*map(tuple, zip(*values, strict=True))) for key, values in rows.items()}
    loaded = Reference(
        pk=reference.pk,
        code=reference.code,
        name=reference.name,
        version=reference.version,
        is_swedish=reference.is_swedish,
        tables=tables,
    )
    _cache[key] = loaded
    return loaded


def default_reference() -> GrowthReference:
    """WHO 2007 (the newest version loaded); raises ``GrowthReference.DoesNotExist``."""
    reference = GrowthReference.objects.filter(code=DEFAULT_REFERENCE_CODE).order_by("-pk").first()
    if reference is None:
        raise GrowthReference.DoesNotExist("The default growth reference is not loaded.")
    return reference


def reference_for(organisation) -> GrowthReference:
    """The organisation's chosen reference (``GrowthSettings``), else WHO 2007."""
    if organisation is not None:
        settings = (
            GrowthSettings.objects.select_related("reference")
            .filter(organisation=organisation)
            .first()
        )
        if settings is not None:
            return settings.reference
    return default_reference()


# -- Weight classes (WHO 2007 BMI-for-age)


class WeightClass(models.TextChoices):
    THINNESS = "thinness", _("Undervikt")
    NORMAL = "normal", _("Normalvikt")
    OVERWEIGHT = "overweight", _("Övervikt")
    OBESITY = "obesity", _("Fetma")


WEIGHT_CLASS_BASIS = _("enligt WHO 2007 BMI-för-ålder")


def weight_class(bmi_z: float | None) -> WeightClass | None:
    """WHO 2007: thinness below −2 SD, overweight above +1 SD, obesity above +2 SD."""
    if bmi_z is None:
        return None
    if bmi_z < -2:
        return WeightClass.THINNESS
    if bmi_z > 2:
        return WeightClass.OBESITY
    if bmi_z > 1:
        return WeightClass.OVERWEIGHT
    return WeightClass.NORMAL


def weight_class_label(value: WeightClass | str | None) -> str:
    """E.g. "Övervikt enligt WHO 2007 BMI-för-ålder"; empty without a class."""
    if not value:
        return ""
    return f"{WeightClass(value).label} {WEIGHT_CLASS_BASIS}"


def weight_class_for(*, sex: str, age_days: int, bmi: Number | None) -> WeightClass | None:
    """The class against WHO 2007 whatever reference the organisation charts with."""
    reference = load_reference(default_reference())
    return weight_class(reference.z(GrowthMeasure.BMI, sex, age_days, bmi))


# -- iso-BMI (IOTF, Cole & Lobstein 2012): only from a loaded table, never approximated

ISO_BMI_REFERENCE_CODE = "iotf2012"
ISO_BMI_ADULT_AGE_DAYS = round(216 * DAYS_PER_MONTH)  # 18 years


@dataclass(frozen=True)
class NotAvailable:
    reason: str

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class IsoBmi:
    value: float
    reference: str

    def __bool__(self) -> bool:
        return True


def iso_bmi_reference() -> GrowthReference | None:
    return GrowthReference.objects.filter(code=ISO_BMI_REFERENCE_CODE).order_by("-pk").first()


def iso_bmi(*, sex: str, age_days: int, bmi: Number | None) -> IsoBmi | NotAvailable:
    """The adult BMI at 18 on the child's IOTF centile, if an IOTF table is loaded."""
    stored = iso_bmi_reference()
    if stored is None:
        return NotAvailable(
            gettext(
                "iso-BMI är inte tillgängligt: ingen IOTF-tabell (Cole & Lobstein 2012) med "
                "källa och licens är inläst."
            )
        )
    reference = load_reference(stored)
    z = reference.z(GrowthMeasure.BMI, sex, age_days, bmi)
    value = (
        reference.value_at(GrowthMeasure.BMI, sex, ISO_BMI_ADULT_AGE_DAYS, z)
        if z is not None
        else None
    )
    if value is None:
        return NotAvailable(gettext("Inget referensvärde för iso-BMI i den här åldern."))
    return IsoBmi(value=value, reference=reference.title)
