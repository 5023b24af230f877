"""The permission group of log reviewers (Logggranskare).

The group says *what* a reviewer may open (the access log and its seals, read-only); the
``log_reviewer`` organisation role and ``consent.admin`` say *whose* rows (their organisation's).
"""

from django.contrib.auth.models import Group, Permission

# A stored name, not a UI text: it must not change with the language of the request.
LOG_REVIEWER_GROUP = "Logggranskare"

LOG_REVIEWER_PERMISSIONS: list[tuple[str, str]] = [
    ("consent", "view_accesslogentry"),
    ("consent", "view_logseal"),
]


def ensure_log_reviewer_group() -> Group:
    """Create or update the group; idempotent. Needs the permissions, i.e. a migrated database."""
    group, _created = Group.objects.get_or_create(name=LOG_REVIEWER_GROUP)
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="consent",
            codename__in=[codename for _app, codename in LOG_REVIEWER_PERMISSIONS],
        )
    )
    if len(permissions) != len(LOG_REVIEWER_PERMISSIONS):
        raise RuntimeError("Permissions missing: run migrate before creating the group.")
    group.permissions.set(permissions)
    return group
