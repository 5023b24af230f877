"""Forms for health visits: planning a class on one date, one visit's status, and one point
planned case by case (a catch-up). The rules are
the service's (``journal.services.visits``): the forms ask the same functions, so a message
appears next to its field and nothing typed is lost."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin

from .forms import DateInput
from .models import HealthVisit
from .models.visits import VisitStatus
from .services.visit_coverage import catch_up_errors
from .services.visits import visit_errors


def _max_length(name: str) -> int | None:
    return HealthVisit._meta.get_field(name).max_length


class PlanClassForm(BootstrapFormMixin, forms.Form):
    """One date for the chosen students of the class (by default all shown)."""

    planned_on = forms.DateField(
        label=_("Datum för hälsobesöken"),
        widget=DateInput,
        error_messages={"required": _("Ange ett datum."), "invalid": _("Ange ett giltigt datum.")},
        help_text=_(
            "Inom läsåret. Besök som redan är kallade, avböjda eller genomförda ändras inte."
        ),
    )
    students = forms.MultipleChoiceField(
        label=_("Elever"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Välj minst en elev."),
            "invalid_choice": _("%(value)s går inte i klassen."),
        },
    )

    def __init__(self, *args, students=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Choices are the students shown (public ids: identity numbers never leave the page).
        self.fields["students"].choices = [
            (str(student.public_id), student.full_name) for student in students
        ]
        if not self.is_bound:
            self.initial.setdefault("students", [str(student.public_id) for student in students])

    def selected(self) -> set[str]:
        """The public ids ticked (for the table's checkboxes, also on a form with errors)."""
        if self.is_bound:
            return set(self.data.getlist("students"))
        return set(self.initial.get("students", []))


class VisitForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=VisitStatus.choices,
        error_messages={"required": _("Välj en status.")},
        help_text=_("Genomfört är inget val: besöket blir genomfört när anteckningen signeras."),
    )
    planned_on = forms.DateField(
        label=_("Planerat datum"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("Ange ett giltigt datum.")},
    )
    invited_on = forms.DateField(
        label=_("Kallelse skickad"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("Ange ett giltigt datum.")},
    )
    declined_by = forms.CharField(
        label=_("Avböjt av"),
        required=False,
        max_length=_max_length("declined_by"),
        help_text=_("Vid avböjt: vem som avböjde, t.ex. vårdnadshavare eller eleven."),
    )
    reason = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Vid ej aktuellt: varför, t.ex. flyttat in efter årskursen."),
    )

    def __init__(self, *args, visit: HealthVisit, **kwargs):
        self.visit = visit
        kwargs.setdefault(
            "initial",
            {
                "status": visit.status,
                "planned_on": visit.planned_on,
                "invited_on": visit.invited_on,
                "declined_by": visit.declined_by,
                "reason": visit.reason,
            },
        )
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for name, messages in visit_errors(
            school_year=self.visit.school_year,
            status=cleaned.get("status", ""),
            planned_on=cleaned.get("planned_on"),
            invited_on=cleaned.get("invited_on"),
            declined_by=cleaned.get("declined_by", ""),
            reason=cleaned.get("reason", ""),
        ).items():
            for message in messages:
                self.add_error(name, message)
        return cleaned


class CatchUpForm(BootstrapFormMixin, forms.Form):
    """One programme point planned case by case, or marked not applicable (with a reason)."""

    status = forms.ChoiceField(
        label=_("Vad ska göras?"),
        choices=[
            (VisitStatus.PLANNED, _("Planera besöket det här läsåret")),
            (VisitStatus.NOT_APPLICABLE, _("Markera som ej aktuellt")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Välj om besöket ska planeras eller inte är aktuellt."),
            "invalid_choice": _("Välj om besöket ska planeras eller inte är aktuellt."),
        },
    )
    planned_on = forms.DateField(
        label=_("Planerat datum"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("Ange ett giltigt datum.")},
        help_text=_("Vid planering: ett datum inom läsåret."),
    )
    reason = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Vid ej aktuellt: varför, t.ex. flyttade in efter årskursen. Vid planering valfri. "
            "Inga hälsouppgifter: de skrivs i anteckningen."
        ),
    )

    def __init__(self, *args, school_year: str, **kwargs):
        self.school_year = school_year
        kwargs.setdefault("initial", {"status": VisitStatus.PLANNED})
        super().__init__(*args, **kwargs)
        # Radios, not a text box: the template lays them out in a fieldset.
        self.fields["status"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        for name, messages in catch_up_errors(
            status=cleaned.get("status", ""),
            planned_on=cleaned.get("planned_on"),
            reason=cleaned.get("reason", ""),
            school_year=self.school_year,
        ).items():
            for message in messages:
                self.add_error(name, message)
        return cleaned
