"""Health visits (hälsobesök): which programme point a class has this year, planning a class and
one visit, whether a visit is done, and each student's coverage of the basic programme.

**Done is derived, never stored**: a visit is done when the student has a *signed* journal entry
on the point's template (a draft does not count; an original that was corrected stays signed, so
it still counts). Every list asks the database for it with ``with_done`` (an ``Exists``
annotation), so the worklist cannot disagree with the record.

Coverage counts the law's minimum (REQUIREMENTS 2.1): at least three visits in grundskola
(förskoleklass, anpassad grundskola and specialskola included), two in sameskola, one in
gymnasiet. A visit is *reachable* when it is done, still ahead of the student's grade, due this
year and not declined or not applicable, or planned this year as a catch-up. A student with no
trace of an earlier point (no visit row, no signed note) most likely moved in: she is planned
case by case ("planeras individuellt").
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import ClassMembership, Organisation, SchoolClass, SchoolType, Student
from schools.schoolyear import current_school_year

from ..models import EntryStatus, HealthProgramme, HealthVisit, JournalEntry, ProgrammePoint
from ..models.visits import VisitStatus

# The school year as planning sees it: from the first of August to the last of June.
FIRST_DAY = (8, 1)
LAST_DAY = (6, 30)

GRUNDSKOLA = "grundskola"
SAMESKOLA = "sameskola"
GYMNASIET = "gymnasiet"
# School form → the programme track it belongs to, and the law's minimum number of visits.
TRACKS = {
    SchoolType.FKLASS: GRUNDSKOLA,
    SchoolType.GR: GRUNDSKOLA,
    SchoolType.GRS: GRUNDSKOLA,
    SchoolType.SP: GRUNDSKOLA,
    SchoolType.SAM: SAMESKOLA,
    SchoolType.GY: GYMNASIET,
    SchoolType.GYS: GYMNASIET,
}
REQUIRED = {GRUNDSKOLA: 3, SAMESKOLA: 2, GYMNASIET: 1}
# A programme's points name FKLASS, GR and GY; a class of another form of the same track uses
# those unless the organisation's programme has points of its own for the form.
POINT_FORM_FALLBACK = {
    SchoolType.GRS: SchoolType.GR,
    SchoolType.SP: SchoolType.GR,
    SchoolType.SAM: SchoolType.GR,
    SchoolType.GYS: SchoolType.GY,
}
# Statuses of a visit that still leads to a visit; declined and not applicable do not.
OPEN_STATUSES = (VisitStatus.PLANNED, VisitStatus.INVITED)
CLOSED_STATUSES = (VisitStatus.DECLINED, VisitStatus.NOT_APPLICABLE)


# --- The programme ---------------------------------------------------------------------------


def programme_for(organisation: Organisation | int | None) -> HealthProgramme | None:
    """The organisation's published programme, else the national one (one query)."""
    organisation_id = getattr(organisation, "pk", organisation)
    return (
        HealthProgramme.objects.filter(
            Q(organisation_id=organisation_id) | Q(organisation__isnull=True),
            status=HealthProgramme.Status.PUBLISHED,
        )
        .order_by(F("organisation_id").asc(nulls_last=True))
        .first()
    )


def programme_points(programme: HealthProgramme | None) -> list[ProgrammePoint]:
    if programme is None:
        return []
    return list(programme.points.select_related("template").order_by("order"))


def point_matches(point: ProgrammePoint, school_type: str, grade: int) -> bool:
    return point.school_type == school_type and grade in (point.grade, point.alternative_grade)


def point_for_class(
    school_class: SchoolClass,
    programme: HealthProgramme | None,
    points: list[ProgrammePoint] | None = None,
) -> ProgrammePoint | None:
    """The programme point for the class's school form and grade (or alternative grade); None
    when the class has no visit this year. ``points``: the programme's points if already read."""
    if points is None:
        points = programme_points(programme)
    forms = [school_class.school_type]
    if school_class.school_type in POINT_FORM_FALLBACK:
        forms.append(POINT_FORM_FALLBACK[school_class.school_type])
    for school_type in forms:
        for point in points:
            if point_matches(point, school_type, school_class.grade):
                return point
    return None


def school_year_bounds(school_year: str) -> tuple[datetime.date, datetime.date]:
    """First and last day a visit of ``school_year`` ("2026/27") may be planned on."""
    first = int(school_year[:4])
    return datetime.date(first, *FIRST_DAY), datetime.date(first + 1, *LAST_DAY)


