"""Consents and the portal's age rules in the admin, for registry admins of the organisation.

* Consents are read-only here: requested and answered only through the staff pages and the
  portal (``consent.consents``), so the status always follows the answers. The change page shows
  the parties and each answer; nothing is added, changed or deleted. A consent tells what care is
  asked for, so every student a page shows is logged (not only the protected, as registry pages
  do).
* Portal settings (the 1177 age rules) are edited by the registry admin of that organisation.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from schools.admin_base import OrganisationScopedAdmin, ReadOnlyAdminMixin, admin_organisation_id
from schools.admin_registry import is_registry_admin

from .models import (
    AccessAction,
    AccessReason,
    Consent,
    ConsentParty,
    PortalSettings,
)


class RegistryAdminMixin:
    def has_module_permission(self, request) -> bool:
        return is_registry_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)


class ConsentPartyInline(admin.TabularInline):
    model = ConsentParty
    fields = ["kind", "guardian", "relation_type", "answers"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("guardian")
            .prefetch_related("answers__answered_by")
        )

    @admin.display(description=_("svar"))
    def answers(self, party: ConsentParty) -> str:
        rows = sorted(party.answers.all(), key=lambda row: (row.at, row.pk))
        if not rows:
            return _("Inget svar ännu")
        return format_html(
            "<ul class='mb-0'>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {} ({}){}</li>",
                (
                    (
                        row.at.strftime("%Y-%m-%d %H:%M"),
                        row.get_answer_display(),
                        row.get_channel_display(),
                        _(", inskannat") if row.scan else "",
                    )
                    for row in rows
                ),
            ),
        )

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(RegistryAdminMixin, ReadOnlyAdminMixin, OrganisationScopedAdmin):
    organisation_path = "organisation"
    student_field = "student"
    access_reason = AccessReason.REGISTRY_ADMIN

    list_display = [
        "requested_at",
        "student",
        "kind",
        "scope_code",
        "school_year",
        "status",
        "paper_only",
        "school_class",
    ]
    list_display_links = ["requested_at"]
    list_filter = ["kind", "status", "paper_only"]
    list_select_related = ["student", "school_class"]
    search_fields = ["student__family_name", "scope_code"]  # never identity numbers
    ordering = ["-requested_at", "-pk"]
    date_hierarchy = "requested_at"
    fields = [
        "student",
        "organisation",
        "kind",
        "scope_area",
        "scope_organisation_number",
        "scope_code",
        "school_year",
        "description",
        "valid_from",
        "valid_until",
        "school_class",
        "batch",
        "paper_only",
        "status",
        "decided_at",
        "requested_by",
        "requested_at",
    ]
    readonly_fields = fields
    inlines = [ConsentPartyInline]

    def students_to_log(self, request, students, action):
        # A consent names the care asked for: every student shown is logged.
        if action == AccessAction.REFUSED:
            return list(students)
        return [student for student in students if student is not None]


@admin.register(PortalSettings)
class PortalSettingsAdmin(RegistryAdminMixin, OrganisationScopedAdmin):
    organisation_path = "organisation"
    list_display = ["organisation", "guardians_read_until_age", "student_reads_from_age"]
    list_select_related = ["organisation"]
    fields = ["organisation", "guardians_read_until_age", "student_reads_from_age"]

    def has_add_permission(self, request) -> bool:
        return is_registry_admin(request) and (
            request.user.is_superuser or admin_organisation_id(request) is not None
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def get_readonly_fields(self, request, obj=None):
        # The organisation is chosen once; the rules change, the owner does not.
        return ["organisation"] if obj is not None else []
