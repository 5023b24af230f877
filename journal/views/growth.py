"""Growth (tillväxt): a student's measurements, SD scores and curves; a new measurement, a
correction, the parents' heights and sharing with the guardians; and a class's heights and
weights on one page.

Growth is EMI: every view opens its student (or measurement) through the policy first, lists go
through the record filter (``GROWTH_SPEC``), so a psychologist sees the page without growth data
and gets 403 on the forms, as for medication. Pages that show growth values of several students
log one row per student, in one insert.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from consent.accesslog import AccessAction
from consent.policy import (
    Action,
    area_of,
    class_members,
    get_student_or_404,
    log_shown_students,
    one_moment,
    visible_schools,
)
from schools.identity import LegalSex
from schools.models import Area, SchoolClass, StaffMember, Student

from ..access import (
    GROWTH_SHARING_SPEC,
    GROWTH_SPEC,
    PARENT_HEIGHT_SPEC,
    get_record_or_404,
    visible_records,
)
from ..forms_growth import (
    ClassEntryForm,
    ClassRowForm,
    CorrectionForm,
    MeasurementForm,
    ParentHeightsForm,
    ShareForm,
)
from ..models import GrowthMeasurement, GrowthSharing, ParentHeights
from ..services import growth as services
from ..services import growth_rows

# How many history rows the growth page lists (newest first).
HISTORY_ROWS = 100


def _works_with_growth(user) -> bool:
    return area_of(user) == Area.EMI


def _organisation_id(user) -> int | None:
    return (
        StaffMember.objects.filter(user_id=user.pk)
        .values_list("organisation_id", flat=True)
        .first()
    )


# --- A student's growth page -----------------------------------------------------------------


def _growth_page(request, student: Student, *, forms: dict | None = None, status: int = 200):
    user = request.user
    works = _works_with_growth(user)
    organisation_id = student.access.organisation_id
    measurements = list(
        visible_records(user, GrowthMeasurement, GROWTH_SPEC)
        .filter(student=student)
        .with_replaced()
        .select_related("entry", "replaces")
    )
    references = growth_rows.references_for(organisation_id)
    rows = growth_rows.growth_rows(measurements, student=student, references=references)
    versions = list(
        visible_records(user, ParentHeights, PARENT_HEIGHT_SPEC)
        .filter(student=student)
        .order_by("-signed_at", "-pk")
    )
    replaced = {version.replaces_id for version in versions if version.is_signed}
    parents = next((v for v in versions if v.is_signed and v.pk not in replaced), None)
    target = services.mid_parental_range(parents, student.legal_sex)
    # Who wrote, changed or signed what (simple-history), newest first: one query.
    history = list(
        GrowthMeasurement.history.filter(id__in=[m.pk for m in measurements])
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:HISTORY_ROWS]
    )
    sharing = (
        visible_records(user, GrowthSharing, GROWTH_SHARING_SPEC)
        .filter(student=student, organisation_id=organisation_id)
        .order_by("-created_at", "-pk")
        .first()
    )
    current = [row for row in rows if row.is_current]
    forms = forms or {}
    return render(
        request,
        "journal/growth/student_growth.html",
        {
            "student": student,
            "works_with_growth": works,
            "rows": list(reversed(rows)),
            "flags": [(row, flag) for row in reversed(current) for flag in row.flags],
            "flags_enabled": references.flags_enabled,
            "reference": references.chart,
            "sex_known": student.legal_sex in (LegalSex.FEMALE, LegalSex.MALE),
            "charts": growth_rows.growth_charts(references, student, rows, target=target),
            "parents": parents,
            "earlier_parents": [v for v in versions if v is not parents],
            "target": target,
            "history": history,
            "sharing": sharing,
            "share_form": forms.get("share") or ShareForm(),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def student_growth(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.READ, request=request)
    return _growth_page(request, student)


def _writable_student(request, public_id) -> Student:
    student = get_student_or_404(request.user, public_id, action=Action.WRITE, request=request)
    if not _works_with_growth(request.user):
        raise PermissionDenied
    return student


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def measurement_new(request, public_id):
    student = _writable_student(request, public_id)
    form = MeasurementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_measurement(
                by=request.user, student=student, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Mätningen sparades och signerades."))
            return redirect("journal:growth", student.public_id)
    return render(
        request, "journal/growth/measurement_form.html", {"student": student, "form": form}
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def measurement_correct(request, measurement_id):
    measurement = get_record_or_404(
        request, GrowthMeasurement, GROWTH_SPEC, measurement_id, action=Action.WRITE
    )
    student = measurement.student
    if measurement.is_bound:
        # A note's measurement is corrected through the note (the binding writes it).
        messages.info(request, _("Mätningen kommer från en anteckning: rätta anteckningen."))
        return redirect("journal:entry-detail", measurement.entry.public_id)
    if not _works_with_growth(request.user):
        raise PermissionDenied
    initial = {
        "measured_on": measurement.measured_on,
        "height_cm": _typed(measurement.height_cm),
        "weight_kg": _typed(measurement.weight_kg),
        "note": measurement.note,
    }
    form = CorrectionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_measurement(
                original=measurement, by=request.user, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Rättelsen sparades och signerades."))
            return redirect("journal:growth", student.public_id)
    return render(
        request,
        "journal/growth/measurement_correct.html",
        {"student": student, "measurement": measurement, "form": form},
    )


def _typed(value) -> str:
    """A stored value as the nurse types it (decimal comma)."""
    return "" if value is None else str(value).replace(".", ",")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def parent_heights(request, public_id):
    student = _writable_student(request, public_id)
    current = services.current_parent_heights(
        visible_records(request.user, ParentHeights, PARENT_HEIGHT_SPEC).filter(student=student)
    )
    form = ParentHeightsForm(request.POST if request.method == "POST" else None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.parent_heights_save(
                by=request.user, student=student, current=current, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Föräldrarnas längd sparades och signerades."))
            return redirect("journal:growth", student.public_id)
    return render(
        request,
        "journal/growth/parent_heights_form.html",
        {"student": student, "form": form, "current": current},
    )


@login_required
@require_POST
def growth_share(request, public_id):
    student = _writable_student(request, public_id)
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            services.growth_share(by=request.user, student=student, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            if form.cleaned_data["shared"]:
                messages.success(request, _("Tillväxten visas nu för vårdnadshavarna."))
            else:
                messages.success(request, _("Tillväxten visas inte längre för vårdnadshavarna."))
            return redirect("journal:growth", student.public_id)
    return _growth_page(request, student, forms={"share": form})


# --- A class's heights and weights on one page ------------------------------------------------


def _class_or_404(request, pk: int) -> SchoolClass:
    school_class = get_object_or_404(
        SchoolClass.objects.filter(school__in=visible_schools(request.user)).select_related(
            "school__organisation"
        ),
        pk=pk,
    )
    if not _works_with_growth(request.user):
        raise Http404
    return school_class


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@one_moment()
def class_growth(request, pk: int):
    """Height and weight for a whole class: one row per student, each row checked on its
    own — a row with an error keeps what was typed and shows why, the others are saved."""
    school_class = _class_or_404(request, pk)
    students = list(class_members(request.user, school_class))
    data = request.POST if request.method == "POST" else None
    common = ClassEntryForm(data)
    rows = [ClassRowForm(data, student=student) for student in students]
    saved: list[GrowthMeasurement] = []
    if request.method == "POST":
        saved, failed = _save_class_rows(request, common, rows)
        if saved:
            log_shown_students(
                request,
                [row.student for row in rows if row.saved is not None],
                action=AccessAction.CREATE,
                only_protected=False,
                school=school_class.school,
            )
        if not failed and common.is_valid():
            if saved:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s mätning sparades och signerades.",
                        "%(count)s mätningar sparades och signerades.",
                        len(saved),
                    )
                    % {"count": len(saved)},
                )
            else:
                messages.info(request, _("Inga värden angavs: inget sparades."))
            return redirect("journal:class-growth", pk=school_class.pk)
        # Saved rows start empty again (their values are in "Senaste mätning"); rows with an
        # error keep what was typed.
        rows = [_fresh_row(row) if row.saved is not None else row for row in rows]
    summaries = growth_rows.growth_summaries(
        students,
        organisation_id=school_class.school.organisation_id,
        measurements=visible_records(request.user, GrowthMeasurement, GROWTH_SPEC),
    )
    for row in rows:
        row.summary = summaries.get(row.student.pk)
    # The latest values are health data: every student shown is logged, in one insert.
    log_shown_students(request, students, only_protected=False, school=school_class.school)
    return render(
        request,
        "journal/growth/class_growth.html",
        {
            "school_class": school_class,
            "common": common,
            "rows": rows,
            "errors": sum(1 for row in rows if row.is_bound and row.errors),
            "saved_count": len(saved),
        },
    )


def _fresh_row(row: ClassRowForm) -> ClassRowForm:
    fresh = ClassRowForm(student=row.student)
    fresh.saved = row.saved
    return fresh


def _save_class_rows(request, common: ClassEntryForm, rows: list[ClassRowForm]):
    """Check every row on its own and save the good ones together; (saved, failed rows)."""
    if not common.is_valid():
        return [], [row for row in rows if not row.is_empty]
    measured_on = common.cleaned_data["measured_on"]
    context = common.cleaned_data["context"]
    filled = [row for row in rows if not row.is_empty]
    candidates = []
    for row in filled:
        if row.is_valid():
            candidates.append(row)
    staff_organisation = _organisation_id(request.user)
    earlier = services.earlier_heights(
        [row.student.pk for row in candidates], measured_on, organisation_id=staff_organisation
    )
    good, inputs = [], []
    for row in candidates:
        data = services.MeasurementInput(
            student=row.student,
            measured_on=measured_on,
            height_cm=row.cleaned_data["height_cm"],
            weight_kg=row.cleaned_data["weight_kg"],
            context=context,
            confirm_drop=row.cleaned_data["confirm_drop"],
        )
        errors = services.measurement_errors(data, earlier=earlier.get(row.student.pk))
        if "measured_on" in errors:  # the common date: say it once, above the table
            for message in errors.pop("measured_on"):
                if message not in common.errors.get("measured_on", []):
                    common.add_error("measured_on", message)
        for name, messages_ in errors.items():
            row.add_error(name if name in row.fields else None, messages_)
        if not errors and not common.errors:
            good.append(row)
            inputs.append(data)
    if common.errors:
        return [], filled
    try:
        saved = services.record_measurements(by=request.user, rows=inputs)
    except ValidationError as error:
        for key, problems in error.message_dict.items():
            index = int(key.split("-", 1)[1]) if key.startswith("row-") else None
            target = good[index] if index is not None and index < len(good) else None
            if target is not None:
                target.add_error(None, problems)
            else:
                common.add_error(None, problems)
        return [], filled
    for row, measurement in zip(good, saved, strict=True):
        row.saved = measurement
    failed = [row for row in filled if row.saved is None]
    return saved, failed
