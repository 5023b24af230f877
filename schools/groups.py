"""The permission group of municipal registry admins (Registeradministratör).

Django permissions say *what* an admin may do; ``schools.admin_base`` decides *where* (their own
organisation). Nothing may be deleted, so the group holds no delete permission, and seeing
protected identities (``schools.view_protected_identity``) is granted to persons, not to the group.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

# A stored name, not a UI text: it must not change with the language of the request.
REGISTRY_ADMIN_GROUP = "Registeradministratör"

# (app label, model name, actions). An organisation is created by the installation's operator;
# a registry admin keeps their own organisation's details up to date.
REGISTRY_ADMIN_PERMISSIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("schools", "organisation", ("view", "change")),
    *(
        ("schools", model, ("view", "add", "change"))
        for model in (
            "school",
            "schoolclass",
            "student",
            "guardian",
            "guardianrelation",
            "enrolment",
            "classmembership",
            "staffmember",
            "organisationrole",
            "assignment",
        )
    ),
    ("elevhalsa", "user", ("view", "add", "change")),
]


def registry_admin_permissions() -> list[Permission]:
    wanted = Q(pk__in=[])
    for app_label, model, actions in REGISTRY_ADMIN_PERMISSIONS:
        wanted |= Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    return list(Permission.objects.filter(wanted))


def ensure_registry_admin_group() -> Group:
    """Create or update the group; idempotent. Needs the permissions, i.e. a migrated database."""
    group, _created = Group.objects.get_or_create(name=REGISTRY_ADMIN_GROUP)
    permissions = registry_admin_permissions()
    expected = sum(len(actions) for _app, _model, actions in REGISTRY_ADMIN_PERMISSIONS)
    if len(permissions) != expected:
        raise RuntimeError("Permissions missing: run migrate before creating the group.")
    group.permissions.set(permissions)
    return group
