"""The registry in the Django admin, for municipal registry admins.

Every admin here extends ``OrganisationScopedAdmin`` (see ``schools.admin_base``): scoped to the
admin's organisation, no deletes, history viewable but never reverted. Identity numbers are never
search fields; a POST-only lookup finds a person by number (``schools.admin_lookup``).

Pages that show a protected-identity student write access-log rows (``student_field`` and
``students_on_page`` say which students a page shows; ``schools.admin_base`` writes the rows).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Case, Exists, OuterRef, Subquery, Value, When
from django.forms.models import BaseInlineFormSet
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from .admin_base import (
    MASKED,
    OrganisationScopedAdmin,
    OrganisationScopedInline,
    ScopedRelatedFieldListFilter,
    can_see_protected_identity,
)
from .admin_lookup import identity_lookup_view
from .models import (
    Assignment,
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    Organisation,
    OrganisationRole,
    School,
    SchoolClass,
    SchoolType,
    StaffMember,
    Student,
)

STUDENT_PATH = "enrolments__school__organisation"


def _hide_protected_students(request, queryset, student_path: str = "student__"):
    """Enrolments and class memberships tell a protected student's school: hide them."""
    if can_see_protected_identity(request):
        return queryset
    return queryset.filter(**{f"{student_path}protected_identity": ""})


# --- Organisations and schools ---------------------------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(OrganisationScopedAdmin):
    organisation_path = ""
    list_display = [
        "name",
        "organisation_number",
        "kind",
        "municipality_code",
        "idle_timeout_minutes",
    ]
    list_filter = ["kind"]
    search_fields = ["name"]
    fields = ["name", "organisation_number", "kind", "municipality_code", "idle_timeout_minutes"]

    def has_add_permission(self, request) -> bool:
        # An organisation is created by the operator of the installation, not by its admins.
        return request.user.is_superuser


class SchoolAdminForm(forms.ModelForm):
    school_types = forms.MultipleChoiceField(
        label=_("skolformer"),
        choices=SchoolType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Välj minst en skolform.")},
    )

    class Meta:
        model = School
        fields = ["organisation", "name", "school_unit_code", "school_types"]


@admin.register(School)
class SchoolAdmin(OrganisationScopedAdmin):
    organisation_path = "organisation"
    form = SchoolAdminForm
    list_display = ["name", "school_unit_code", "school_types_display", "organisation"]
    list_select_related = ["organisation"]
    list_filter = [("organisation", ScopedRelatedFieldListFilter)]
    search_fields = ["name", "school_unit_code"]

    @admin.display(description=_("skolformer"))
    def school_types_display(self, obj: School) -> str:
        return obj.get_school_types_display()


@admin.register(SchoolClass)
class SchoolClassAdmin(OrganisationScopedAdmin):
    organisation_path = "school__organisation"
    list_display = ["name", "school_year", "grade", "school_type", "school"]
    list_select_related = ["school"]
    list_filter = [("school", ScopedRelatedFieldListFilter), "school_year", "school_type"]
    search_fields = ["name"]


# --- Inlines ---------------------------------------------------------------------------------


class MinimumOneOnAddMixin:
    """Someone added by an organisation's admin must be tied to it at once, or they would
    vanish from that admin's view on save."""

    def get_min_num(self, request, obj=None, **kwargs):
        return 1 if obj is None and not request.user.is_superuser else 0

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("validate_min", True)
        return super().get_formset(request, obj, **kwargs)


class EnrolmentInlineFormSet(BaseInlineFormSet):
    """Overlaps within one submission: each form's ``clean`` only sees rows already saved."""

    def clean(self):
        super().clean()
        periods = [
            Enrolment(
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data.get("end_date"),
            )
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("is_health_responsible")
            and form.cleaned_data.get("start_date")
        ]
        for index, period in enumerate(periods):
            if any(period.overlaps(other) for other in periods[index + 1 :]):
                raise ValidationError(
                    _(
                        "Två hälsoansvariga inskrivningar överlappar. Bara en skolenhet i taget "
                        "kan vara hälsoansvarig."
                    )
                )


class EnrolmentInline(MinimumOneOnAddMixin, OrganisationScopedInline):
    model = Enrolment
    organisation_path = "school__organisation"
    formset = EnrolmentInlineFormSet
    fields = ["school", "start_date", "end_date", "is_health_responsible"]


class ClassMembershipInline(OrganisationScopedInline):
    model = ClassMembership
    organisation_path = "school_class__school__organisation"
    fields = ["school_class", "start_date", "end_date"]


class StudentGuardianRelationInline(OrganisationScopedInline):
    model = GuardianRelation
    organisation_path = f"student__{STUDENT_PATH}"
    fields = ["guardian", "relation_type", "start_date", "end_date"]
    autocomplete_fields = ["guardian"]


