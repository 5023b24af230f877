"""The registry import in the admin: import runs and their reports, proposed assignments, and
the CSV upload → preview → import (docs/registry-csv.md).

Only a registry admin of an organisation (or a superuser) sees these pages; each sees her own
organisation's runs. Runs and their items are written by the import service and are read-only.
The uploaded file waits between preview and import in the default storage under a random name
held in the session (``PendingFile``); it never travels in a URL and nothing reaches the
registry before "Genomför import".
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from .admin_base import (
    OrganisationScopedMixin,
    ReadOnlyAdminMixin,
    ScopedRelatedFieldListFilter,
    admin_organisation,
    holds_admin_role,
)
from .identity import mask_identity_numbers
from .models import Organisation, OrganisationRole
from .models.registry import ImportRun, ImportRunItem, ProposedAssignment
from .registry.csv_source import MAX_FILE_BYTES, csv_import, csv_preview

PENDING_SESSION_KEY = "registry_import_pending"
PENDING_FOLDER = "registry-imports"
PENDING_MAX_AGE = datetime.timedelta(days=1)
REPORT_ITEMS_SHOWN = 500
PREVIEW_ROWS_SHOWN = 20


def is_registry_admin(request) -> bool:
    return holds_admin_role(request, OrganisationRole.Role.REGISTRY_ADMIN)


class RegistryAdminOnlyMixin(OrganisationScopedMixin):
    """Registry admins see their organisation's rows; nobody adds or deletes by hand."""

    list_per_page = 50
    show_full_result_count = False
    view_on_site = False

    def has_module_permission(self, request) -> bool:
        return is_registry_admin(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_registry_admin(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Import runs -------------------------------------------------------------------------------


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdminMixin, RegistryAdminOnlyMixin, admin.ModelAdmin):
    organisation_path = "organisation"
    list_display = [
        "started_at",
        "source",
        "organisation",
        "status",
        "created",
        "changed",
        "ended",
        "refused",
        "triggered_by",
    ]
    list_select_related = ["organisation", "triggered_by"]
    list_filter = ["status", ("organisation", ScopedRelatedFieldListFilter), "source"]
    date_hierarchy = "started_at"
    ordering = ["-started_at", "-pk"]
    fields = [
        "source",
        "organisation",
        "status",
        "started_at",
        "finished_at",
        "triggered_by",
        "created",
        "changed",
        "ended",
        "refused",
    ]
    change_list_template = "admin/schools/importrun/change_list.html"
    change_form_template = "admin/schools/importrun/change_form.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(upload_view(self)), name="schools_importrun_upload"),
            path("import/preview/", wrap(preview_view(self)), name="schools_importrun_preview"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is not None:
            extra_context = {**(extra_context or {}), **report_context(run)}
        return super().change_view(request, object_id, form_url, extra_context)


def report_context(run: ImportRun) -> dict:
    items = run.items.order_by("kind", "row", "pk")
    counts = dict(run.items.values_list("kind").annotate(n=Count("pk")).order_by())
    shown = [
        {
            "kind": item.get_kind_display(),
            "entity": item.entity,
            "source_id": item.source_id,
            "row": item.row,
            "message": mask_identity_numbers(item.message),
        }
        for item in items[:REPORT_ITEMS_SHOWN]
    ]
    total = sum(counts.values())
    return {
        "report_items": shown,
        "report_total": total,
        "report_truncated": total > len(shown),
        "report_items_url": reverse("admin:schools_importrunitem_changelist")
        + f"?run__id__exact={run.pk}",
    }


@admin.register(ImportRunItem)
class ImportRunItemAdmin(ReadOnlyAdminMixin, RegistryAdminOnlyMixin, admin.ModelAdmin):
    organisation_path = "run__organisation"
    list_display = ["run", "kind", "entity", "source_id", "row", "masked_message"]
    list_select_related = ["run__organisation"]
    list_filter = ["kind", "entity"]
    ordering = ["-run__started_at", "kind", "row", "pk"]
    fields = ["run", "kind", "entity", "source_id", "row", "object_id", "masked_message"]
    readonly_fields = ["masked_message"]

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        return lookup in ("run__id__exact", "run__id") or super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description=gettext_lazy("meddelande"))
    def masked_message(self, obj: ImportRunItem) -> str:
        return mask_identity_numbers(obj.message)


# --- Proposed assignments ------------------------------------------------------------------------


@admin.register(ProposedAssignment)
class ProposedAssignmentAdmin(RegistryAdminOnlyMixin, admin.ModelAdmin):
    organisation_path = "organisation"
    list_display = [
        "staff_member",
        "school",
        "start_date",
        "end_date",
        "status",
        "decided_by",
        "decided_at",
    ]
    list_select_related = ["staff_member__user", "school", "decided_by"]
    list_filter = ["status", ("school", ScopedRelatedFieldListFilter)]
    search_fields = ["staff_member__user__last_name", "staff_member__user__first_name"]
    ordering = ["status", "school__name", "start_date", "pk"]
    actions = ["confirm_selected", "reject_selected"]
    fields = list_display

    @admin.action(description=gettext_lazy("Bekräfta valda"))
    def confirm_selected(self, request, queryset):
        from .registry.services import assignment_confirm

        try:
            confirmed = assignment_confirm(proposals=queryset, by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        count = len(confirmed)
        self.message_user(
            request,
            ngettext(
                "%(count)d föreslagen tjänstgöring bekräftades.",
                "%(count)d föreslagna tjänstgöringar bekräftades.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=gettext_lazy("Avvisa valda"))
    def reject_selected(self, request, queryset):
        from .registry.services import assignment_reject

        try:
            count = assignment_reject(proposals=queryset, by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d föreslagen tjänstgöring avvisades.",
                "%(count)d föreslagna tjänstgöringar avvisades.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


# --- Upload, preview, import ----------------------------------------------------------------


class RegistryUploadForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Huvudman"), queryset=Organisation.objects.order_by("name")
    )
    file = forms.FileField(
        label=gettext_lazy("Fil (CSV)"),
        help_text=gettext_lazy(
            "Semikolon- eller kommaavgränsad, UTF-8 eller Windows-1252 (”CSV” från Excel), "
            "högst 5 MB."
        ),
    )

    def __init__(self, *args, organisation: Organisation | None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisation is not None:  # an organisation's admin imports for her own only
            del self.fields["organisation"]
        self.fixed_organisation = organisation

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                _("Filen är större än %(mb)d MB. Dela upp den per skolenhet.")
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload

    @property
    def target_organisation(self) -> Organisation:
        return self.fixed_organisation or self.cleaned_data["organisation"]


@dataclass(frozen=True)
class PendingFile:
    """The uploaded file between preview and import: its content in the default storage under
    a random name; the session holds the name, never the content."""

    token: str
    organisation_id: int
    name: str

    @property
    def storage_name(self) -> str:
        return f"{PENDING_FOLDER}/{self.token}.csv"

    @classmethod
    def save(cls, request, *, data: bytes, organisation: Organisation, name: str) -> PendingFile:
        previous = cls.from_session(request)
        if previous is not None:
            previous.discard(request)
        _sweep_stale_files()
        pending = cls(secrets.token_urlsafe(24), organisation.pk, name[:100])
        default_storage.save(pending.storage_name, ContentFile(data))
        request.session[PENDING_SESSION_KEY] = {
            "token": pending.token,
            "organisation_id": pending.organisation_id,
            "name": pending.name,
        }
        return pending

    @classmethod
    def from_session(cls, request) -> PendingFile | None:
        stored = request.session.get(PENDING_SESSION_KEY)
        if not isinstance(stored, dict):
            return None
        try:
            return cls(str(stored["token"]), int(stored["organisation_id"]), str(stored["name"]))
        except (KeyError, TypeError, ValueError):
            return None

    def read(self) -> bytes | None:
        try:
            with default_storage.open(self.storage_name, "rb") as file:
                return file.read()
        except FileNotFoundError:
            return None

    def discard(self, request) -> None:
        if default_storage.exists(self.storage_name):
            default_storage.delete(self.storage_name)
        request.session.pop(PENDING_SESSION_KEY, None)


def _sweep_stale_files() -> None:
    """Files left by previews nobody imported or cancelled: at most a day old."""
    try:
        _folders, names = default_storage.listdir(PENDING_FOLDER)
    except (FileNotFoundError, NotImplementedError):
        return
    limit = timezone.now() - PENDING_MAX_AGE
    for name in names:
        storage_name = f"{PENDING_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(storage_name) < limit:
                default_storage.delete(storage_name)
        except (FileNotFoundError, NotImplementedError):
            continue


def _require_registry_admin(request) -> Organisation | None:
    """The admin's own organisation (None for a superuser, who picks one); 403 otherwise."""
    if not is_registry_admin(request):
        raise PermissionDenied
    if request.user.is_superuser:
        return None
    organisation = admin_organisation(request)
    if organisation is None:
        raise PermissionDenied
    return organisation


def _page(request, model_admin, template: str, title: str, **context) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        **context,
    }
    return TemplateResponse(request, template, context)


def upload_view(model_admin: ImportRunAdmin):
    @sensitive_post_parameters()
    @csrf_protect
    @require_http_methods(["GET", "POST"])
    def view(request):
        own = _require_registry_admin(request)
        form = RegistryUploadForm(request.POST or None, request.FILES or None, organisation=own)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            PendingFile.save(
                request, data=upload.read(), organisation=form.target_organisation, name=upload.name
            )
            return redirect("admin:schools_importrun_preview")
        return _page(
            request,
            model_admin,
            "admin/schools/importrun/upload.html",
            _("Importera fil (CSV)"),
            form=form,
            organisation=own,
        )

    return view


def _pending_for(request, own: Organisation | None) -> tuple[PendingFile, Organisation] | None:
    pending = PendingFile.from_session(request)
    if pending is None:
        return None
    if own is not None and pending.organisation_id != own.pk:
        pending.discard(request)  # the user's organisation changed since the upload
        return None
    organisation = Organisation.objects.filter(pk=pending.organisation_id).first()
    return (pending, organisation) if organisation is not None else None


def preview_view(model_admin: ImportRunAdmin):
    @sensitive_post_parameters()
    @csrf_protect
    @require_http_methods(["GET", "POST"])
    def view(request):
        own = _require_registry_admin(request)
        found = _pending_for(request, own)
        data = found[0].read() if found is not None else None
        if data is None:
            if found is not None:
                found[0].discard(request)
            messages.warning(
                request, _("Det finns ingen uppladdad fil att granska. Ladda upp den.")
            )
            return redirect("admin:schools_importrun_upload")
        pending, organisation = found
        if request.method == "POST":
            if request.POST.get("token") != pending.token:
                messages.warning(
                    request,
                    _("En annan fil har laddats upp sedan förhandsgranskningen. Granska igen."),
                )
                return redirect("admin:schools_importrun_preview")
            if "cancel" in request.POST:
                pending.discard(request)
                messages.info(request, _("Importen avbröts. Inget sparades."))
                return redirect("admin:schools_importrun_changelist")
            result, run = csv_import(
                data=data, organisation=organisation, triggered_by=request.user
            )
            pending.discard(request)
            if run is None:
                messages.error(request, result.file_error.message)
                return redirect("admin:schools_importrun_upload")
            messages.success(request, run_summary(run))
            return redirect("admin:schools_importrun_change", run.pk)
        result = csv_preview(data=data, organisation=organisation)
        names = dict(organisation.schools.values_list("school_unit_code", "name"))
        schools = [
            {**summary, "name": names.get(summary["code"], "")}
            for summary in result.school_summary()
        ]
        return _page(
            request,
            model_admin,
            "admin/schools/importrun/preview.html",
            _("Förhandsgranska import"),
            organisation=organisation,
            file_name=pending.name,
            token=pending.token,
            result=result,
            schools=schools,
            first_rows=result.rows[:PREVIEW_ROWS_SHOWN],
            more_rows=max(0, len(result.rows) - PREVIEW_ROWS_SHOWN),
            batch=result.batch,
        )

    return view


def run_summary(run: ImportRun) -> str:
    return _(
        "Importen är klar: %(created)d skapade, %(changed)d ändrade, %(ended)d avslutade, "
        "%(refused)d avvisade."
    ) % {
        "created": run.created,
        "changed": run.changed,
        "ended": run.ended,
        "refused": run.refused,
    }
