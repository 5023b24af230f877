"""django-axes glue: usernames are stored and compared masked, and a lockout shows our page.

Axes counts wrong passwords (through ``user_login_failed`` from ``authenticate``) and wrong
second-factor codes (``count_failed_code`` sends the same signal), so both lead to one lockout.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from schools.identity import mask_identity_numbers

GENERIC_FAILURE = _("Fel användarnamn eller lösenord.")


def masked_username(request, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: what axes stores, logs and locks by. Never an identity number."""
    username = (credentials or {}).get("username")
    if username is None and request is not None:
        username = request.POST.get("username")
    if username is None:
        return None
    return mask_identity_numbers(str(username).strip())[:150]


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "För många misslyckade försök. Försök igen om %(minutes)d minut.",
        "För många misslyckade försök. Försök igen om %(minutes)d minuter.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: our views already show the lockout in their own page; keep it,
    with 429 for a page that was rendered. The same for existing and unknown usernames."""
    if original_response is None:
        from .forms import SignInForm

        form = SignInForm(request)
        return render(
            request,
            "registration/login.html",
            {"form": form, "lockout_message": lockout_message()},
            status=429,
        )
    if original_response.status_code == 200:
        original_response.status_code = 429
    return original_response


def is_locked(request, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": username})


def count_failed_code(request, username: str) -> bool:
    """Count a wrong second-factor code like a wrong password; True when it locks the user."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


def reset_failures(username: str) -> None:
    """After a complete sign-in (password and second factor) the count starts again."""
    reset(username=masked_username(None, {"username": username}))
