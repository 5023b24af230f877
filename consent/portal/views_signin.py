"""The portal's sign-in page, the demo e-ID, and sign-out (the e-ID views are in ``oidc``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.views import LogoutView
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from elevhalsa.auth import throttling
from schools.models import Guardian, GuardianRelation

from ..models import ConsentParty, ConsentStatus
from .identity import (
    DEMO_ISSUER,
    PORTAL_RELATION_TYPES,
    SignInRefused,
    guardian_user_for,
    portal_account,
    portal_home_url,
    portal_next_url,
    portal_sign_in,
    record_refusal,
)
from .oidc import oidc_configured, refused, throttle_name


def _next(request) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


@require_http_methods(["GET", "HEAD"])
def portal_login(request):
    """The portal's start for anyone not signed in as a guardian."""
    if portal_account(request) is not None:
        return redirect(portal_home_url())
    next_url = _next(request)
    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    context = {
        "oidc_url": f"{reverse('portal:oidc-authenticate')}{query}" if oidc_configured() else "",
        "demo_url": f"{reverse('portal:demo-eid')}{query}" if settings.PORTAL_DEMO_EID else "",
    }
    return render(request, "portal/signin/login.html", context)


class DemoEidForm(forms.Form):
    # Any guardian with a number; the binding refuses those the portal is not for.
    guardian = forms.ModelChoiceField(
        queryset=Guardian.objects.exclude(identity_number=None),
        error_messages={"invalid_choice": _("Välj en av vårdnadshavarna i listan.")},
    )


def demo_guardians():
    """Guardians the demo lists: names only, those the portal is for, a page at most; those
    with a request waiting for their answer first, so the demo has something to show."""
    relations = GuardianRelation.objects.current().filter(relation_type__in=PORTAL_RELATION_TYPES)
    waiting = ConsentParty.objects.filter(
        guardian=OuterRef("pk"), consent__status=ConsentStatus.PENDING
    )
    return (
        Guardian.objects.filter(
            pk__in=relations.values("guardian_id"),
            protected_identity="",
            identity_number__isnull=False,
        )
        .alias(waiting=Exists(waiting))
        .order_by("-waiting", "family_name", "given_name", "pk")
        .only("pk", "given_name", "family_name")[: settings.PORTAL_DEMO_EID_LIST_SIZE]
    )


@require_http_methods(["GET", "HEAD", "POST"])
def demo_eid(request):
    """Demo e-ID: choose a guardian and sign in as her, through the e-ID's own binding code.
    Only while ``PORTAL_DEMO_EID`` is on (production settings refuse it); else 404."""
    if not settings.PORTAL_DEMO_EID:
        raise Http404
    name = throttle_name(request)
    form = DemoEidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if throttling.is_locked(request, name):
            return refused(request, locked=True)
        guardian = form.cleaned_data["guardian"]
        try:
            user = guardian_user_for(guardian.identity_number, issuer=DEMO_ISSUER)
        except SignInRefused as refusal:
            record_refusal(request, refusal)
            locked = throttling.count_failed_code(request, name)
            return refused(request, refusal, locked=locked)
        next_url = portal_next_url(request, _next(request))
        portal_sign_in(request, user, issuer=DEMO_ISSUER)
        throttling.reset_failures(name)
        return redirect(next_url)
    context = {"form": form, "guardians": demo_guardians(), "next": _next(request)}
    return render(request, "portal/signin/demo.html", context)


# POST only (Django's LogoutView), like staff sign-out: a link cannot sign anyone out.
portal_logout = LogoutView.as_view(next_page="portal:login")
