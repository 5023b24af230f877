"""Forms of the access-log review pages (consent.views_review)."""

from __future__ import annotations

import datetime
import secrets

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin, validate_date_range

from .models import AccessAction, FindingOutcome, LogReview, PermissionReview, ReviewOutcome
from .review.checks import CHECKS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PeriodFormMixin:
    """A period of at most LOG_REVIEW_MAX_PERIOD_DAYS, in order."""

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("Periodens slut kan inte vara före dess början."))
            days = settings.LOG_REVIEW_MAX_PERIOD_DAYS
            if (end - start).days + 1 > days:
                raise forms.ValidationError(
                    _("Välj en period på högst %(days)d dagar.") % {"days": days}
                )
        return cleaned


def _default_period() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today - datetime.timedelta(days=30), today


class LogFilterForm(BootstrapFormMixin, PeriodFormMixin, forms.Form):
    """GET: the log of the reviewer's organisation. The student is chosen by name search, then
    by ``public_id``; never by identity number."""

    name = forms.CharField(
        label=_("Sök elev på namn"), required=False, max_length=100, min_length=2
    )
    student = forms.UUIDField(required=False, widget=forms.HiddenInput)
    username = forms.CharField(label=_("Användarnamn"), required=False, max_length=150)
    school = forms.TypedChoiceField(
        label=_("Vårdenhet"), required=False, coerce=int, empty_value=None
    )
    action = forms.ChoiceField(
        label=_("Händelse"), required=False, choices=[("", "—"), *AccessAction.choices]
    )
    period_from = forms.DateField(
        label=_("Från"), widget=DateInput, validators=[validate_date_range]
    )
    period_to = forms.DateField(label=_("Till"), widget=DateInput, validators=[validate_date_range])

    def __init__(self, data=None, *, schools=(), **kwargs):
        if data is not None and not data.get("period_from") and not data.get("period_to"):
            start, end = _default_period()
            data = data.copy()
            data["period_from"], data["period_to"] = start.isoformat(), end.isoformat()
        super().__init__(data, **kwargs)
        self.fields["school"].choices = [("", "—")] + [(s.pk, s.name) for s in schools]


class NewReviewForm(BootstrapFormMixin, PeriodFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Typ av kontroll"),
        choices=[
            (LogReview.Kind.SUSPICION, LogReview.Kind.SUSPICION.label),
            (LogReview.Kind.SAMPLE, LogReview.Kind.SAMPLE.label),
        ],
    )
    check_name = forms.ChoiceField(
        label=_("Riktad kontroll"),
        required=False,
        choices=[("", "—")] + [(c.name, c.label) for c in CHECKS.values()],
    )
    period_from = forms.DateField(
        label=_("Period från"), widget=DateInput, validators=[validate_date_range]
    )
    period_to = forms.DateField(
        label=_("Period till"), widget=DateInput, validators=[validate_date_range]
    )
    seed = forms.IntegerField(
        label=_("Frö (stickprov)"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("Samma frö ger samma stickprov. Tomt: ett slumpat frö."),
    )
    per_unit = forms.IntegerField(
        label=_("Antal per enhet och månad"), required=False, min_value=1, max_value=500
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == LogReview.Kind.SUSPICION and not cleaned.get("check_name"):
            self.add_error("check_name", _("Välj vilken riktad kontroll."))
        return cleaned

    def parameters(self) -> dict:
        if self.cleaned_data["kind"] != LogReview.Kind.SAMPLE:
            return {}
        seed = self.cleaned_data.get("seed")
        return {
            "seed": seed if seed is not None else secrets.randbelow(2**31),
            "per_unit": self.cleaned_data.get("per_unit") or settings.LOG_REVIEW_SAMPLE_PER_UNIT,
        }


class FindingForm(BootstrapFormMixin, forms.Form):
    log_entry = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    outcome = forms.ChoiceField(label=_("Bedömning"), choices=FindingOutcome.choices)
    comment = forms.CharField(label=_("Kommentar"), required=False, max_length=2000)


class CloseReviewForm(BootstrapFormMixin, forms.Form):
    conclusion = forms.CharField(
        label=_("Slutsats"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Skriv en slutsats.")},
    )


class QueueCloseForm(BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Granskningsresultat"), choices=ReviewOutcome.choices, required=False
    )
    comment = forms.CharField(label=_("Kommentar"), required=False, max_length=2000)


class MarkReviewedForm(BootstrapFormMixin, forms.Form):
    subject = forms.ChoiceField(choices=PermissionReview.Subject.choices, widget=forms.HiddenInput)
    subject_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(label=_("Kommentar"), required=False, max_length=2000)
