"""The access log and its seals in the admin: read-only, for log reviewers and superusers.

A log reviewer is a staff user with the ``log_reviewer`` organisation role and the view
permissions of the "Logggranskare" group (``consent.groups``); a registry admin without the role
does not see the log at all. A reviewer sees the rows made in their organisation, and the rows
about students ever enrolled at its schools (whoever made them). Nothing is added, changed or
deleted here: the rows are written only by ``consent.accesslog``, seals only by the sealing job.

Reviewing is itself an access: opening a row that names a student writes a row (reason "none",
record type "accesslog"), and a list page that names protected-identity students writes one row
for each, as every other admin page does (``schools.admin_base.AccessLoggedAdminMixin``).
Search is by user name or the student's family name, never by identity number.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from schools.admin_base import (
    UNSEARCHABLE_FIELDS,
    AccessLoggedAdminMixin,
    ReadOnlyAdminMixin,
    admin_organisation_id,
    holds_admin_role,
)
from schools.models import Enrolment, OrganisationRole, School

from . import admin_consents  # noqa: F401  (consents and portal settings register themselves)
from .models import AccessAction, AccessLogEntry, AccessReason, LogSeal

LOG_RECORD_TYPE = "accesslog"


def is_log_reviewer(request: HttpRequest) -> bool:
    return holds_admin_role(request, OrganisationRole.Role.LOG_REVIEWER)


class ReadOnlyReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Only log reviewers see it; nobody adds, changes or deletes."""

    def has_module_permission(self, request) -> bool:
        return is_log_reviewer(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_log_reviewer(request) and super().has_view_permission(request, obj)

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        if UNSEARCHABLE_FIELDS.intersection(lookup.split("__")):
            return False
        return super().lookup_allowed(lookup, value, request)


class LogSchoolFilter(admin.SimpleListFilter):
    """The unit the access was made from, among the reviewer's organisation's schools."""

    title = _("vårdenhet")
    parameter_name = "vardenhet"

    def lookups(self, request, model_admin):
        schools = School.objects.order_by("name")
        if not request.user.is_superuser:
            schools = schools.filter(organisation_id=admin_organisation_id(request))
        return [(str(school.pk), school.name) for school in schools]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(school_id=int(value))
        return queryset


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(AccessLoggedAdminMixin, ReadOnlyReviewAdmin):
    student_field = "student"
    access_reason = AccessReason.NONE
    access_record_type = LOG_RECORD_TYPE

    list_display = [
        "at",
        "username",
        "action",
        "reason",
        "student",
        "protected",
        "school",
        "organisation",
        "record_type",
    ]
    list_display_links = ["at"]
    list_filter = ["action", "reason", "protected", LogSchoolFilter]
    list_select_related = ["student", "school", "organisation"]
    date_hierarchy = "at"
    search_fields = ["username", "student__family_name"]  # never identity numbers
    ordering = ["-at", "-pk"]
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "at",
        "user",
        "username",
        "student",
        "protected",
        "action",
        "reason",
        "organisation",
        "school",
        "record_type",
        "record_id",
        "view_name",
        "path",
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        organisation_id = admin_organisation_id(request)
        if organisation_id is None:
            return queryset.none()
        enrolled_here = Enrolment.objects.filter(
            student_id=OuterRef("student_id"), school__organisation_id=organisation_id
        )
        return queryset.filter(Q(organisation_id=organisation_id) | Exists(enrolled_here))

    def students_to_log(self, request, students, action):
        # An opened row names its student, protected or not; a list page logs the protected.
        if action in (AccessAction.LIST, AccessAction.REFUSED):
            return super().students_to_log(request, students, action)
        return [student for student in students if student is not None]

    def log_refused(self, request, object_id, obj=None) -> None:
        # A guessed id outside the reviewer's scope: one refused row, naming no student (the
        # row's student is another organisation's business).
        self.log_students(request, [None], AccessAction.REFUSED, obj, unquote(object_id))


@admin.register(LogSeal)
class LogSealAdmin(ReadOnlyReviewAdmin):
    """The seal chain: ids, counts and hashes, no personal data, so not scoped."""

    list_display = ["sealed_at", "first_id", "last_id", "row_count", "head_short"]
    ordering = ["-last_id"]
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "sealed_at",
        "format",
        "first_id",
        "last_id",
        "row_count",
        "rows_hash",
        "previous_head",
        "head",
    ]

    @admin.display(description=_("länk"))
    def head_short(self, obj: LogSeal) -> str:
        return obj.head[:16]
