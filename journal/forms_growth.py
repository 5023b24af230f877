"""Forms for growth: one measurement, its correction, the parents' heights, sharing with the
guardians, and the class entry (one row per student).

Numbers are typed as text so that a decimal comma ("142,5") is accepted everywhere
(``journal.services.growth.parse_decimal``); the services decide everything else (ranges, dates,
a height lower than an earlier one) and their messages land on the fields
(``add_service_errors``).
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import DateInput, add_service_errors
from .models import HeightSource, MeasurementContext
from .services.growth import parse_decimal

__all__ = [
    "ClassEntryForm",
    "ClassRowForm",
    "CorrectionForm",
    "MeasurementForm",
    "ParentHeightsForm",
    "ShareForm",
    "add_service_errors",
]


class DecimalTextField(forms.CharField):
    """A number typed as text: "142,5" and "142.5" alike, at most one decimal."""

    def __init__(self, *, label, unit: str, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 12)
        super().__init__(
            label=label,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            **kwargs,
        )
        self.unit = unit

    def clean(self, value):
        value = super().clean(value)
        return parse_decimal(value, label=str(self.label))


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


CONFIRM_LABEL = _("Jag har kontrollerat längden och vill spara den ändå.")


class _MeasurementFields(forms.Form):
    measured_on = forms.DateField(
        label=_("Mätdatum"),
        widget=DateInput(),
        error_messages={"required": _("Ange mätdatum."), "invalid": _("Ange ett datum.")},
    )
    height_cm = DecimalTextField(label=_("Längd (cm)"), unit="cm", help_text=_("T.ex. 142,5"))
    weight_kg = DecimalTextField(label=_("Vikt (kg)"), unit="kg", help_text=_("T.ex. 35,2"))
    note = forms.CharField(
        label=_("Kommentar"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )
    confirm_drop = forms.BooleanField(
        label=CONFIRM_LABEL,
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].initial = timezone.localdate
        self.helper = _helper()
        # The confirmation box is drawn by the page, only once a lower height was found.
        self.helper.layout = Layout(*(name for name in self.fields if name != "confirm_drop"))

    @property
    def show_confirm(self) -> bool:
        """The confirmation box is shown once the lower height was pointed out."""
        return bool(self.errors.get("confirm_drop")) or bool(
            self.data.get(self.add_prefix("confirm_drop"))
        )

    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(self, error)


class MeasurementForm(_MeasurementFields):
    context = forms.ChoiceField(
        label=_("Sammanhang"),
        choices=MeasurementContext.choices,
        initial=MeasurementContext.HEALTH_VISIT,
    )
    field_order = ["measured_on", "height_cm", "weight_kg", "context", "note", "confirm_drop"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "measured_on": data["measured_on"],
            "height_cm": data["height_cm"],
            "weight_kg": data["weight_kg"],
            "context": data["context"],
            "note": data["note"],
            "confirm_drop": data["confirm_drop"],
        }


class CorrectionForm(_MeasurementFields):
    reason = forms.CharField(
        label=_("Skäl till rättelsen"),
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("Skälet, ditt namn och tiden sparas med rättelsen."),
        error_messages={"required": _("Skriv varför mätningen rättas.")},
    )
    field_order = ["measured_on", "height_cm", "weight_kg", "note", "reason", "confirm_drop"]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "measured_on": data["measured_on"],
            "height_cm": data["height_cm"],
            "weight_kg": data["weight_kg"],
            "note": data["note"],
            "reason": data["reason"],
            "confirm_drop": data["confirm_drop"],
        }


class ParentHeightsForm(forms.Form):
    mother_cm = DecimalTextField(label=_("Biologisk mammas längd (cm)"), unit="cm")
    mother_source = forms.ChoiceField(
        label=_("Källa, mamma"), choices=HeightSource.choices, initial=HeightSource.REPORTED
    )
    father_cm = DecimalTextField(label=_("Biologisk pappas längd (cm)"), unit="cm")
    father_source = forms.ChoiceField(
        label=_("Källa, pappa"), choices=HeightSource.choices, initial=HeightSource.REPORTED
    )
    note = forms.CharField(
        label=_("Kommentar"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )
    reason = forms.CharField(
        label=_("Skäl till ändringen"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Krävs när tidigare uppgifter ändras."),
    )

    def __init__(self, *args, current=None, **kwargs):
        if current is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(current, name)
                for name in ("mother_cm", "mother_source", "father_cm", "father_source")
            }
        super().__init__(*args, **kwargs)
        if current is None:
            del self.fields["reason"]
        self.helper = _helper()

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {name: data.get(name, "") for name in self.fields}

    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(self, error)


class ShareForm(forms.Form):
    shared = forms.TypedChoiceField(
        choices=[("1", _("Dela")), ("0", _("Sluta dela"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Skäl"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Krävs när delningen tas tillbaka."),
    )

    def add_service_errors(self, error: ValidationError) -> None:
        add_service_errors(self, error)


# --- Class entry ---------------------------------------------------------------------------------


class ClassEntryForm(forms.Form):
    """What all rows share: the day and the setting."""

    measured_on = forms.DateField(
        label=_("Mätdatum"),
        widget=DateInput(),
        error_messages={"required": _("Ange mätdatum."), "invalid": _("Ange ett datum.")},
    )
    context = forms.ChoiceField(
        label=_("Sammanhang"),
        choices=MeasurementContext.choices,
        initial=MeasurementContext.HEALTH_VISIT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].initial = timezone.localdate

    def clean_measured_on(self):
        # Said once, above the table, whether or not a row was filled in.
        measured_on = self.cleaned_data["measured_on"]
        if measured_on > timezone.localdate():
            raise ValidationError(_("Mätdatumet kan inte ligga i framtiden."))
        return measured_on


class ClassRowForm(forms.Form):
    """One student's row; its prefix carries the student's public id, so a row always belongs
    to the student it was shown for, whatever the order of the list."""

    height_cm = DecimalTextField(label=_("Längd (cm)"), unit="cm")
    weight_kg = DecimalTextField(label=_("Vikt (kg)"), unit="kg")
    confirm_drop = forms.BooleanField(
        label=CONFIRM_LABEL,
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, student, **kwargs):
        super().__init__(*args, prefix=f"s-{student.public_id}", **kwargs)
        self.student = student
        self.saved = None  # the measurement saved from this row, if any

    @property
    def is_empty(self) -> bool:
        if not self.is_bound:
            return True
        return not any(
            (self.data.get(self.add_prefix(name)) or "").strip()
            for name in ("height_cm", "weight_kg")
        )

    @property
    def show_confirm(self) -> bool:
        return bool(self.errors.get("confirm_drop")) or bool(
            self.data.get(self.add_prefix("confirm_drop"))
        )
