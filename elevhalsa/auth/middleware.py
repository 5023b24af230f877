"""No page without the second factor; idle timeout; "logga ut överallt"."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from elevhalsa.models import AuthEvent

from . import session as keys
from .services import auth_event_record, client_ip

# Views an authenticated but unverified user may open: the sign-in steps themselves, logout
# and the language switch. Static files never reach a view (WhiteNoise serves them).
SECOND_FACTOR_EXEMPT = frozenset(
    {
        "login",
        "logout",
        "set_language",
        "account:second-factor",
        "account:enrol",
    }
)
# The portal's sign-in steps: open to anyone (anonymous, staff, a guardian starting again).
PORTAL_SIGN_IN_VIEWS = frozenset(
    {
        "portal:login",
        "portal:logout",
        "portal:demo-eid",
        "portal:oidc-authenticate",
        "portal:oidc-callback",
    }
)
# Besides the portal, a guardian's session opens only these.
GUARDIAN_EXEMPT = frozenset({"logout", "set_language"})
# Last activity is written at most this often, so that not every request saves the session.
ACTIVITY_RESOLUTION_SECONDS = 30


class SessionLifetimeMiddleware:
    """End a signed-in session that was idle too long (R-AUTH-3) or that began before the
    user's ``sessions_valid_after`` ("logga ut överallt", a reset of the second factor)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.check(request, user)
        return self.get_response(request)

    def check(self, request, user) -> None:
        session = request.session
        now = timezone.now().timestamp()
        login_at = session.get(keys.LOGIN_AT, 0)
        if user.sessions_valid_after and login_at < user.sessions_valid_after.timestamp():
            logout(request)
            messages.info(request, _("Du har loggats ut från alla enheter."))
            return
        minutes = session.get(keys.IDLE_TIMEOUT) or settings.IDLE_TIMEOUT_DEFAULT_MINUTES
        last = session.get(keys.LAST_ACTIVITY, login_at or now)
        if now - last > minutes * 60:
            auth_event_record(
                kind=AuthEvent.Kind.IDLE_LOGOUT, user=user, ip_address=client_ip(request)
            )
            logout(request)
            messages.info(
                request,
                ngettext(
                    "Du har loggats ut efter %(minutes)d minuts inaktivitet.",
                    "Du har loggats ut efter %(minutes)d minuters inaktivitet.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return
        if now - last >= ACTIVITY_RESOLUTION_SECONDS or keys.LAST_ACTIVITY not in session:
            session[keys.LAST_ACTIVITY] = now


class SecondFactorRequiredMiddleware:
    """A password alone opens nothing: an authenticated user who has not given the second factor
    is sent to the code step (pages) or refused with 403 (anything else).

    The guardian portal (namespace "portal") has its own rule: its pages open only for a portal
    session (a user bound to a guardian whose session her e-ID sign-in marked), and a portal
    session opens nothing else but sign-out and the language switch. Everyone else on a portal
    page is sent to the portal's sign-in; a guardian on a staff page to the portal's start."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # After CsrfViewMiddleware's process_view: a forged POST is refused for that reason first.
        from consent.portal.identity import has_guardian_account, portal_account, portal_home_url

        match = request.resolver_match
        view_name = match.view_name if match is not None else None
        in_portal = match is not None and match.namespaces[:1] == ["portal"]
        if in_portal and view_name in PORTAL_SIGN_IN_VIEWS:
            return None
        account = portal_account(request)  # a query only when the session has an e-ID mark
        if account is not None:
            request.guardian_account = account
            if in_portal or view_name in GUARDIAN_EXEMPT:
                return None
            return _refuse(request, portal_home_url(), _("Sidan är inte en del av portalen."))
        if in_portal:
            return _refuse(
                request,
                _with_next(reverse("portal:login"), request),
                _("Logga in med e-legitimation först."),
            )
        user = getattr(request, "user", None)
        if not settings.OTP_REQUIRED or user is None or not user.is_authenticated:
            return None
        if user.is_verified() or view_name in GUARDIAN_EXEMPT:
            return None
        if has_guardian_account(user):
            # A guardian's user without her e-ID mark in the session is signed in to nothing.
            return _refuse(
                request,
                _with_next(reverse("portal:login"), request),
                _("Logga in med e-legitimation först."),
            )
        if view_name in SECOND_FACTOR_EXEMPT:
            return None
        return _refuse(
            request,
            _with_next(reverse("account:second-factor"), request),
            _("Logga in med andra faktorn först."),
        )


def _with_next(url: str, request) -> str:
    return f"{url}?{urlencode({'next': request.get_full_path()})}"


def _refuse(request, url: str, message: str):
    """Pages are redirected to ``url``; anything else (a POST, a download) is refused."""
    if request.method in ("GET", "HEAD") and request.accepts("text/html"):
        return redirect(url)
    return HttpResponseForbidden(message)
