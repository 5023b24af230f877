"""Coverage of the basic programme per student (issue 6, point 4), and catch-up planning.

A student's *coverage* is the list of the programme's points with, for each, whether it is done
(a signed note by the organisation, at any of its schools), the visit planned for it and where
it lies from the student's grade this year. The law's minimum (REQUIREMENTS 2.1): at least three
visits in grundskola (förskoleklass, anpassad grundskola and specialskola included), two in
sameskola, one in gymnasiet. A visit is *reachable* when it is done, still ahead of the
student's grade, due this year and not declined or not applicable, or planned this year as a
catch-up. A student with no trace of an earlier point (no visit row, no signed note) most likely
moved in: she is planned case by case ("planeras individuellt") with ``visit_catch_up``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import (
    ClassMembership,
    Enrolment,
    Organisation,
    School,
    SchoolClass,
    SchoolType,
    Student,
)
from schools.schoolyear import current_school_year

from ..models import EntryStatus, HealthProgramme, HealthVisit, JournalEntry, ProgrammePoint
from ..models.visits import VisitStatus
from .visits import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    REQUIRED,
    TRACKS,
    outside_school_year,
    programme_for,
    programme_points,
    save_visit,
)

# Where a point may lie to be planned case by case: an earlier grade's (moved in, missed), this
# grade's (the class's own, e.g. for a student who came after the class was planned), or any
# when the student has no class this year. Later grades and other school forms: not now.
CATCH_UP_POSITIONS = ("passed", "current", "unknown")
CATCH_UP_STATUSES = (VisitStatus.PLANNED, VisitStatus.NOT_APPLICABLE)


@dataclass
class CoverageRow:
    """One programme point for one student."""

    point: ProgrammePoint
    done: bool = False
    done_at: datetime.datetime | None = None
    visit: HealthVisit | None = None
    # "done", "ahead" (a later grade), "current" (this grade), "passed" (an earlier grade),
    # "other_track" (another school form), "unknown" (the student has no class this year).
    position: str = "unknown"
    reachable: bool = False

    @property
    def status(self) -> str:
        return self.visit.status if self.visit is not None else ""

    @property
    def planned_on(self) -> datetime.date | None:
        return self.visit.planned_on if self.visit is not None else None

    @property
    def is_catch_up(self) -> bool:
        """A visit planned this school year for an earlier grade's point."""
        return self.position == "passed" and not self.done and self.reachable

    @property
    def may_catch_up(self) -> bool:
        """Whether the point can be planned (or marked not applicable) case by case: not done,
        no visit yet, and not a later grade's (that one is planned with the class)."""
        return not self.done and self.visit is None and self.position in CATCH_UP_POSITIONS

    @property
    def label(self) -> str:
        if self.done:
            return _("Genomfört")
        if self.visit is not None:
            return self.visit.get_status_display()
        return {
            "ahead": _("Kommande"),
            "current": _("Ej planerat"),
            "passed": _("Ej genomfört"),
        }.get(self.position, "–")


@dataclass
class CoverageWarning:
    """The student's reach of the law's minimum; ``message`` is empty when nothing is wrong."""

    track: str | None
    required: int = 0
    done: int = 0
    reachable: int = 0
    moved_in: bool = False
    message: str = ""
    rows: list[CoverageRow] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.message)

    @property
    def catch_ups(self) -> list[CoverageRow]:
        return [row for row in self.rows if row.is_catch_up]


def _grade_on_track(school_type: str, grade: int) -> int:
    return 0 if school_type == SchoolType.FKLASS else grade


def coverage_rows(
    points: list[ProgrammePoint],
    *,
    done_at: dict[int, datetime.datetime],
    visits: dict[int, HealthVisit],
    school_type: str | None,
    grade: int | None,
    school_year: str | None = None,
) -> list[CoverageRow]:
    """The coverage of one student, from what is already read: ``done_at`` by template id,
    ``visits`` by point id, the student's current school form and grade (None: no class)."""
    school_year = school_year or current_school_year()
    track = TRACKS.get(school_type) if school_type else None
    rows = []
    for point in points:
        row = CoverageRow(
            point=point,
            done=point.template_id in done_at,
            done_at=done_at.get(point.template_id),
            visit=visits.get(point.pk),
        )
        if track is None or grade is None:
            row.position = "unknown"
        elif TRACKS.get(point.school_type) != track:
            row.position = "other_track"
        else:
            current = _grade_on_track(school_type, grade)
            first = _grade_on_track(point.school_type, point.grade)
            last = max(first, point.alternative_grade or first)
            if current < first:
                row.position = "ahead"
            elif current <= last:
                row.position = "current"  # also the first of two grades ("åk 7 or 8")
            else:
                row.position = "passed"
        if row.done:
            row.reachable = True
        elif row.position in ("ahead", "current"):
            row.reachable = row.status not in CLOSED_STATUSES
        elif row.visit is not None and row.status in OPEN_STATUSES:
            # A catch-up planned this year for an earlier grade's visit.
            row.reachable = row.visit.school_year == school_year
        rows.append(row)
    return rows


