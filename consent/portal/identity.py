"""Binding a guardian's sign-in to a ``Guardian``: the one code path of e-ID and demo e-ID.

A user is bound to a guardian only here, and only from a verified identity number: the
personnummer claim of an ID token whose signature, nonce and state were verified
(``consent.portal.oidc``), or the number of the guardian chosen on the demo e-ID page (demo only,
refused by production settings). Nothing here writes, logs or shows the number.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from consent.models import GuardianAccount
from elevhalsa.auth.services import auth_event_record, client_ip
from elevhalsa.models import AuthEvent, User
from schools.identity import parse_identity_number
from schools.models import Guardian, GuardianRelation

from .session import EID_ISSUER

DEMO_ISSUER = "demo"
# The backend whose ``get_user`` reads a guardian's session (in AUTHENTICATION_BACKENDS).
PORTAL_BACKEND = "consent.portal.oidc.GuardianOIDCBackend"
# Relations that make the portal worth opening (annan ansvarig gives no portal rights).
PORTAL_RELATION_TYPES = (
    GuardianRelation.Type.CUSTODIAN,
    GuardianRelation.Type.TRUSTEE,
    GuardianRelation.Type.APPOINTED,
)


class SignInRefused(Exception):
    """Why a verified (or unverifiable) identity does not open the portal; never the number."""

    INVALID = "invalid"  # no claim, or not a valid personnummer: treated as unverified
    NO_GUARDIAN = "no_guardian"
    PROTECTED = "protected"
    INACTIVE = "inactive"
    FAILED = "failed"  # the e-ID exchange itself failed: state, signature, nonce, provider

    MESSAGES = {
        INVALID: _("Inloggningen gav inget giltigt personnummer. Försök igen."),
        NO_GUARDIAN: _("Vi hittar ingen elev som du är vårdnadshavare för."),
        PROTECTED: _(
            "Du kan inte använda portalen. Kontakta elevhälsan, så får du svara på papper."
        ),
        INACTIVE: _("Ditt konto är spärrat. Kontakta elevhälsan."),
        FAILED: _("Inloggningen med e-legitimation kunde inte slutföras. Försök igen."),
    }
    # What the AuthEvent says (Swedish, like the other events; no number).
    EVENT_REASONS = {
        INVALID: "E-legitimation: inget giltigt personnummer",
        NO_GUARDIAN: "E-legitimation: ingen vårdnadshavare med portalrätt",
        PROTECTED: "E-legitimation: skyddade personuppgifter",
        INACTIVE: "E-legitimation: kontot är inaktiverat",
        FAILED: "E-legitimation: svaret kunde inte verifieras",
    }

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self):
        return self.MESSAGES[self.reason]


def guardian_user_for(identity_number: str | None, *, issuer: str) -> User:
    """The user bound to the one guardian with this verified number; made and bound at her
    first sign-in. Raises ``SignInRefused``."""
    try:
        number = parse_identity_number(identity_number or "").value
    except ValidationError:
        raise SignInRefused(SignInRefused.INVALID) from None
    guardian = Guardian.objects.filter(identity_number=number).first()
    if guardian is None:
        raise SignInRefused(SignInRefused.NO_GUARDIAN)
    if guardian.is_protected:
        # Protected identity: paper only (issue 5, point 6); the page says no more than that.
        raise SignInRefused(SignInRefused.PROTECTED)
    if not (
        GuardianRelation.objects.current()
        .filter(guardian=guardian, relation_type__in=PORTAL_RELATION_TYPES)
        .exists()
    ):
        raise SignInRefused(SignInRefused.NO_GUARDIAN)
    user = _bound_user(guardian, issuer)
    if not user.is_active:
        raise SignInRefused(SignInRefused.INACTIVE)
    return user


def _bound_user(guardian: Guardian, issuer: str) -> User:
    account = GuardianAccount.objects.filter(guardian=guardian).select_related("user").first()
    if account is not None:
        return account.user
    try:
        with transaction.atomic():
            # The username never carries the number (it reaches logs and the lockout table).
            user = User(username=f"vh-{uuid.uuid4().hex}")
            user.set_unusable_password()
            user.save()
            GuardianAccount.objects.create(user=user, guardian=guardian, issuer=issuer)
    except IntegrityError:
        # A parallel first sign-in bound her a moment ago: use that account.
        account = GuardianAccount.objects.select_related("user").get(guardian=guardian)
        return account.user
    return user


def portal_sign_in(request, user: User, *, issuer: str) -> None:
    """Start the guardian's portal session (new session key) and record the sign-in."""
    login(request, user, backend=PORTAL_BACKEND)
    request.session[EID_ISSUER] = issuer
    auth_event_record(
        kind=AuthEvent.Kind.LOGIN_OK,
        user=user,
        reason=f"E-legitimation ({issuer})",
        ip_address=client_ip(request),
    )


def record_refusal(request, refusal: SignInRefused) -> None:
    auth_event_record(
        kind=AuthEvent.Kind.LOGIN_FAILED,
        reason=SignInRefused.EVENT_REASONS[refusal.reason],
        ip_address=client_ip(request),
    )


def portal_account(request) -> GuardianAccount | None:
    """The guardian account of a portal session: a user bound to a guardian AND a session
    that her e-ID sign-in marked. Anything else is not a portal session."""
    if EID_ISSUER not in request.session:  # no query for staff sessions
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.guardian_account
    except GuardianAccount.DoesNotExist:
        return None


def has_guardian_account(user) -> bool:
    return GuardianAccount.objects.filter(user_id=user.pk).exists()


def portal_next_url(request, candidate: str | None) -> str:
    """Where to go after sign-in: a page of the portal on this site, else the portal's start."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        try:
            match = resolve(candidate.split("?", 1)[0])
        except Resolver404:
            match = None
        if match is not None and match.namespaces[:1] == ["portal"]:
            return candidate
    return portal_home_url()


def portal_home_url() -> str:
    try:
        return reverse("portal:home")
    except NoReverseMatch:  # the portal's pages are not mounted (yet): the sign-in page
        return reverse("portal:login")
