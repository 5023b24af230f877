"""PDF printouts of entries and whole-record copies (R-PRT-1), with reportlab.

reportlab installs from wheels alone (no Pango, Cairo or other system libraries), and its
built-in Helvetica covers Swedish (å ä ö, the en dash) through WinAnsi, so no font files are
shipped. ``invariant`` keeps the bytes free of random ids and the creation time, so the same
copy renders to the same file.

Every page carries the student's name and number at the top and, at the bottom, when and by
whom it was printed and why, and "Sida x av y". A student with protected identity has her
address and school (also the unit of each entry) masked unless the copy records an assessment
that lets them show.

All text that users typed goes through ``_text`` (XML-escaped): reportlab's ``Paragraph``
reads a small markup language, and a note is never markup.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.db.models import Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from schools.models import Area, Enrolment, Student

from .models import Attachment, EntryMark, EntryStatus, JournalEntry, KeywordValue, RecordCopy
from .services.entries import active_marks

FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
MARGIN = 18 * mm
FURNITURE_SIZE = 8


def masked_text() -> str:
    return _("Skyddade personuppgifter – maskerat")


# --- Querying -----------------------------------------------------------------------------------


def with_print_data(entries: QuerySet[JournalEntry]) -> QuerySet[JournalEntry]:
    """Everything a printed entry shows, in a constant number of queries."""
    return entries.select_related(
        "template_version__template", "school", "corrects"
    ).prefetch_related(
        Prefetch(
            "values",
            queryset=KeywordValue.objects.select_related("keyword").order_by("keyword__order"),
        ),
        "entry_codes__code__version",
        Prefetch("marks", queryset=EntryMark.objects.order_by("created_at", "pk")),
        Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "pk")),
        Prefetch(
            "corrections",
            queryset=JournalEntry.objects.filter(status=EntryStatus.SIGNED).order_by("signed_at"),
            to_attr="signed_corrections",
        ),
    )


# --- Text helpers -------------------------------------------------------------------------------


def _text(value) -> str:
    """User text as Paragraph markup: escaped, line breaks kept."""
    return escape(str(value or "")).replace("\r\n", "\n").replace("\n", "<br/>")


def _time(value: datetime.datetime | None) -> str:
    if value is None:
        return "–"
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else "–"


def _fit(text: str, width: float, font: str = FONT, size: float = FURNITURE_SIZE) -> str:
    """Cut ``text`` with an ellipsis so that it fits ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _schools(student: Student) -> list[str]:
    enrolments = getattr(student, "current_health_enrolments", None)
    if enrolments is None:
        enrolments = (
            Enrolment.objects.current()
            .filter(student=student, is_health_responsible=True)
            .select_related("school")
        )
    return [enrolment.school.name for enrolment in enrolments]


def _address(student: Student) -> str:
    place = f"{student.postal_code} {student.city}".strip()
    return ", ".join(part for part in (student.street_address, place) if part) or "–"


# --- Page furniture -----------------------------------------------------------------------------


def _canvas_maker(running_head: str, footer: str):
    """A canvas that draws the running head, the footer and "Sida x av y" on every page once
    the total is known (the pages are kept until ``save``)."""

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self):  # reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            width, height = self._pagesize
            usable = width - 2 * MARGIN
            page = _("Sida %(page)s av %(total)s") % {
                "page": self._pageNumber,
                "total": total,
            }
            self.saveState()
            self.setFont(FONT, FURNITURE_SIZE)
            self.setFillColor(colors.black)
            self.drawString(MARGIN, height - 10 * mm, _fit(running_head, usable))
            self.setStrokeColor(colors.grey)
            self.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
            page_width = stringWidth(page, FONT, FURNITURE_SIZE)
            self.drawString(MARGIN, 10 * mm, _fit(footer, usable - page_width - 6 * mm))
            self.drawRightString(width - MARGIN, 10 * mm, page)
            self.restoreState()

    return NumberedCanvas


# --- Content ------------------------------------------------------------------------------------


