"""Users and job runs in the admin.

Users are scoped like the registry (through their staff profile). An organisation's admin may
create and edit their colleagues' accounts, but never grant admin rights or permissions, and never
touch a superuser: those stay with the operator of the installation.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.utils.translation import gettext_lazy as _

from schools.admin_base import OrganisationScopedMixin, admin_organisation_id
from schools.models import Profession, StaffMember

from .models import JobRun, User

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


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Read-only: runs are written by the job runner, never by hand."""

    list_display = ["job", "started_at", "finished_at", "outcome", "output_summary"]
    list_filter = ["outcome", "job"]
    readonly_fields = ["job", "started_at", "finished_at", "outcome", "output"]
    date_hierarchy = "started_at"

    @admin.display(description=_("utdata"))
    def output_summary(self, obj: JobRun) -> str:
        first_line = obj.output.strip().splitlines()[:1]
        return first_line[0][:120] if first_line else ""

    def get_actions(self, request):
        return {}

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
