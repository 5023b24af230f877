"""The health-visit programme in the admin (imported by journal/admin.py).

Registry admins see the national programme (no organisation) and their own organisation's
programmes; only superusers change national ones. Like template versions, a published (or
retired) programme is read-only: a change is a new draft ("Skapa egen version"), published with
"Publicera" (``journal.services.programmes``). Points are edited only in the programme's inline,
only while it is a draft. Nothing is deleted.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from schools.admin_base import OrganisationScopedAdmin, admin_organisation, admin_organisation_id
from schools.admin_registry import is_registry_admin

from .admin import TemplateScopeMixin, may_edit_template
from .models import DocumentTemplate
from .models.visits import HealthProgramme, ProgrammePoint
from .services.programmes import programme_create_draft, programme_publish


def may_edit_programme(request: HttpRequest, programme: HealthProgramme) -> bool:
    """National programmes: superusers only; an organisation's: its registry admins."""
    return may_edit_template(request, programme)  # the same rule, by organisation


def programme_editable(request: HttpRequest, programme: HealthProgramme | None) -> bool:
    return (
        programme is not None
        and programme.status == HealthProgramme.Status.DRAFT
        and may_edit_programme(request, programme)
    )


class ProgrammePointInline(admin.TabularInline):
    model = ProgrammePoint
    fields = ["order", "label", "school_type", "grade", "alternative_grade", "template"]
    ordering = ["order"]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("template")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "template":
            templates = DocumentTemplate.objects.filter(area="EMI")
            if not request.user.is_superuser:
                organisation_id = admin_organisation_id(request)
                own = Q(organisation_id=organisation_id) if organisation_id else Q(pk__in=[])
                templates = templates.filter(own | Q(organisation__isnull=True))
            kwargs["queryset"] = templates.order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return programme_editable(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return programme_editable(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(HealthProgramme)
class HealthProgrammeAdmin(TemplateScopeMixin, OrganisationScopedAdmin):
    list_display = ["name", "organisation_display", "number", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    fields = ["name", "organisation", "number", "status", "published_at", "change_note"]
    readonly_fields = ["organisation", "number", "status", "published_at"]
    inlines = [ProgrammePointInline]
    actions = ["create_own_version", "publish"]

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
    def organisation_display(self, obj: HealthProgramme) -> str:
        return str(obj.organisation) if obj.organisation_id else _("Nationellt basprogram")

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
                draft = programme_create_draft(source=source, organisation=target, by=request.user)
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
                programme_publish(programme=programme, by=request.user)
            except ValidationError as error:
                messages.error(request, f"{programme}: {' '.join(error.messages)}")
            else:
                messages.success(
                    request, _("%(programme)s publicerades.") % {"programme": programme}
                )
