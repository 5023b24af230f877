"""The guardian's pages: her children, one child's sections, one consent request.

Every view first asks for a portal session (a user bound to a guardian by e-ID, and a session
her e-ID sign-in marked: ``identity.portal_account``); anyone else — anonymous or a staff
session — goes to the portal's sign-in page. A child is opened only among ``children_of`` the
guardian (current relation with portal rights, no protected identity): anything else is 404 with
a ``refused`` log row. Every page that shows a child's consent detail or shared record writes one
access-log row for the child with reason "guardian", in its own durable transaction before any
other atomic block; the list of children shows names only and logs none (DESIGN.md, rule 9).
"""

from __future__ import annotations

import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from schools.models import Student

from ..accesslog import Access, log_accesses, request_location
from ..consents import answer as consent_answer
from ..models import AccessAction, AccessReason, AnswerChannel, ConsentAnswer
from .forms import AnswerForm
from .identity import portal_account
from .rights import ChildAccess, child_of, children_of
from .sections import ANSWER, READ, portal_sections
from .sections_consents import pending_counts, portal_consents


def portal_view(view):
    """Open the view only for a portal session; pass the signed-in ``Guardian`` on."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        account = portal_account(request)
        if account is None:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"))
        guardian = account.guardian
        request.portal_guardian = guardian
        return view(request, guardian, *args, **kwargs)

    return wrapper


def _parse(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _log(request, student, action, child: ChildAccess | None = None, **details) -> None:
    log_accesses(
        [
            Access(
                user=request.user,
                student=student,
                action=action,
                reason=AccessReason.GUARDIAN if child is not None else AccessReason.NONE,
                # The care provider whose record the guardian reads: its reviewers see the row.
                organisation=child.organisation if child is not None else None,
                **request_location(request),
                **details,
            )
        ]
    )


def _refuse(request, student_id, **details):
    """A child (or consent) the guardian may not open: a refused row (naming the student when
    one has this id, so her log shows the attempt) and 404."""
    public_id = _parse(student_id)
    student = Student.objects.filter(public_id=public_id).first() if public_id else None
    _log(request, student, AccessAction.REFUSED, **details)
    raise Http404


def _child_or_404(request, guardian, student_id) -> ChildAccess:
    child = child_of(guardian, student_id)
    if child is None:
        _refuse(request, student_id)
    return child


@portal_view
@require_http_methods(["GET", "HEAD"])
def home(request, guardian):
    children = children_of(guardian)
    counts = pending_counts(guardian, [child.student.pk for child in children]) if children else {}
    return render(
        request,
        "portal/home.html",
        {
            "portal_guardian": guardian,
            "children": [(child, counts.get(child.student.pk, 0)) for child in children],
        },
    )


def _allowed(section, child: ChildAccess) -> bool:
    if section.right == ANSWER:
        return child.may_answer
    if section.right == READ:
        return child.may_read
    return False


@portal_view
@require_http_methods(["GET", "HEAD"])
def child_detail(request, guardian, student_id):
    child = _child_or_404(request, guardian, student_id)
    _log(request, child.student, AccessAction.VIEW, child)
    sections = [
        {
            "section": section,
            "html": render_to_string(
                section.template, {**section.context(child), "child": child}, request=request
            ),
        }
        for section in portal_sections()
        if _allowed(section, child)
    ]
    return render(
        request,
        "portal/child.html",
        {"portal_guardian": guardian, "child": child, "sections": sections},
    )


@portal_view
@require_http_methods(["GET", "HEAD", "POST"])
def consent_detail(request, guardian, student_id, consent_id):
    child = _child_or_404(request, guardian, student_id)
    found = portal_consents(guardian, child.student, consent_public_id=_parse(consent_id))
    if not found:
        _log(request, child.student, AccessAction.REFUSED, record_type="consent.consent")
        raise Http404
    item = found[0]
    record = {"record_type": "consent.consent", "record_id": str(item.consent.pk)}
    if request.method != "POST":
        _log(request, child.student, AccessAction.VIEW, child, **record)
        return render(
            request,
            "portal/consent.html",
            {
                "portal_guardian": guardian,
                "child": child,
                "item": item,
                "may_answer": child.may_answer_kind(item.consent.kind),
            },
        )
    _log(request, child.student, AccessAction.CONSENT_CHANGE, child, **record)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Välj ett svar."))
    elif not child.may_answer_kind(item.consent.kind):
        messages.error(request, _("Du kan inte svara på den här typen av samtycke."))
    else:
        value = form.cleaned_data["answer"]
        try:
            consent_answer(item.party, value, channel=AnswerChannel.PORTAL, by_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _ANSWERED[value])
    return redirect("portal:consent", child.student.public_id, item.consent.public_id)


_ANSWERED = {
    ConsentAnswer.Answer.AGREE: gettext_lazy("Tack! Ditt samtycke är registrerat."),
    ConsentAnswer.Answer.DECLINE: gettext_lazy("Ditt svar är registrerat: du samtycker inte."),
    ConsentAnswer.Answer.WITHDRAW: gettext_lazy("Samtycket är återkallat."),
}
