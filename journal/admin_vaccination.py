"""Vaccines, lots and vaccination programmes in the admin (imported by journal/admin.py).

* Vaccines and lots are installation-wide product data: every registry admin may add and change
  them (with history), nobody deletes them (doses point to them).
* Programmes mirror the health-visit programme (journal/admin_visits.py): registry admins see
  the national programme and their own organisation's; a published (or retired) programme is
  read-only, a change is a new draft ("Skapa egen version"), published with "Publicera"
  (``journal.services.vaccination_programmes``). Doses are edited only in the programme's
  inline, only while it is a draft. Nothing is deleted.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from schools.admin_base import OrganisationScopedAdmin, admin_organisation
from schools.admin_registry import is_registry_admin

from .admin import TemplateScopeMixin, may_edit_template
from .models.vaccination import ProgrammeDose, VaccinationProgramme, Vaccine, VaccineLot
from .services.vaccination_programmes import (
    vaccination_programme_create_draft,
    vaccination_programme_publish,
)


class ProductDataAdmin(SimpleHistoryAdmin):
    """Installation-wide product data for registry admins: added and changed, never deleted;
    history viewable, never reverted."""

    list_per_page = 50
    view_on_site = False

    def has_module_permission(self, request) -> bool:
        return is_registry_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_add_permission(self, request) -> bool:
        return is_registry_admin(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":  # nothing is reverted
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(Vaccine)
class VaccineAdmin(ProductDataAdmin):
    list_display = ["name", "series", "atc_code", "npl_id", "active"]
    list_filter = ["series", "active"]
    search_fields = ["name", "atc_code", "npl_id"]
    fields = ["name", "npl_id", "atc_code", "diseases", "series", "strength", "route", "active"]


@admin.register(VaccineLot)
class VaccineLotAdmin(ProductDataAdmin):
    list_display = ["vaccine", "lot_number", "expires_on"]
    list_filter = ["vaccine"]
    search_fields = ["lot_number", "vaccine__name"]
    fields = ["vaccine", "lot_number", "expires_on"]
    list_select_related = ["vaccine"]


def may_edit_programme(request: HttpRequest, programme: VaccinationProgramme) -> bool:
    """National programmes: superusers only; an organisation's: its registry admins."""
    return may_edit_template(request, programme)  # the same rule, by organisation


def programme_editable(request: HttpRequest, programme: VaccinationProgramme | None) -> bool:
    return (
        programme is not None
        and programme.status == VaccinationProgramme.Status.DRAFT
        and may_edit_programme(request, programme)
    )


class ProgrammeDoseInline(admin.StackedInline):
    model = ProgrammeDose
    fields = [
        ("order", "series", "dose_number", "name"),
        ("school_type", "grade_from", "grade_to"),
        ("min_age_months", "max_age_months", "min_interval_days"),
        ("born_from_year", "born_until_year", "sex"),
        ("first_dose_age_from_months", "first_dose_age_until_months"),
        "vaccines",
    ]
    filter_horizontal = ["vaccines"]
    ordering = ["order", "series", "dose_number"]
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


@admin.register(VaccinationProgramme)
class VaccinationProgrammeAdmin(TemplateScopeMixin, OrganisationScopedAdmin):
    list_display = ["name", "organisation_display", "number", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    fields = [
        "name",
        "organisation",
        "number",
        "status",
        "published_at",
        "source",
        "change_note",
    ]
    readonly_fields = ["organisation", "number", "status", "published_at"]
    inlines = [ProgrammeDoseInline]
    actions = ["create_own_version", "publish"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation")

    def has_add_permission(self, request) -> bool:
        return False  # drafts are made by "Skapa egen version", numbered by the service

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return is_registry_admin(request)
        return programme_editable(request, obj)

    @admin.display(description=_("huvudman"), ordering="organisation__name")
    def organisation_display(self, obj: VaccinationProgramme) -> str:
        return str(obj.organisation) if obj.organisation_id else _("Nationellt program")

    @admin.action(description=_("Skapa egen version"))
    def create_own_version(self, request, queryset):
        organisation = admin_organisation(request)
        if organisation is None and not request.user.is_superuser:
            messages.error(request, _("Du hör inte till någon huvudman."))
            return
        for source in queryset:
            target = organisation if organisation is not None else source.organisation
            try:
                draft = vaccination_programme_create_draft(
                    source=source, organisation=target, by=request.user
                )
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
                vaccination_programme_publish(programme=programme, by=request.user)
            except ValidationError as error:
                messages.error(request, f"{programme}: {' '.join(error.messages)}")
            else:
                messages.success(
                    request, _("%(programme)s publicerades.") % {"programme": programme}
                )
