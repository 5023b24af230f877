"""Printing an entry and making a whole-record copy, as PDF (R-PRT-1).

Each request writes exactly one access-log row, at the access check: the form (GET, or a POST
with errors) is logged as a view, and only a valid POST is checked and logged as a print or an
export — then the ``RecordCopy`` row is written and the PDF returned.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from consent.accesslog import AccessAction
from consent.policy import Action, area_of, get_student_or_404

from ..access import get_entry_or_404
from ..forms_files import PrintForm, RecordCopyForm
from ..models import JournalEntry, RecordCopy
from ..pdf import build_pdf, with_print_data
from ..services.copies import copy_areas, copy_entries, drafts_left_out, record_copy_create


def _pdf_response(copy: RecordCopy, student, by) -> HttpResponse:
    entries = list(with_print_data(copy_entries(copy, by)))
    pdf = build_pdf(
        copy=copy,
        student=student,
        entries=entries,
        printed_by=by.get_full_name() or by.get_username(),
        drafts_left_out=drafts_left_out(copy, by),
    )
    stem = "journalutskrift" if copy.kind == RecordCopy.Kind.ENTRY else "journalkopia"
    stamp = timezone.localtime(copy.created_at).strftime("%Y%m%d-%H%M")
    response = HttpResponse(pdf, content_type="application/pdf")
    # No personal data in the name: it ends up in download folders and browser histories.
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _unmask_assessment(form, student) -> str:
    if not student.protected_identity:
        return ""
    return form.cleaned_data.get("unmask_assessment", "")


@login_required
@require_http_methods(["GET", "POST"])
def entry_print(request, entry_id):
    form = PrintForm(request.POST if request.method == "POST" else None)
    printing = request.method == "POST" and form.is_valid()
    entries = JournalEntry.objects.select_related("template_version__template")
    if printing:
        entry = get_entry_or_404(
            request,
            entry_id,
            action=Action.PRINT,
            log_action=AccessAction.PRINT,
            queryset=entries,
        )
    else:
        entry = get_entry_or_404(request, entry_id, action=Action.READ, queryset=entries)
    if printing:
        try:
            copy = record_copy_create(
                by=request.user,
                student=entry.student,
                kind=RecordCopy.Kind.ENTRY,
                entry=entry,
                area=entry.area,
                reason=form.cleaned_data["reason"],
                unmask_assessment=_unmask_assessment(form, entry.student),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return _pdf_response(copy, entry.student, request.user)
    return render(
        request,
        "journal/print_form.html",
        {"entry": entry, "student": entry.student, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_copy(request, public_id):
    form = RecordCopyForm(
        request.POST if request.method == "POST" else None,
        areas=copy_areas(request.user),
        initial={"area": area_of(request.user)},
    )
    exporting = request.method == "POST" and form.is_valid()
    student = get_student_or_404(
        request.user,
        public_id,
        action=Action.EXPORT if exporting else Action.READ,
        request=request,
    )
    if exporting:
        try:
            copy = record_copy_create(
                by=request.user,
                student=student,
                kind=RecordCopy.Kind.RECORD,
                area=form.cleaned_data["area"],
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                reason=form.cleaned_data["reason"],
                unmask_assessment=_unmask_assessment(form, student),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return _pdf_response(copy, student, request.user)
    return render(
        request,
        "journal/record_copy_form.html",
        {"student": student, "form": form},
    )
