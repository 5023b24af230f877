"""Health visits (hälsobesök): a class's worklist for this year's programme point (and planning
the class on one date), one visit's status, one student's coverage of the basic programme with
points planned case by case (catch-up), and the start page's visits of the week.

Health visits are EMI records: the worklist and a visit's page answer 404 to a user whose area
is not EMI (a psychologist), as an EMI entry does; the student's coverage tab opens through the
policy like every tab of the student but shows no visit data outside EMI. Lists that show a
visit's status show health data: one access-log row per student shown, in one insert.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consent.policy import (
    Action,
    area_of,
    class_members,
    decide,
    get_student_or_404,
    log_shown_students,
    one_moment,
    visible_schools,
    visible_students,
    with_access_reason,
)
from schools.models import Area, SchoolClass, StaffMember, Student
from schools.schoolyear import current_school_year

from ..access import refuse_and_404, visible_entries
from ..forms import add_service_errors
from ..forms_visits import CatchUpForm, PlanClassForm, VisitForm
from ..models import HealthVisit, ProgrammePoint
from ..models.visits import VisitStatus
from ..services import growth_rows
from ..services import visit_coverage as coverage
from ..services import visits as services

# How many visits the start page lists before pointing to the class worklists.
HOME_VISITS = 25


def _works_with_visits(user) -> bool:
    return area_of(user) == Area.EMI


def _organisation_id(user) -> int | None:
    return (
        StaffMember.objects.filter(user_id=user.pk)
        .values_list("organisation_id", flat=True)
        .first()
    )


# --- A class's worklist ---------------------------------------------------------------------


def _worklist_students(
    request, school_class: SchoolClass, point, organisation_id: int
) -> list[Student]:
    """The class's members the user may see (``class_members``), with ``is_done``/``done_at``
    for the point (one query)."""
    students = class_members(request.user, school_class)
    if point is not None:
        students = services.with_done(
            students,
            point,
            organisation=organisation_id,
            entries=visible_entries(request.user),
        )
    return list(students)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@one_moment()
def class_worklist(request, pk: int):
    """Each current member's status for the class's programme point this year, with links to
    the record, the visit's note and the visit; POST plans the chosen students on one date."""
    school_class = get_object_or_404(
        SchoolClass.objects.filter(school__in=visible_schools(request.user)).select_related(
            "school__organisation"
        ),
        pk=pk,
    )
    if not _works_with_visits(request.user):
        raise Http404
    organisation_id = school_class.school.organisation_id
    programme = services.programme_for(organisation_id)
    points = services.programme_points(programme)
    point = services.point_for_class(school_class, programme, points)
    students = _worklist_students(request, school_class, point, organisation_id)
    form = PlanClassForm(request.POST if request.method == "POST" else None, students=students)

    if request.method == "POST":
        if point is None:
            messages.error(request, _("Klassen har inget hälsobesök i programmet det här läsåret."))
            return redirect("journal:class-worklist", pk=school_class.pk)
        if form.is_valid():
            chosen = set(form.cleaned_data["students"])
            try:
                counts = services.plan_class(
                    by=request.user,
                    school_class=school_class,
                    point=point,
                    planned_on=form.cleaned_data["planned_on"],
                    student_ids=[s.pk for s in students if str(s.public_id) in chosen],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _plan_message(counts, form.cleaned_data["planned_on"]))
                return redirect("journal:class-worklist", pk=school_class.pk)

    warnings = services.class_coverage(
        students,
        school_class=school_class,
        points=points,
        organisation=organisation_id,
        entries=visible_entries(request.user),
    )
    for student in students:
        student.coverage = warnings.get(student.pk)
        student.visit = None
        if point is not None and student.coverage is not None:
            student.visit = next(
                (row.visit for row in student.coverage.rows if row.point.pk == point.pk), None
            )
    # The growth column: newest measurement, weight class and flags (issue 7).
    growth_rows.attach_growth_summaries(request.user, students, organisation_id=organisation_id)
    # A visit's status is health data: every student shown is logged, in one insert.
    log_shown_students(request, students, only_protected=False, school=school_class.school)
    return render(
        request,
        "journal/class_worklist.html",
        {
            "school_class": school_class,
            "programme": programme,
            "point": point,
            "students": students,
            "form": form,
            "selected": form.selected(),
        },
    )


def _plan_message(counts: dict[str, int], planned_on: datetime.date) -> str:
    parts = [
        _("Planerade %(count)s hälsobesök till %(date)s.")
        % {"count": counts["created"] + counts["updated"], "date": planned_on.isoformat()}
    ]
    if counts["unchanged"]:
        parts.append(_("%(count)s var redan planerade den dagen.") % {"count": counts["unchanged"]})
    if counts["kept"]:
        parts.append(
            _("%(count)s är kallade, avböjda, uteblivna eller ej aktuella och ändrades inte.")
            % {"count": counts["kept"]}
        )
    if counts["done"]:
        parts.append(_("%(count)s är redan genomförda.") % {"count": counts["done"]})
    if counts["other_organisation"]:
        parts.append(
            _("%(count)s har besöket hos en annan vårdgivare och ändrades inte.")
            % {"count": counts["other_organisation"]}
        )
    return " ".join(parts)


