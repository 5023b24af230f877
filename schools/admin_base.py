"""The base of every registry admin: scoped to the admin user's organisation, deletes nothing.

Each admin names its model's path to the organisation (``organisation_path``). Superusers see
everything; a staff user whose account has no ``StaffMember`` sees nothing. The same scope applies
to the change list, the change view, foreign-key and many-to-many choices, list filters,
autocomplete (which asks the *related* model's admin), inlines and history.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

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


class OrganisationScopedAdmin(OrganisationScopedMixin, SimpleHistoryAdmin):
    """The base of every registry model admin: scoped, no delete, history viewable, no revert."""

    list_per_page = 50
    show_full_result_count = False  # one COUNT less on large registers

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the newest historical row when the object is not in
        # get_queryset(); out of scope must be 404 here as on the change page.
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a valid POST here even with SIMPLE_HISTORY_REVERT_DISABLED, which
        # only hides the button. Nothing is reverted: the form view is read-only.
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        current = self.get_object(request, unquote(object_id))
        if current is None:
            raise Http404
        if self.is_masked(request, current):
            raise PermissionDenied
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
