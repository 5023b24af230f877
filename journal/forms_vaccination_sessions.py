"""Forms of a class vaccination session: planning it, the lot and site chosen once at the top of
the session page, and one student's click (outcome, reason, override). The rules are the
services' (``journal.services.vaccination_sessions`` and the dose service): the forms ask them,
so a message appears next to its field and nothing typed is lost."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin

from .forms import DateInput
from .models import Vaccine
from .services import vaccination_sessions as services

# Common injection sites; the nurse picks one for the whole session (changeable per session).
SITE_CHOICES = [
    ("", _("Välj")),
    ("vänster överarm", _("Vänster överarm")),
    ("höger överarm", _("Höger överarm")),
    ("vänster lår", _("Vänster lår")),
    ("höger lår", _("Höger lår")),
]
OUTCOME_CHOICES = [
    (services.GIVEN, _("Given")),
    (services.ABSENT, _("Ej närvarande")),
    (services.DECLINED, _("Avböjd")),
    (services.NO_CONSENT, _("Inget samtycke")),
    (services.CONTRAINDICATED, _("Kontraindikation")),
]


class OrdinationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _("%(vaccine)s – %(kind)s %(start)s–%(end)s (%(by)s)") % {
            "vaccine": obj.vaccine,
            "kind": obj.get_kind_display(),
            "start": obj.valid_from.isoformat(),
            "end": obj.valid_until.isoformat(),
            "by": obj.issued_by_name,
        }


class SessionForm(BootstrapFormMixin, forms.Form):
    """Plan a session: vaccine, a signed general ordination that covers the class, a date."""

    vaccine = forms.ModelChoiceField(
        label=_("Vaccin"),
        queryset=Vaccine.objects.none(),
        error_messages={
            "required": _("Välj vaccin."),
            "invalid_choice": _("Välj ett vaccin i listan."),
        },
    )
    ordination = OrdinationChoiceField(
        label=_("Ordination"),
        queryset=services.Ordination.objects.none(),
        error_messages={
            "required": _("Välj ordination."),
            "invalid_choice": _("Välj en ordination i listan."),
        },
        help_text=_(
            "Signerade generella direktiv som omfattar klassens skola och årskurs och som "
            "fortfarande gäller."
        ),
    )
    planned_on = forms.DateField(
        label=_("Datum"),
        widget=DateInput,
        error_messages={"required": _("Ange ett datum."), "invalid": _("Ange ett giltigt datum.")},
    )

    def __init__(self, *args, school_class, **kwargs):
        super().__init__(*args, **kwargs)
        self.school_class = school_class
        ordinations = services.ordinations_for_class(school_class)
        self.fields["ordination"].queryset = ordinations
        self.fields["vaccine"].queryset = Vaccine.objects.filter(
            active=True, ordinations__in=ordinations
        ).distinct()
        if not self.is_bound:
            self.initial.setdefault("planned_on", timezone.localdate())
            choices = list(ordinations[:2])
            if len(choices) == 1:  # the usual case: one directive for the class's grade
                self.initial.setdefault("ordination", choices[0].pk)
                self.initial.setdefault("vaccine", choices[0].vaccine_id)

    def clean(self):
        data = super().clean()
        if not self.errors:
            errors = services.session_errors(
                school_class=self.school_class,
                vaccine=data.get("vaccine"),
                ordination=data.get("ordination"),
                planned_on=data.get("planned_on"),
            )
            for name, messages in errors.items():
                for message in messages:
                    self.add_error(name, message)
        return data


class LotForm(BootstrapFormMixin, forms.Form):
    """Chosen once at the top of the session, then carried in the page's links and in every
    student's form ("keep vaccine and lot, next student"). Bound from GET parameters."""

    sats = forms.ModelChoiceField(
        label=_("Sats"),
        queryset=services.VaccineLot.objects.none(),
        required=False,
        empty_label=_("Välj sats"),
        error_messages={"invalid_choice": _("Satsen finns inte eller har gått ut.")},
    )
    stalle = forms.ChoiceField(label=_("Injektionsställe"), choices=SITE_CHOICES, required=False)
    vag = forms.CharField(label=_("Administrationssätt"), max_length=50, required=False)

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sats"].queryset = services.lots_for(session.vaccine)
        self.fields["vag"].help_text = _("Enligt ordinationen: %(route)s.") % {
            "route": session.ordination.route
        }

    def chosen(self) -> dict:
        """lot, site and route, or their empty values when not (validly) chosen."""
        if not self.is_valid():
            return {"lot": None, "site": "", "route": ""}
        return {
            "lot": self.cleaned_data["sats"],
            "site": self.cleaned_data["stalle"],
            "route": self.cleaned_data["vag"].strip(),
        }


class OutcomeForm(forms.Form):
    """One student's click: the outcome (the button pressed), a reason where one is needed, the
    override reason for a dose without a registered consent."""

    student = forms.UUIDField(error_messages={"required": _("Välj elev.")})
    outcome = forms.ChoiceField(
        choices=OUTCOME_CHOICES, error_messages={"required": _("Välj utfall.")}
    )
    reason = forms.CharField(label=_("Skäl"), max_length=2000, required=False)
    consent_override_reason = forms.CharField(
        label=_("Skäl att vaccinera utan registrerat samtycke"), max_length=2000, required=False
    )
