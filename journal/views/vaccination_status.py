"""Vaccination status (issue 8, points 4 and 6): one student's status per programme dose and
her history of outcomes, a class's status, a school's due list (with the catch-up list and a CSV
export).

The status (given, due, overdue, ...) crosses the EMI/EPI wall ("vaccination_status" is in
``consent.policy.CROSSES_WALL``): a psychologist sees the student's status list, never the dose
details (vaccine, lot, site, vaccinator), which are EMI records read through the record filter.
The class and school lists are the nurse's worklists: EMI only (404 otherwise), every student
shown logged in one insert. Status counts every signed dose of the student, whoever recorded it:
a dose given elsewhere (or documented from BHV or abroad) must not be offered again.
"""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consent.accesslog import AccessAction
from consent.policy import (
    Action,
    RecordSpec,
    area_of,
    class_members,
    get_student_or_404,
    log_shown_students,
    visible_schools,
    visible_students,
    with_access_reason,
)
from consent.policy.records import record_filter
from elevhalsa.pagination import PAGE_SIZE
from schools.models import Area, ClassMembership, Enrolment, SchoolClass, StaffMember
from schools.schoolyear import current_school_year

from .. import access
from ..models.vaccination import Vaccination
from ..services import vaccination_status as status

# Dose details are EMI records (the DOSES helper's spec in journal.access, if present).
VACCINATION_SPEC = getattr(
    access,
    "VACCINATION_SPEC",
    RecordSpec(
        kind="vaccination", author_field="vaccinator", other_provider_expression=access.SIGNED_ONLY
    ),
)
# Templates the DOSES helper may add: shown on the student's page when they exist.
ACTIONS_TEMPLATE = "journal/vaccination/_student_vaccination_actions.html"
ROW_ACTIONS_TEMPLATE = "journal/vaccination/_vaccination_row_actions.html"
SERIES_ORDER = ("MPR", "HPV", "DTP")
# The school list: due or overdue (default), or only overdue (the catch-up list).
SHOW_DUE, SHOW_CATCH_UP = "aktuella", "ikapp"


def _works_with_vaccinations(user) -> bool:
    return area_of(user) == Area.EMI


def _organisation_id(user) -> int | None:
    return (
        StaffMember.objects.filter(user_id=user.pk)
        .values_list("organisation_id", flat=True)
        .first()
    )


def _optional_template(name: str) -> str | None:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


def _series_table(statuses: dict[int, list[status.DoseStatus]]) -> tuple[list[str], dict]:
    """The series as columns (MPR, HPV, dTp, then any local one) and, per student pk, one cell
    per column: that series' doses in order ([] when none)."""
    cells: dict[int, dict[str, list[status.DoseStatus]]] = {}
    names: set[str] = set()
    for pk, rows in statuses.items():
        by_series = cells.setdefault(pk, {})
        for row in sorted(rows, key=lambda s: (s.dose.series, s.dose.dose_number)):
            by_series.setdefault(row.dose.series, []).append(row)
            names.add(row.dose.series)
    columns = [s for s in SERIES_ORDER if s in names] + sorted(names - set(SERIES_ORDER))
    return columns, {
        pk: [by_series.get(series, []) for series in columns] for pk, by_series in cells.items()
    }


# --- One student -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def student_vaccinations(request, public_id):
    """Status per programme dose; for EMI also the history of outcomes (signed and, for their
    vaccinator, drafts) with the DOSES helper's actions."""
    student = get_student_or_404(request.user, public_id, action=Action.READ, request=request)
    organisation_id = _organisation_id(request.user)
    statuses = status.student_status(student, organisation=organisation_id)
    emi = _works_with_vaccinations(request.user)
    history = []
    if emi:
        history = list(
            Vaccination.objects.filter(student=student)
            .filter(record_filter(request.user, VACCINATION_SPEC))
            .select_related("vaccine", "lot", "replaces")
            .order_by("-given_at", "-pk")
        )
    return render(
        request,
        "journal/vaccination/student_vaccinations.html",
        {
            "student": student,
            "statuses": statuses,
            "works_with_vaccinations": emi,
            "history": history,
            "actions_template": _optional_template(ACTIONS_TEMPLATE) if emi else None,
            "row_actions_template": _optional_template(ROW_ACTIONS_TEMPLATE) if emi else None,
        },
    )