def _outside_school_year(day: datetime.date | None, school_year: str) -> str | None:
    if day is None:
        return None
    first, last = school_year_bounds(school_year)
    if first <= day <= last:
        return None
    return _("Datumet ligger utanför läsåret %(year)s (%(first)s–%(last)s).") % {
        "year": school_year,
        "first": first.isoformat(),
        "last": last.isoformat(),
    }


# --- Done: a signed entry on the point's template --------------------------------------------


def done_entries(
    *, student, template, organisation=None, entries: QuerySet | None = None
) -> QuerySet[JournalEntry]:
    """Signed entries that make a visit done: of ``student`` (None: any) on ``template`` (values
    or ``OuterRef``s), by ``organisation`` when given. ``entries``: the base, e.g. the user's
    ``journal.access.visible_entries`` (a page shows nothing the record filter hides)."""
    base = entries if entries is not None else JournalEntry.objects.all()
    signed = base.filter(status=EntryStatus.SIGNED, template_version__template=template)
    if student is not None:
        signed = signed.filter(student=student)
    if organisation is not None:
        signed = signed.filter(organisation=organisation)
    return signed


def with_done(
    queryset: QuerySet,
    point: ProgrammePoint | None = None,
    *,
    organisation=None,
    entries: QuerySet | None = None,
) -> QuerySet:
    """Annotate ``is_done`` and ``done_at`` (the first signed visit's contact time).

    For ``HealthVisit`` rows each row's own point, student and organisation are used; for
    ``Student`` rows give the ``point`` (and the ``organisation`` whose entries count)."""
    if queryset.model is HealthVisit:
        signed = done_entries(
            student=OuterRef("student_id"),
            template=OuterRef("point__template_id"),
            organisation=organisation if organisation is not None else OuterRef("organisation_id"),
            entries=entries,
        )
    else:
        if point is None:
            raise ValueError("with_done on students needs the programme point.")
        signed = done_entries(
            student=OuterRef("pk"),
            template=point.template_id,
            organisation=organisation,
            entries=entries,
        )
    first = signed.order_by("contact_at", "pk").values("contact_at")[:1]
    return queryset.annotate(is_done=Exists(signed), done_at=Subquery(first))


# --- Planning ---------------------------------------------------------------------------------


def plan_class(
    *,
    by,
    school_class: SchoolClass,
    point: ProgrammePoint,
    planned_on: datetime.date,
    student_ids=None,
) -> dict[str, int]:
    """Plan the visit at ``point`` on ``planned_on`` for the class's current members (or the
    ``student_ids`` among them). A new visit is made *planned*; a planned one gets the new
    date; an invited, declined, missed or not-applicable one keeps its status; a done one (a
    signed note) is left alone. Returns the counts: created, updated, unchanged, kept, done and
    other_organisation (a visit another care provider holds).

    Raises ValidationError for a date outside the class's school year, a point that is not the
    class's, students who are not current members, or a visit someone else made at the same
    moment (nothing is saved then)."""
    errors = {}
    if planned_on is None:
        errors["planned_on"] = [_("Ange ett datum.")]
    elif problem := _outside_school_year(planned_on, school_class.school_year):
        errors["planned_on"] = [problem]
    if not point_matches(point, school_class.school_type, school_class.grade) and not (
        school_class.school_type in POINT_FORM_FALLBACK
        and point_matches(point, POINT_FORM_FALLBACK[school_class.school_type], school_class.grade)
    ):
        errors["point"] = [_("Programpunkten gäller inte klassens skolform och årskurs.")]
    members = set(
        ClassMembership.objects.current()
        .filter(school_class=school_class)
        .values_list("student_id", flat=True)
    )
    ids = members if student_ids is None else {int(pk) for pk in student_ids}
    if ids - members:
        errors["students"] = [
            _("%(count)s av eleverna går inte i klassen: inget planerades.")
            % {"count": len(ids - members)}
        ]
    elif not ids:
        errors["students"] = [_("Välj minst en elev.")]
    if errors:
        raise ValidationError(errors)
    try:
        return _plan(by=by, school_class=school_class, point=point, planned_on=planned_on, ids=ids)
    except IntegrityError as error:
        # Someone planned the same students at the same moment (one visit per student and point).
        raise ValidationError(
            _(
                "Någon annan planerade samma elever samtidigt: inget sparades. "
                "Ladda om sidan och försök igen."
            ),
            code="conflict",
        ) from error


