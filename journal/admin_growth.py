"""Growth references and each organisation's growth settings in the admin (imported by
journal/admin.py).

A reference is installation-wide data, loaded by migration or ``load_growth_reference``: every
registry admin may look at it and its tables' provenance, nobody adds, changes or deletes it
here, and its LMS values are not in the admin at all. Growth settings (which reference, flags
and their thresholds) belong to an organisation: its registry admins edit their own, like the
organisation's health programme (journal/admin_visits.py).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.db.models import Count, Max, Min
from django.http import HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from schools.admin_base import OrganisationScopedAdmin, ReadOnlyAdminMixin, admin_organisation
from schools.admin_registry import is_registry_admin

from .models.growth_reference import GrowthLmsTable, GrowthReference, GrowthSettings


class GrowthLmsTableInline(admin.TabularInline):
    model = GrowthLmsTable
    fields = ["measure", "sex", "ages", "point_count", "provenance"]
    readonly_fields = fields
    ordering = ["measure", "sex"]
    extra = 0
    can_delete = False
    show_change_link = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_points=Count("points"),
                first_age=Min("points__age_months"),
                last_age=Max("points__age_months"),
            )
        )

    @admin.display(description=_("ålder (månader)"))
    def ages(self, obj: GrowthLmsTable) -> str:
        return f"{obj.first_age}–{obj.last_age}" if obj.n_points else "–"

    @admin.display(description=_("LMS-värden"))
    def point_count(self, obj: GrowthLmsTable) -> int:
        return obj.n_points

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(GrowthReference)
class GrowthReferenceAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "version", "code", "is_swedish", "licence"]
    list_filter = ["is_swedish"]
    ordering = ["name", "version"]
    fields = ["name", "version", "code", "is_swedish", "description", "source", "licence"]
    readonly_fields = fields
    inlines = [GrowthLmsTableInline]
    list_per_page = 50
    show_full_result_count = False
    view_on_site = False

    def has_module_permission(self, request) -> bool:
        return is_registry_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history would save ("revert") a POSTed form here: references change only as data.
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)


class GrowthSettingsForm(forms.ModelForm):
    class Meta:
        model = GrowthSettings
        fields = [
            "organisation",
            "reference",
            "flags_enabled",
            "channel_change_sd",
            "weight_loss_kg",
        ]

    def clean_channel_change_sd(self):
        value = self.cleaned_data["channel_change_sd"]
        if value is not None and value <= Decimal(0):
            raise forms.ValidationError(_("Ange ett tal större än noll."))
        return value

    def clean_weight_loss_kg(self):
        value = self.cleaned_data["weight_loss_kg"]
        if value is not None and value <= Decimal(0):
            raise forms.ValidationError(_("Ange ett tal större än noll."))
        return value


@admin.register(GrowthSettings)
class GrowthSettingsAdmin(OrganisationScopedAdmin):
    form = GrowthSettingsForm
    organisation_path = "organisation"
    list_display = [
        "organisation",
        "reference",
        "flags_enabled",
        "channel_change_sd",
        "weight_loss_kg",
    ]
    fields = ["organisation", "reference", "flags_enabled", "channel_change_sd", "weight_loss_kg"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "reference")

    def get_readonly_fields(self, request, obj=None):
        return ["organisation"] if obj is not None else []

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        organisation = admin_organisation(request)
        if organisation is not None:
            initial.setdefault("organisation", organisation.pk)
        return initial

    def has_module_permission(self, request) -> bool:
        return is_registry_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_add_permission(self, request) -> bool:
        # Not Django's model permission: the registry-admin role decides, like the programme's.
        return is_registry_admin(request) and (
            request.user.is_superuser or admin_organisation(request) is not None
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)
