"""The base of every registry admin: scoped to the admin user's organisation, deletes nothing.

Each admin names its model's path to the organisation (``organisation_path``). Superusers see
everything; a staff user whose account has no ``StaffMember`` sees nothing. The same scope applies
to the change list, the change view, foreign-key and many-to-many choices, list filters,
autocomplete (which asks the *related* model's admin), inlines and history.

The admin goes through the access log too (DESIGN.md, access rule 9). Registry admins see no
health data, so only a response that shows a **protected-identity** student writes rows: one per
such student, in one insert, with reason "registry admin". Refused attempts at a student's row
(out of scope) write a "refused" row whoever the student is. The rows are written before any
atomic block of the request — ``changeform_view`` wraps itself in one — so they survive a failed
save: change and history views look the object up through the scoped queryset first, change lists
log from ``ChangeList.get_results`` (``AccessLoggingChangeList``), autocomplete from its page.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import admin
from django.contrib.admin.options import TO_FIELD_VAR
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import (
    FieldDoesNotExist,
    ImproperlyConfigured,
    PermissionDenied,
    ValidationError,
)
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from consent.accesslog import Access, AccessAction, AccessReason, log_accesses, request_location

MASKED = _("Skyddad")
VIEW_PROTECTED_IDENTITY = "schools.view_protected_identity"
# Never filter or search by these from a query string: identity numbers stay out of URLs.
UNSEARCHABLE_FIELDS = frozenset({"identity_number", "reserve_number"})


def admin_organisation_id(request: HttpRequest) -> int | None:
    member = getattr(request.user, "staff_member", None)
    return member.organisation_id if member is not None else None


def can_see_protected_identity(request: HttpRequest) -> bool:
    return request.user.has_perm(VIEW_PROTECTED_IDENTITY)


def _is_multi_valued(model: type[models.Model], path: str) -> bool:
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.one_to_many or field.many_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


def in_organisation(model: type[models.Model], path: str, organisation_id: int) -> models.Q:
    """Rows of ``model`` that belong to the organisation along ``path`` ("" = the organisation)."""
    if not path:
        return models.Q(pk=organisation_id)
    if _is_multi_valued(model, path):
        # A subquery, not a join: a student enrolled twice at one organisation is one row.
        matching = model._base_manager.filter(**{path: organisation_id}).values("pk")
        return models.Q(pk__in=matching)
    return models.Q(**{path: organisation_id})


class ScopeMixin:
    """Scoping shared by model admins and inlines."""

    organisation_path: str | None = None  # must be set; None is refused so no admin forgets it

    def scope(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        if request.user.is_superuser:
            return queryset
        organisation_id = admin_organisation_id(request)
        if organisation_id is None or self.organisation_path is None:
            return queryset.none()
        return queryset.filter(
            in_organisation(queryset.model, self.organisation_path, organisation_id)
        )

    def scoped_choices(self, request: HttpRequest, model: type[models.Model]):
        """The related model's rows in scope, using that model's own admin; None if unscoped."""
        related_admin = self.admin_site._registry.get(model)
        if isinstance(related_admin, ScopeMixin):
            return related_admin.scope(request, model._default_manager.all())
        return None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self.scoped_choices(request, db_field.remote_field.model)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self.scoped_choices(request, db_field.remote_field.model)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class OrganisationScopedMixin(ScopeMixin):
    """For ``ModelAdmin`` subclasses that are not historied (the user admin)."""

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete calls this on the related model's admin: scope again, whatever came in.
        queryset, may_have_duplicates = super().get_search_results(
            request, self.scope(request, queryset), search_term
        )
        return queryset, may_have_duplicates

    def has_add_permission(self, request) -> bool:
        if not request.user.is_superuser and admin_organisation_id(request) is None:
            return False
        return super().has_add_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if UNSEARCHABLE_FIELDS.intersection(lookup.split("__")):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        for field in fields:
            if UNSEARCHABLE_FIELDS.intersection(field.lstrip("^=@").split("__")):
                raise ImproperlyConfigured("Identity numbers must never be admin search fields.")
        return fields


# --- The access log ----------------------------------------------------------------------------


def admin_organisation(request: HttpRequest):
    """The admin user's organisation (the care provider the log row names), or None."""
    member = getattr(request.user, "staff_member", None)
    return member.organisation if member is not None else None


