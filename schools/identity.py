"""Swedish identity numbers: parsing, canonical storage and masking.

Our one wrapper around the PyPI ``personnummer`` package. It decides explicitly about
samordningsnummer (the package ignores its ``options``), stores 12 canonical digits, and never
puts the number it was given into an error message. ``IDENTITY_NUMBER_RE`` is the one pattern
that masks identity numbers in logs, error reports and login throttling.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from personnummer import personnummer


class IdentityKind(models.TextChoices):
    PERSONNUMMER = "pnr", _("Personnummer")
    SAMORDNINGSNUMMER = "samnr", _("Samordningsnummer")
    RESERVE = "reserv", _("Reservnummer")


class LegalSex(models.TextChoices):
    FEMALE = "F", _("Kvinna")
    MALE = "M", _("Man")
    UNKNOWN = "U", _("Okänt")


# Every written form of a personnummer/samordningsnummer and of reserve/temporary numbers with
# letters: YYMMDDNNNN, YYMMDD-NNNN, YYMMDD+NNNN, YYYYMMDDNNNN, YYYYMMDD-NNNN, 20130101TF01.
# The day may be 61–91 (samordningsnummer). Deliberately broad: masking too much is harmless.
IDENTITY_NUMBER_RE = re.compile(
    r"(?<![0-9A-Za-z-])"
    r"(?:1[89]|20)?\d{2}(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01]|[6-8]\d|9[01])"
    r"[-+ ]?[0-9A-Za-z]{4}"
    r"(?![0-9A-Za-z-])"
)
MASK = "[identitetsnummer]"

_RESERVE_RE = re.compile(r"^(?:19|20)\d{6}[A-Z]{1,2}[0-9A-Z]{1,3}$|^[0-9A-Z]{6,20}$")

INVALID_MESSAGE = _("Ogiltigt person- eller samordningsnummer. Kontrollera siffrorna.")
COORDINATION_NOT_ALLOWED = _("Samordningsnummer är inte tillåtet här.")


@dataclass(frozen=True)
class IdentityNumber:
    """A validated personnummer or samordningsnummer, as 12 canonical digits."""

    value: str
    kind: str

    @property
    def birth_date(self) -> datetime.date:
        day = int(self.value[6:8])
        if self.kind == IdentityKind.SAMORDNINGSNUMMER:
            day -= 60
        return datetime.date(int(self.value[:4]), int(self.value[4:6]), day)

    @property
    def legal_sex(self) -> str:
        # The second-to-last digit is odd for men, even for women.
        return LegalSex.MALE if int(self.value[10]) % 2 else LegalSex.FEMALE

    def __str__(self) -> str:  # the display form: YYYYMMDD-NNNN
        return f"{self.value[:8]}-{self.value[8:]}"

    def __repr__(self) -> str:  # never print the number in tracebacks or debug output
        return f"IdentityNumber(kind={self.kind!r})"


def parse_identity_number(raw: str, *, allow_coordination: bool = True) -> IdentityNumber:
    """Parse any written form; raise ``ValidationError`` (without the number) when invalid."""
    text = (raw or "").strip().replace(" ", "")
    if not re.fullmatch(r"\d{6}[-+]?\d{4}|\d{8}-?\d{4}", text):
        raise ValidationError(INVALID_MESSAGE, code="invalid_identity_number")
    try:
        parsed = personnummer.parse(text)
    except personnummer.PersonnummerException:
        # The package's message contains the number: it must not travel further.
        raise ValidationError(INVALID_MESSAGE, code="invalid_identity_number") from None
    kind = (
        IdentityKind.SAMORDNINGSNUMMER
        if parsed.is_coordination_number()
        else IdentityKind.PERSONNUMMER
    )
    if kind == IdentityKind.SAMORDNINGSNUMMER and not allow_coordination:
        raise ValidationError(COORDINATION_NOT_ALLOWED, code="coordination_not_allowed")
    return IdentityNumber(value=parsed.format(long_format=True), kind=kind)


def is_reserve_number(raw: str) -> bool:
    """A local reserve or temporary number (letters allowed), not a Skatteverket identity."""
    text = (raw or "").strip().upper()
    return bool(text) and bool(_RESERVE_RE.match(text)) and not text.isdigit()


def normalise_reserve_number(raw: str) -> str:
    text = (raw or "").strip().upper().replace("-", "")
    if not is_reserve_number(text):
        raise ValidationError(
            _("Ett reservnummer består av 6–20 siffror och bokstäver, minst en bokstav."),
            code="invalid_reserve_number",
        )
    return text


def validate_canonical_identity_number(value: str) -> None:
    """Model-field validator: the stored value is 12 digits and a valid number."""
    if not re.fullmatch(r"\d{12}", value or ""):
        raise ValidationError(INVALID_MESSAGE, code="invalid_identity_number")
    parse_identity_number(value)


def mask_identity_numbers(text: str) -> str:
    return IDENTITY_NUMBER_RE.sub(MASK, text)


def luhn_valid(digits: str) -> bool:
    """Luhn check over all digits (organisation numbers: all 10 digits)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def luhn_check_digit(nine_digits: str) -> str:
    """The check digit of YYMMDDNNN."""
    for digit in "0123456789":
        if luhn_valid(nine_digits + digit):
            return digit
    raise AssertionError("unreachable")


def generate_identity_number(
    birth_date: datetime.date, serial: int, *, female: bool, coordination: bool = False
) -> str:
    """A synthetic, valid 12-digit number for demo data and tests (never a real person's
    record: the people it is given to are generated). ``serial`` picks one of 499 birth
    numbers per day and sex."""
    birth_number = (serial % 499 + 1) * 2 + (0 if female else 1)  # 2–999; odd = man
    day = birth_date.day + (60 if coordination else 0)
    short = f"{birth_date:%y%m}{day:02d}{birth_number:03d}"
    return f"{birth_date:%Y}{short[2:]}{luhn_check_digit(short)}"