class _Styles:
    def __init__(self):
        sample = getSampleStyleSheet()
        self.title = ParagraphStyle("title", parent=sample["Title"], fontName=FONT_BOLD)
        self.h2 = ParagraphStyle(
            "h2", parent=sample["Heading2"], fontName=FONT_BOLD, spaceBefore=10
        )
        self.h3 = ParagraphStyle(
            "h3", parent=sample["Heading3"], fontName=FONT_BOLD, spaceBefore=8, spaceAfter=4
        )
        self.body = ParagraphStyle("body", parent=sample["BodyText"], fontName=FONT, fontSize=9.5)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=8.5, leading=10.5)
        self.label = ParagraphStyle("label", parent=self.small, fontName=FONT_BOLD)
        self.note = ParagraphStyle(
            "note",
            parent=self.body,
            backColor=colors.HexColor("#f2f2f2"),
            borderPadding=4,
            spaceBefore=4,
            spaceAfter=6,
        )
        self.right = ParagraphStyle("right", parent=self.small, alignment=TA_RIGHT)


def _table(rows, styles: _Styles, widths=(45 * mm, None)) -> Table:
    data = [
        [Paragraph(label, styles.label), Paragraph(value, styles.small)] for label, value in rows
    ]
    available = A4[0] - 2 * MARGIN
    col_widths = [widths[0], available - widths[0]]
    table = Table(data, colWidths=col_widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return table


def _student_part(copy: RecordCopy, student: Student, styles: _Styles, counts: str) -> list:
    masked = student.protected_identity and not copy.unmasked
    schools = ", ".join(_schools(student)) or "–"
    rows = [
        (_("Namn"), _text(student.full_name)),
        (_text(student.get_identity_kind_display()), _text(student.identity_display or "–")),
        (_("Födelsedatum"), _date(student.birth_date)),
        (_("Adress"), _text(masked_text() if masked else _address(student))),
        (_("Skolenhet"), _text(masked_text() if masked else schools)),
        (_("Vårdgivare"), _text(copy.organisation.name)),
        (_("Journal"), _text(Area(copy.area).label)),
    ]
    if copy.kind == RecordCopy.Kind.RECORD:
        if copy.period_start or copy.period_end:
            period = f"{_date(copy.period_start)} – {_date(copy.period_end)}"
        else:
            period = _("Hela journalen")
        rows.append((_("Period"), _text(period)))
        rows.append((_("Innehåll"), _text(counts)))
    rows.append((_("Skäl till utskriften"), _text(copy.reason or "–")))
    parts = [
        Paragraph(_text(copy.get_kind_display()), styles.title),
        _table(rows, styles),
    ]
    if student.protected_identity:
        if copy.unmasked:
            notice = _(
                "Eleven har skyddade personuppgifter. Adress och skola visas efter bedömning: "
                "%(assessment)s"
            ) % {"assessment": copy.unmask_assessment}
        else:
            notice = _(
                "Eleven har skyddade personuppgifter: adress och skola är maskerade i utskriften."
            )
        parts.append(Spacer(1, 4))
        parts.append(Paragraph(_text(notice), styles.note))
    return parts


def _value_text(value: KeywordValue) -> str:
    shown = _text(value.display)
    if value.is_flagged:
        threshold = value.keyword.flag_below.normalize()
        note = _("(avvikande: under gränsvärdet %(threshold)s)") % {
            "threshold": formats.number_format(threshold)
        }
        shown = f"<b>{shown}</b> {_text(note)}"
    return shown


def _entry_part(entry: JournalEntry, copy: RecordCopy, student: Student, styles: _Styles) -> list:
    masked = student.protected_identity and not copy.unmasked
    correction = next(iter(getattr(entry, "signed_corrections", [])), None)
    template_name = entry.template_version.template.name
    heading = f"{_text(template_name)} – {_time(entry.contact_at)}"
    if entry.is_signed:
        status = _("Signerad %(time)s") % {"time": _time(entry.signed_at)}
    else:
        status = entry.state_label
    unit = "–"
    if entry.school is not None:
        unit = masked_text() if masked else entry.school.name
    author = entry.author_name + (f", {entry.author_title}" if entry.author_title else "")
    rows = [
        (_("Kontakt"), _text(f"{_time(entry.contact_at)}, {entry.get_contact_type_display()}")),
        (_("Skriven"), _text(_time(entry.created_at))),
        (_("Av"), _text(author)),
        (_("Vårdenhet"), _text(unit)),
        (_("Status"), _text(status)),
    ]
    parts: list = [CondPageBreak(40 * mm), Paragraph(heading, styles.h2)]
    if correction is not None:
        parts.append(
            Paragraph(
                _text(
                    _("Rättad %(time)s av %(name)s: %(reason)s")
                    % {
                        "time": _time(correction.signed_at),
                        "name": correction.author_name,
                        "reason": correction.correction_reason,
                    }
                ),
                styles.note,
            )
        )
    if entry.corrects_id is not None:
        parts.append(
            Paragraph(
                _text(
                    _("Rättelse av anteckningen från %(time)s. Skäl: %(reason)s")
                    % {"time": _time(entry.corrects.contact_at), "reason": entry.correction_reason}
                ),
                styles.note,
            )
        )
    parts.append(_table(rows, styles))

    values = [value for value in entry.values.all() if value.display]
    if values:
        value_rows = []
        for value in values:
            shown = _value_text(value)
            if correction is not None:
                shown = f"<strike>{shown}</strike>"
            value_rows.append((_text(value.keyword.label), shown))
        parts += [Spacer(1, 4), _table(value_rows, styles)]

    codes = list(entry.entry_codes.all())
    if codes:
        text = "; ".join(
            f"{row.code.version.get_system_display()} {row.code.code} {row.code.title}"
            for row in codes
        )
        parts.append(_labelled(_("Koder"), _text(text), styles, struck=correction is not None))

    marks = active_marks(entry)
    if marks:
        text = "; ".join(
            _("%(mark)s (%(time)s, %(name)s)")
            % {
                "mark": mark.get_kind_display(),
                "time": _time(mark.created_at),
                "name": mark.created_by_name,
            }
            + (f": {mark.reason}" if mark.reason else "")
            for mark in marks
        )
        parts.append(_labelled(_("Markeringar"), _text(text), styles))

    attachments = list(entry.attachments.all())
    if attachments:
        items = []
        for attachment in attachments:
            item = attachment.get_document_type_display()
            if attachment.description:
                item += f" ({attachment.description})"
            if attachment.scanned:
                item += ", " + _("inskannat")
            item += ", " + _date(timezone.localtime(attachment.uploaded_at).date())
            items.append(item)
        parts.append(_labelled(_("Bilagor"), _text("; ".join(items)), styles))
    return [KeepTogether(parts[:4]), *parts[4:]]


def _labelled(label: str, markup: str, styles: _Styles, *, struck: bool = False) -> Paragraph:
    if struck:
        markup = f"<strike>{markup}</strike>"
    return Paragraph(f"<b>{_text(label)}:</b> {markup}", styles.small)


def build_pdf(
    *,
    copy: RecordCopy,
    student: Student,
    entries: Sequence[JournalEntry],
    printed_by: str,
    drafts_left_out: int = 0,
) -> bytes:
    """The PDF of ``copy``: the student part, then each entry (fetched ``with_print_data``)."""
    styles = _Styles()
    counts = _("%(count)s signerade anteckningar.") % {"count": len(entries)}
    if drafts_left_out:
        counts += " " + _("%(count)s osignerade anteckningar i perioden ingår inte i kopian.") % {
            "count": drafts_left_out
        }
    story = _student_part(copy, student, styles, counts)
    if not entries:
        story.append(Spacer(1, 8))
        story.append(Paragraph(_text(_("Inga anteckningar.")), styles.body))
    for entry in entries:
        story += _entry_part(entry, copy, student, styles)

    footer = _("Utskriven %(time)s av %(name)s – %(reason)s") % {
        "time": _time(copy.created_at),
        "name": printed_by,
        "reason": copy.reason or _("inget skäl angivet"),
    }
    running_head = f"{student.full_name}, {student.identity_display} – {copy.get_kind_display()}"
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=str(copy.get_kind_display()),
        author=printed_by,
        creator="Elevhälsojournal",
        invariant=1,
        lang="sv",
    )
    document.build(story, canvasmaker=_canvas_maker(running_head, footer))
    return buffer.getvalue()


__all__ = ["build_pdf", "masked_text", "with_print_data"]
