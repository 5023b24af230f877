"""The binding registry: what a structured keyword may write into a domain record.

A keyword's ``binds_to`` is a key of ``BINDINGS`` (a string, not a foreign key), so a template
version names a binding without depending on the record's model. Each binding declares the
keyword it expects (kind, unit, allowed range, default flag threshold) and, as a dotted string,
the record model that saving a note will create as a draft (the record models come with the
entries, growth and vaccination issues; nothing here imports them).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class KeywordKind(models.TextChoices):
    TEXT = "text", _("Fritext")
    NUMBER = "number", _("Tal med enhet")
    CHOICE = "choice", _("Val")
    YES_NO = "yes_no", _("Ja/nej")
    DATE = "date", _("Datum")


class BindingKey(models.TextChoices):
    NONE = "", _("Ingen koppling")
    VISION_LEFT = "vision.left", _("Synskärpa vänster öga")
    VISION_RIGHT = "vision.right", _("Synskärpa höger öga")
    GROWTH_HEIGHT = "growth.height", _("Längd (tillväxt)")
    GROWTH_WEIGHT = "growth.weight", _("Vikt (tillväxt)")
    VACCINATION_VACCINE = "vaccination.vaccine", _("Vaccin (vaccinationsdos)")
    VACCINATION_LOT = "vaccination.lot", _("Satsnummer (vaccinationsdos)")
    VACCINATION_DOSE_NUMBER = "vaccination.dose_number", _("Dosnummer (vaccinationsdos)")
    VACCINATION_SITE = "vaccination.site", _("Injektionsställe (vaccinationsdos)")


@dataclass(frozen=True)
class Binding:
    key: str
    kind: str
    record_model: str  # "app_label.Model", resolved when entries save bound records
    unit: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    flag_below: Decimal | None = None  # the default threshold; a keyword may set its own


BINDINGS: dict[str, Binding] = {
    # Decimal visual acuity; referral is proposed below 0.8 on either eye (REQUIREMENTS 2.1).
    BindingKey.VISION_LEFT: Binding(
        BindingKey.VISION_LEFT,
        KeywordKind.NUMBER,
        "journal.VisionResult",
        min_value=Decimal("0.0"),
        max_value=Decimal("2.0"),
        flag_below=Decimal("0.8"),
    ),
    BindingKey.VISION_RIGHT: Binding(
        BindingKey.VISION_RIGHT,
        KeywordKind.NUMBER,
        "journal.VisionResult",
        min_value=Decimal("0.0"),
        max_value=Decimal("2.0"),
        flag_below=Decimal("0.8"),
    ),
    BindingKey.GROWTH_HEIGHT: Binding(
        BindingKey.GROWTH_HEIGHT,
        KeywordKind.NUMBER,
        "growth.GrowthMeasurement",
        unit="cm",
        min_value=Decimal("40"),
        max_value=Decimal("230"),
    ),
    BindingKey.GROWTH_WEIGHT: Binding(
        BindingKey.GROWTH_WEIGHT,
        KeywordKind.NUMBER,
        "growth.GrowthMeasurement",
        unit="kg",
        min_value=Decimal("5"),
        max_value=Decimal("250"),
    ),
    # A vaccination note's dose (journal.services.vaccination_binding): the product by name
    # (a text, so a new product needs no new template version), the batch, the dose number
    # as typed and the injection site.
    BindingKey.VACCINATION_VACCINE: Binding(
        BindingKey.VACCINATION_VACCINE, KeywordKind.TEXT, "journal.Vaccination"
    ),
    BindingKey.VACCINATION_LOT: Binding(
        BindingKey.VACCINATION_LOT, KeywordKind.TEXT, "journal.Vaccination"
    ),
    BindingKey.VACCINATION_DOSE_NUMBER: Binding(
        BindingKey.VACCINATION_DOSE_NUMBER,
        KeywordKind.NUMBER,
        "journal.Vaccination",
        min_value=Decimal("1"),
        max_value=Decimal("10"),
    ),
    BindingKey.VACCINATION_SITE: Binding(
        BindingKey.VACCINATION_SITE, KeywordKind.CHOICE, "journal.Vaccination"
    ),
}


def binding_errors(
    binds_to: str,
    *,
    kind: str,
    unit: str,
    min_value: Decimal | None,
    max_value: Decimal | None,
    flag_below: Decimal | None,
) -> dict[str, str]:
    """Field → message for a keyword that does not fit its binding; {} when it fits."""
    if not binds_to:
        return {}
    binding = BINDINGS.get(binds_to)
    if binding is None:
        return {"binds_to": _("Okänd koppling.")}
    errors: dict[str, str] = {}
    if kind != binding.kind:
        errors["kind"] = _("Kopplingen kräver typen ”%(kind)s”.") % {
            "kind": KeywordKind(binding.kind).label
        }
    elif unit != binding.unit:
        errors["unit"] = _("Kopplingen kräver enheten ”%(unit)s”.") % {
            "unit": binding.unit or _("ingen")
        }
    lowest, highest = binding.min_value, binding.max_value
    for name, value in (
        ("min_value", min_value),
        ("max_value", max_value),
        ("flag_below", flag_below),
    ):
        if value is None:
            continue
        if (lowest is not None and value < lowest) or (highest is not None and value > highest):
            errors[name] = _("Värdet ligger utanför kopplingens intervall %(min)s–%(max)s.") % {
                "min": lowest,
                "max": highest,
            }
    return errors