# --- A class -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def class_vaccinations(request, pk: int):
    """Each current member's status per series (a constant number of queries)."""
    school_class = get_object_or_404(
        SchoolClass.objects.filter(school__in=visible_schools(request.user)).select_related(
            "school"
        ),
        pk=pk,
    )
    if not _works_with_vaccinations(request.user):
        raise Http404
    students = list(class_members(request.user, school_class))
    statuses = status.class_status(
        students,
        organisation=school_class.school.organisation_id,
        classes={student.pk: school_class for student in students},
    )
    columns, cells = _series_table(statuses)
    rows = [{"student": student, "cells": cells[student.pk]} for student in students]
    log_shown_students(request, students, only_protected=False, school=school_class.school)
    return render(
        request,
        "journal/vaccination/class_vaccinations.html",
        {"school_class": school_class, "rows": rows, "columns": columns},
    )


# --- A school's due list and catch-up list ----------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def school_due_list(request, pk: int):
    """The students of the school with programme doses due or overdue (``?visa=ikapp``: only
    overdue, the catch-up list of students under 18 missing doses), filtered by class,
    paginated; ``?format=csv`` exports every row, protected-identity students left out."""
    school = get_object_or_404(visible_schools(request.user), pk=pk)
    if not _works_with_vaccinations(request.user):
        raise Http404
    on = timezone.localdate()
    show = SHOW_CATCH_UP if request.GET.get("visa") == SHOW_CATCH_UP else SHOW_DUE
    year_classes = list(
        SchoolClass.objects.filter(school=school, school_year=current_school_year(on)).order_by(
            "grade", "name"
        )
    )
    chosen_class = _chosen_class(request, year_classes)
    enrolled = Enrolment.objects.current(on).filter(school=school, student=OuterRef("pk"))
    candidates = visible_students(request.user).filter(Exists(enrolled))
    if chosen_class is not None:
        members = ClassMembership.objects.current(on).filter(
            school_class=chosen_class, student=OuterRef("pk")
        )
        candidates = candidates.filter(Exists(members))
    students = list(
        with_access_reason(candidates, request.user).order_by("family_name", "given_name", "pk")
    )
    ids = [student.pk for student in students]
    classes = status.current_classes(ids, on)
    statuses = status.class_status(
        students, organisation=school.organisation_id, on=on, classes=classes
    )
    wanted = ("overdue",) if show == SHOW_CATCH_UP else ("due", "overdue")
    rows = []
    for student in students:
        open_doses = [s for s in statuses[student.pk] if s.state in wanted]
        if open_doses:
            rows.append(
                {"student": student, "school_class": classes.get(student.pk), "doses": open_doses}
            )

    if request.GET.get("format") == "csv":
        return _csv(request, school, rows, show)

    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    log_shown_students(
        request, [row["student"] for row in page], only_protected=False, school=school
    )
    return render(
        request,
        "journal/vaccination/school_due_list.html",
        {
            "school": school,
            "page": page,
            "rows": page.object_list,
            "total": len(rows),
            "show": show,
            "classes": year_classes,
            "chosen_class": chosen_class,
            "SHOW_DUE": SHOW_DUE,
            "SHOW_CATCH_UP": SHOW_CATCH_UP,
        },
    )


def _chosen_class(request, classes: list[SchoolClass]) -> SchoolClass | None:
    """The class filter (``?klass=<pk>``): one of the school's classes this year; anything
    else (another school's class, a typo) is no filter."""
    value = request.GET.get("klass", "")
    return next((c for c in classes if str(c.pk) == value), None)


def _csv(request, school, rows: list[dict], show: str) -> HttpResponse:
    """Every row but those of protected-identity students (R-PID-1: excluded from exports);
    logged as an export of each student in it."""
    exported = [row for row in rows if not row["student"].protected_identity]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = "vaccinationer-ikapp" if show == SHOW_CATCH_UP else "vaccinationer-aktuella"
    response["Content-Disposition"] = f'attachment; filename="{name}-{school.pk}.csv"'
    response.write("\ufeff")  # so that Excel reads UTF-8
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Efternamn"),
            _("Förnamn"),
            _("Person- eller reservnummer"),
            _("Klass"),
            _("Dos"),
            _("Status"),
            _("Från"),
            _("Till"),
        ]
    )
    for row in exported:
        student = row["student"]
        for dose in row["doses"]:
            writer.writerow(
                [
                    student.family_name,
                    student.given_name,
                    student.identity_display,
                    row["school_class"].name if row["school_class"] else "",
                    dose.dose.name,
                    _("Försenad") if dose.state == "overdue" else _("Aktuell"),
                    dose.due_from.isoformat() if dose.due_from else "",
                    dose.due_until.isoformat() if dose.due_until else "",
                ]
            )
    log_shown_students(
        request,
        [row["student"] for row in exported],
        action=AccessAction.EXPORT,
        only_protected=False,
        school=school,
    )
    return response