def coverage_warning_from(rows: list[CoverageRow], school_type: str | None) -> CoverageWarning:
    track = TRACKS.get(school_type) if school_type else None
    if track is None:
        return CoverageWarning(track=None, rows=rows)
    own = [row for row in rows if row.position not in ("other_track", "unknown")]
    required = REQUIRED[track]
    done = sum(1 for row in own if row.done)
    reachable = sum(1 for row in own if row.reachable)
    moved_in = any(row.position == "passed" and not row.done and row.visit is None for row in own)
    warning = CoverageWarning(
        track=track,
        required=required,
        done=done,
        reachable=reachable,
        moved_in=moved_in,
        rows=rows,
    )
    if reachable < required:
        if moved_in:
            warning.message = _(
                "Eleven saknar hälsobesök från tidigare årskurser (inflyttad?) och kan med "
                "programmet få högst %(reachable)s av minst %(required)s: planeras individuellt."
            ) % {"reachable": reachable, "required": required}
        else:
            warning.message = _(
                "Eleven kan med programmet få högst %(reachable)s av minst %(required)s "
                "hälsobesök (%(done)s genomförda)."
            ) % {"reachable": reachable, "required": required, "done": done}
    return warning


def current_class(student: Student, on: datetime.date | None = None) -> SchoolClass | None:
    """The student's class this school year (the newest membership if several)."""
    on = on or timezone.localdate()
    membership = (
        ClassMembership.objects.current(on)
        .filter(student=student, school_class__school_year=current_school_year(on))
        .select_related("school_class")
        .order_by("-start_date", "-pk")
        .first()
    )
    return membership.school_class if membership is not None else None


def done_by_student(
    student_ids, templates, *, organisation, entries: QuerySet | None
) -> dict[int, dict[int, datetime.datetime]]:
    """The first signed visit's contact time, by student and template id (one query)."""
    base = entries if entries is not None else JournalEntry.objects.all()
    rows = (
        base.filter(
            status=EntryStatus.SIGNED,
            student_id__in=student_ids,
            template_version__template_id__in=templates,
            organisation=organisation,
        )
        .values("student_id", "template_version__template_id")
        .annotate(first=Min("contact_at"))
        .order_by()
    )
    result: dict[int, dict[int, datetime.datetime]] = defaultdict(dict)
    for row in rows:
        result[row["student_id"]][row["template_version__template_id"]] = row["first"]
    return result


def _visits_by_student(student_ids, points, *, organisation) -> dict[int, dict[int, HealthVisit]]:
    result: dict[int, dict[int, HealthVisit]] = defaultdict(dict)
    visits = HealthVisit.objects.filter(
        student_id__in=student_ids, point__in=points, organisation=organisation
    )
    for visit in visits:
        result[visit.student_id][visit.point_id] = visit
    return result


def coverage(
    student: Student,
    organisation: Organisation | int,
    *,
    entries: QuerySet | None = None,
    programme: HealthProgramme | None = None,
    school_class: SchoolClass | None = None,
) -> list[CoverageRow]:
    """The programme points for ``student``: done (a signed note by the organisation, at any of
    its schools), the visit's status and planned date, and where the point lies from the
    student's grade this year. ``entries``: the page's base (``visible_entries(user)``)."""
    programme = programme or programme_for(organisation)
    points = programme_points(programme)
    school_class = school_class or current_class(student)
    done = done_by_student(
        [student.pk],
        [point.template_id for point in points],
        organisation=organisation,
        entries=entries,
    )
    visits = _visits_by_student([student.pk], points, organisation=organisation)
    return coverage_rows(
        points,
        done_at=done.get(student.pk, {}),
        visits=visits.get(student.pk, {}),
        school_type=school_class.school_type if school_class else None,
        grade=school_class.grade if school_class else None,
    )


def coverage_warning(
    student: Student,
    organisation: Organisation | int | None = None,
    *,
    rows: list[CoverageRow] | None = None,
    school_class: SchoolClass | None = None,
    entries: QuerySet | None = None,
) -> CoverageWarning:
    """Whether the student will get fewer visits than the law asks for (3 in grundskola, 2 in
    sameskola, 1 in gymnasiet). ``organisation`` defaults to the one of the student's
    health-responsible school; ``rows`` from ``coverage`` if already computed."""
    school_class = school_class or current_class(student)
    if school_class is None:
        return CoverageWarning(track=None)
    if rows is None:
        if organisation is None:
            organisation = school_class.school.organisation_id
        rows = coverage(student, organisation, entries=entries, school_class=school_class)
    return coverage_warning_from(rows, school_class.school_type)


def class_coverage(
    students,
    *,
    school_class: SchoolClass,
    points: list[ProgrammePoint],
    organisation: Organisation | int,
    entries: QuerySet | None = None,
) -> dict[int, CoverageWarning]:
    """``coverage_warning`` for every student of a class list in two queries (signed notes and
    visits), whatever the class's size."""
    ids = [student.pk for student in students]
    if not ids or not points:
        return {}
    done = done_by_student(
        ids, [point.template_id for point in points], organisation=organisation, entries=entries
    )
    visits = _visits_by_student(ids, points, organisation=organisation)
    result = {}
    for student_id in ids:
        rows = coverage_rows(
            points,
            done_at=done.get(student_id, {}),
            visits=visits.get(student_id, {}),
            school_type=school_class.school_type,
            grade=school_class.grade,
            school_year=school_class.school_year,
        )
        result[student_id] = coverage_warning_from(rows, school_class.school_type)
    return result


