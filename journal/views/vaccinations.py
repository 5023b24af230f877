"""Ordinations and doses (issue 8): the organisation's ordinations (list, new, page, sign), a
dose, refusal or contraindication for one student, a documented earlier dose, one vaccination's
page and its correction.

Vaccinations are EMI records: every view opens its student (or vaccination) through the policy
first (``get_student_or_404`` / ``get_record_or_404``: decision and access-log row), writing
needs ``Action.WRITE`` and an EMI profession; the rules are in ``journal.services.vaccinations``.
An individual ordination names a student: its page opens her through the policy too.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consent.policy import (
    Action,
    area_of,
    get_student_or_404,
    log_shown_students,
    visible_students,
    with_access_reason,
)
from schools.models import Area, School, StaffMember

from ..access import VACCINATION_SPEC, get_record_or_404, visible_records
from ..forms_vaccination import CorrectionForm, DocumentedDoseForm, DoseForm, OrdinationForm
from ..models.vaccination import Ordination, RegisterReport, Vaccination
from ..services import vaccinations as services


def _emi_staff(user) -> StaffMember:
    """The EMI clinician's staff profile; 403 for anyone else (psychologists, admins)."""
    if area_of(user) != Area.EMI:
        raise PermissionDenied
    return StaffMember.objects.get(user_id=user.pk)


# --- Ordinations -------------------------------------------------------------------------------


