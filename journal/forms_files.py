"""Forms for attachments, printouts and record copies. The rules live in the services
(``journal.services.attachments`` and ``.copies``); these forms collect the input and give
the same messages early, so an invalid form never reaches the access log as a print."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from elevhalsa.forms import BootstrapFormMixin
from schools.models import Area

from .models import AttachmentType
from .services.attachments import check_upload
from .services.copies import reason_required

REASON_MAX_LENGTH = 1000


class AttachmentForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Fil"),
        help_text=_("Inskannat dokument som PDF, JPEG, PNG eller TIFF."),
        error_messages={"required": _("Välj en fil."), "empty": _("Filen är tom.")},
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png,image/tiff"}),
    )
    document_type = forms.ChoiceField(
        label=_("Dokumenttyp"),
        choices=[("", "–"), *AttachmentType.choices],
        error_messages={"required": _("Välj en dokumenttyp.")},
    )
    description = forms.CharField(
        label=_("Beskrivning"),
        max_length=200,
        required=False,
        help_text=_("T.ex. vad dokumentet gäller och från vem det kom."),
    )
    scanned = forms.BooleanField(label=_("Inskannat pappersdokument"), required=False, initial=True)

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        try:
            check_upload(uploaded)
        except ValidationError as error:
            raise ValidationError(error.message_dict["file"]) from None
        return uploaded


class PrintForm(BootstrapFormMixin, forms.Form):
    """The reason for a printout and, for a student with protected identity, the assessment
    that lets address and school be shown (the template shows those two fields only then)."""

    reason = forms.CharField(
        label=_("Skäl till utskriften"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Står på varje sida och sparas med utskriften."),
        error_messages={"required": _("Skriv varför du skriver ut.")},
    )
    unmask = forms.BooleanField(label=_("Visa adress och skola"), required=False)
    unmask_assessment = forms.CharField(
        label=_("Bedömning"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Varför adress och skola behövs i utskriften. Sparas med utskriften."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("unmask") and not (cleaned.get("unmask_assessment") or "").strip():
            self.add_error(
                "unmask_assessment",
                _("Skriv bedömningen som gör att adress och skola får visas."),
            )
        if not cleaned.get("unmask"):
            cleaned["unmask_assessment"] = ""
        return cleaned


class RecordCopyForm(PrintForm):
    """A whole-record copy: the area (a records officer chooses; others copy their own),
    an optional period and the reason."""

    area = forms.ChoiceField(label=_("Journal"), choices=Area.choices)
    period_start = forms.DateField(
        label=_("Från och med"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Kontaktdatum; tomt: från början."),
    )
    period_end = forms.DateField(
        label=_("Till och med"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Tomt: till i dag."),
    )

    field_order = ["area", "period_start", "period_end", "reason", "unmask", "unmask_assessment"]

    def __init__(self, *args, areas: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        field.choices = [(value, label) for value, label in Area.choices if value in areas]
        if areas and self.initial.get("area") not in areas:
            self.initial["area"] = areas[
                0
            ]  # the user's own area, passed as initial, else the first
        if len(areas) == 1:
            # Not a choice: the user copies her own area's record. A crafted value is refused.
            field.widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("Slutdatumet kan inte ligga före startdatumet."))
        return cleaned