def _is_autocomplete(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


class AccessLoggingChangeList(ChangeList):
    """Logs the students on the page once the page's rows are known.

    ``ChangeList`` is built at the top of ``changelist_view``, before any atomic block (a
    list-editable save opens one later). The page is fetched here once; the template iterates
    the same, now evaluated, queryset, so logging costs no extra SELECT.
    """

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)  # fills the queryset's cache
        self.model_admin.log_list_access(request, rows)


class AccessLoggingPaginator(Paginator):
    """For autocomplete answers: logs the students on the page it returns."""

    def __init__(self, *args, on_page, **kwargs):
        super().__init__(*args, **kwargs)
        self.on_page = on_page

    def page(self, number):
        page = super().page(number)
        page.object_list = list(page.object_list)
        self.on_page(page.object_list)
        return page


class AccessLoggedAdminMixin:
    """Writes the access-log rows for the students a model admin's responses show.

    ``student_field`` says where a row's student is: ``""`` when the row is the student, a
    foreign key's name (``"student"``) otherwise, ``None`` when the rows show no student.
    ``students_on_page`` may add students an object's change page shows in its inlines.
    """

    student_field: str | None = None
    access_reason: str = AccessReason.REGISTRY_ADMIN
    access_record_type: str = ""  # default: the model's label, e.g. "schools.student"

    # -- which students a response shows

    def students_in(self, objects: Iterable[models.Model]) -> list:
        if self.student_field is None:
            return []
        if self.student_field == "":
            return list(objects)
        return [getattr(obj, self.student_field) for obj in objects]

    def students_on_page(self, request: HttpRequest, obj: models.Model) -> list:
        """The students an object's change page shows (its own, and its inlines')."""
        return self.students_in([obj])

    def students_to_log(self, request: HttpRequest, students: Iterable, action: str) -> list:
        """Registry admins see no health data: only protected-identity students are logged
        (refused attempts always are)."""
        if action == AccessAction.REFUSED:
            return list(students)
        return [student for student in students if student is not None and student.is_protected]

    # -- writing

    def log_students(
        self, request: HttpRequest, students: Iterable, action: str, record=None, record_id=""
    ):
        """One row per distinct student, in one INSERT, committed at once (durable)."""
        distinct: dict = {}
        for student in self.students_to_log(request, students, action):
            distinct.setdefault(student.pk if student is not None else None, student)
        if not distinct:
            return
        record_type = self.access_record_type or self.model._meta.label_lower
        record_id = str(record.pk) if record is not None else str(record_id)
        organisation = admin_organisation(request)
        location = request_location(request)
        log_accesses(
            [
                Access(
                    user=request.user,
                    student=student,
                    action=action,
                    reason=AccessReason.NONE
                    if action == AccessAction.REFUSED
                    else self.access_reason,
                    organisation=organisation,
                    record_type=record_type,
                    record_id=record_id,
                    **location,
                )
                for student in distinct.values()
            ]
        )

    def log_list_access(self, request: HttpRequest, rows) -> None:
        self.log_students(request, self.students_in(rows), AccessAction.LIST)

    def log_object_access(
        self, request: HttpRequest, object_id, action=None, *, to_field=None, change_page=True
    ):
        """Look ``object_id`` up through the scoped queryset and log what its page shows (the
        change page with its inlines, or only the object), or a refused attempt. Call before
        any atomic block; returns the object or None."""
        reading = request.method in ("GET", "HEAD")
        action = action or (AccessAction.VIEW if reading else AccessAction.EDIT)
        obj = self.get_object(request, unquote(object_id), to_field)
        if obj is None:
            allowed = False
        elif action == AccessAction.EDIT:
            allowed = self.has_change_permission(request, obj)
        else:
            allowed = self.has_view_or_change_permission(request, obj)
        if not allowed:
            self.log_refused(request, object_id, obj)
        else:
            shown = self.students_on_page(request, obj) if change_page else self.students_in([obj])
            self.log_students(request, shown, action, obj)
        return obj

    def log_refused(self, request: HttpRequest, object_id, obj=None) -> None:
        """An attempt at a row outside the scope (or the permissions): one "refused" row, naming
        the row's student if there is one, whatever their organisation. Rows without students
        (schools, staff) are not logged."""
        if self.student_field is None:
            return
        if obj is None:
            try:
                pk = self.model._meta.pk.to_python(unquote(object_id))
                obj = self.model._default_manager.filter(pk=pk).first()
            except (ValidationError, ValueError, OverflowError):
                obj = None
        students = self.students_in([obj]) if obj is not None else [None]
        self.log_students(request, students[:1], AccessAction.REFUSED, obj, unquote(object_id))

    # -- hooks into the admin

    def get_changelist(self, request, **kwargs):
        return AccessLoggingChangeList

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if self.student_field is not None and _is_autocomplete(request):
            return AccessLoggingPaginator(
                queryset,
                per_page,
                orphans,
                allow_empty_first_page,
                on_page=lambda rows: self.log_list_access(request, rows),
            )
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # changeform_view runs in transaction.atomic: log before it.
        to_field = request.POST.get(TO_FIELD_VAR, request.GET.get(TO_FIELD_VAR))
        if not to_field or self.to_field_allowed(request, to_field):  # else Django answers 400
            self.log_object_access(request, object_id, to_field=to_field)
        return super().change_view(request, object_id, form_url, extra_context)


