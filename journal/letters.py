"""Invitation letters (kallelser) to a planned health visit, as PDF, with reportlab (issue 6).

A letter goes to the guardians of one student and says when the visit is, what it contains
(the template's name and description: the same for every student of the point) and how to reach
the school nurse. It carries **no health data** — no values, notes, alerts or markers — and no
identity number. Students with protected identity get no letter through these channels: a
letter could give away where the student goes to school, so staff handle them on paper.

Fonts, styles and the escaping of typed text are those of ``journal.pdf``.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from consent.policy import Action, record_filter
from schools.models import ClassMembership, GuardianRelation, SchoolClass, Student

from .access import VISIT_SPEC
from .models import HealthVisit, ProgrammePoint
from .pdf import MARGIN, _Styles, _table, _text
from .services.visits import OPEN_STATUSES, point_for_class, programme_for, with_done

__all__ = [
    "LETTER_STATUSES",
    "Letter",
    "build_letters_pdf",
    "class_point",
    "letter_for",
    "letter_visits",
    "plannable_visits",
    "sender_of",
]


# A letter invites to a visit that is still to come: planned, or already invited (a reminder).
LETTER_STATUSES = OPEN_STATUSES


# --- Querying -----------------------------------------------------------------------------------


def class_point(school_class: SchoolClass) -> ProgrammePoint | None:
    """The class's programme point this year (the visits service decides)."""
    programme = programme_for(school_class.school.organisation_id)
    return point_for_class(school_class, programme)


def plannable_visits(user, *, action: Action | str = Action.WRITE) -> QuerySet[HealthVisit]:
    """Her organisation's EMI visits of students the user may ``action``, in any status."""
    return HealthVisit.objects.filter(record_filter(user, VISIT_SPEC, action=action))


def letter_visits(user, *, action: Action | str = Action.WRITE) -> QuerySet[HealthVisit]:
    """Visits the user may print a letter for: ``plannable_visits`` planned for today or later
    and not yet done; with what a letter shows."""
    open_visits = plannable_visits(user, action=action).filter(
        status__in=LETTER_STATUSES, planned_on__gte=timezone.localdate()
    )
    return (
        with_done(open_visits)
        .filter(is_done=False)
        .select_related("point__template", "school__organisation")
    )


def _current_guardians() -> Prefetch:
    return Prefetch(
        "guardian_relations",
        queryset=GuardianRelation.objects.current()
        .select_related("guardian")
        .order_by("guardian__family_name", "guardian__given_name", "pk"),
        to_attr="current_guardian_relations",
    )


def class_letter_students(
    school_class: SchoolClass, point: ProgrammePoint, students: QuerySet[Student], user
) -> list[Student]:
    """Current members of the class among ``students`` (the caller's visible set, annotated
    for the log) with a letter visit for ``point``; each with ``letter_visit`` and
    ``current_guardian_relations``. Protected-identity students are included: the caller
    counts them and leaves them out of the PDF."""
    memberships = ClassMembership.objects.current().filter(
        school_class=school_class, student=OuterRef("pk")
    )
    visits = letter_visits(user).filter(point=point)
    rows = list(
        students.filter(Exists(memberships), Exists(visits.filter(student=OuterRef("pk"))))
        .prefetch_related(
            Prefetch("health_visits", queryset=visits, to_attr="letter_visit_rows"),
            _current_guardians(),
        )
        .order_by("family_name", "given_name", "pk")
    )
    for student in rows:
        student.letter_visit = student.letter_visit_rows[0]
    return rows


def guardian_names(student: Student) -> list[str]:
    relations = getattr(student, "current_guardian_relations", None)
    if relations is None:
        relations = (
            GuardianRelation.objects.current().filter(student=student).select_related("guardian")
        )
    return [relation.guardian.full_name for relation in relations]


# --- The letter ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sender:
    """Who the guardians contact: the user who prints the letters."""

    name: str
    title: str


def sender_of(user) -> Sender:
    member = getattr(user, "staff_member", None)
    title = ""
    if member is not None:
        title = member.title or member.get_profession_display()
    return Sender(name=user.get_full_name() or user.get_username(), title=title)


