"""Forms for writing the journal: starting a note, the note itself (one field per keyword of its
template version), a correction's reason and a mark.

What a keyword accepts is decided by ``journal.values.clean_value`` — the same function the
services ask — so the form and ``entry_save_draft`` never disagree; the services stay the
authority on the journal's rules (who, when, which codes), and their ``ValidationError`` lands on
the form through ``add_service_errors``.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import formats, timezone
from django.utils.html import escape, format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import validate_date_range

from .models import (
    Code,
    CodeSystem,
    ContactType,
    JournalEntry,
    Keyword,
    KeywordKind,
    MarkKind,
    TemplateVersion,
    VipsHeading,
)
from .models.codes import code_lookup
from .values import clean_value

KEYWORD_PREFIX = "kw-"
# Codes are typed in one box, separated by commas, semicolons or white space.
CODE_SEPARATORS = re.compile(r"[,;\s]+")
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
YES, NO = "1", "0"


def keyword_field_name(code: str) -> str:
    return f"{KEYWORD_PREFIX}{code}"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; shows and posts local time (Europe/Stockholm)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATETIME_LOCAL_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _now_local() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


def _contact_at_field() -> forms.DateTimeField:
    return forms.DateTimeField(
        label=_("Kontakttid"),
        widget=DateTimeLocalInput(),
        help_text=_("När kontakten ägde rum (inte när du skriver)."),
        validators=[validate_date_range],
    )


def _contact_type_field() -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Kontakttyp"), choices=ContactType.choices)


# --- Starting a note ---------------------------------------------------------------------------


class TemplateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TemplateVersion) -> str:
        return obj.template.name


class EntryStartForm(forms.Form):
    """Which template, what kind of contact and when: enough to create the draft."""

    template_version = TemplateChoiceField(
        label=_("Mall"), queryset=TemplateVersion.objects.none(), empty_label=None
    )
    contact_type = _contact_type_field()
    contact_at = _contact_at_field()

    def __init__(self, *args, templates, template_code: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_version"].queryset = templates
        self.fields["contact_at"].initial = _now_local
        if template_code and not self.is_bound:
            chosen = next((v for v in templates if v.template.code == template_code), None)
            if chosen is not None:
                self.fields["template_version"].initial = chosen.pk
        self.fields["template_version"].widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


# --- The note ----------------------------------------------------------------------------------


class KeywordFieldMixin:
    """After the widget's own parsing, the keyword's own rule (``clean_value``) decides."""

    keyword: Keyword

    def clean(self, value):
        return clean_value(self.keyword, super().clean(value))


class KeywordTextField(KeywordFieldMixin, forms.CharField):
    pass


class KeywordNumberField(KeywordFieldMixin, forms.DecimalField):
    """A number, typed the Swedish way too ("1,0"); a text input, because a number input
    drops what the browser does not parse and the user would lose what she typed."""

    def __init__(self, *, keyword: Keyword, **kwargs):
        super().__init__(min_value=keyword.min_value, max_value=keyword.max_value, **kwargs)
        # clean_value checks the range with a message naming the keyword, its range and unit.
        self.validators = []

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        return super().to_python(value)

    def widget_attrs(self, widget):
        return {"inputmode": "decimal"}


class KeywordChoiceField(KeywordFieldMixin, forms.ChoiceField):
    pass


class KeywordYesNoField(KeywordFieldMixin, forms.TypedChoiceField):
    pass


class KeywordDateField(KeywordFieldMixin, forms.DateField):
    pass


def _number_text(value: Decimal) -> str:
    """A stored number as the user would type it: no trailing zeros, local decimal sign."""
    return formats.number_format(value.normalize())


def _help_text(keyword: Keyword) -> str:
    """The keyword's help text, its allowed range and whether signing needs it; escaped here
    because form templates show help text as HTML and this text is admin-entered data."""
    parts = [keyword.help_text] if keyword.help_text else []
    if keyword.kind == KeywordKind.NUMBER and (
        keyword.min_value is not None or keyword.max_value is not None
    ):
        low, high = keyword.min_value, keyword.max_value
        low_text = _number_text(low) if low is not None else ""
        high_text = _number_text(high) if high is not None else ""
        shown = f"{low_text}–{high_text}"
        if keyword.unit:
            shown = f"{shown} {keyword.unit}"
        parts.append(gettext("Tillåtna värden: %(range)s.") % {"range": shown})
    if keyword.required_at_signing:
        parts.append(gettext("Måste fyllas i innan anteckningen signeras."))
    return escape(" ".join(parts))


def keyword_field(keyword: Keyword) -> forms.Field:
    """The form field for one keyword: label, help text and widget by its kind. Never
    ``required``: a draft may be saved half-written; signing asks for what it needs."""
    label = f"{keyword.label} ({keyword.unit})" if keyword.unit else keyword.label
    common: dict[str, Any] = {"label": label, "required": False, "help_text": _help_text(keyword)}
    kind = keyword.kind
    if kind == KeywordKind.NUMBER:
        field = KeywordNumberField(keyword=keyword, widget=forms.TextInput, **common)
    elif kind == KeywordKind.CHOICE:
        choices = [("", "–"), *((choice, choice) for choice in keyword.choices)]
        field = KeywordChoiceField(choices=choices, **common)
    elif kind == KeywordKind.YES_NO:
        field = KeywordYesNoField(
            choices=[("", "–"), (YES, _("Ja")), (NO, _("Nej"))],
            coerce=lambda value: value == YES,
            empty_value=None,
            **common,
        )
    elif kind == KeywordKind.DATE:
        field = KeywordDateField(widget=DateInput, **common)
    else:
        field = KeywordTextField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    field.keyword = keyword
    return field


def form_value(keyword: Keyword, value) -> Any:
    """A stored keyword value as the form field shows it."""
    if value is None:
        return None
    if keyword.kind == KeywordKind.NUMBER:
        return _number_text(value)
    if keyword.kind == KeywordKind.YES_NO:
        return YES if value else NO
    return value


def parse_codes(text: str) -> tuple[list[Code], list[str]]:
    """(codes, errors) for what was typed in the codes box: each a KVÅ code or an ICD-10-SE
    code of the active lists. Whether this author may use a code is the service's rule."""
    codes: dict[int, Code] = {}
    errors: list[str] = []
    for token in CODE_SEPARATORS.split(text.strip()):
        if not token:
            continue
        code = code_lookup(CodeSystem.KVA, token) or code_lookup(CodeSystem.ICD10SE, token)
        if code is None:
            errors.append(
                gettext("%(code)s finns inte i den aktiva kodlistan.") % {"code": token.upper()}
            )
        elif not code.is_selectable:
            errors.append(
                gettext("%(code)s är en rubrik i kodlistan: välj en mer detaljerad kod.")
                % {"code": code.code}
            )
        else:
            codes.setdefault(code.pk, code)
    return list(codes.values()), errors


