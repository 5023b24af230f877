"""Code lists in the admin (imported by journal/admin.py): read-only, loaded by ``load_codes``.

Versions and codes are installation-wide reference data, not an organisation's: registry admins
of every organisation and superusers may look at them; nobody adds, changes or deletes them here
(a new file is a new version, docs/code-lists.md). The one write is "Aktivera", which switches a
system's active version for the whole installation and so needs its own permission
(``journal.activate_codelistversion``: superusers, or whoever the operator grants it).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from schools.admin_base import ReadOnlyAdminMixin
from schools.admin_registry import is_registry_admin

from .models.codes import Code, CodeListVersion
from .services.codes import code_list_activate

ACTIVATE_PERMISSION = "journal.activate_codelistversion"


class CodeListAdminMixin(ReadOnlyAdminMixin):
    """Viewable by registry admins and superusers; never added, changed or deleted by hand."""

    list_per_page = 100
    show_full_result_count = False
    view_on_site = False

    def has_module_permission(self, request) -> bool:
        return is_registry_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)


@admin.register(CodeListVersion)
class CodeListVersionAdmin(CodeListAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "label",
        "system",
        "is_active",
        "code_count",
        "codes_link",
        "source_name",
        "loaded_at",
        "loaded_by",
    ]
    list_select_related = ["loaded_by"]
    list_filter = ["system", "is_active"]
    ordering = ["system", "-loaded_at", "-pk"]
    fields = [
        "system",
        "label",
        "is_active",
        "code_count",
        "source_name",
        "sha256",
        "loaded_at",
        "loaded_by",
    ]
    readonly_fields = fields
    actions = ["activate"]

    def get_actions(self, request):
        # ReadOnlyAdminMixin offers no actions; "Aktivera" only to those who may switch.
        if not request.user.has_perm(ACTIVATE_PERMISSION):
            return {}
        return {"activate": self.get_action("activate")}

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history would save ("revert") a POSTed form here: versions never change so.
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)

    @admin.display(description=gettext_lazy("koder"))
    def codes_link(self, obj: CodeListVersion) -> str:
        url = reverse("admin:journal_code_changelist") + f"?version__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Visa koder"))

    @admin.action(description=gettext_lazy("Aktivera vald version"))
    def activate(self, request, queryset):
        if not request.user.has_perm(ACTIVATE_PERMISSION):  # the action list already hides it
            return
        versions = list(queryset[:2])
        if len(versions) != 1:
            self.message_user(
                request, _("Välj exakt en version att aktivera."), level=messages.ERROR
            )
            return
        version = versions[0]
        if code_list_activate(version=version, by=request.user):
            self.message_user(
                request,
                _("%(label)s är nu aktiv version för %(system)s.")
                % {"label": version.label, "system": version.get_system_display()},
                level=messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                _("%(label)s var redan aktiv.") % {"label": version.label},
                level=messages.INFO,
            )


@admin.register(Code)
class CodeAdmin(CodeListAdminMixin, admin.ModelAdmin):
    list_display = ["code", "title", "group", "is_selectable", "version"]
    list_select_related = ["version"]
    list_filter = ["version__system", "version", "is_selectable"]
    search_fields = ["^code", "title"]
    ordering = ["version", "code"]
    fields = ["version", "code", "title", "group", "is_selectable"]
    readonly_fields = fields