@dataclass(frozen=True)
class Letter:
    """What one letter shows; nothing else of the student reaches the PDF."""

    student_name: str
    guardians: tuple[str, ...]
    school: str
    organisation: str
    class_name: str
    planned_on: datetime.date
    visit_name: str
    visit_contents: str


def letter_for(visit: HealthVisit, student: Student, class_name: str = "") -> Letter:
    """The letter of ``visit`` (fetched by ``letter_visits``). Refuses a protected student."""
    if student.protected_identity:
        raise ValueError("No letter for a student with protected identity.")
    template = visit.point.template
    return Letter(
        student_name=student.full_name,
        guardians=tuple(guardian_names(student)),
        school=visit.school.name,
        organisation=visit.school.organisation.name,
        class_name=class_name,
        planned_on=visit.planned_on,
        visit_name=template.name or visit.point.label,
        visit_contents=template.description,
    )


def _long_date(value: datetime.date) -> str:
    return f"{formats.date_format(value, 'l j F Y')} ({value.isoformat()})"


def _letter_story(letter: Letter, sender: Sender, today: datetime.date, styles: _Styles) -> list:
    recipient = _("Till vårdnadshavare för %(name)s") % {"name": letter.student_name}
    parts: list = [
        Paragraph(_text(f"{letter.organisation} – {letter.school}"), styles.small),
        Paragraph(_text(today.isoformat()), styles.right),
        Spacer(1, 10 * mm),
        Paragraph(_text(recipient), styles.body),
    ]
    if letter.guardians:
        parts.append(Paragraph(_text(", ".join(letter.guardians)), styles.body))
    parts += [
        Spacer(1, 8 * mm),
        Paragraph(_text(_("Kallelse till hälsobesök")), styles.title),
    ]
    if letter.class_name:
        welcome = _(
            "%(name)s i klass %(class)s på %(school)s är välkommen till ett hälsobesök hos "
            "skolsköterskan."
        ) % {"name": letter.student_name, "class": letter.class_name, "school": letter.school}
    else:
        welcome = _(
            "%(name)s på %(school)s är välkommen till ett hälsobesök hos skolsköterskan."
        ) % {
            "name": letter.student_name,
            "school": letter.school,
        }
    parts.append(Paragraph(_text(welcome), styles.body))
    contents = letter.visit_name
    if letter.visit_contents:
        contents = f"{letter.visit_name}: {letter.visit_contents}"
    parts += [
        Spacer(1, 4),
        _table(
            [
                (_text(_("Datum")), _text(_long_date(letter.planned_on))),
                (_text(_("Plats")), _text(letter.school)),
                (_text(_("Besöket")), _text(contents)),
            ],
            styles,
            widths=(30 * mm, None),
        ),
        Spacer(1, 6),
        Paragraph(
            _text(
                _(
                    "Hälsobesöken ingår i elevhälsans basprogram. De är frivilliga och "
                    "kostnadsfria. Eleven får tid för frågor, och du som vårdnadshavare är "
                    "välkommen att höra av dig om det finns något skolsköterskan bör känna till."
                )
            ),
            styles.body,
        ),
        Paragraph(_text(_("Meddela skolsköterskan om tiden inte passar.")), styles.body),
        Spacer(1, 8 * mm),
        Paragraph(_text(_("Med vänliga hälsningar")), styles.body),
        Paragraph(
            _text(", ".join(part for part in (sender.name, sender.title) if part)), styles.body
        ),
        Paragraph(_text(letter.school), styles.body),
    ]
    return parts


def build_letters_pdf(
    letters: Sequence[Letter] | Iterable[Letter], *, sender: Sender, title: str = ""
) -> bytes:
    """One page per letter, in the order given."""
    styles = _Styles()
    today = timezone.localdate()
    story: list = []
    for number, letter in enumerate(letters):
        if number:
            story.append(PageBreak())
        story += _letter_story(letter, sender, today, styles)
    if not story:
        story.append(Paragraph(_text(_("Inga kallelser.")), styles.body))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN + 4 * mm,
        rightMargin=MARGIN + 4 * mm,
        topMargin=MARGIN + 6 * mm,
        bottomMargin=MARGIN,
        title=title or _("Kallelse till hälsobesök"),
        author=sender.name,
        creator="Elevhälsojournal",
        invariant=1,
        lang="sv",
    )
    document.build(story)
    return buffer.getvalue()
