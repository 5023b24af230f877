"""What a keyword accepts: one function the entry form and the services both ask."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from .models import Keyword, KeywordKind

# The column of KeywordValue each kind is stored in.
VALUE_COLUMN = {
    KeywordKind.TEXT: "text",
    KeywordKind.NUMBER: "number",
    KeywordKind.CHOICE: "choice",
    KeywordKind.YES_NO: "yes_no",
    KeywordKind.DATE: "date",
}


# KeywordValue.number is DecimalField(max_digits=9, decimal_places=3): under a million.
NUMBER_LIMIT = Decimal("1000000")


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_value(keyword: Keyword, value):
    """``value`` as the keyword stores it, or None when empty; ValidationError (with a message
    naming the keyword) when it does not fit: wrong type, outside the range, not a choice."""
    if is_empty(value):
        return None
    kind = keyword.kind
    if kind == KeywordKind.TEXT:
        return str(value).strip()
    if kind == KeywordKind.NUMBER:
        return _number(keyword, value)
    if kind == KeywordKind.CHOICE:
        if value not in keyword.choices:
            raise ValidationError(
                _("%(label)s: välj ett av alternativen.") % {"label": keyword.label},
                code="invalid_choice",
            )
        return value
    if kind == KeywordKind.YES_NO:
        if isinstance(value, bool):
            return value
        raise ValidationError(_("%(label)s: svara ja eller nej.") % {"label": keyword.label})
    if kind == KeywordKind.DATE:
        if isinstance(value, datetime.date):
            return value
        raise ValidationError(_("%(label)s: ange ett datum.") % {"label": keyword.label})
    raise ValidationError(_("Okänd sökordstyp."))


def _number(keyword: Keyword, value) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ValidationError(
            _("%(label)s: ange ett tal.") % {"label": keyword.label}, code="invalid"
        ) from None
    if not number.is_finite():
        raise ValidationError(_("%(label)s: ange ett tal.") % {"label": keyword.label})
    low, high = keyword.min_value, keyword.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValidationError(
            _("%(label)s: värdet ska ligga mellan %(min)s och %(max)s.")
            % {
                "label": keyword.label,
                "min": formats.number_format(low.normalize()) if low is not None else "–",
                # "10 kg", or "10" for a count without a unit (no space before the full stop)
                "max": " ".join(
                    filter(
                        None,
                        [
                            formats.number_format(high.normalize()) if high is not None else "–",
                            keyword.unit,
                        ],
                    )
                ),
            },
            code="out_of_range",
        )
    if abs(number) >= NUMBER_LIMIT:
        # KeywordValue.number holds 9 digits, 3 after the point; a keyword without a maximum
        # must not reach the database with more (PostgreSQL refuses it: a 500, not a message).
        raise ValidationError(
            _("%(label)s: värdet är för stort.") % {"label": keyword.label}, code="too_large"
        )
    if number.as_tuple().exponent < -3:
        raise ValidationError(
            _("%(label)s: högst tre decimaler.") % {"label": keyword.label}, code="precision"
        )
    return number
