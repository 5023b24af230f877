"""Journal templates in the admin: templates, their versions, a version's keywords.

Registry admins work here (``schools.admin_registry.is_registry_admin``). They see the national
default templates (no organisation) and their own organisation's templates; only superusers
change national ones. A published version is read-only; a change is a new draft ("Skapa ny
version"), published with "Publicera" (``journal.services.templates``). Nothing is deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from schools.admin_base import OrganisationScopedAdmin, admin_organisation_id
from schools.admin_registry import is_registry_admin

from .models import DocumentTemplate, Keyword, TemplateVersion
from .services.templates import version_create_draft, version_publish


def may_edit_template(request: HttpRequest, template: DocumentTemplate) -> bool:
    """National defaults: superusers only; an organisation's: its registry admins."""
    if not is_registry_admin(request):
        return False
    if request.user.is_superuser:
        return True
    organisation_id = admin_organisation_id(request)
    return organisation_id is not None and template.organisation_id == organisation_id


class TemplateScopeMixin:
    """Own organisation's templates and the national defaults; module for registry admins."""

    organisation_path = "organisation"

    def scope(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        organisation_id = admin_organisation_id(request)
        if organisation_id is None:
            return queryset.none()
        path = self.organisation_path
        return queryset.filter(Q(**{path: organisation_id}) | Q(**{f"{path}__isnull": True}))

    def has_module_permission(self, request) -> bool:
        return is_registry_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Templates -----------------------------------------------------------------------------------


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ["area", "code", "name", "description", "organisation", "is_active"]

    def clean(self):
        cleaned = super().clean()
        # The organisation is not a field for registry admins (it is theirs), so the model's
        # unique constraint on (organisation, code) is skipped by the form: check it here.
        code = cleaned.get("code")
        if "organisation" not in self.fields and self.instance.pk is None and code:
            taken = DocumentTemplate.objects.filter(
                organisation_id=self.instance.organisation_id, code=code
            )
            if taken.exists():
                self.add_error("code", _("Huvudmannen har redan en mall med den koden."))
        return cleaned


class TemplateVersionInline(admin.TabularInline):
    model = TemplateVersion
    fields = ["number", "status", "published_at", "published_by", "change_note"]
    readonly_fields = fields
    ordering = ["-number"]
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("published_by")

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # drafts are made by "Skapa ny version", numbered by the service

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(TemplateScopeMixin, OrganisationScopedAdmin):
    form = DocumentTemplateForm
    list_display = ["name", "code", "area", "organisation_display", "current_version", "is_active"]
    list_select_related = ["organisation"]
    list_filter = ["area", "is_active"]
    search_fields = ["name", "code"]
    inlines = [TemplateVersionInline]
    actions = ["create_new_version"]

    def get_queryset(self, request):
        published = TemplateVersion.objects.filter(
            template=OuterRef("pk"), status=TemplateVersion.Status.PUBLISHED
        ).values("number")[:1]
        return super().get_queryset(request).annotate(current_version_number=Subquery(published))

    def get_readonly_fields(self, request, obj=None):
        fixed = [] if request.user.is_superuser else ["organisation"]
        if obj is not None:
            fixed += ["area", "code"]  # entries will name the template by them
        return fixed

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None or request.user.is_superuser:
            return form
        organisation_id = admin_organisation_id(request)

        class OwnOrganisationForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, **inner)
                self.instance.organisation_id = organisation_id

        return OwnOrganisationForm

    def has_add_permission(self, request) -> bool:
        return is_registry_admin(request) and (
            request.user.is_superuser or admin_organisation_id(request) is not None
        )

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return is_registry_admin(request)
        return may_edit_template(request, obj)

    @admin.display(description=_("huvudman"), ordering="organisation__name")
    def organisation_display(self, obj: DocumentTemplate) -> str:
        return str(obj.organisation) if obj.organisation_id else _("Nationell standardmall")

    @admin.display(description=_("publicerad version"))
    def current_version(self, obj: DocumentTemplate):
        return obj.current_version_number or "–"

    @admin.action(description=_("Skapa ny version"))
    def create_new_version(self, request, queryset):
        for template in queryset:
            if not may_edit_template(request, template):
                messages.error(
                    request, _("%(template)s: du får inte ändra mallen.") % {"template": template}
                )
                continue
            try:
                draft = version_create_draft(template=template, by=request.user)
            except ValidationError as error:
                messages.error(request, f"{template}: {' '.join(error.messages)}")
            else:
                messages.success(
                    request, _("%(version)s skapades som utkast.") % {"version": draft}
                )


