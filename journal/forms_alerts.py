"""Forms for alerts (uppmärksamhetssignaler). The rules are the service's
(``journal.services.alerts.alert_errors``): the form asks the same function, so its messages
appear next to the field before anything is saved, and nothing typed is lost."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin

from .models import Alert, AlertKind, AlertSeverity
from .services.alerts import EDITABLE_FIELDS, alert_errors

REASON_MAX_LENGTH = 2000


def _max_length(name: str) -> int | None:
    return Alert._meta.get_field(name).max_length


class AlertForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Typ"),
        choices=[("", "–"), *AlertKind.choices],
        error_messages={"required": _("Välj typ av uppmärksamhetssignal.")},
    )
    substance = forms.CharField(
        label=_("Ämne"),
        max_length=_max_length("substance"),
        required=False,
        help_text=_("För en allergi: vad eleven reagerar på, t.ex. jordnötter eller penicillin."),
    )
    reaction = forms.CharField(
        label=_("Reaktion"),
        max_length=_max_length("reaction"),
        required=False,
        help_text=_("T.ex. nässelutslag, andningsbesvär, anafylaxi."),
    )
    severity = forms.ChoiceField(
        label=_("Svårighetsgrad"), choices=[("", "–"), *AlertSeverity.choices], required=False
    )
    condition = forms.CharField(
        label=_("Sjukdom eller tillstånd"),
        max_length=_max_length("condition"),
        required=False,
        help_text=_("För en allvarlig sjukdom: t.ex. diabetes typ 1, epilepsi, svår astma."),
    )
    description = forms.CharField(
        label=_("Beskrivning och åtgärd"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Vad skolan ska veta och göra, t.ex. var akutläkemedel finns."),
    )

    @classmethod
    def for_alert(cls, alert: Alert, data=None) -> AlertForm:
        return cls(data, initial={name: getattr(alert, name) for name in EDITABLE_FIELDS})

    def clean(self):
        cleaned = super().clean()
        if "kind" in cleaned:
            errors = alert_errors(
                kind=cleaned["kind"],
                substance=cleaned.get("substance", ""),
                condition=cleaned.get("condition", ""),
                description=cleaned.get("description", ""),
            )
            for name, message in errors.items():
                if name not in self.errors:
                    self.add_error(name, message)
        return cleaned


class AlertInactivateForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Skäl till inaktivering"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Varför signalen inte längre gäller. Skälet sparas med signalen."),
        error_messages={"required": _("Skriv varför signalen inte längre gäller.")},
    )
