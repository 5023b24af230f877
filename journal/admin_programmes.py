"""The admin of versioned programmes (health visits: journal/admin_visits.py, vaccinations:
journal/admin_vaccination.py), written once because the rule is one
(``journal.services.versioned_programmes``).

Registry admins see the national programme (no organisation) and their own organisation's
programmes; only superusers change national ones. A published (or retired) programme is
read-only: a change is a new draft ("Skapa egen version"), published with "Publicera". The
children (points, doses) are edited only in the programme's inline, only while it is a draft.
Nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from schools.admin_base import OrganisationScopedAdmin, admin_organisation
from schools.admin_registry import is_registry_admin

from .admin import TemplateScopeMixin, may_edit_template


def may_edit_programme(request: HttpRequest, programme: models.Model) -> bool:
    """National programmes: superusers only; an organisation's: its registry admins."""
    return may_edit_template(request, programme)  # the same rule, by organisation


def programme_editable(request: HttpRequest, programme: models.Model | None) -> bool:
    return (
        programme is not None
        and programme.status == programme.Status.DRAFT
        and may_edit_programme(request, programme)
    )


class ProgrammeChildInlineMixin:
    """Before ``admin.TabularInline``/``StackedInline``: children change only in a draft the
    user may edit, and are never deleted."""

    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return programme_editable(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return programme_editable(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class VersionedProgrammeAdmin(TemplateScopeMixin, OrganisationScopedAdmin):
    """Base of the programme admins; a subclass sets ``fields``, ``inlines``,
    ``national_label`` and the two services below."""

    list_display = ["name", "organisation_display", "number", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    readonly_fields = ["organisation", "number", "status", "published_at"]
    actions = ["create_own_version", "publish"]
    national_label = ""
    # The programme's services, e.g. staticmethod(programme_create_draft).
    create_draft: Callable[..., Any]
    publish_draft: Callable[..., Any]

    def get_queryset(self, request):
        # Here, not list_select_related: the change list skips that once a queryset has any.
        return super().get_queryset(request).select_related("organisation")

    def has_add_permission(self, request) -> bool:
        return False  # drafts are made by "Skapa egen version", numbered by the service

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return is_registry_admin(request)
        return programme_editable(request, obj)

    @admin.display(description=_("huvudman"), ordering="organisation__name")
    def organisation_display(self, obj) -> str:
        return str(obj.organisation) if obj.organisation_id else self.national_label

    # -- Skapa egen version / Publicera

    @admin.action(description=_("Skapa egen version"))
    def create_own_version(self, request, queryset):
        organisation = admin_organisation(request)
        if organisation is None and not request.user.is_superuser:
            messages.error(request, _("Du hör inte till någon huvudman."))
            return
        for source in queryset:
            # A superuser without an organisation makes a new version of the source's owner.
            target = organisation if organisation is not None else source.organisation
            try:
                draft = self.create_draft(source=source, organisation=target, by=request.user)
            except ValidationError as error:
                messages.error(request, f"{source}: {' '.join(error.messages)}")
            else:
                messages.success(
                    request, _("%(programme)s skapades som utkast.") % {"programme": draft}
                )

    @admin.action(description=_("Publicera"))
    def publish(self, request, queryset):
        for programme in queryset:
            if not programme_editable(request, programme):
                messages.error(
                    request,
                    _("%(programme)s: bara utkast i program du får ändra kan publiceras.")
                    % {"programme": programme},
                )
                continue
            try:
                self.publish_draft(programme=programme, by=request.user)
            except ValidationError as error:
                messages.error(request, f"{programme}: {' '.join(error.messages)}")
            else:
                messages.success(
                    request, _("%(programme)s publicerades.") % {"programme": programme}
                )
