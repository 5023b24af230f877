"""Users and job runs in the admin.

Users are scoped like the registry (through their staff profile). An organisation's admin may
create and edit their colleagues' accounts, but never grant admin rights or permissions, and never
touch a superuser: those stay with the operator of the installation. The same admin may reset a
colleague's second factor, with a written reason that is kept as an ``AuthEvent``.

The whole admin site requires a verified second factor (``elevhalsa.auth.admin_site``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools.admin_base import (
    OrganisationScopedMixin,
    ReadOnlyAdminMixin,
    SuperuserOnlyMixin,
    admin_organisation_id,
)
from schools.models import Profession, StaffMember

from .auth import services as auth_services
from .auth.admin_site import use_verified_admin_site
from .auth.devices import has_confirmed_device
from .auth.forms import ResetReasonForm
from .models import AuthEvent, JobRun, User

use_verified_admin_site()

admin.site.site_header = _("Elevhälsa – administration")
admin.site.site_title = _("Elevhälsa – administration")
admin.site.index_title = _("Register och behörigheter")

PRIVILEGE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


class StaffUserCreationForm(AdminUserCreationForm):
    """A new account made by an organisation's admin is a staff member of that organisation."""

    profession = forms.ChoiceField(label=_("yrke"), choices=Profession.choices)

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ["username", "first_name", "last_name", "email"]


@admin.register(User)
class UserAdmin(OrganisationScopedMixin, DjangoUserAdmin):
    organisation_path = "staff_member__organisation"
    list_display = ["username", "first_name", "last_name", "organisation", "is_active", "is_staff"]
    list_select_related = ["staff_member__organisation"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    staff_add_fieldsets = [
        (
            None,
            {
                "fields": [
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "profession",
                    "usable_password",
                    "password1",
                    "password2",
                ]
            },
        )
    ]

    @admin.display(description=_("huvudman"))
    def organisation(self, obj: User) -> str:
        member = getattr(obj, "staff_member", None)
        return str(member.organisation) if member else "–"

    def get_fieldsets(self, request, obj=None):
        if obj is None and not request.user.is_superuser:
            return self.staff_add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and not request.user.is_superuser:
            kwargs["form"] = StaffUserCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            readonly += PRIVILEGE_FIELDS
        return readonly

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and not request.user.is_superuser:
            StaffMember.objects.create(
                user=obj,
                organisation_id=admin_organisation_id(request),
                profession=form.cleaned_data["profession"],
            )

    # --- Reset of the second factor -------------------------------------------------------

    def get_urls(self):
        reset = path(
            "<path:object_id>/andra-faktorn/aterstall/",
            self.admin_site.admin_view(self.second_factor_reset_view),
            name="elevhalsa_user_second_factor_reset",
        )
        return [reset, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {
                **(extra_context or {}),
                "has_second_factor": has_confirmed_device(obj),
                "can_reset_second_factor": auth_services.can_reset_second_factor(request.user, obj),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def second_factor_reset_view(self, request, object_id):
        user = self.get_object(request, unquote(object_id))  # scoped: another org's user is 404
        if user is None:
            raise Http404
        if not auth_services.can_reset_second_factor(request.user, user):
            raise PermissionDenied
        form = ResetReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            auth_services.second_factor_reset(
                user=user,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=auth_services.client_ip(request),
            )
            messages.success(
                request,
                _(
                    "Andra faktorn för %(user)s är återställd. "
                    "Vid nästa inloggning registreras en ny."
                )
                % {"user": user.get_username()},
            )
            return redirect(reverse("admin:elevhalsa_user_change", args=[user.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": user,
            "form": form,
            "has_second_factor": has_confirmed_device(user),
            "title": _("Återställ andra faktorn"),
        }
        return TemplateResponse(request, "admin/elevhalsa/user/second_factor_reset.html", context)


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: runs are written by the job runner, never by hand."""

    list_display = ["job", "started_at", "finished_at", "outcome", "output_summary"]
    list_filter = ["outcome", "job"]
    readonly_fields = ["job", "started_at", "finished_at", "outcome", "output"]
    date_hierarchy = "started_at"

    @admin.display(description=_("utdata"))
    def output_summary(self, obj: JobRun) -> str:
        first_line = obj.output.strip().splitlines()[:1]
        return first_line[0][:120] if first_line else ""


@admin.register(AuthEvent)
class AuthEventAdmin(SuperuserOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Sign-in events, read-only and for superusers: they span every organisation."""

    list_display = ["at", "kind", "user", "actor", "username", "ip_address"]
    list_filter = ["kind"]
    list_select_related = ["user", "actor"]
    search_fields = ["user__username", "actor__username"]
    readonly_fields = ["at", "kind", "user", "actor", "username", "reason", "ip_address"]
    date_hierarchy = "at"


class DeviceAdmin(SuperuserOnlyMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Registered before django-otp's own admins (which then skip theirs): no secret keys or
    backup codes on screen, and no devices made or removed by hand — a reset is logged."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields


admin.site.register(TOTPDevice, DeviceAdmin)
admin.site.register(StaticDevice, DeviceAdmin)
