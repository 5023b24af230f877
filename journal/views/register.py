"""The "to report" worklist of the national vaccination register (issue 8, R-VAC-4).

A nurse works through it in the register's own web form today: each pending report shows
exactly that form's fields (person id and its type, vaccine, date, lot, vaccinating unit); she
marks it sent, and records the register's receipt when it comes. Reports of students the user
may not see are not listed (the record filter); every student shown is logged, in one insert.
Identity numbers appear only on this page and in the export file, never in a URL or a log.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consent.policy import (
    Action,
    area_of,
    log_shown_students,
    visible_students,
    with_access_reason,
)
from schools.models import Area, StaffMember

from ..access import REGISTER_REPORT_SPEC, visible_records
from ..forms_vaccination import ReceiptForm
from ..models.vaccination import RegisterReport
from ..register import acknowledge, mark_sent, report_fields, requeue, worklist

Status = RegisterReport.Status
# At most this many reports per section; the rest after these are done (oldest first).
PAGE = 200


def _organisation_id(user) -> int:
    if area_of(user) != Area.EMI:
        raise PermissionDenied
    return StaffMember.objects.values_list("organisation_id", flat=True).get(user_id=user.pk)


def _reports(user, organisation_id: int):
    return visible_records(user, RegisterReport, REGISTER_REPORT_SPEC).filter(
        organisation_id=organisation_id
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def register_worklist(request):
    organisation_id = _organisation_id(request.user)
    reports = _reports(request.user, organisation_id)
    sections = []
    shown = []
    for status, title in (
        (Status.PENDING, _("Att rapportera")),
        (Status.ERROR, _("Fel från registret")),
        (Status.SENT, _("Skickade, väntar på kvittens")),
    ):
        rows = list(worklist(reports.filter(status=status))[:PAGE])
        shown.extend(row.vaccination.student for row in rows)
        sections.append(
            {
                "status": status,
                "title": title,
                "rows": [(row, report_fields(row)) for row in rows],
            }
        )
    if shown:
        ids = {student.pk for student in shown}
        students = with_access_reason(
            visible_students(request.user).filter(pk__in=ids), request.user
        )
        log_shown_students(request, list(students), only_protected=False)
    return render(
        request,
        "journal/register/worklist.html",
        {"sections": sections, "receipt_form": ReceiptForm()},
    )


def _report_or_404(request, pk: int) -> RegisterReport:
    organisation_id = _organisation_id(request.user)
    report = (
        visible_records(request.user, RegisterReport, REGISTER_REPORT_SPEC, action=Action.WRITE)
        .filter(pk=pk, organisation_id=organisation_id)
        .first()
    )
    if report is None:
        raise Http404
    return report


@login_required
@require_POST
def register_mark_sent(request, pk: int):
    report = _report_or_404(request, pk)
    try:
        mark_sent(report, by=request.user, via="webbformulär")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Rapporten är markerad som inskickad."))
    return redirect("journal:register-worklist")


@login_required
@require_POST
def register_acknowledge(request, pk: int):
    report = _report_or_404(request, pk)
    form = ReceiptForm(request.POST)
    if form.is_valid():
        try:
            acknowledge(report, form.cleaned_data["receipt"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Kvittensen registrerades."))
    else:
        messages.error(request, _("Skriv in kvittensen från registret."))
    return redirect("journal:register-worklist")


@login_required
@require_POST
def register_requeue(request, pk: int):
    report = _report_or_404(request, pk)
    try:
        requeue(report, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Rapporten ligger i kön igen."))
    return redirect("journal:register-worklist")
