"""Forms of blocks (spärr): a new block, lifting one, and the two reveal steps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin
from schools.models import Area, Organisation, School

from .forms import REASON_MIN_LENGTH


class BlockForm(BootstrapFormMixin, forms.Form):
    """A block's scope. The units and organisations offered are those the student has been
    enrolled at: where her records can have been made."""

    requested_by_student = forms.BooleanField(
        label=_("Eleven har själv begärt spärren"),
        help_text=_(
            "En spärr registreras bara på elevens egen begäran; vårdnadshavare kan inte spärra."
        ),
        error_messages={"required": _("En spärr kräver elevens egen begäran.")},
    )
    area = forms.ChoiceField(
        label=_("Journalområde"),
        choices=[("", _("Båda områdena")), *Area.choices],
        required=False,
    )
    school = forms.ModelChoiceField(
        label=_("Enhet"),
        queryset=School.objects.none(),
        required=False,
        empty_label=_("Hela vårdgivaren"),
        help_text=_("Uppgifterna som enheten har gjort spärras, även efter att eleven bytt skola."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Vårdgivare"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Behövs bara när ingen enhet är vald."),
    )
    records_from = forms.DateField(
        label=_("Uppgifter från"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    records_until = forms.DateField(
        label=_("Uppgifter till"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("Anteckning"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, student, **kwargs):
        super().__init__(*args, **kwargs)
        schools = School.objects.filter(enrolments__student=student).distinct()
        self.fields["school"].queryset = schools.select_related("organisation").order_by("name")
        self.fields["organisation"].queryset = (
            Organisation.objects.filter(schools__enrolments__student=student)
            .distinct()
            .order_by("name")
        )

    def clean(self):
        data = super().clean()
        school, organisation = data.get("school"), data.get("organisation")
        if school is None and organisation is None and not self.errors:
            self.add_error("organisation", _("Välj en enhet eller en vårdgivare."))
        if (
            school is not None
            and organisation is not None
            and school.organisation_id != organisation.pk
        ):
            self.add_error("school", _("Enheten tillhör en annan vårdgivare."))
        start, end = data.get("records_from"), data.get("records_until")
        if start and end and end < start:
            self.add_error("records_until", _("Periodens slut kan inte vara före början."))
        return data


class BlockLiftForm(BootstrapFormMixin, forms.Form):
    lifted_until = forms.DateTimeField(
        label=_("Hävd till"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=_("Tomt: spärren hävs för gott. Annars gäller den igen efter denna tid."),
    )
    lift_reason = forms.CharField(
        label=_("Skäl"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Skriv ett skäl.")},
    )


class RevealForm(BootstrapFormMixin, forms.Form):
    """One reveal step: a written reason and an explicit confirmation."""

    reason = forms.CharField(
        label=_("Skäl"),
        min_length=REASON_MIN_LENGTH,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Varför du behöver uppgifterna. Steget loggas och granskas i efterhand."),
        error_messages={
            "min_length": _("Skriv ett skäl på minst %(limit_value)d tecken."),
            "required": _("Skriv ett skäl."),
        },
    )
    confirmed = forms.BooleanField(
        label=_("Jag bekräftar att jag behöver uppgifterna i vården av eleven"),
        error_messages={"required": _("Bekräfta för att gå vidare.")},
    )
