"""Forms for school-time medication orders, self-care plans and a new version's reason.

The fields come from the models (labels, help texts, choices, lengths); what is required and
which combinations are refused is decided by ``journal.services.medication`` — the form asks the
same functions in ``clean()``, so every problem shows at once, on its field, in the services'
words, and the services stay the authority when they are called without a form.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .forms import DateInput, add_service_errors
from .models import MedicationOrder, SelfCarePlan
from .services import medication as services

__all__ = ["OrderForm", "PlanForm", "RevisionForm", "add_service_errors"]


def _form_field(model, name: str, required_messages) -> forms.Field:
    model_field = model._meta.get_field(name)
    if isinstance(model_field, models.FileField):
        field = forms.FileField(
            label=capfirst(model_field.verbose_name),
            required=False,
            widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff"}),
            help_text=_("PDF eller inskannad bild (JPEG, PNG, TIFF)."),
        )
    else:
        field = model_field.formfield()
    field.required = name in required_messages
    if field.required:
        field.error_messages["required"] = required_messages[name]
    if isinstance(model_field, models.DateField):
        field.widget = DateInput()
    elif isinstance(model_field, models.TextField):
        field.widget = forms.Textarea(attrs={"rows": 3})
    if isinstance(model_field, models.BooleanField):
        field.required = False
    return field


class _RecordForm(forms.Form):
    model: type[models.Model]
    names: tuple[str, ...]
    required: dict
    fieldsets: tuple[tuple[str, tuple[str, ...]], ...]

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(instance, name) for name in self.names if name != "instructions_file"
            }
        super().__init__(*args, **kwargs)
        for name in self.names:
            self.fields[name] = _form_field(self.model, name, self.required)
        first = self.fields[self.names[0]]
        first.widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *(Fieldset(legend, *fields) for legend, fields in self.fieldsets)
        )

    def service_arguments(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.names}

    def add_service_errors(self, error) -> None:
        add_service_errors(self, error)


class OrderForm(_RecordForm):
    model = MedicationOrder
    names = services.ORDER_FIELDS
    required = services.ORDER_REQUIRED
    fieldsets = (
        (_("Läkemedel"), ("medicine", "strength", "form", "atc_code")),
        (
            _("Dos och tider"),
            (
                "dose",
                "route",
                "times_of_day",
                "as_needed",
                "as_needed_condition",
                "start_date",
                "end_date",
            ),
        ),
        (_("Förskrivning"), ("prescriber", "prescribed_on")),
        (
            _("Vårdnadshavarnas skriftliga instruktion"),
            ("instructions_from", "instructions_received_on", "instructions_file"),
        ),
        (_("I skolan"), ("storage", "school_helper", "note")),
    )

    def clean(self):
        cleaned = super().clean()
        values = {k: v for k, v in cleaned.items() if k != "instructions_file"}
        problems = services.order_errors(values, skip=self.errors.keys())
        for name, message in problems.items():
            self.add_error(name, message)
        return cleaned


class PlanForm(_RecordForm):
    model = SelfCarePlan
    names = services.PLAN_FIELDS
    required = services.PLAN_REQUIRED
    fieldsets = (
        (_("Åtgärden"), ("measure", "performed_by", "instructions_given")),
        (_("Vid förändring eller skada"), ("on_change",)),
        (_("Uppföljning och omprövning"), ("follow_up", "valid_from", "reassess_on")),
    )

    def clean(self):
        cleaned = super().clean()
        for name, message in services.plan_errors(cleaned, skip=self.errors.keys()).items():
            self.add_error(name, message)
        return cleaned


class RevisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Skäl till den nya versionen"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}),
        help_text=_(
            "T.ex. ändrad dos enligt ny ordination, eller omprövning. Skälet, ditt namn och "
            "tiden sparas med versionen."
        ),
        error_messages={"required": _("Skriv varför en ny version behövs.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
