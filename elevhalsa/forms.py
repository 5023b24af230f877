"""Form helpers shared by every app: Bootstrap classes and accessible error wiring."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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