# --- One visit --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def visit_update(request, pk: int):
    """One visit's status, dates, who declined and why: a visit of the user's own care
    provider, for a student she may document on (EMI)."""
    visit = (
        HealthVisit.objects.filter(pk=pk)
        .select_related("student", "point__template", "school")
        .first()
    )
    if visit is None:
        refuse_and_404(request)
    if not _works_with_visits(request.user) or visit.organisation_id != _organisation_id(
        request.user
    ):
        refuse_and_404(request, visit, visit.student)
    student = get_student_or_404(
        request.user, visit.student.public_id, action=Action.WRITE, request=request, record=visit
    )
    form = VisitForm(request.POST if request.method == "POST" else None, visit=visit)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_update(visit=visit, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Hälsobesöket sparades."))
            return redirect(_back_to(request, visit))
    return render(
        request,
        "journal/visit_form.html",
        {
            "student": student,
            "visit": visit,
            "form": form,
            "history": _history(visit),
            "back": _back_to(request, visit),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


def _back_to(request, visit: HealthVisit) -> str:
    """The worklist the nurse came from (only a path of this site), else the student's visits."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return reverse("journal:student-visits", args=[visit.student.public_id])


def _history(visit: HealthVisit) -> list:
    return list(
        visit.history.select_related("history_user").order_by("-history_date", "-history_id")
    )


# --- One student's coverage, and catch-up planning ---------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def student_visits(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.READ, request=request)
    context = {"student": student, "works_with_visits": _works_with_visits(request.user)}
    if context["works_with_visits"]:
        organisation_id = _organisation_id(request.user)
        school_class = coverage.current_class(student)
        rows = coverage.coverage(
            student,
            organisation_id,
            entries=visible_entries(request.user),
            school_class=school_class,
        )
        context |= {
            "rows": rows,
            "school_class": school_class,
            "warning": coverage.coverage_warning(student, rows=rows, school_class=school_class),
            "may_write": decide(request.user, Action.WRITE, student).allowed,
        }
    return render(request, "journal/student_visits.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def visit_catch_up(request, public_id, point_pk: int):
    """One programme point of one student planned case by case this school year (an earlier
    grade's visit missed before she moved in: a catch-up), or marked not applicable with a
    reason: for EMI staff who may document on the student, for a point of her own care
    provider's programme (another programme's point is unknown: 404)."""
    organisation_id = _organisation_id(request.user)
    programme = services.programme_for(organisation_id) if organisation_id else None
    point = (
        ProgrammePoint.objects.filter(pk=point_pk, programme=programme)
        .select_related("template")
        .first()
        if programme is not None
        else None
    )
    if not _works_with_visits(request.user) or point is None:
        refuse_and_404(request, None, Student.objects.filter(public_id=public_id).first())
    student = get_student_or_404(request.user, public_id, action=Action.WRITE, request=request)
    school_class = coverage.current_class(student)
    rows = coverage.coverage(
        student,
        organisation_id,
        entries=visible_entries(request.user),
        programme=programme,
        school_class=school_class,
    )
    row = next(row for row in rows if row.point.pk == point.pk)
    school_year = current_school_year()
    form = CatchUpForm(request.POST if request.method == "POST" else None, school_year=school_year)
    if request.method == "POST" and form.is_valid():
        try:
            visit = coverage.visit_catch_up(
                by=request.user,
                student=student,
                point=point,
                organisation=organisation_id,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if visit.status == VisitStatus.NOT_APPLICABLE:
                message = _("%(label)s är markerat som ej aktuellt.")
            else:
                message = _("%(label)s är planerat till %(date)s.")
            date = visit.planned_on.isoformat() if visit.planned_on else ""
            messages.success(request, message % {"label": point.label, "date": date})
            return redirect("journal:student-visits", public_id=student.public_id)
    first, last = services.school_year_bounds(school_year)
    return render(
        request,
        "journal/visit_catch_up.html",
        {
            "student": student,
            "point": point,
            "row": row,
            "school_class": school_class,
            "school_year": school_year,
            "first_day": first,
            "last_day": last,
            "form": form,
        },
    )


# --- The start page ---------------------------------------------------------------------------


def home_visits(request) -> dict | None:
    """The start page's visits (EMI only): planned or invited this ISO week, and overdue ones
    (planned before today, not done), at the schools where the user serves, of students she
    may see; logged, one row per student shown. A constant number of queries."""
    if not _works_with_visits(request.user):
        return None
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    sunday = monday + datetime.timedelta(days=6)
    visits = list(
        services.with_done(
            HealthVisit.objects.filter(
                school__in=visible_schools(request.user, today),
                student__in=visible_students(request.user, today),
                status__in=services.OPEN_STATUSES,
            ),
            entries=visible_entries(request.user),
        )
        .filter(Q(planned_on__range=(monday, sunday)) | Q(planned_on__lt=today, is_done=False))
        .select_related("student", "point__template", "school")
        .order_by("planned_on", "student__family_name", "student__given_name", "pk")[
            : HOME_VISITS + 1
        ]
    )
    more = len(visits) > HOME_VISITS
    visits = visits[:HOME_VISITS]
    overdue = [v for v in visits if v.planned_on < today and not v.is_done]
    week = [v for v in visits if not (v.planned_on < today and not v.is_done)]
    student_ids = {visit.student_id for visit in visits}
    if student_ids:
        shown = with_access_reason(
            Student.objects.filter(pk__in=student_ids).order_by("pk"), request.user
        )
        log_shown_students(request, shown, only_protected=False)
    return {
        "week": week,
        "overdue": overdue,
        "more": more,
        "monday": monday,
        "sunday": sunday,
        "today": today,
    }
