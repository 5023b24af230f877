"""The sign-in steps and "Mitt konto".

1. ``SignInView``: username and password. Django logs the user in (new session key), but the
   session is not verified: ``SecondFactorRequiredMiddleware`` lets it open only these steps.
2. ``second_factor``: a TOTP code or a backup code, or
   ``enrol`` at the first sign-in: QR code and secret, a code to confirm, then backup codes.
3. ``django_otp.login`` marks the session verified, and the session key changes again.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from elevhalsa.models import AuthEvent, User

from . import devices, services, throttling
from . import session as keys
from .forms import CodeForm, EnrolCodeForm, SignInForm


def _next_url(request, default: str | None = None) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


def _verified_login(request, device) -> None:
    """Mark the session verified by ``device`` and give it a new key (session fixation)."""
    django_otp.login(request, device)
    request.session.cycle_key()
    throttling.reset_failures(request.user.get_username())
    services.auth_event_record(
        kind=AuthEvent.Kind.LOGIN_OK, user=request.user, ip_address=services.client_ip(request)
    )


def _lock_out(request, user) -> None:
    services.auth_event_record(
        kind=AuthEvent.Kind.LOCKED_OUT,
        user=user,
        username=user.get_username(),
        ip_address=services.client_ip(request),
    )
    logout(request)
    messages.error(request, throttling.lockout_message())


class SignInView(LoginView):
    form_class = SignInForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        # Signed in with the password only: go on to the second factor, not back to the form.
        if request.user.is_authenticated and not request.user.is_verified():
            return redirect(_with_next(reverse("account:second-factor"), _next_url(request)))
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)  # Django cycles the session key here
        step = "account:second-factor" if devices.has_confirmed_device(user) else "account:enrol"
        return redirect(_with_next(reverse(step), _next_url(self.request)))

    def form_invalid(self, form):
        username = form.data.get("username", "")
        if username:
            user = User.objects.filter(username=username).first()
            services.auth_event_record(
                kind=AuthEvent.Kind.LOCKED_OUT if form.locked_out else AuthEvent.Kind.LOGIN_FAILED,
                user=user,
                username=username,
                ip_address=services.client_ip(self.request),
            )
        return super().form_invalid(form)


def _step_guard(request):
    """The code steps are for a signed-in user who has not yet given the second factor."""
    if not request.user.is_authenticated:
        return redirect(_with_next(reverse("login"), _next_url(request)))
    if request.user.is_verified():
        return redirect(_next_url(request))
    return None


def _code_error(check: devices.CodeCheck, wrong: str) -> str:
    if check.wait_seconds:
        return ngettext(
            "För många felaktiga koder. Vänta %(seconds)d sekund och försök igen.",
            "För många felaktiga koder. Vänta %(seconds)d sekunder och försök igen.",
            check.wait_seconds,
        ) % {"seconds": check.wait_seconds}
    return wrong


def _count_failure(request, user) -> bool:
    """Log a wrong code and count it towards the lockout; True when the user is now locked."""
    services.auth_event_record(
        kind=AuthEvent.Kind.OTP_FAILED, user=user, ip_address=services.client_ip(request)
    )
    if throttling.count_failed_code(request, user.get_username()):
        _lock_out(request, user)
        return True
    return False


@require_http_methods(["GET", "HEAD", "POST"])
def second_factor(request):
    if (response := _step_guard(request)) is not None:
        return response
    user = request.user
    if not devices.has_confirmed_device(user):
        return redirect(_with_next(reverse("account:enrol"), _next_url(request)))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if throttling.is_locked(request, user.get_username()):
            _lock_out(request, user)
            return redirect("login")
        check = devices.check_code(user, form.cleaned_data["code"])
        if check.device is not None:
            _verified_login(request, check.device)
            return redirect(_next_url(request))
        form.add_error("code", _code_error(check, _("Fel kod. Kontrollera koden och försök igen.")))
        if _count_failure(request, user):
            return redirect("login")
    return render(
        request, "elevhalsa/auth/second_factor.html", {"form": form, "next": _next_url(request)}
    )


@require_http_methods(["GET", "HEAD", "POST"])
def enrol(request):
    """First sign-in (or after a reset): register an authenticator app. Only for a user with
    no confirmed device: anyone else must give a code first."""
    if (response := _step_guard(request)) is not None:
        return response
    user = request.user
    if devices.has_confirmed_device(user):
        return redirect(_with_next(reverse("account:second-factor"), _next_url(request)))
    device = devices.pending_totp_device(user)
    form = EnrolCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if throttling.is_locked(request, user.get_username()):
            _lock_out(request, user)
            return redirect("login")
        check = devices.check_code(user, form.cleaned_data["code"], device=device)
        if check.device is not None:
            codes = devices.confirm_enrolment(check.device)
            services.auth_event_record(
                kind=AuthEvent.Kind.ENROLLED, user=user, ip_address=services.client_ip(request)
            )
            _verified_login(request, check.device)
            request.session[keys.NEW_BACKUP_CODES] = codes
            return redirect(_with_next(reverse("account:backup-codes"), _next_url(request)))
        wrong = _("Fel kod. Kontrollera att appen visar koden för det här kontot.")
        form.add_error("code", _code_error(check, wrong))
        if _count_failure(request, user):
            return redirect("login")
    secret = devices.base32_secret(device)
    return render(
        request,
        "elevhalsa/auth/enrol.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_data_uri": devices.qr_data_uri(device),
            "secret": devices.grouped(secret),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def backup_codes(request):
    """New backup codes, shown once: they leave the session as the page is made."""
    codes = request.session.pop(keys.NEW_BACKUP_CODES, None)
    if not codes:
        return redirect("account:detail")
    response = render(
        request,
        "elevhalsa/auth/backup_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def account(request):
    user = request.user
    member = getattr(user, "staff_member", None)
    return render(
        request,
        "elevhalsa/auth/account.html",
        {
            "organisation": member.organisation if member else None,
            "totp_devices": devices.TOTPDevice.objects.filter(user=user, confirmed=True),
            "backup_codes_left": devices.remaining_backup_codes(user),
        },
    )


@login_required
@require_POST
def backup_codes_regenerate(request):
    codes = services.backup_codes_regenerate(
        user=request.user, ip_address=services.client_ip(request)
    )
    request.session[keys.NEW_BACKUP_CODES] = codes
    return redirect(_with_next(reverse("account:backup-codes"), reverse("account:detail")))


@login_required
@require_POST
def logout_everywhere(request):
    services.sessions_end_all(user=request.user, ip_address=services.client_ip(request))
    logout(request)
    messages.success(request, _("Du är utloggad på alla enheter."))
    return redirect("login")
