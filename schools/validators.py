"""Format checks for the registry's codes. Format only: no online lookups."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .identity import luhn_valid


def validate_school_unit_code(value: str) -> None:
    if not re.fullmatch(r"\d{8}", value or ""):
        raise ValidationError(
            _("Skolenhetskoden ska vara åtta siffror (Skolverkets skolenhetsregister)."),
            code="invalid_school_unit_code",
        )


def validate_organisation_number(value: str) -> None:
    if not re.fullmatch(r"\d{10}", value or "") or not luhn_valid(value):
        raise ValidationError(
            _("Organisationsnumret ska vara tio siffror med giltig kontrollsiffra."),
            code="invalid_organisation_number",
        )


def validate_municipality_code(value: str) -> None:
    if not re.fullmatch(r"\d{4}", value or ""):
        raise ValidationError(_("Kommunkoden ska vara fyra siffror."), code="invalid_municipality")


def validate_school_year(value: str) -> None:
    """A läsår written as 2026/27."""
    match = re.fullmatch(r"(\d{4})/(\d{2})", value or "")
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        raise ValidationError(
            _("Läsåret skrivs som 2026/27 (två på varandra följande år)."),
            code="invalid_school_year",
        )


def validate_hsa_id(value: str) -> None:
    if not re.fullmatch(r"SE[0-9A-Z]{10}-[0-9A-Z]{1,20}", value or ""):
        raise ValidationError(
            _("HSA-id skrivs som SE2321000131-E000000000001."), code="invalid_hsa_id"
        )
