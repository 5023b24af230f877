"""Staff forms for consents: a request (one student or a class), recording a party's answer,
maturity decisions and mandates. The rules are the services' (``consent.consents``); the forms
give the same messages early and keep what was typed."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin
from schools.models import Area, GuardianRelation

from .consents import (
    MANDATED_RELATIONS,
    NOTE_MAX_LENGTH,
    RequestFields,
    check_scan,
)
from .models import AnswerChannel, ConsentAnswer, ConsentKind, PartyKind

REASON_MAX_LENGTH = 2000


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError on the fields it names; anything else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = name if name in form.fields and name != NON_FIELD_ERRORS else None
        form.add_error(field, ValidationError(errors))


def _kind_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Typ av samtycke"),
        choices=[("", "–"), *ConsentKind.choices],
        error_messages={
            "required": _("Välj typ av samtycke."),
            "invalid_choice": _("Välj typ av samtycke."),
        },
    )


class ConsentRequestForm(BootstrapFormMixin, forms.Form):
    """What is asked. The scope fields that matter depend on the kind; the service says which
    are missing."""

    kind = _kind_field()
    scope_code = forms.CharField(
        label=_("Vaccin eller program"),
        max_length=50,
        required=False,
        help_text=_("För vaccination: t.ex. HPV eller MPR."),
    )
    scope_organisation_number = forms.CharField(
        label=_("Annan vårdgivares organisationsnummer"),
        max_length=11,
        required=False,
        help_text=_("För läsning av eller överföring till en annan vårdgivare: tio siffror."),
    )
    scope_area = forms.ChoiceField(
        label=_("Journalområde"),
        choices=[("", _("Båda områdena")), *Area.choices],
        required=False,
    )
    school_year = forms.CharField(
        label=_("Läsår"), max_length=7, required=False, help_text=_("T.ex. 2026/27.")
    )
    description = forms.CharField(
        label=_("Beskrivning"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Vad samtycket gäller, med ord som vårdnadshavarna förstår. Visas i portalen, "
            "aldrig i e-post."
        ),
    )
    valid_from = forms.DateField(
        label=_("Gäller från"),
        widget=DateInput,
        error_messages={"required": _("Ange från vilket datum samtycket gäller.")},
    )
    valid_until = forms.DateField(
        label=_("Gäller till"),
        widget=DateInput,
        required=False,
        help_text=_("Tomt: tills vidare (tills det återkallas)."),
    )
    social_services = forms.BooleanField(
        label=_("Eleven är placerad: socialtjänsten svarar i stället för vårdnadshavarna"),
        required=False,
    )

    def __init__(self, *args, for_class: bool = False, school_year: str = "", **kwargs):
        kwargs.setdefault(
            "initial", {"valid_from": timezone.localdate(), "school_year": school_year}
        )
        super().__init__(*args, **kwargs)
        if for_class:
            # Placement is a fact about one child, never a class.
            del self.fields["social_services"]

    def clean(self):
        cleaned = super().clean()
        fields = RequestFields(
            kind=cleaned.get("kind", ""),
            scope_area=cleaned.get("scope_area", ""),
            scope_organisation_number=cleaned.get("scope_organisation_number", ""),
            scope_code=cleaned.get("scope_code", ""),
            school_year=cleaned.get("school_year", ""),
            description=cleaned.get("description", ""),
            valid_from=cleaned.get("valid_from"),
            valid_until=cleaned.get("valid_until"),
        )
        try:
            fields.clean()
        except ValidationError as error:
            # The service's word on the fields the form found nothing wrong with.
            for name, messages in error.message_dict.items():
                if name not in self.errors:
                    self.add_error(name if name in self.fields else None, messages)
        cleaned["scope_organisation_number"] = fields.scope_organisation_number
        return cleaned

    def request_fields(self) -> dict:
        """The service's keyword arguments."""
        return dict(self.cleaned_data)


class AnswerForm(BootstrapFormMixin, forms.Form):
    """A party's answer recorded by staff: on paper (the scan), orally (a note), or from
    socialtjänsten."""

    answer = forms.ChoiceField(
        label=_("Svar"),
        choices=[("", "–"), *ConsentAnswer.Answer.choices],
        error_messages={"required": _("Välj ett svar."), "invalid_choice": _("Välj ett svar.")},
    )
    channel = forms.ChoiceField(
        label=_("Hur lämnades svaret?"),
        choices=[],
        error_messages={
            "required": _("Välj hur svaret lämnades."),
            "invalid_choice": _("Välj hur svaret lämnades."),
        },
    )
    scan = forms.FileField(
        label=_("Inskannat svar"),
        required=False,
        help_text=_("För svar på papper: PDF, JPEG eller PNG."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    note = forms.CharField(
        label=_("Anteckning"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("För muntligt svar: vem som svarade, när och hur (t.ex. telefon)."),
    )

    def __init__(self, *args, party, **kwargs):
        super().__init__(*args, **kwargs)
        channels = [AnswerChannel.PAPER, AnswerChannel.ORAL]
        if party.kind == PartyKind.SOCIAL_SERVICES:
            channels.append(AnswerChannel.SOCIAL_SERVICES)
        self.fields["channel"].choices = [
            ("", "–"),
            *((c.value, c.label) for c in channels),
        ]

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("channel")
        if channel == AnswerChannel.PAPER and "scan" not in self.errors:
            try:
                check_scan(cleaned.get("scan"))
            except ValidationError as error:
                add_service_errors(self, error)
        if channel == AnswerChannel.ORAL and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Skriv vem som lämnade det muntliga svaret och hur."))
        return cleaned


class MaturityForm(BootstrapFormMixin, forms.Form):
    kind = _kind_field()
    reason = forms.CharField(
        label=_("Bedömning"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Varför eleven har mognad att själv ta ställning till den här typen av samtycke. "
            "Sparas med ditt namn."
        ),
        error_messages={"required": _("Skriv bedömningen som mognaden grundar sig på.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Skriv bedömningen som mognaden grundar sig på."))
        return reason


class RelationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: GuardianRelation) -> str:
        return f"{obj.guardian.full_name} ({obj.get_relation_type_display()})"


class MandateForm(BootstrapFormMixin, forms.Form):
    relation = RelationChoiceField(
        label=_("God man eller utsedd behörig"),
        queryset=GuardianRelation.objects.none(),
        error_messages={
            "required": _("Välj god man eller utsedd behörig."),
            "invalid_choice": _("Välj god man eller utsedd behörig."),
        },
    )
    kind = _kind_field()
    basis = forms.CharField(
        label=_("Underlag"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("T.ex. förordnande från överförmyndaren med datum."),
        error_messages={"required": _("Ange vad förordnandet grundar sig på.")},
    )

    def __init__(self, *args, relations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].queryset = relations

    @staticmethod
    def relations_of(student):
        return (
            GuardianRelation.objects.current()
            .filter(student=student, relation_type__in=MANDATED_RELATIONS)
            .select_related("guardian")
            .order_by("guardian__family_name", "guardian__given_name", "pk")
        )
