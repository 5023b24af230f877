"""Forms for ordinations, a dose (or refusal, contraindication), a documented earlier dose, a
correction, and the register worklist's receipt. The services decide the rules; their messages
land on the fields (``add_service_errors``), and nothing typed is lost."""

from __future__ import annotations

import datetime

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import DateInput, DateTimeLocalInput, add_service_errors
from .models import EntryStatus
from .models.vaccination import (
    DoseSource,
    Ordination,
    VaccinationOutcome,
    Vaccine,
    VaccineLot,
)
from .services.vaccinations import MAX_DOSE_NUMBER

# SchoolClass.grade's own bound (its check constraint): 0 = förskoleklass, gymnasiet up to 4.
MAX_GRADE = 10


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class _Form(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def add_service_errors(self, error) -> None:
        add_service_errors(self, error)


class OrdinationForm(_Form):
    kind = forms.ChoiceField(label=_("Typ"), choices=Ordination.Kind.choices)
    vaccine = forms.ModelChoiceField(label=_("Vaccin"), queryset=Vaccine.objects.none())
    strength = forms.CharField(label=_("Styrka"), max_length=100)
    dose = forms.CharField(label=_("Dos"), max_length=100, help_text=_("T.ex. 0,5 ml"))
    route = forms.CharField(
        label=_("Administrationssätt"), max_length=50, help_text=_("T.ex. intramuskulärt")
    )
    schools = forms.ModelMultipleChoiceField(
        label=_("Skolor (generellt direktiv)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    grade_from = forms.IntegerField(
        label=_("Från årskurs"), required=False, min_value=0, max_value=MAX_GRADE
    )
    grade_to = forms.IntegerField(
        label=_("Till årskurs"), required=False, min_value=0, max_value=MAX_GRADE
    )
    covers = forms.CharField(
        label=_("Omfattar"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    valid_from = forms.DateField(label=_("Gäller från"), widget=DateInput())
    valid_until = forms.DateField(label=_("Gäller till"), widget=DateInput())
    instructions = forms.CharField(
        label=_("Anvisningar"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, schools, student=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vaccine"].queryset = Vaccine.objects.filter(active=True)
        self.fields["schools"].queryset = schools
        if student is not None:
            self.fields["kind"].initial = Ordination.Kind.INDIVIDUAL


def _datetime_now():
    return timezone.localtime().replace(second=0, microsecond=0)


class DoseForm(_Form):
    """A dose given here, a refusal or a contraindication, for one student."""

    outcome = forms.ChoiceField(
        label=_("Utfall"), choices=VaccinationOutcome.choices, initial=VaccinationOutcome.GIVEN
    )
    series = forms.CharField(label=_("Vaccinationsserie"), max_length=20, help_text=_("T.ex. HPV"))
    vaccine = forms.ModelChoiceField(
        label=_("Vaccin"), queryset=Vaccine.objects.none(), required=False
    )
    lot = forms.ModelChoiceField(
        label=_("Sats"), queryset=VaccineLot.objects.none(), required=False
    )
    dose_number = forms.IntegerField(
        label=_("Dosnummer"),
        required=False,
        min_value=1,
        max_value=MAX_DOSE_NUMBER,
        help_text=_("Tomt: nästa dos i serien."),
    )
    given_at = forms.DateTimeField(label=_("Datum och tid"), widget=DateTimeLocalInput())
    site = forms.CharField(label=_("Injektionsställe"), max_length=50, required=False)
    route = forms.CharField(label=_("Administrationssätt"), max_length=50, required=False)
    ordination = forms.ModelChoiceField(
        label=_("Ordination"), queryset=Ordination.objects.none(), required=False
    )
    consent_override_reason = forms.CharField(
        label=_("Skäl att vaccinera utan registrerat samtycke"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label=_("Skäl (avböjd eller kontraindikation)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_at"].initial = _datetime_now
        self.fields["vaccine"].queryset = Vaccine.objects.filter(active=True)
        self.fields["lot"].queryset = VaccineLot.objects.select_related("vaccine").filter(
            vaccine__active=True
        )
        self.fields["ordination"].queryset = Ordination.objects.filter(
            organisation_id=organisation_id, status=EntryStatus.SIGNED
        ).select_related("vaccine")

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["source"] = DoseSource.HERE
        return data


DOCUMENTED_CHOICES = [(s.value, s.label) for s in DoseSource if s != DoseSource.HERE]


class DocumentedDoseForm(_Form):
    """A dose given elsewhere (BVC, abroad, an earlier school), from its documentation."""

    source = forms.ChoiceField(label=_("Given"), choices=DOCUMENTED_CHOICES)
    series = forms.CharField(label=_("Vaccinationsserie"), max_length=20)
    vaccine = forms.ModelChoiceField(label=_("Vaccin"), queryset=Vaccine.objects.none())
    dose_number = forms.IntegerField(
        label=_("Dosnummer"), required=False, min_value=1, max_value=MAX_DOSE_NUMBER
    )
    given_on = forms.DateField(label=_("Datum"), widget=DateInput())
    lot_number = forms.CharField(label=_("Satsnummer"), max_length=50, required=False)
    source_documentation = forms.CharField(
        label=_("Underlag"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("T.ex. BVC-journal, vaccinationskort eller intyg från annat land."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vaccine"].queryset = Vaccine.objects.all()

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        given_on = data.pop("given_on")
        # A documented day without a time: noon, so that no time zone moves it to another day.
        data["given_at"] = timezone.make_aware(
            datetime.datetime.combine(given_on, datetime.time(12, 0))
        )
        data["outcome"] = VaccinationOutcome.GIVEN
        return data

    def add_service_errors(self, error) -> None:
        if hasattr(error, "error_dict") and "given_at" in error.error_dict:
            error.error_dict["given_on"] = error.error_dict.pop("given_at")
        add_service_errors(self, error)


class CorrectionForm(DoseForm):
    change_reason = forms.CharField(
        label=_("Skäl till rättelsen"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Skälet, ditt namn och tiden sparas med rättelsen."),
    )


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Kvittens från registret"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
