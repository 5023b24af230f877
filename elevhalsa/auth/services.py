"""Sign-in writes that must leave an ``AuthEvent``: each function records its own event."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from elevhalsa.models import AuthEvent, User
from schools.models import OrganisationRole

from . import devices

MIN_REASON_LENGTH = 10


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: behind a proxy, the proxy sets it (no client-supplied headers trusted).
    return request.META.get("REMOTE_ADDR") if request is not None else None


def auth_event_record(
    *,
    kind: str,
    user: User | None = None,
    actor: User | None = None,
    username: str = "",
    reason: str = "",
    ip_address: str | None = None,
) -> AuthEvent:
    event = AuthEvent(
        kind=kind,
        user=user,
        actor=actor,
        username=username,
        reason=reason,
        ip_address=ip_address or None,
    )
    event.save()
    return event


def can_reset_second_factor(actor: User, target: User) -> bool:
    """Who may reset someone's second factor: a superuser may reset anyone but themselves; a
    registry admin may reset a colleague in their own organisation who is not a superuser."""
    if not actor.is_authenticated or actor.pk == target.pk or not actor.is_staff:
        return False
    if actor.is_superuser:
        return True
    if target.is_superuser:
        return False
    actor_member = getattr(actor, "staff_member", None)
    target_member = getattr(target, "staff_member", None)
    return (
        actor_member is not None
        and target_member is not None
        and actor_member.organisation_id == target_member.organisation_id
        and actor_member.roles.filter(role=OrganisationRole.Role.REGISTRY_ADMIN).exists()
    )


@transaction.atomic
def second_factor_reset(*, user: User, actor: User, reason: str, ip_address=None) -> AuthEvent:
    """Delete the user's devices and end their sessions: the next sign-in enrols anew."""
    if not can_reset_second_factor(actor, user):
        raise PermissionDenied
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(_("Skriv ett skäl (minst %(n)d tecken).") % {"n": MIN_REASON_LENGTH})
    devices.delete_all_devices(user)
    user.sessions_valid_after = timezone.now()
    user.save(update_fields=["sessions_valid_after"])
    return auth_event_record(
        kind=AuthEvent.Kind.SECOND_FACTOR_RESET,
        user=user,
        actor=actor,
        reason=reason,
        ip_address=ip_address,
    )


@transaction.atomic
def sessions_end_all(*, user: User, ip_address=None) -> AuthEvent:
    """ "Logga ut överallt": every session that signed in until now ends at its next request."""
    user.sessions_valid_after = timezone.now()
    user.save(update_fields=["sessions_valid_after"])
    return auth_event_record(
        kind=AuthEvent.Kind.LOGOUT_EVERYWHERE, user=user, ip_address=ip_address
    )


@transaction.atomic
def backup_codes_regenerate(*, user: User, ip_address=None) -> list[str]:
    codes = devices.new_backup_codes(user)
    auth_event_record(
        kind=AuthEvent.Kind.BACKUP_CODES_REGENERATED, user=user, ip_address=ip_address
    )
    return codes
