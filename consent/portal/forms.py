"""Forms of the portal's pages (a guardian's answer) and of the staff pages for decisions about
a guardian's reading (block, extension, end)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin

from ..models import ConsentAnswer, GuardianAccessDecision


class AnswerForm(forms.Form):
    """Which button the guardian pressed: agree, decline or withdraw."""

    answer = forms.ChoiceField(
        choices=ConsentAnswer.Answer.choices,
        error_messages={"required": _("Välj ett svar."), "invalid_choice": _("Välj ett svar.")},
    )


class GuardianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, relation):
        return f"{relation.guardian.full_name} ({relation.get_relation_type_display()})"


class DecisionForm(BootstrapFormMixin, forms.Form):
    """A block or an extension for one guardian of the student, with its reason."""

    relation = GuardianChoiceField(
        label=_("Vårdnadshavare"),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("Välj vårdnadshavare.")},
    )
    kind = forms.ChoiceField(
        label=_("Beslut"),
        choices=GuardianAccessDecision.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Välj spärr eller utökad läsrätt.")},
    )
    reason = forms.CharField(
        label=_("Skäl"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Beslutet och skälet dokumenteras. Vårdnadshavaren ser inte skälet i portalen."
        ),
        error_messages={"required": _("Skriv skälet till beslutet.")},
    )
    valid_until = forms.DateField(
        label=_("Gäller till och med"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Krävs för utökad läsrätt; en spärr gäller tills den upphävs."),
        error_messages={"invalid": _("Skriv datumet som ÅÅÅÅ-MM-DD.")},
    )

    def __init__(self, *args, relations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relation"].queryset = relations
        # Radio buttons are not form controls: Bootstrap's own class for them.
        self.fields["kind"].widget.attrs["class"] = "form-check-input"


class EndDecisionForm(BootstrapFormMixin, forms.Form):
    end_reason = forms.CharField(
        label=_("Skäl till att beslutet upphävs"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Skriv skälet till att beslutet upphävs.")},
    )


def add_service_errors(
    form: forms.Form, error: ValidationError, *, rename: dict[str, str] | None = None
) -> None:
    """A service's ValidationError on the field it names (``rename``: service name → field
    name), anything else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        name = (rename or {}).get(key, key)
        if name not in form.fields or name == NON_FIELD_ERRORS:
            name = None
        form.add_error(name, ValidationError(errors))
