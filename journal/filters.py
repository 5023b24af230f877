"""The record page's filter: a GET form that narrows a timeline without JavaScript.

The choices come from the entries the user may see of this student (never from all templates or
all staff), in two queries whatever the size of the record. Every filter is an ``Exists`` or a
plain column test, so filters never multiply rows.
"""

from __future__ import annotations

from operator import itemgetter

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin

from .models import CodeSystem, EntryCode, Keyword, KeywordValue
from .models.codes import normalise_code

_label = itemgetter(1)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class EntryFilterForm(BootstrapFormMixin, forms.Form):
    """``entries``: the student's visible entries; the choices are built from them."""

    template = forms.TypedChoiceField(label=_("Mall"), required=False, coerce=int, empty_value=None)
    keyword = forms.ChoiceField(
        label=_("Sökord"),
        required=False,
        help_text=_("Anteckningar där sökordet är ifyllt."),
    )
    code = forms.CharField(
        label=_("Kod"),
        required=False,
        max_length=12,
        help_text=_("KVÅ- eller ICD-10-SE-kod, t.ex. DV112."),
    )
    author = forms.TypedChoiceField(
        label=_("Författare"), required=False, coerce=int, empty_value=None
    )
    date_from = forms.DateField(label=_("Kontakt från och med"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("Kontakt till och med"), required=False, widget=DateInput)
    q = forms.CharField(
        label=_("Fritext"),
        required=False,
        max_length=200,
        help_text=_("Söker i det som skrivits under sökorden."),
    )

    def __init__(self, data=None, *, entries: QuerySet, **kwargs):
        super().__init__(data, **kwargs)
        templates, authors = self._templates_and_authors(entries)
        self.fields["template"].choices = [("", _("Alla mallar")), *templates]
        self.fields["author"].choices = [("", _("Alla författare")), *authors]
        self.fields["keyword"].choices = [("", _("Alla sökord")), *self._keywords(entries)]

    @staticmethod
    def _templates_and_authors(entries: QuerySet) -> tuple[list, list]:
        rows = (
            entries.order_by()
            .values_list(
                "template_version__template_id",
                "template_version__template__name",
                "author_id",
                "author_name",
                "author_title",
            )
            .distinct()
        )
        templates: dict[int, str] = {}
        authors: dict[int, str] = {}
        for template_id, name, author_id, author_name, title in rows:
            templates[template_id] = name
            authors.setdefault(author_id, f"{author_name}, {title}" if title else author_name)
        return sorted(templates.items(), key=_label), sorted(authors.items(), key=_label)

    @staticmethod
    def _keywords(entries: QuerySet) -> list[tuple[str, str]]:
        rows = (
            Keyword.objects.filter(version__in=entries.values("template_version"))
            .order_by("label", "code")
            .values_list("code", "label")
            .distinct()
        )
        labels: dict[str, str] = {}
        for code, label in rows:
            labels.setdefault(code, label)
        return sorted(labels.items(), key=_label)

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).upper()

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Slutdatumet ligger före startdatumet."))
        return cleaned

    @property
    def is_active(self) -> bool:
        """Some filter was given (and the form is valid)."""
        return self.is_valid() and any(
            value not in (None, "") for value in self.cleaned_data.values()
        )

    def apply(self, entries: QuerySet) -> QuerySet:
        """``entries`` narrowed by the valid form; unchanged when the form has errors."""
        if not self.is_valid():
            return entries
        data = self.cleaned_data
        if data["template"] is not None:
            entries = entries.filter(template_version__template_id=data["template"])
        if data["keyword"]:
            filled = (
                Q(text__gt="")
                | Q(number__isnull=False)
                | Q(choice__gt="")
                | Q(yes_no__isnull=False)
                | Q(date__isnull=False)
            )
            entries = entries.filter(
                Exists(
                    KeywordValue.objects.filter(
                        filled, entry=OuterRef("pk"), keyword__code=data["keyword"]
                    )
                )
            )
        if data["code"]:
            variants = {data["code"], normalise_code(CodeSystem.ICD10SE, data["code"])}
            entries = entries.filter(
                Exists(EntryCode.objects.filter(entry=OuterRef("pk"), code__code__in=variants))
            )
        if data["author"] is not None:
            entries = entries.filter(author_id=data["author"])
        if data["date_from"]:
            entries = entries.filter(contact_at__date__gte=data["date_from"])
        if data["date_to"]:
            entries = entries.filter(contact_at__date__lte=data["date_to"])
        if data["q"]:
            entries = entries.filter(
                Exists(
                    KeywordValue.objects.filter(
                        Q(text__icontains=data["q"]) | Q(choice__icontains=data["q"]),
                        entry=OuterRef("pk"),
                    )
                )
            )
        return entries
