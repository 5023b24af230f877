"""Search forms for students. The identity-number form is posted, never sent in a URL."""

from django import forms
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin

from .fields import IdentityNumberFormField

NAME_SEARCH_MIN_LENGTH = 2
NAME_SEARCH_MAX_TERMS = 4


class NameSearchForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Namn"),
        max_length=100,
        min_length=NAME_SEARCH_MIN_LENGTH,
        help_text=_("Förnamn, efternamn eller båda. Minst två tecken."),
        error_messages={"min_length": _("Skriv minst två tecken för att söka på namn.")},
    )

    def terms(self) -> list[str]:
        return self.cleaned_data["q"].split()[:NAME_SEARCH_MAX_TERMS]


class IdentityNumberSearchForm(BootstrapFormMixin, forms.Form):
    identity_number = IdentityNumberFormField(
        label=_("Person- eller samordningsnummer"),
        help_text=_("T.ex. ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN."),
    )