class GuardianStudentRelationInline(MinimumOneOnAddMixin, OrganisationScopedInline):
    model = GuardianRelation
    organisation_path = f"student__{STUDENT_PATH}"
    fields = ["student", "relation_type", "start_date", "end_date"]
    autocomplete_fields = ["student"]


# --- People ----------------------------------------------------------------------------------


class IdentifiedPersonAdmin(OrganisationScopedAdmin):
    """Students and guardians: names in lists, identity numbers only on the change form (a POST
    body), and protected identities masked unless the user may see them."""

    masked_fields: tuple[str, ...] = ("street_address", "postal_code", "city")
    masked_inline_models: tuple[type, ...] = ()
    extra_identity_fields: tuple[str, ...] = ()
    list_display = ["family_name", "given_name", "birth_date", "is_protected_display"]
    list_display_links = ["family_name", "given_name"]
    list_filter = ["protected_identity"]
    search_fields = ["family_name", "given_name"]  # never identity numbers

    @method_decorator(sensitive_post_parameters("identity_number", "reserve_number"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_hidden_fields(self, request, historical_records) -> tuple[str, ...]:
        # A protected person's earlier addresses are exactly what must not leak, whichever
        # version was protected: the current one or any on the page.
        if can_see_protected_identity(request) or not historical_records:
            return ()
        protected_now = self.model._default_manager.filter(
            pk=getattr(historical_records[0], self.model._meta.pk.attname),
            protected_identity__gt="",
        ).exists()
        if protected_now or any(record.protected_identity for record in historical_records):
            return self.masked_fields
        return ()

    def is_masked(self, request, obj) -> bool:
        return obj is not None and obj.is_protected and not can_see_protected_identity(request)

    def get_fieldsets(self, request, obj=None):
        identity = [
            "identity_number",
            "reserve_number",
            "identity_kind",
            "birth_date",
            "legal_sex",
            *self.extra_identity_fields,
        ]
        masked = self.is_masked(request, obj)
        contact = ["masked_contact"] if masked else list(self.masked_fields)
        names = ["given_name", "family_name", "protected_identity"]
        if masked and self.masked_inline_models:
            names.append("masked_school")
        return [
            (None, {"fields": names}),
            (_("Identitet"), {"fields": identity}),
            (_("Adress och kontakt"), {"fields": contact}),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["identity_kind", *self.extra_identity_fields]
        if obj is not None and obj.identity_number:
            readonly += ["birth_date", "legal_sex"]  # derived from the number on save
        if self.is_masked(request, obj):
            # Without the permission one may not lift the protection to see what it hides.
            readonly += ["protected_identity", "masked_contact", "masked_school"]
        return readonly

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if self.is_masked(request, obj):
            inlines = [i for i in inlines if i.model not in self.masked_inline_models]
        return inlines

    @admin.display(description=_("adress och kontaktuppgifter"))
    def masked_contact(self, obj) -> str:
        return MASKED

    @admin.display(description=_("skolenhet"))
    def masked_school(self, obj) -> str:
        return MASKED

    @admin.display(description=_("skyddad"), boolean=True, ordering="protected_identity")
    def is_protected_display(self, obj) -> bool:
        return obj.is_protected


class StudentSchoolListFilter(admin.SimpleListFilter):
    """Students by school (any enrolment); protected students stay out unless permitted."""

    title = _("skolenhet")
    parameter_name = "skolenhet"

    def lookups(self, request, model_admin):
        schools = model_admin.scoped_choices(request, School)
        return [(str(school.pk), school.name) for school in schools]

    def queryset(self, request, queryset):
        if not self.value() or not self.value().isdigit():
            return queryset
        enrolled = Enrolment.objects.filter(student=OuterRef("pk"), school_id=int(self.value()))
        return _hide_protected_students(request, queryset.filter(Exists(enrolled)), "")


@admin.register(Student)
class StudentAdmin(IdentifiedPersonAdmin):
    organisation_path = STUDENT_PATH
    student_field = ""  # each row is a student
    extra_identity_fields = ("public_id",)
    masked_inline_models = (Enrolment, ClassMembership)
    inlines = [StudentGuardianRelationInline, EnrolmentInline, ClassMembershipInline]
    list_display = [
        "family_name",
        "given_name",
        "birth_date",
        "current_school",
        "is_protected_display",
    ]
    list_filter = [StudentSchoolListFilter, "protected_identity"]
    change_list_template = "admin/schools/student/change_list.html"

    def get_queryset(self, request):
        school = Subquery(
            Enrolment.objects.current()
            .filter(student=OuterRef("pk"), is_health_responsible=True)
            .order_by("-start_date")
            .values("school__name")[:1]
        )
        if not can_see_protected_identity(request):
            school = Case(When(protected_identity="", then=school), default=Value(str(MASKED)))
        return super().get_queryset(request).annotate(current_school_name=school)

    def get_urls(self):
        lookup = path(
            "lookup/",
            self.admin_site.admin_view(identity_lookup_view(self)),
            name="schools_student_lookup",
        )
        return [lookup, *super().get_urls()]

    @admin.display(description=_("hälsoansvarig skolenhet"))
    def current_school(self, obj: Student) -> str:
        return obj.current_school_name or "–"


@admin.register(Guardian)
class GuardianAdmin(IdentifiedPersonAdmin):
    organisation_path = f"relations__student__{STUDENT_PATH}"
    masked_fields = ("street_address", "postal_code", "city", "phone", "email")
    inlines = [GuardianStudentRelationInline]

    def students_on_page(self, request, obj):
        # The relations inline names the guardian's students (those in the admin's scope).
        relations = self.scoped_choices(request, GuardianRelation)
        relations = relations.filter(guardian=obj, student__protected_identity__gt="")
        return [relation.student for relation in relations.select_related("student")]


@admin.register(GuardianRelation)
class GuardianRelationAdmin(OrganisationScopedAdmin):
    organisation_path = f"student__{STUDENT_PATH}"
    student_field = "student"
    list_display = ["student", "guardian", "relation_type", "start_date", "end_date"]
    list_select_related = ["student", "guardian"]
    list_filter = ["relation_type"]
    search_fields = ["student__family_name", "guardian__family_name"]
    autocomplete_fields = ["student", "guardian"]


@admin.register(Enrolment)
class EnrolmentAdmin(OrganisationScopedAdmin):
    organisation_path = "school__organisation"
    student_field = "student"
    list_display = ["student", "school", "start_date", "end_date", "is_health_responsible"]
    list_select_related = ["student", "school"]
    list_filter = [("school", ScopedRelatedFieldListFilter), "is_health_responsible"]
    search_fields = ["student__family_name", "student__given_name"]
    autocomplete_fields = ["student"]

    def get_queryset(self, request):
        return _hide_protected_students(request, super().get_queryset(request))


@admin.register(ClassMembership)
class ClassMembershipAdmin(OrganisationScopedAdmin):
    organisation_path = "school_class__school__organisation"
    student_field = "student"
    list_display = ["student", "school_class", "start_date", "end_date"]
    list_select_related = ["student", "school_class"]
    list_filter = [("school_class__school", ScopedRelatedFieldListFilter)]
    search_fields = ["student__family_name", "student__given_name"]
    autocomplete_fields = ["student"]

    def get_queryset(self, request):
        return _hide_protected_students(request, super().get_queryset(request))


# --- Staff -----------------------------------------------------------------------------------


class OrganisationRoleInline(OrganisationScopedInline):
    model = OrganisationRole
    organisation_path = "staff_member__organisation"
    fields = ["role"]


class AssignmentInline(OrganisationScopedInline):
    model = Assignment
    organisation_path = "school__organisation"
    fields = ["school", "start_date", "end_date"]


@admin.register(StaffMember)
class StaffMemberAdmin(OrganisationScopedAdmin):
    organisation_path = "organisation"
    inlines = [OrganisationRoleInline, AssignmentInline]
    list_display = ["user", "profession", "title", "hsa_id", "organisation"]
    list_select_related = ["user", "organisation"]
    list_filter = ["profession", ("organisation", ScopedRelatedFieldListFilter)]
    search_fields = ["user__last_name", "user__first_name", "user__username"]
    autocomplete_fields = ["user"]


@admin.register(OrganisationRole)
class OrganisationRoleAdmin(OrganisationScopedAdmin):
    organisation_path = "staff_member__organisation"
    list_display = ["staff_member", "role"]
    list_select_related = ["staff_member__user"]
    list_filter = ["role"]
    search_fields = ["staff_member__user__last_name", "staff_member__user__first_name"]
    autocomplete_fields = ["staff_member"]


@admin.register(Assignment)
class AssignmentAdmin(OrganisationScopedAdmin):
    organisation_path = "school__organisation"
    list_display = ["staff_member", "school", "start_date", "end_date"]
    list_select_related = ["staff_member__user", "school"]
    list_filter = [("school", ScopedRelatedFieldListFilter)]
    search_fields = ["staff_member__user__last_name", "staff_member__user__first_name"]
    autocomplete_fields = ["staff_member"]


from . import admin_registry  # noqa: E402, F401  (registers the import admins)
