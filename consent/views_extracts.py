"""Staff pages of the student's log extract (loggutdrag, R-LOG-4): produce one, show it (a
paginated page), its PDF, and the harm assessment that releases a masked draft.

Each view opens the student through the policy first (one access-log row). Only a care relation
or a records officer's open access produces or shows extracts; showing one is logged as an
export, its PDF as a print, the harm assessment as an edit.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from elevhalsa.forms import BootstrapFormMixin, validate_date_range
from elevhalsa.pagination import paginate
from schools.models import Organisation

from . import extracts as services
from .models import AccessAction, AccessReason, LogExtract
from .pdf_extract import build_extract_pdf
from .policy import Action, get_student_or_404
from .portal.forms import add_service_errors

# The reasons that may produce a log extract: the care relation and the records officer.
EXTRACT_REASONS = frozenset({AccessReason.CARE_RELATION, AccessReason.RECORDS_OFFICER})


class ExtractForm(BootstrapFormMixin, forms.Form):
    period_from = forms.DateField(
        label=gettext_lazy("Från"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_range],
    )
    period_to = forms.DateField(
        label=gettext_lazy("Till"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_range],
    )
    requested_by_text = forms.CharField(
        label=gettext_lazy("Begärt av"),
        max_length=200,
        help_text=gettext_lazy("T.ex. eleven, vårdnadshavare."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end:
            if end < start:
                self.add_error("period_to", _("Periodens slut kan inte vara före dess början."))
            elif (end - start).days > services.max_days():
                self.add_error(
                    "period_from",
                    _("Perioden får vara högst %(days)s dagar.") % {"days": services.max_days()},
                )
        return data


class ReleaseForm(BootstrapFormMixin, forms.Form):
    harm_assessment = forms.CharField(
        label=gettext_lazy("Menprövning"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Bedöm om eleven eller närstående lider men av att enheter och namn lämnas ut."
        ),
        error_messages={"required": gettext_lazy("Skriv menprövningen.")},
    )


def _open(request, public_id, *, log_action=None, record=None):
    """The student via the policy; 403 unless the reason is a care relation or a records
    officer's access (an emergency access or a grant does not produce extracts)."""
    student = get_student_or_404(
        request.user,
        public_id,
        action=Action.READ,
        request=request,
        log_action=log_action,
        record=record,
    )
    if student.access.reason not in EXTRACT_REASONS:
        raise PermissionDenied
    return student


def _extract(request, public_id, pk) -> LogExtract | None:
    """The extract named in the URL, of that student (looked up before the policy so the log
    row can name it; shown only after the policy has opened the student)."""
    if not request.user.is_authenticated:
        return None
    return (
        LogExtract.objects.filter(pk=pk, student__public_id=public_id)
        .select_related("organisation", "created_by", "assessed_by")
        .first()
    )


def _own(student, extract: LogExtract | None) -> LogExtract:
    # Another organisation's extracts are its own business.
    if extract is None or extract.organisation_id != student.access.organisation_id:
        raise Http404
    return extract


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def extract_new(request, public_id):
    student = _open(request, public_id)
    today = timezone.localdate()
    initial = {"period_from": today - datetime.timedelta(days=365), "period_to": today}
    form = ExtractForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            extract = services.extract_create(
                student=student,
                organisation=Organisation.objects.get(pk=student.access.organisation_id),
                by=request.user,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("consent:log-extract-detail", student.public_id, extract.pk)
    earlier = LogExtract.objects.filter(
        student=student, organisation_id=student.access.organisation_id
    ).select_related("created_by")[:20]
    return render(
        request,
        "consent/extracts/extract_new.html",
        {"student": student, "form": form, "earlier": earlier},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def extract_detail(request, public_id, pk: int):
    extract = _extract(request, public_id, pk)
    student = _open(request, public_id, log_action=AccessAction.EXPORT, record=extract)
    extract = _own(student, extract)
    page = paginate(request, services.extract_rows(extract))
    page.object_list = services.extract_lines(extract, page.object_list)
    return render(
        request,
        "consent/extracts/extract_detail.html",
        {
            "student": student,
            "extract": extract,
            "page": page,
            "masked": services.shows_masked(extract),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def extract_pdf(request, public_id, pk: int):
    extract = _extract(request, public_id, pk)
    student = _open(request, public_id, log_action=AccessAction.PRINT, record=extract)
    extract = _own(student, extract)
    lines = services.extract_lines(extract, services.extract_rows(extract))
    by = request.user
    pdf = build_extract_pdf(
        extract=extract,
        student=student,
        lines=lines,
        printed_by=by.get_full_name() or by.get_username(),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    # No personal data in the name: it ends up in download folders and browser histories.
    response["Content-Disposition"] = f'attachment; filename="loggutdrag-{extract.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def extract_release(request, public_id, pk: int):
    extract = _extract(request, public_id, pk)
    log_action = AccessAction.EDIT if request.method == "POST" else AccessAction.VIEW
    student = _open(request, public_id, log_action=log_action, record=extract)
    extract = _own(student, extract)
    if extract.status == LogExtract.Status.RELEASED:
        messages.info(request, _("Utdraget är redan utlämnat."))
        return redirect("consent:log-extract-detail", student.public_id, extract.pk)
    form = ReleaseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.extract_release(
                extract=extract,
                by=request.user,
                harm_assessment=form.cleaned_data["harm_assessment"],
            )
        except PermissionDenied:
            form.add_error(None, _("Menprövningen görs av en legitimerad yrkesutövare."))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Utdraget är utlämnat efter menprövning."))
            return redirect("consent:log-extract-detail", student.public_id, extract.pk)
    return render(
        request,
        "consent/extracts/extract_release.html",
        {"student": student, "extract": extract, "form": form},
    )