# --- Versions and their keywords -----------------------------------------------------------------


class KeywordInline(admin.StackedInline):
    model = Keyword
    fields = [
        ("order", "code", "label"),
        ("vips_heading", "kind", "required_at_signing"),
        ("unit", "min_value", "max_value", "flag_below"),
        "choices",
        "binds_to",
        "help_text",
    ]
    ordering = ["order"]
    extra = 0
    can_delete = False

    def _version_editable(self, request, obj) -> bool:
        return obj is None or (obj.is_draft and may_edit_template(request, obj.template))

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is not None and self._version_editable(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is not None and self._version_editable(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TemplateVersion)
class TemplateVersionAdmin(TemplateScopeMixin, OrganisationScopedAdmin):
    organisation_path = "template__organisation"
    list_display = ["template", "number", "status", "published_at", "published_by"]
    list_filter = ["status", "template__area"]
    search_fields = ["template__name", "template__code"]
    fields = ["template", "number", "status", "change_note", "published_at", "published_by"]
    readonly_fields = ["template", "number", "status", "published_at", "published_by"]
    inlines = [KeywordInline]
    actions = ["create_new_version", "publish"]

    def get_queryset(self, request):
        # Here, not list_select_related: the change list skips that once a queryset has any.
        return (
            super().get_queryset(request).select_related("template__organisation", "published_by")
        )

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "<path:object_id>/publish/",
                self.admin_site.admin_view(self.publish_view),
                name=f"{prefix}_publish",
            ),
            path(
                "<path:object_id>/new-version/",
                self.admin_site.admin_view(self.new_version_view),
                name=f"{prefix}_new_version",
            ),
            *super().get_urls(),
        ]

    def has_add_permission(self, request) -> bool:
        return False  # "Skapa ny version" makes drafts

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is None:
            return is_registry_admin(request)
        return obj.is_draft and may_edit_template(request, obj.template)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["may_publish"] = self.has_change_permission(request, obj)
            context["may_copy"] = may_edit_template(request, obj.template)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # -- Skapa ny version / Publicera

    def _create_new_version(self, request, version: TemplateVersion) -> TemplateVersion | None:
        if not may_edit_template(request, version.template):
            raise PermissionDenied
        try:
            draft = version_create_draft(
                template=version.template, from_version=version, by=request.user
            )
        except ValidationError as error:
            messages.error(request, f"{version}: {' '.join(error.messages)}")
            return None
        messages.success(request, _("%(version)s skapades som utkast.") % {"version": draft})
        return draft

    def _publish(self, request, version: TemplateVersion) -> bool:
        if not self.has_change_permission(request, version):
            raise PermissionDenied
        try:
            version_publish(version=version, by=request.user)
        except ValidationError as error:
            messages.error(request, f"{version}: {' '.join(error.messages)}")
            return False
        messages.success(request, _("%(version)s publicerades.") % {"version": version})
        return True

    def _object_for_post(self, request, object_id):
        """The version in scope for a POST; None → the admin's "does not exist" answer."""
        return self.get_object(request, unquote(object_id))

    def _change_url(self, version: TemplateVersion) -> str:
        return reverse("admin:journal_templateversion_change", args=[version.pk])

    def new_version_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        version = self._object_for_post(request, object_id)
        if version is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        draft = self._create_new_version(request, version)
        return redirect(self._change_url(draft or version))

    def publish_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        version = self._object_for_post(request, object_id)
        if version is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        self._publish(request, version)
        return redirect(self._change_url(version))

    @admin.action(description=_("Skapa ny version från vald version"))
    def create_new_version(self, request, queryset):
        for version in queryset.select_related("template"):
            if may_edit_template(request, version.template):
                self._create_new_version(request, version)
            else:
                messages.error(
                    request, _("%(version)s: du får inte ändra mallen.") % {"version": version}
                )

    @admin.action(description=_("Publicera"))
    def publish(self, request, queryset):
        for version in queryset.select_related("template"):
            if self.has_change_permission(request, version):
                self._publish(request, version)
            else:
                messages.error(
                    request,
                    _("%(version)s: bara utkast i mallar du får ändra kan publiceras.")
                    % {"version": version},
                )


# Register the code-list, growth-reference and programme admins.
from . import admin_codes, admin_growth, admin_vaccination, admin_visits  # noqa: E402, F401