def _ordinations(user, staff: StaffMember):
    """The organisation's ordinations; individual ones only for students the user may see."""
    return Ordination.objects.filter(organisation_id=staff.organisation_id).filter(
        Q(student__isnull=True) | Q(student__in=visible_students(user))
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def ordination_list(request):
    staff = _emi_staff(request.user)
    ordinations = list(
        _ordinations(request.user, staff)
        .select_related("vaccine", "student")
        .order_by("-valid_from", "-pk")[:200]
    )
    students = [o.student for o in ordinations if o.student is not None]
    if students:
        ids = {s.pk for s in students}
        shown = with_access_reason(visible_students(request.user).filter(pk__in=ids), request.user)
        log_shown_students(request, list(shown), only_protected=False)
    return render(
        request,
        "journal/vaccination/ordination_list.html",
        {
            "ordinations": ordinations,
            "today": timezone.localdate(),
            "may_sign": services.may_sign_ordination(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ordination_new(request):
    staff = _emi_staff(request.user)
    student = None
    student_id = request.POST.get("elev") or request.GET.get("elev")
    if student_id:
        student = get_student_or_404(request.user, student_id, action=Action.WRITE, request=request)
    schools = School.objects.filter(organisation_id=staff.organisation_id).order_by("name")
    form = OrdinationForm(
        request.POST if request.method == "POST" else None, schools=schools, student=student
    )
    if request.method == "POST" and form.is_valid():
        try:
            ordination = services.create_ordination(
                by=request.user, student=student, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Ordinationen sparades som utkast. Den signeras innan den används.")
            )
            return redirect("journal:ordination-detail", ordination.public_id)
    return render(
        request,
        "journal/vaccination/ordination_form.html",
        {"form": form, "student": student},
    )


def _ordination_or_404(request, ordination_id, *, action=Action.READ) -> Ordination:
    staff = _emi_staff(request.user)
    ordination = (
        Ordination.objects.filter(public_id=ordination_id, organisation_id=staff.organisation_id)
        .select_related("vaccine", "student")
        .first()
    )
    if ordination is None:
        raise Http404
    if ordination.student is not None:
        # An individual ordination is about her: opened (and logged) through the policy.
        ordination.student = get_student_or_404(
            request.user,
            ordination.student.public_id,
            action=action,
            request=request,
            record=ordination,
        )
    return ordination


@login_required
@require_http_methods(["GET", "HEAD"])
def ordination_detail(request, ordination_id):
    ordination = _ordination_or_404(request, ordination_id)
    return render(
        request,
        "journal/vaccination/ordination_detail.html",
        {
            "ordination": ordination,
            "schools": list(ordination.schools.order_by("name")),
            "may_sign": services.may_sign_ordination(request.user),
            "history": list(
                ordination.history.select_related("history_user").order_by("-history_date")
            ),
        },
    )


@login_required
@require_POST
def ordination_sign(request, ordination_id):
    ordination = _ordination_or_404(request, ordination_id, action=Action.WRITE)
    try:
        services.sign_ordination(ordination=ordination, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Ordinationen signerades."))
    return redirect("journal:ordination-detail", ordination.public_id)


# --- Doses -------------------------------------------------------------------------------------


def _writable_student(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.WRITE, request=request)
    return student, _emi_staff(request.user)


def _consent_from_series(student, series, given_at):
    on = timezone.localtime(given_at).date() if given_at else None
    return services.consent_for(student, series, on=on) if series else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def vaccination_new(request, public_id):
    """A dose given here, a refusal or a contraindication; signed when saved."""
    student, staff = _writable_student(request, public_id)
    form = DoseForm(
        request.POST if request.method == "POST" else None,
        organisation_id=staff.organisation_id,
        initial={"series": request.GET.get("serie", "")[:20]},
    )
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        arguments["consent"] = _consent_from_series(
            student, arguments["series"].strip().upper(), arguments["given_at"]
        )
        try:
            vaccination = services.record_vaccination(by=request.user, student=student, **arguments)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Vaccinationen sparades och signerades."))
            return redirect("journal:vaccination-detail", vaccination.public_id)
    return render(
        request,
        "journal/vaccination/dose_form.html",
        {"student": student, "form": form, "documented": False},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def vaccination_document(request, public_id):
    """A dose given at BVC, abroad or an earlier school, from its documentation."""
    student, _staff = _writable_student(request, public_id)
    form = DocumentedDoseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            vaccination = services.record_vaccination(
                by=request.user, student=student, **form.service_arguments()
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Den tidigare dosen sparades och signerades."))
            return redirect("journal:vaccination-detail", vaccination.public_id)
    return render(
        request,
        "journal/vaccination/dose_form.html",
        {"student": student, "form": form, "documented": True},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def vaccination_detail(request, vaccination_id):
    vaccination = get_record_or_404(request, Vaccination, VACCINATION_SPEC, vaccination_id)
    chain = services.versions(vaccination)
    newer = list(
        visible_records(request.user, Vaccination, VACCINATION_SPEC)
        .filter(replaces=vaccination)
        .order_by("pk")
    )
    report = (
        RegisterReport.objects.filter(vaccination_id__in=[v.pk for v in chain])
        .order_by("-pk")
        .first()
    )
    return render(
        request,
        "journal/vaccination/dose_detail.html",
        {
            "student": vaccination.student,
            "vaccination": vaccination,
            "earlier": chain[:-1],
            "replaced_by": newer,
            "report": report,
            "writes": area_of(request.user) == Area.EMI,
        },
    )


CORRECTION_FIELDS = (
    "outcome",
    "given_at",
    "series",
    "vaccine",
    "lot",
    "dose_number",
    "ordination",
    "site",
    "route",
    "consent_override_reason",
    "reason",
)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def vaccination_correct(request, vaccination_id):
    vaccination = get_record_or_404(
        request, Vaccination, VACCINATION_SPEC, vaccination_id, action=Action.WRITE
    )
    staff = _emi_staff(request.user)
    initial = {name: getattr(vaccination, name) for name in CORRECTION_FIELDS}
    initial["given_at"] = timezone.localtime(vaccination.given_at).replace(tzinfo=None)
    form = CorrectionForm(
        request.POST if request.method == "POST" else None,
        organisation_id=staff.organisation_id,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {name: data[name] for name in CORRECTION_FIELDS if name != "reason"}
        changes["outcome_reason"] = data["reason"]
        for name in ("dose_number", "series"):
            if not changes[name]:
                changes[name] = getattr(vaccination, name)
        try:
            correction = services.correct_vaccination(
                original=vaccination, by=request.user, reason=data["change_reason"], **changes
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Rättelsen sparades och signerades."))
            return redirect("journal:vaccination-detail", correction.public_id)
    return render(
        request,
        "journal/vaccination/dose_correct.html",
        {"student": vaccination.student, "vaccination": vaccination, "form": form},
    )
