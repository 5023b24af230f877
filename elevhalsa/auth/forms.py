"""Forms of the sign-in steps."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin, LoginForm

from .services import MIN_REASON_LENGTH
from .throttling import lockout_message


class SignInForm(LoginForm):
    """The password step. A lockout (django-axes) reads the same for every username, existing
    or not, and so does a wrong password."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "axes_locked_out", False):
                raise ValidationError(lockout_message(), code="locked_out") from None
            raise

    @property
    def locked_out(self) -> bool:
        return any(error.code == "locked_out" for error in self.non_field_errors().as_data())


class CodeForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Kod"),
        max_length=20,
        help_text=_("Sex siffror från appen, eller en av dina reservkoder."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class EnrolCodeForm(CodeForm):
    code = forms.CharField(
        label=_("Kod från appen"),
        max_length=20,
        help_text=_("Sex siffror som appen visar nu."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ResetReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Skäl"),
        min_length=MIN_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Till exempel: borttappad telefon, anmält av användaren per telefon."),
    )