def _caption(text) -> str:
    """A fieldset legend as a small caption: the keywords' own labels are what the eye looks
    for. (crispy renders a legend as HTML; ``format_html`` escapes the text.)"""
    return format_html('<span class="fs-6 text-uppercase text-body-secondary">{}</span>', text)


class EntryForm(forms.Form):
    """The note: one field per keyword of its template version (``kw-<code>``), in template
    order under their VIPS headings, then contact, codes and the hidden lock version."""

    contact_type = _contact_type_field()
    contact_at = _contact_at_field()
    codes = forms.CharField(
        label=_("Koder"),
        required=False,
        help_text=_(
            "KVÅ-koder åtskilda med komma eller mellanslag, t.ex. DV112. Skolläkaren kan även "
            "ange diagnoskoder (ICD-10-SE), t.ex. J45.9."
        ),
    )
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, data=None, *, entry: JournalEntry, autofocus: bool = True, **kwargs):
        self.entry = entry
        self.keywords: list[Keyword] = sorted(
            entry.template_version.keywords.all(), key=lambda keyword: keyword.order
        )
        if data is None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(entry)
        super().__init__(data, **kwargs)
        keyword_fields = {keyword_field_name(k.code): keyword_field(k) for k in self.keywords}
        # Keywords first: they are what the page is for, and the tab order follows the page.
        self.fields = {**keyword_fields, **self.fields}
        self.autofocus = autofocus
        if keyword_fields and autofocus:
            first = next(iter(keyword_fields.values()))
            first.widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *self._keyword_fieldsets(),
            Fieldset(_caption(gettext("Kontakt och koder")), "contact_type", "contact_at", "codes"),
            "lock_version",
        )

    def initial_for(self, entry: JournalEntry) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "contact_type": entry.contact_type,
            "contact_at": entry.contact_at,
            "lock_version": entry.lock_version,
            "codes": ", ".join(code.code for code in entry.codes.all()),
        }
        for value in entry.values.select_related("keyword"):
            initial[keyword_field_name(value.keyword.code)] = form_value(value.keyword, value.value)
        return initial

    def _keyword_fieldsets(self) -> list[Fieldset]:
        """Consecutive keywords under one VIPS heading share a fieldset with it as legend."""
        headings = dict(VipsHeading.choices)
        groups: list[tuple[str, list[str]]] = []
        for keyword in self.keywords:
            if not groups or groups[-1][0] != keyword.vips_heading:
                groups.append((keyword.vips_heading, []))
            groups[-1][1].append(keyword_field_name(keyword.code))
        return [
            Fieldset(
                _caption(headings.get(heading, heading)),
                *names,
                css_class="mb-3",
            )
            for heading, names in groups
        ]

    def clean_codes(self) -> list[Code]:
        codes, errors = parse_codes(self.cleaned_data.get("codes", ""))
        if errors:
            raise ValidationError(errors)
        return codes

    def full_clean(self):
        super().full_clean()
        self._focus_first_error()

    def _focus_first_error(self) -> None:
        if not self.errors or not self.autofocus:
            return
        first = next((name for name in self.fields if name in self.errors), None)
        if first is None or first == "lock_version":
            return
        for field in self.fields.values():
            field.widget.attrs.pop("autofocus", None)
        self.fields[first].widget.attrs["autofocus"] = True

    def field_problems(self) -> list[forms.BoundField]:
        """The fields with errors, in page order (the page's error summary links to them)."""
        return [self[name] for name in self.fields if name in self.errors]

    # --- what the service gets ---

    def keyword_values(self) -> dict[str, Any]:
        return {
            keyword.code: self.cleaned_data.get(keyword_field_name(keyword.code))
            for keyword in self.keywords
        }

    def service_arguments(self) -> dict[str, Any]:
        return {
            "lock_version": self.cleaned_data["lock_version"],
            "values": self.keyword_values(),
            "codes": self.cleaned_data["codes"],
            "contact_at": self.cleaned_data["contact_at"],
            "contact_type": self.cleaned_data["contact_type"],
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's ValidationError on the fields it names (keyword codes map to their
        ``kw-`` fields); anything else above the form."""
        add_service_errors(self, error, rename=lambda key: keyword_field_name(key))
        self._focus_first_error()


def add_service_errors(form: forms.Form, error: ValidationError, *, rename=None) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        name = key
        if name not in form.fields and rename is not None:
            name = rename(key)
        if name not in form.fields or name == NON_FIELD_ERRORS:
            name = None
        form.add_error(name, ValidationError(errors))


# --- Corrections and marks ---------------------------------------------------------------------


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Skäl till rättelsen"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "autofocus": True}),
        help_text=_(
            "Varför anteckningen rättas. Skälet, ditt namn och tiden sparas med rättelsen."
        ),
        error_messages={"required": _("Skriv varför anteckningen rättas.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class MarkForm(forms.Form):
    """Set (``active`` = "1") or withdraw ("0") a mark; posted from the entry page."""

    kind = forms.ChoiceField(label=_("Markering"), choices=MarkKind.choices)
    active = forms.TypedChoiceField(
        label=pgettext_lazy("set or withdraw a mark", "Åtgärd"),
        choices=[(YES, _("Sätt")), (NO, _("Ta bort"))],
        coerce=lambda value: value == YES,
    )
    reason = forms.CharField(label=_("Skäl"), required=False, max_length=2000)

    def error_text(self) -> str:
        return " ".join(
            message for errors in self.errors.values() for message in errors
        ) or gettext("Markeringen kunde inte sparas.")
