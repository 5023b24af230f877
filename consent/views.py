"""Finding a student without a care relation, and the two-step emergency and records-officer
accesses.

The lookup takes a full identity number by POST only (never in a URL, a message or a log line),
finds only students with a current or past enrolment in the user's own organisation, and shows a
stub (name, birth year) that leads to the access steps. Every page that shows the stub logs a
``search_hit`` row; starting an access logs the start; refusals log a ``refused`` row and 404.
No view here opens an atomic block before its log write.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from .forms import AccessConfirmForm, AccessReasonForm, StudentLookupForm
from .models import AccessAction, AccessReason
from .policy import (
    get_lookup_student_or_404,
    is_records_officer,
    log_shown_students,
    lookup_students,
    may_start_emergency_access,
    with_access_reason,
)
from .services import emergency_access_start, records_officer_access_start


@sensitive_post_parameters("identity_number")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def student_lookup(request):
    form = StudentLookupForm(request.POST if request.method == "POST" else None)
    hit = None
    if form.is_valid():
        number = form.cleaned_data["identity_number"]
        found = with_access_reason(
            lookup_students(request.user).filter(identity_number=number), request.user
        )
        hit = found.first()
        form = StudentLookupForm()  # the number is not shown back next to the stub
        if hit is None:
            # The same answer for an unknown number and one outside the organisation.
            messages.info(request, _("Ingen elev hittades."))
        else:
            log_shown_students(
                request,
                [hit],
                action=AccessAction.SEARCH_HIT,
                only_protected=False,
                reason=AccessReason.NONE,
            )
    return render(
        request,
        "consent/student_lookup.html",
        {
            "form": form,
            "hit": hit,
            "can_emergency": may_start_emergency_access(request.user),
            "can_records_officer": is_records_officer(request.user),
        },
    )


@dataclass(frozen=True)
class _Flow:
    """One two-step access: who may start it, how it is logged and what it creates."""

    name: str  # URL names: consent:<name>-start, consent:<name>-confirm
    title: str
    confirm_label: str
    reason: AccessReason
    start_log_action: AccessAction
    eligible: object  # callable(user) -> bool
    start: object  # service(*, user, student, reason_text)
    started_message: str

    @property
    def start_url_name(self) -> str:
        return f"consent:{self.name}-start"

    @property
    def confirm_url_name(self) -> str:
        return f"consent:{self.name}-confirm"


EMERGENCY = _Flow(
    name="emergency",
    title=gettext_lazy("Nödåtkomst"),
    confirm_label=gettext_lazy("Jag bekräftar nödåtkomst"),
    reason=AccessReason.EMERGENCY,
    start_log_action=AccessAction.EMERGENCY,
    eligible=may_start_emergency_access,
    start=emergency_access_start,
    started_message=gettext_lazy("Nödåtkomst öppnad. Den upphör av sig själv och granskas."),
)
RECORDS_OFFICER = _Flow(
    name="records-officer",
    title=gettext_lazy("Åtkomst som arkivansvarig"),
    confirm_label=gettext_lazy("Jag bekräftar åtkomst som arkivansvarig"),
    reason=AccessReason.RECORDS_OFFICER,
    start_log_action=AccessAction.VIEW,
    eligible=is_records_officer,
    start=records_officer_access_start,
    started_message=gettext_lazy("Åtkomst öppnad. Den upphör av sig själv och granskas."),
)


def _step_one(request, public_id, flow: _Flow):
    """GET: the reason form. POST: a valid reason leads to the confirmation page (step 2)."""
    student = get_lookup_student_or_404(
        request.user, public_id, request=request, eligible=flow.eligible(request.user)
    )
    form = AccessReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        confirm = AccessConfirmForm(
            initial={"reason_text": form.cleaned_data["reason_text"], "confirmed": True}
        )
        return render(
            request,
            "consent/access_confirm.html",
            {
                "flow": flow,
                "student": student,
                "form": confirm,
                "reason_text": form.cleaned_data["reason_text"],
            },
        )
    return render(
        request, "consent/access_reason.html", {"flow": flow, "student": student, "form": form}
    )


def _step_two(request, public_id, flow: _Flow):
    """POST only: the confirmed reason. Logs the start, opens the access, goes to the student."""
    form = AccessConfirmForm(request.POST)
    valid = form.is_valid()
    student = get_lookup_student_or_404(
        request.user,
        public_id,
        request=request,
        eligible=flow.eligible(request.user),
        log_action=flow.start_log_action if valid else AccessAction.SEARCH_HIT,
        reason=flow.reason if valid else AccessReason.NONE,
    )
    if not valid:
        retry = AccessReasonForm(request.POST)
        return render(
            request,
            "consent/access_reason.html",
            {"flow": flow, "student": student, "form": retry},
        )
    flow.start(user=request.user, student=student, reason_text=form.cleaned_data["reason_text"])
    messages.warning(request, flow.started_message)
    return redirect(student)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def emergency_start(request, public_id):
    return _step_one(request, public_id, EMERGENCY)


@login_required
@require_POST
def emergency_confirm(request, public_id):
    return _step_two(request, public_id, EMERGENCY)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def records_officer_start(request, public_id):
    return _step_one(request, public_id, RECORDS_OFFICER)


@login_required
@require_POST
def records_officer_confirm(request, public_id):
    return _step_two(request, public_id, RECORDS_OFFICER)
