"""Staff pages about the guardians' portal rights for one student: each guardian's relation and
rights today (answering consents; reading the shared record, and why), and the decisions a
clinician records about one guardian's reading (OSL 12 kap. 3 §): a block, an extension past the
age rules, and their end — with reason and history.

Every view opens the student through the policy first (``get_student_or_404``: decision and one
access-log row); recording or ending a decision needs the policy's WRITE (a care relation).
Guardians have no such page: they cannot block their child's data.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from schools.models import GuardianRelation

from .models import AccessAction, GuardianAccessDecision, GuardianAccount
from .policy import Action, decide, get_student_or_404
from .portal import decisions as services
from .portal.forms import DecisionForm, EndDecisionForm, add_service_errors
from .portal.rights import PORTAL_RELATION_TYPES, guardian_rights


def _decisions(student):
    return (
        GuardianAccessDecision.objects.filter(student=student)
        .select_related("guardian", "decided_by", "ended_by")
        .order_by("-decided_at", "-pk")
    )


def _with_portal_accounts(rights) -> list[tuple]:
    """Each right with its guardian's portal account (None before her first e-ID sign-in): the
    nurse can tell whether a guardian uses the portal at all. One query."""
    accounts = GuardianAccount.objects.filter(
        guardian_id__in={right.guardian.pk for right in rights}
    ).select_related("user")
    by_guardian = {account.guardian_id: account for account in accounts}
    return [(right, by_guardian.get(right.guardian.pk)) for right in rights]


@login_required
@require_http_methods(["GET", "HEAD"])
def guardian_access(request, student_id):
    student = get_student_or_404(request.user, student_id, action=Action.READ, request=request)
    decisions = list(_decisions(student))
    rights = guardian_rights(student)
    return render(
        request,
        "consent/guardian_access/decision_list.html",
        {
            "student": student,
            "rights": rights,
            "rows": _with_portal_accounts(rights),
            "current_decisions": [d for d in decisions if d.ended_at is None],
            "past_decisions": [d for d in decisions if d.ended_at is not None],
            "may_decide": decide(request.user, Action.WRITE, student).allowed,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def guardian_access_new(request, student_id):
    student = get_student_or_404(
        request.user,
        student_id,
        action=Action.WRITE,
        request=request,
        log_action=AccessAction.EDIT if request.method == "POST" else AccessAction.VIEW,
    )
    relations = (
        GuardianRelation.objects.current()
        .filter(student=student, relation_type__in=PORTAL_RELATION_TYPES)
        .select_related("guardian")
        .order_by("guardian__family_name", "guardian__given_name", "pk")
    )
    form = DecisionForm(request.POST if request.method == "POST" else None, relations=relations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.guardian_access_decide(
                student=student,
                guardian=data["relation"].guardian,
                kind=data["kind"],
                reason=data["reason"],
                valid_until=data["valid_until"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error, rename={"guardian": "relation"})
        else:
            messages.success(
                request,
                _("Beslutet är registrerat: %(decision)s.") % {"decision": decision},
            )
            return redirect("consent:guardian-access", student.public_id)
    return render(
        request,
        "consent/guardian_access/decision_form.html",
        {"student": student, "form": form, "has_relations": relations.exists()},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def guardian_access_end(request, student_id, pk: int):
    student = get_student_or_404(
        request.user,
        student_id,
        action=Action.WRITE,
        request=request,
        log_action=AccessAction.EDIT if request.method == "POST" else AccessAction.VIEW,
    )
    decision = _decisions(student).filter(pk=pk).first()
    if decision is None:
        raise Http404
    if decision.ended_at is not None:
        messages.info(request, _("Beslutet är redan upphävt."))
        return redirect("consent:guardian-access", student.public_id)
    form = EndDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.guardian_access_end(
                decision=decision, reason=form.cleaned_data["end_reason"], by=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Beslutet är upphävt."))
            return redirect("consent:guardian-access", student.public_id)
    return render(
        request,
        "consent/guardian_access/decision_end.html",
        {"student": student, "decision": decision, "form": form},
    )