def holds_admin_role(request, role: str) -> bool:
    """A superuser, or an active staff user holding ``role`` in her organisation; asked once
    per request and role (admin pages ask it for every model on the page)."""
    cache = request.__dict__.setdefault("_admin_roles", {})
    if role not in cache:
        user = request.user
        member = getattr(user, "staff_member", None)
        cache[role] = bool(
            user.is_active
            and user.is_staff
            and (
                user.is_superuser
                or (member is not None and member.roles.filter(role=role).exists())
            )
        )
    return cache[role]


class ReadOnlyAdminMixin:
    """Rows written by the system (logs, job runs, auth events): viewable, never added, changed,
    deleted or acted on by hand."""

    def get_actions(self, request):
        return {}

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SuperuserOnlyMixin:
    """Installation-wide rows that no organisation's admin may see."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser


class OrganisationScopedAdmin(AccessLoggedAdminMixin, OrganisationScopedMixin, SimpleHistoryAdmin):
    """The base of every registry model admin: scoped, no delete, history viewable, no revert."""

    list_per_page = 50
    show_full_result_count = False  # one COUNT less on large registers
    view_on_site = False  # the site has no "view on site" route (elevhalsa.auth.admin_site)

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the newest historical row when the object is not in
        # get_queryset(); out of scope must be 404 here as on the change page.
        if self.log_object_access(request, object_id, AccessAction.VIEW, change_page=False) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a valid POST here even with SIMPLE_HISTORY_REVERT_DISABLED, which
        # only hides the button. Nothing is reverted: the form view is read-only.
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        current = self.get_object(request, unquote(object_id))
        if current is None:
            self.log_refused(request, object_id)
            raise Http404
        if self.is_masked(request, current):
            self.log_refused(request, object_id, current)
            raise PermissionDenied
        self.log_students(request, self.students_in([current]), AccessAction.VIEW, current)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        historical_records = list(historical_records)
        hidden = self.history_hidden_fields(request, historical_records)
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current, excluded_fields=hidden, foreign_keys_are_objs=foreign_keys_are_objs
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def history_hidden_fields(self, request, historical_records) -> tuple[str, ...]:
        """Fields whose changes the history list leaves out for this user."""
        return ()

    def is_masked(self, request, obj) -> bool:
        """Whether ``obj`` is a protected identity this user may not see in full."""
        return False


class OrganisationScopedInline(ScopeMixin, admin.TabularInline):
    extra = 0
    show_change_link = False

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-object filter that offers only the objects in the admin user's scope."""

    def field_choices(self, field, request, model_admin):
        related_model = field.related_model
        if isinstance(model_admin, ScopeMixin):
            queryset = model_admin.scoped_choices(request, related_model)
        else:
            queryset = None
        if queryset is None:
            queryset = related_model._default_manager.none()
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]
