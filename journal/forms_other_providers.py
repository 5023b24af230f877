"""The active choice to read another care provider's records (R-ACL-6)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin


class ActiveChoiceForm(BootstrapFormMixin, forms.Form):
    """An explicit, ticked confirmation: nothing opens by a stray click or a prefetched link."""

    confirmed = forms.BooleanField(
        label=_("Jag behöver uppgifterna för elevens vård och öppnar dem med stöd av samtycket"),
        help_text=_("Valet loggas och gäller en begränsad tid."),
        error_messages={"required": _("Kryssa i rutan för att bekräfta ditt val.")},
    )
