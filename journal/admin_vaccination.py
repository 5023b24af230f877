"""Vaccines, lots and vaccination programmes in the admin (imported by journal/admin.py).

* Vaccines and lots are installation-wide product data: every registry admin may add and change
  them (with history), nobody deletes them (doses point to them).
* Programmes follow the rule of every versioned programme (journal/admin_programmes.py, as the
  health-visit programme): registry admins see the national programme and their own
  organisation's; a published (or retired) programme is read-only, a change is a new draft
  ("Skapa egen version"), published with "Publicera"
  (``journal.services.vaccination_programmes``). Doses are edited only in the programme's
  inline, only while it is a draft. Nothing is deleted.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from schools.admin_registry import is_registry_admin

from .admin_programmes import ProgrammeChildInlineMixin, VersionedProgrammeAdmin
from .admin_programmes import may_edit_programme as may_edit_programme  # re-exported
from .admin_programmes import programme_editable as programme_editable  # re-exported
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


class ProgrammeDoseInline(ProgrammeChildInlineMixin, admin.StackedInline):
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


@admin.register(VaccinationProgramme)
class VaccinationProgrammeAdmin(VersionedProgrammeAdmin):
    fields = [
        "name",
        "organisation",
        "number",
        "status",
        "published_at",
        "source",
        "change_note",
    ]
    inlines = [ProgrammeDoseInline]
    national_label = _("Nationellt program")
    create_draft = staticmethod(vaccination_programme_create_draft)
    publish_draft = staticmethod(vaccination_programme_publish)