@transaction.atomic
def _plan(*, by, school_class, point, planned_on, ids) -> dict[str, int]:
    school = school_class.school
    counts = dict.fromkeys(
        ("created", "updated", "unchanged", "kept", "done", "other_organisation"), 0
    )
    existing = {
        visit.student_id: visit
        for visit in HealthVisit.objects.select_for_update().filter(point=point, student_id__in=ids)
    }
    done = set(
        done_entries(student=None, template=point.template_id, organisation=school.organisation_id)
        .filter(student_id__in=ids)
        .values_list("student_id", flat=True)
    )
    for student_id in sorted(ids):
        visit = existing.get(student_id)
        if visit is not None and visit.organisation_id != school.organisation_id:
            counts["other_organisation"] += 1
        elif student_id in done:
            counts["done"] += 1
        elif visit is None:
            visit = HealthVisit(
                student_id=student_id,
                point=point,
                organisation_id=school.organisation_id,
                school=school,
                school_year=school_class.school_year,
                status=VisitStatus.PLANNED,
                planned_on=planned_on,
                updated_by=by,
            )
            _save(visit, by)
            counts["created"] += 1
        elif visit.status != VisitStatus.PLANNED:
            counts["kept"] += 1
        elif visit.planned_on == planned_on and visit.school_id == school.pk:
            counts["unchanged"] += 1
        else:
            visit.planned_on = planned_on
            visit.school = school
            visit.school_year = school_class.school_year
            visit.updated_by = by
            _save(visit, by)
            counts["updated"] += 1
    return counts


def _save(visit: HealthVisit, by) -> None:
    visit._history_user = by
    visit.full_clean(validate_unique=False, validate_constraints=False)
    visit.save()


def visit_errors(
    *,
    school_year: str,
    status: str,
    planned_on: datetime.date | None,
    invited_on: datetime.date | None,
    declined_by: str,
    reason: str,
    today: datetime.date | None = None,
) -> dict[str, list[str]]:
    """What is wrong with a visit's planning, keyed by field (the form shows them in place)."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = defaultdict(list)
    if status not in VisitStatus.values:
        errors["status"].append(_("Välj en status."))
    if problem := _outside_school_year(planned_on, school_year):
        errors["planned_on"].append(problem)
    if status in OPEN_STATUSES and planned_on is None:
        errors["planned_on"].append(_("Ange planerat datum."))
    if status == VisitStatus.INVITED and invited_on is None:
        errors["invited_on"].append(_("Ange när kallelsen skickades."))
    if invited_on is not None and invited_on > today:
        errors["invited_on"].append(_("Kallelsen kan inte ha skickats i framtiden."))
    if status == VisitStatus.DECLINED and not declined_by.strip():
        errors["declined_by"].append(_("Ange vem som avböjde, t.ex. vårdnadshavare eller eleven."))
    if status == VisitStatus.NOT_APPLICABLE and not reason.strip():
        errors["reason"].append(_("Skriv varför besöket inte är aktuellt."))
    return dict(errors)


@transaction.atomic
def visit_update(
    *,
    visit: HealthVisit,
    by,
    status: str,
    planned_on: datetime.date | None = None,
    invited_on: datetime.date | None = None,
    declined_by: str = "",
    reason: str = "",
) -> HealthVisit:
    """Change one visit's planning. Declined needs who declined, not applicable a reason, a
    planned or invited visit a date within its school year. The history keeps every version."""
    visit = HealthVisit.objects.select_for_update().get(pk=visit.pk)
    declined_by = (declined_by or "").strip()
    reason = (reason or "").strip()
    if errors := visit_errors(
        school_year=visit.school_year,
        status=status,
        planned_on=planned_on,
        invited_on=invited_on,
        declined_by=declined_by,
        reason=reason,
    ):
        raise ValidationError(errors)
    visit.status = status
    visit.planned_on = planned_on
    visit.invited_on = invited_on
    visit.declined_by = declined_by if status == VisitStatus.DECLINED else ""
    visit.reason = reason
    visit.updated_by = by
    _save(visit, by)
    return visit


# --- Coverage ---------------------------------------------------------------------------------


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


def _done_by_student(
    student_ids, templates, *, organisation, entries: QuerySet | None
) -> dict[int, dict[int, datetime.datetime]]:
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
    done = _done_by_student(
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
    done = _done_by_student(
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
