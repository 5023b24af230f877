"""The log extract as a PDF, with reportlab (consent imports nothing of the journal's printing).

Helvetica covers Swedish through WinAnsi, so no fonts are shipped; ``invariant`` keeps the
bytes free of random ids. Every text goes through ``_text`` (XML-escaped): reportlab's
``Paragraph`` reads markup, and a name is never markup.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from schools.models import Student

from .extracts import ExtractLine, shows_masked
from .models import LogExtract

MARGIN = 15 * mm


def _text(value) -> str:
    return escape(str(value or ""))


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def build_extract_pdf(
    *, extract: LogExtract, student: Student, lines: Sequence[ExtractLine], printed_by: str
) -> bytes:
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    story = [
        Paragraph(_text(_("Loggutdrag")), styles["Title"]),
        Paragraph(_text(f"{student.full_name}, {student.identity_display}"), body),
        Paragraph(
            _text(
                _(
                    "Period: %(start)s – %(end)s. Framtaget av %(org)s %(time)s, "
                    "på begäran av %(who)s."
                )
                % {
                    "start": extract.period_from.isoformat(),
                    "end": extract.period_to.isoformat(),
                    "org": extract.organisation.name,
                    "time": _time(extract.created_at),
                    "who": extract.requested_by_text,
                }
            ),
            body,
        ),
        Paragraph(
            _text(
                _(
                    "Namn och titel visas för offentliga huvudmän; för enskilda huvudmän visas "
                    "vårdgivare och enhet."
                )
            ),
            small,
        ),
    ]
    if shows_masked(extract):
        story.append(
            Paragraph(
                _text(_("UTKAST – enheter och namn är maskerade i väntan på menprövning.")),
                styles["Heading3"],
            )
        )
    elif extract.harm_assessment:
        story.append(
            Paragraph(
                _text(
                    _("Utlämnat %(time)s efter menprövning.") % {"time": _time(extract.released_at)}
                ),
                small,
            )
        )
    story.append(Spacer(1, 6))
    header = [_("Tidpunkt"), _("Vårdgivare"), _("Enhet"), _("Åtkomst"), _("Namn och titel")]
    rows = [[Paragraph(_text(cell), small) for cell in header]]
    for line in lines:
        cells = [_time(line.at), line.organisation, line.unit, line.access, line.name]
        rows.append([Paragraph(_text(cell), small) for cell in cells])
    if not lines:
        rows.append([Paragraph(_text(_("Inga åtkomster i perioden.")), small), "", "", "", ""])
    table = Table(rows, colWidths=[30 * mm, 50 * mm, 50 * mm, 70 * mm, None], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 6))
    story.append(
        Paragraph(
            _text(
                _("Utskriven %(time)s av %(name)s.")
                % {"time": _time(timezone.now()), "name": printed_by}
            ),
            small,
        )
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=str(_("Loggutdrag")),
        author=printed_by,
        creator="Elevhälsojournal",
        invariant=1,
        lang="sv",
    )
    document.build(story)
    return buffer.getvalue()


__all__ = ["build_extract_pdf"]
