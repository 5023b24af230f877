"""Forms of the access steps: the lookup by identity number and the written reasons."""

from django import forms
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin
from schools.fields import IdentityNumberFormField

REASON_MIN_LENGTH = 10


class StudentLookupForm(BootstrapFormMixin, forms.Form):
    """Posted, never in a URL: the full identity number of a student without a care relation."""

    identity_number = IdentityNumberFormField(
        label=_("Person- eller samordningsnummer"),
        help_text=_("Hela numret, t.ex. ÅÅÅÅMMDD-NNNN."),
    )


class AccessReasonForm(BootstrapFormMixin, forms.Form):
    """Step 1: why the user needs the record. Step 2 posts the same text back, confirmed."""

    reason_text = forms.CharField(
        label=_("Skäl"),
        min_length=REASON_MIN_LENGTH,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Beskriv varför du behöver journalen nu. Skälet granskas i efterhand."),
        error_messages={
            "min_length": _("Skriv ett skäl på minst %(limit_value)d tecken."),
            "required": _("Skriv ett skäl."),
        },
    )


class AccessConfirmForm(AccessReasonForm):
    """Step 2: the reason again (hidden) and the explicit confirmation."""

    confirmed = forms.BooleanField(required=True, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_text"].widget = forms.HiddenInput()
