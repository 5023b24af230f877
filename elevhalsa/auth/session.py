"""What the session remembers about the sign-in: when it began, last activity, idle limit."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from schools.models import StaffMember

LOGIN_AT = "elevhalsa_login_at"
LAST_ACTIVITY = "elevhalsa_last_activity"
IDLE_TIMEOUT = "elevhalsa_idle_timeout_minutes"
NEW_BACKUP_CODES = "elevhalsa_new_backup_codes"


def idle_timeout_minutes(user) -> int:
    """The organisation's limit; users without an organisation get the default."""
    minutes = (
        StaffMember.objects.filter(user_id=user.pk)
        .values_list("organisation__idle_timeout_minutes", flat=True)
        .first()
    )
    return minutes or settings.IDLE_TIMEOUT_DEFAULT_MINUTES


def remember_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver (also runs for the test client's force_login). The idle limit is
    read once per sign-in, so a changed limit applies from the next sign-in."""
    if request is None or not hasattr(request, "session"):
        return
    now = timezone.now().timestamp()
    request.session[LOGIN_AT] = now
    request.session[LAST_ACTIVITY] = now
    request.session[IDLE_TIMEOUT] = idle_timeout_minutes(user)
