"""Guardian sign-in with e-ID over OpenID Connect (mozilla-django-oidc, authorization code flow).

* ``PortalAuthenticateView`` sends the guardian to the e-ID broker with state, nonce and a PKCE
  challenge kept in the session (mozilla-django-oidc's request view).
* ``PortalCallbackView`` takes the code back: the state must be one this session started, then
  ``GuardianOIDCBackend`` exchanges the code and verifies the ID token (signature against the
  broker's JWKS, algorithm, nonce, expiry — mozilla-django-oidc's checks — plus audience and
  issuer). Only the identity claim of that verified ID token counts; the userinfo endpoint is not
  asked. ``consent.portal.identity`` binds it to the one guardian with that number.

The callback counts failures towards a lockout per address (django-axes, as for staff sign-in).
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from elevhalsa.auth import throttling
from elevhalsa.auth.services import client_ip

from .identity import (
    SignInRefused,
    guardian_user_for,
    portal_next_url,
    portal_sign_in,
    record_refusal,
)

logger = logging.getLogger(__name__)

# What may go wrong between the broker and us; each ends as a refusal page, never a 500.
EXCHANGE_ERRORS = (
    SuspiciousOperation,
    requests.RequestException,
    jwt.PyJWTError,
    KeyError,
    TypeError,
    ValueError,
)


def oidc_configured() -> bool:
    return bool(
        settings.OIDC_RP_CLIENT_ID
        and settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        and settings.OIDC_OP_TOKEN_ENDPOINT
        and settings.OIDC_OP_JWKS_ENDPOINT
    )


def throttle_name(request) -> str:
    """Who the lockout counts for: nobody types a username here, so the address."""
    return f"e-legitimation@{client_ip(request) or 'okand'}"


class GuardianOIDCBackend(OIDCAuthenticationBackend):
    """Authenticates only the e-ID callback (``nonce`` given), and only to a guardian's user.

    Never creates a user from arbitrary claims: the verified personnummer claim finds the
    guardian, and ``guardian_user_for`` makes or finds her bound user. Staff password sign-in
    passes through this backend without effect. A refusal is left on ``request.portal_refusal``.
    """

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except EXCHANGE_ERRORS as error:
            # The type only: the message may quote the token or the provider's answer.
            logger.warning("e-ID sign-in failed: %s", type(error).__name__)
            request.portal_refusal = SignInRefused(SignInRefused.FAILED)
            return None

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token for another client.")
        issuer = settings.OIDC_OP_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token from another issuer.")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        # ``payload`` is the verified ID token: its claims only (userinfo is not signed).
        number = payload.get(settings.PORTAL_EID_IDENTITY_CLAIM)
        try:
            return guardian_user_for(
                number if isinstance(number, str) else None, issuer=settings.PORTAL_EID_ISSUER
            )
        except SignInRefused as refusal:
            self.request.portal_refusal = refusal
            return None


class PortalAuthenticateView(OIDCAuthenticationRequestView):
    """To the e-ID broker. 404 while e-ID is not configured (the demo shows no link then)."""

    def get(self, request):
        if not oidc_configured():
            raise Http404
        if throttling.is_locked(request, throttle_name(request)):
            return refused(request, locked=True)
        return super().get(request)


class PortalCallbackView(View):
    """Back from the e-ID broker with ``code`` and ``state`` (or ``error``)."""

    http_method_names = ["get", "head"]

    def get(self, request):
        if not oidc_configured():
            raise Http404
        name = throttle_name(request)
        if throttling.is_locked(request, name):
            return refused(request, locked=True)
        state = request.GET.get("state")
        states = request.session.get("oidc_states")
        entry = states.pop(state, None) if isinstance(states, dict) and state else None
        if entry is not None:
            request.session.modified = True  # a state is used once, even if what follows fails
            request.session.save()
        user = None
        if entry is not None and request.GET.get("code") and not request.GET.get("error"):
            user = GuardianOIDCBackend().authenticate(
                request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
            )
        if user is None:
            refusal = getattr(request, "portal_refusal", None) or SignInRefused(
                SignInRefused.FAILED
            )
            locked = False
            if state or request.GET.get("code"):  # an attempt, not a bare visit: it counts
                record_refusal(request, refusal)
                locked = throttling.count_failed_code(request, name)
            return refused(request, refusal, locked=locked)
        next_url = portal_next_url(request, request.session.get("oidc_login_next"))
        portal_sign_in(request, user, issuer=settings.PORTAL_EID_ISSUER)
        throttling.reset_failures(name)
        return redirect(next_url)


def refused(request, refusal: SignInRefused | None = None, *, locked: bool = False):
    """The refusal page: what happened in one sentence, and the way back; nothing else."""
    context = {
        "message": throttling.lockout_message() if locked else refusal.message,
        "reason": None if locked else refusal.reason,
    }
    return render(request, "portal/signin/refused.html", context, status=429 if locked else 403)
