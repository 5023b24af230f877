"""Staff pages about a student's blocks (spärr, R-ACL-4): the list, a new block, lifting one, and
the two reveal steps (which unit holds blocked data; then the content).

Every view opens the student through the policy first (``get_student_or_404``: one access-log
row); recording and lifting need the policy's WRITE and log a ``consent_change`` row for the
block; each reveal step logs an ``active_choice`` row with its basis (consent or emergency)
and leaves a ``BlockReveal`` row in the review queue. Guardians have no page here: a portal
session is refused on staff URLs, and the services refuse a user without a staff profile.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from schools.models import Organisation, School

from . import blocks as services
from .accesslog import Access, log_accesses, request_location
from .forms_blocks import BlockForm, BlockLiftForm, RevealForm
from .models import AccessAction, AccessReason, BlockReveal
from .policy import Action, decide, get_student_or_404
from .policy.cross import active_choice_window
from .policy.rules import _stub
from .portal.forms import add_service_errors

_BASIS_REASONS = {
    BlockReveal.Basis.CONSENT: AccessReason.CONSENT,
    BlockReveal.Basis.EMERGENCY: AccessReason.EMERGENCY,
}


def _log(request, student, rows: list[tuple[str, str, str, str]]) -> None:
    """Log ``(action, reason, record_type, record_id)`` rows about ``student``, in one insert."""
    log_accesses(
        [
            Access(
                user=request.user,
                student=student,
                action=action,
                reason=reason,
                organisation=_stub(Organisation, student.access.organisation_id),
                school=_stub(School, student.access.school_id),
                record_type=record_type,
                record_id=record_id,
                **request_location(request),
            )
            for action, reason, record_type, record_id in rows
        ]
    )


def _open(request, public_id, action: Action):
    log_action = AccessAction.VIEW if request.method != "POST" else None
    return get_student_or_404(
        request.user, public_id, action=action, request=request, log_action=log_action
    )


def _with_visibility(user, student, blocks):
    """Mark each block ``hidden_scope`` when it hides something from ``user`` and she has not
    taken the first reveal step: its unit is then not shown (that is what step 1 reveals)."""
    hiding = set(services.blocks_hiding_from(user, student).values_list("pk", flat=True))
    revealed = services.unit_revealed_block_ids(user, student) if hiding else set()
    for block in blocks:
        block.hidden_scope = block.pk in hiding and block.pk not in revealed
        block.is_active = services.block_is_active(block)
    return blocks


@login_required
@require_http_methods(["GET", "HEAD"])
def block_list(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.READ, request=request)
    blocks = _with_visibility(request.user, student, list(services.student_blocks(student)))
    return render(
        request,
        "consent/blocks/block_list.html",
        {
            "student": student,
            "blocks": blocks,
            "may_write": decide(request.user, Action.WRITE, student).allowed,
            "hiding": any(block.hidden_scope for block in blocks),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def block_new(request, public_id):
    student = _open(request, public_id, Action.WRITE)
    form = BlockForm(request.POST if request.method == "POST" else None, student=student)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            block = services.block_record(
                student=student,
                by=request.user,
                organisation=data["organisation"],
                school=data["school"],
                area=data["area"],
                records_from=data["records_from"],
                records_until=data["records_until"],
                reason=data["reason"],
                requested_by_student=data["requested_by_student"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _log(
                request,
                student,
                [(AccessAction.CONSENT_CHANGE, student.access.reason, "consent.block", block.pk)],
            )
            messages.success(request, _("Spärren är registrerad."))
            return redirect("consent:block-list", student.public_id)
    return render(request, "consent/blocks/block_form.html", {"student": student, "form": form})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def block_lift(request, public_id, pk: int):
    student = _open(request, public_id, Action.WRITE)
    block = services.student_blocks(student).filter(pk=pk).first()
    if block is None:
        raise Http404
    _with_visibility(request.user, student, [block])
    if block.lifted_at is not None and block.lifted_until is None:
        messages.info(request, _("Spärren är redan hävd."))
        return redirect("consent:block-list", student.public_id)
    form = BlockLiftForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.block_lift(
                block=block,
                by=request.user,
                reason=form.cleaned_data["lift_reason"],
                until=form.cleaned_data["lifted_until"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _log(
                request,
                student,
                [(AccessAction.CONSENT_CHANGE, student.access.reason, "consent.block", block.pk)],
            )
            messages.success(request, _("Spärren är hävd."))
            return redirect("consent:block-list", student.public_id)
    return render(
        request,
        "consent/blocks/block_lift.html",
        # "block" would be shadowed by the template's {% block %} tags.
        {"student": student, "item": block, "form": form},
    )


def _refused(request, student, message: str):
    return render(
        request,
        "consent/blocks/reveal_refused.html",
        {"student": student, "message": message},
        status=403,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def block_reveal(request, public_id):
    """Step 1: which units or organisations hold data blocked from the user."""
    student = _open(request, public_id, Action.READ)
    user = request.user
    hiding = list(services.blocks_hiding_from(user, student))
    revealed = services.unit_revealed_block_ids(user, student)
    pending = [block for block in hiding if block.pk not in revealed]
    form = RevealForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and pending:
        reveals, refused = [], None
        try:
            for block in pending:
                reveals.append(
                    services.block_reveal(
                        block=block,
                        user=user,
                        step=BlockReveal.Step.UNIT,
                        reason=form.cleaned_data["reason"],
                    )
                )
        except PermissionDenied:
            refused = _("Samtycke eller nödåtkomst saknas.")
        except ValidationError as error:
            add_service_errors(form, error)
        # Every step taken is logged, also when a later block lacked a basis.
        _log(request, student, [_reveal_row(reveal) for reveal in reveals])
        if refused and not reveals:
            return _refused(request, student, refused)
        if not form.errors:
            return redirect("consent:block-reveal", student.public_id)
    basis = services.reveal_basis(user, student, hiding[0].organisation) if pending else None
    return render(
        request,
        "consent/blocks/reveal.html",
        {
            "student": student,
            "form": form,
            "pending": pending,
            "revealed": [block for block in hiding if block.pk in revealed],
            "basis": basis,
        },
    )


def _reveal_row(reveal: BlockReveal) -> tuple[str, str, str, str]:
    return (
        AccessAction.ACTIVE_CHOICE,
        _BASIS_REASONS[reveal.basis],
        "consent.blockreveal",
        str(reveal.pk),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def block_reveal_content(request, public_id, pk: int):
    """Step 2: open the content of one block whose unit the user has seen (step 1)."""
    student = _open(request, public_id, Action.READ)
    user = request.user
    block = services.blocks_hiding_from(user, student).filter(pk=pk).first()
    if block is None or block.pk not in services.unit_revealed_block_ids(user, student):
        raise Http404
    form = RevealForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reveal = services.block_reveal(
                block=block,
                user=user,
                step=BlockReveal.Step.CONTENT,
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            return _refused(request, student, _("Samtycke eller nödåtkomst saknas."))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            _log(request, student, [_reveal_row(reveal)])
            until = timezone.localtime() + active_choice_window()
            messages.success(
                request,
                _("De spärrade uppgifterna visas nu, till klockan %(time)s.")
                % {"time": formats.time_format(until, "H:i")},
            )
            return redirect("journal:record", student.public_id)
    return render(
        request,
        "consent/blocks/reveal_content.html",
        {
            "student": student,
            "item": block,
            "form": form,
            "basis": services.reveal_basis(user, student, block.organisation),
        },
    )
