"""Form helpers shared by every app: Bootstrap classes, accessible error wiring and the range of
dates a form accepts."""

import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# A typed year 1 or 9999 is a slip of the finger, and at the edges of Python's dates it is a 500:
# the day after 9999-12-31 does not exist, nor does midnight 0001-01-01 in UTC. Dates that feed
# date arithmetic or a time zone conversion are kept to these years.
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2199, 12, 31)


def validate_date_range(value: datetime.date) -> None:
    """A form field validator for a date or a (local) date and time."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            gettext("Ange ett datum mellan %(first)s och %(last)s.")
            % {"first": EARLIEST_DATE.isoformat(), "last": LATEST_DATE.isoformat()},
            code="date_range",
        )


class BootstrapFormMixin:
    """Give widgets Bootstrap's classes, and tie each field's errors to it for screen readers
    (Django sets ``aria-invalid`` itself; ``aria-describedby`` must name the error text)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            attrs = self.fields[name].widget.attrs
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            described = [f"{bound.auto_id}_error"]
            if bound.help_text:
                described.append(f"{bound.auto_id}_helptext")  # Django's own id for help text
            attrs["aria-describedby"] = " ".join(described)


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    """Django's login form with our styling; throttling and second factor come later."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Fel användarnamn eller lösenord."),
        "inactive": _("Kontot är inaktiverat."),
    }
