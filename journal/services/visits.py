"""Health visits (hälsobesök): the programme an organisation uses, which programme point a class
has this year, planning a class and one visit, and whether a visit is done. Each student's
coverage of the programme and catch-up planning are in ``journal.services.visit_coverage``.

**Done is derived, never stored**: a visit is done when the student has a *signed* journal entry
on the point's template (a draft does not count; an original that was corrected stays signed, so
it still counts). Every list asks the database for it with ``with_done`` (an ``Exists``
annotation), so the worklist cannot disagree with the record.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import ClassMembership, Organisation, SchoolClass, SchoolType

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


def outside_school_year(day: datetime.date | None, school_year: str) -> str | None:
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
    elif problem := outside_school_year(planned_on, school_class.school_year):
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
            save_visit(visit, by)
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
            save_visit(visit, by)
            counts["updated"] += 1
    return counts


def save_visit(visit: HealthVisit, by) -> None:
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
    if problem := outside_school_year(planned_on, school_year):
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
    save_visit(visit, by)
    return visit


# --- Coverage (moved) -------------------------------------------------------------------------

# The coverage lives in ``visit_coverage``, which imports this module; its names stay reachable
# from here (``services.class_coverage``) without an import cycle.
_COVERAGE_NAMES = frozenset(
    {
        "CoverageRow",
        "CoverageWarning",
        "catch_up_rows",
        "class_coverage",
        "coverage",
        "coverage_rows",
        "coverage_warning",
        "coverage_warning_from",
        "current_class",
        "visit_catch_up",
    }
)


def __getattr__(name: str):
    if name in _COVERAGE_NAMES:
        from . import visit_coverage

        return getattr(visit_coverage, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