# --- Catch-up: planned case by case -----------------------------------------------------------


def catch_up_rows(rows: list[CoverageRow]) -> list[CoverageRow]:
    """The points of a student's coverage that may be planned case by case."""
    return [row for row in rows if row.may_catch_up]


def catch_up_errors(
    *, status: str, planned_on: datetime.date | None, reason: str, school_year: str
) -> dict[str, list[str]]:
    """What is wrong with a catch-up's planning, keyed by field (the form shows them in place)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if status not in CATCH_UP_STATUSES:
        errors["status"].append(_("Välj om besöket ska planeras eller inte är aktuellt."))
    elif status == VisitStatus.PLANNED:
        if planned_on is None:
            errors["planned_on"].append(_("Ange planerat datum."))
        elif problem := outside_school_year(planned_on, school_year):
            errors["planned_on"].append(problem)
    elif not reason.strip():
        errors["reason"].append(_("Skriv varför besöket inte är aktuellt."))
    return dict(errors)


def catch_up_school(
    student: Student, organisation_id: int, school_class: SchoolClass | None
) -> School | None:
    """Where a catch-up visit belongs: the student's class's school, else her current
    health-responsible school, if it is the organisation's."""
    if school_class is not None and school_class.school.organisation_id == organisation_id:
        return school_class.school
    enrolment = (
        Enrolment.objects.current()
        .filter(
            student=student, is_health_responsible=True, school__organisation_id=organisation_id
        )
        .select_related("school")
        .first()
    )
    return enrolment.school if enrolment is not None else None


def _catch_up_point_error(student: Student, row: CoverageRow | None) -> str | None:
    if row is None:
        return _("Programpunkten hör inte till vårdgivarens basprogram.")
    if row.done:
        return _("%(label)s är redan genomfört: det finns en signerad anteckning.") % {
            "label": row.point.label
        }
    if (
        row.visit is not None
        or HealthVisit.objects.filter(student=student, point=row.point).exists()
    ):
        # Also another care provider's visit: one visit per student and programme point.
        return _(
            "Eleven har redan ett hälsobesök för %(label)s: ändra det i stället för att lägga "
            "till ett nytt."
        ) % {"label": row.point.label}
    if row.position == "ahead":
        return _("%(label)s gäller en senare årskurs: det planeras med klassen det läsåret.") % {
            "label": row.point.label
        }
    if row.position == "other_track":
        return _("%(label)s hör till en annan skolform än elevens klass.") % {
            "label": row.point.label
        }
    return None


def visit_catch_up(
    *,
    by,
    student: Student,
    point: ProgrammePoint,
    organisation: Organisation | int,
    status: str,
    planned_on: datetime.date | None = None,
    reason: str = "",
) -> HealthVisit:
    """A visit for one programme point of one student, planned case by case this school year
    (typically an earlier grade's point missed at another school: a catch-up) or marked not
    applicable with a reason (e.g. moved in after the grade). For a point of the organisation's
    programme that is not done and has no visit; a planned date within this school year.

    Raises ValidationError keyed by field (``point`` for the point's own problem); nothing is
    saved then. Done still comes only from the signed note on the point's template."""
    organisation_id = getattr(organisation, "pk", organisation)
    school_year = current_school_year()
    reason = (reason or "").strip()
    errors = catch_up_errors(
        status=status, planned_on=planned_on, reason=reason, school_year=school_year
    )
    programme = programme_for(organisation_id)
    school_class = current_class(student)
    rows = coverage(student, organisation_id, programme=programme, school_class=school_class)
    row = next((row for row in rows if row.point.pk == point.pk), None)
    if problem := _catch_up_point_error(student, row):
        errors["point"] = [problem]
    school = catch_up_school(student, organisation_id, school_class)
    if school is None:
        errors.setdefault("point", []).append(
            _("Eleven går inte på någon av vårdgivarens skolor: besöket kan inte planeras här.")
        )
    if errors:
        raise ValidationError(errors)
    visit = HealthVisit(
        student=student,
        point=point,
        organisation_id=organisation_id,
        school=school,
        school_year=school_year,
        status=status,
        planned_on=planned_on if status == VisitStatus.PLANNED else None,
        reason=reason,
        updated_by=by,
    )
    try:
        with transaction.atomic():
            save_visit(visit, by)
    except IntegrityError as error:
        # Someone made a visit for the same point at the same moment.
        raise ValidationError(
            {
                "point": [
                    _(
                        "Någon annan lade till ett hälsobesök för programpunkten samtidigt: "
                        "inget sparades. Ladda om sidan."
                    )
                ]
            }
        ) from error
    return visit
