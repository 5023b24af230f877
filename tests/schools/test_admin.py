"""The registry admin: scoped to the admin's organisation, no deletes, protected identities
masked, identity numbers never in a query string, history without revert, constant queries."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from schools.admin_base import OrganisationScopedMixin
from schools.identity import INVALID_MESSAGE, luhn_check_digit
from schools.models import (
    Assignment,
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    Organisation,
    OrganisationRole,
    ProtectedIdentity,
    School,
    SchoolClass,
    StaffMember,
    Student,
)
from tests.schools.factories import (
    AssignmentFactory,
    EnrolmentFactory,
    GuardianFactory,
    GuardianRelationFactory,
    OrganisationRoleFactory,
    SchoolClassFactory,
    SchoolFactory,
    StaffMemberFactory,
    StudentFactory,
    UserFactory,
    enrol_in_class,
    identity_number_for,
)

SECRET_ADDRESS = "Hemliggatan 7"
REGISTRY_MODELS = [
    Organisation,
    School,
    SchoolClass,
    Student,
    Guardian,
    GuardianRelation,
    Enrolment,
    ClassMembership,
    StaffMember,
    OrganisationRole,
    Assignment,
]


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def changelist_pks(response) -> set[int]:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.fixture
def world_a(student_a, nurse_a, class_a):
    """One object of every registry model in organisation A."""
    relation = GuardianRelationFactory(student=student_a)
    member = nurse_a.staff_member
    return {
        Organisation: class_a.school.organisation,
        School: class_a.school,
        SchoolClass: class_a,
        Student: student_a,
        Guardian: relation.guardian,
        GuardianRelation: relation,
        Enrolment: student_a.enrolments.get(),
        ClassMembership: student_a.class_memberships.get(),
        StaffMember: member,
        OrganisationRole: OrganisationRoleFactory(staff_member=member),
        Assignment: member.assignments.get(),
    }


@pytest.fixture
def student_b(school_b):
    student = StudentFactory(given_name="Bo", family_name="Bsson")
    EnrolmentFactory(student=student, school=school_b)
    return student


@pytest.fixture
def protected_student_a(school_a):
    student = StudentFactory(
        given_name="Siri",
        family_name="Skyddad",
        protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION,
        street_address=SECRET_ADDRESS,
    )
    EnrolmentFactory(student=student, school=school_a)
    return student


@pytest.fixture
def admin_a_with_protected(registry_admin_a):
    registry_admin_a.user_permissions.add(
        Permission.objects.get(codename="view_protected_identity")
    )
    return registry_admin_a


@pytest.fixture
def superuser(db):
    return UserFactory(username="drift", is_staff=True, is_superuser=True)


# --- Scope: an admin of organisation B sees nothing of A ----------------------------------------


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_admin_of_b_sees_none_of_a_in_changelists(client, registry_admin_b, world_a, model):
    client.force_login(registry_admin_b)
    assert world_a[model].pk not in changelist_pks(client.get(admin_url(model, "changelist")))


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_admin_of_a_sees_own_organisation_in_changelists(
    client, registry_admin_a, world_a, student_b, model
):
    client.force_login(registry_admin_a)
    pks = changelist_pks(client.get(admin_url(model, "changelist")))
    assert world_a[model].pk in pks
    if model is Student:
        assert student_b.pk not in pks


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_admin_of_b_cannot_open_a_change_or_history_page(client, registry_admin_b, world_a, model):
    client.force_login(registry_admin_b)
    obj = world_a[model]
    response = client.get(admin_url(model, "change", obj.pk))
    # Django's admin answers an object outside get_queryset() by redirecting to the index.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    assert client.get(admin_url(model, "history", obj.pk)).status_code == 404
    history_id = obj.history.latest().history_id
    url = reverse(
        f"admin:schools_{model._meta.model_name}_simple_history", args=[obj.pk, history_id]
    )
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("model", REGISTRY_MODELS, ids=lambda m: m.__name__)
def test_add_and_change_pages_render(client, registry_admin_a, superuser, world_a, model):
    for user in (registry_admin_a, superuser):
        client.force_login(user)
        assert client.get(admin_url(model, "change", world_a[model].pk)).status_code == 200
        expected = 403 if model is Organisation and user is registry_admin_a else 200
        assert client.get(admin_url(model, "add")).status_code == expected


def test_inlines_show_only_own_organisations_rows(client, registry_admin_b, student_a, school_b):
    EnrolmentFactory(student=student_a, school=school_b, is_health_responsible=False)
    client.force_login(registry_admin_b)
    response = client.get(admin_url(Student, "change", student_a.pk))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Skola B" in content
    assert "Skola A" not in content
    assert "4A (2026/27)" not in content  # the class membership at school A


def test_admin_of_b_cannot_change_a_student_by_post(client, registry_admin_b, student_a):
    client.force_login(registry_admin_b)
    client.post(admin_url(Student, "change", student_a.pk), {"given_name": "Hackad"})
    student_a.refresh_from_db()
    assert student_a.given_name == "Alva"


def test_user_admin_is_scoped_too(client, registry_admin_b, nurse_a, nurse_b):
    client.force_login(registry_admin_b)
    from elevhalsa.models import User

    pks = changelist_pks(client.get(admin_url(User, "changelist")))
    assert nurse_b.pk in pks
    assert nurse_a.pk not in pks
    assert client.get(admin_url(User, "change", nurse_a.pk)).status_code == 302
    assert (
        client.get(reverse("admin:auth_user_password_change", args=[nurse_a.pk])).status_code == 404
    )


def autocomplete(client, model, field, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "schools", "model_name": model, "field_name": field, "term": term},
    )
    assert response.status_code == 200
    return [row["text"] for row in response.json()["results"]]


def test_autocomplete_offers_only_own_organisation(
    client, registry_admin_a, registry_admin_b, student_a, nurse_a
):
    client.force_login(registry_admin_b)
    assert autocomplete(client, "enrolment", "student", "Exempel") == []
    assert str(nurse_a.staff_member) not in autocomplete(client, "assignment", "staff_member", "")
    client.force_login(registry_admin_a)
    assert autocomplete(client, "enrolment", "student", "Exempel") == ["Alva Exempelsson"]


def test_foreign_key_choices_and_posted_values_are_scoped(
    client, registry_admin_b, school_a, school_b, student_b
):
    client.force_login(registry_admin_b)
    response = client.get(admin_url(Enrolment, "add"))
    assert list(response.context["adminform"].form.fields["school"].queryset) == [school_b]
    response = client.post(
        admin_url(Enrolment, "add"),
        {"student": student_b.pk, "school": school_a.pk, "start_date": "2026-08-01"},
    )
    assert response.status_code == 200
    assert "school" in response.context["adminform"].form.errors
    assert not Enrolment.objects.filter(school=school_a).exists()


def test_list_filters_offer_only_own_organisation(
    client, registry_admin_b, school_a, school_b, student_a, student_b
):
    client.force_login(registry_admin_b)
    for model in (Enrolment, SchoolClass, Student, Assignment):
        response = client.get(admin_url(model, "changelist"))
        choices = [
            choice["display"]
            for spec in response.context["cl"].filter_specs
            for choice in spec.choices(response.context["cl"])
        ]
        assert "Skola A" not in choices, model
    response = client.get(admin_url(Enrolment, "changelist"), {"school__id__exact": school_a.pk})
    assert student_a.enrolments.get().pk not in changelist_pks(response)


def test_staff_user_without_staff_member_sees_nothing(client, student_a):
    from schools.groups import ensure_registry_admin_group

    user = UserFactory(is_staff=True)
    user.groups.add(ensure_registry_admin_group())
    client.force_login(user)
    assert changelist_pks(client.get(admin_url(Student, "changelist"))) == set()
    assert client.get(admin_url(Student, "add")).status_code == 403


def test_superuser_sees_every_organisation(client, superuser, student_a, student_b):
    client.force_login(superuser)
    assert {student_a.pk, student_b.pk} <= changelist_pks(
        client.get(admin_url(Student, "changelist"))
    )


# --- Nothing is deleted ------------------------------------------------------------------------


def test_no_registry_admin_allows_delete(rf, superuser):
    request = rf.get("/")
    request.user = superuser
    scoped = [a for a in admin.site._registry.values() if isinstance(a, OrganisationScopedMixin)]
    assert {a.model for a in scoped} >= set(REGISTRY_MODELS)
    for model_admin in scoped:
        assert not model_admin.has_delete_permission(request)
        assert "delete_selected" not in model_admin.get_actions(request)
        for inline in model_admin.get_inline_instances(request):
            assert not inline.has_delete_permission(request)


def test_delete_url_is_refused(client, registry_admin_a, superuser, student_a):
    for user in (registry_admin_a, superuser):
        client.force_login(user)
        assert (
            client.post(admin_url(Student, "delete", student_a.pk), {"post": "yes"}).status_code
            == 403
        )
        response = client.post(
            admin_url(Student, "changelist"),
            {"action": "delete_selected", "_selected_action": [student_a.pk], "post": "yes"},
        )
        assert response.status_code in {200, 302}
    assert Student.objects.filter(pk=student_a.pk).exists()


def test_changelist_offers_no_delete_action(client, registry_admin_a, student_a):
    client.force_login(registry_admin_a)
    response = client.get(admin_url(Student, "changelist"))
    action_form = response.context["action_form"]
    if action_form is not None:
        assert "delete_selected" not in dict(action_form.fields["action"].choices)


# --- Identity numbers: never searched by query string, found by POST ----------------------------


def test_no_admin_searches_identity_numbers(rf, superuser):
    request = rf.get("/")
    request.user = superuser
    for model_admin in admin.site._registry.values():
        for field in model_admin.get_search_fields(request):
            assert "identity_number" not in field and "reserve_number" not in field


def test_changelist_search_by_number_finds_nothing(client, registry_admin_a, student_a):
    client.force_login(registry_admin_a)
    response = client.get(admin_url(Student, "changelist"), {"q": student_a.identity_number})
    assert changelist_pks(response) == set()
    # A filter on the field itself in the query string is refused outright.
    response = client.get(
        admin_url(Student, "changelist"), {"identity_number": student_a.identity_number}
    )
    assert response.status_code == 400
    response = client.get(
        admin_url(Enrolment, "changelist"),
        {"student__identity_number": student_a.identity_number},
    )
    assert response.status_code == 400


def lookup_url() -> str:
    return reverse("admin:schools_student_lookup")


def test_lookup_by_post_redirects_to_the_students_change_page(client, registry_admin_a, student_a):
    client.force_login(registry_admin_a)
    written = f"{student_a.identity_number[2:8]}-{student_a.identity_number[8:]}"
    response = client.post(lookup_url(), {"identity_number": written})
    assert response.status_code == 302
    assert response.url == admin_url(Student, "change", student_a.pk)
    assert student_a.identity_number not in response.url


def test_lookup_finds_guardians_too(client, registry_admin_a, student_a):
    guardian = GuardianRelationFactory(student=student_a).guardian
    client.force_login(registry_admin_a)
    response = client.post(lookup_url(), {"identity_number": guardian.identity_number})
    assert response.url == admin_url(Guardian, "change", guardian.pk)


def test_lookup_outside_scope_gives_the_same_neutral_answer_as_not_found(
    client, registry_admin_b, student_a
):
    client.force_login(registry_admin_b)
    outside = client.post(lookup_url(), {"identity_number": student_a.identity_number})
    missing = client.post(
        lookup_url(), {"identity_number": identity_number_for(datetime.date(2015, 1, 2))}
    )
    assert outside.status_code == missing.status_code == 200
    assert outside.context["form"].non_field_errors() == missing.context["form"].non_field_errors()
    assert "Ingen elev eller vårdnadshavare" in outside.content.decode()


def test_lookup_by_get_query_string_finds_nothing(client, registry_admin_a, student_a):
    client.force_login(registry_admin_a)
    response = client.get(lookup_url(), {"identity_number": student_a.identity_number})
    assert response.status_code == 200
    assert not response.context["form"].is_bound
    assert student_a.identity_number not in response.content.decode()


def test_lookup_needs_csrf_token(registry_admin_a, student_a):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(registry_admin_a)
    response = client.post(lookup_url(), {"identity_number": student_a.identity_number})
    assert response.status_code == 403


def test_lookup_rejects_an_invalid_number_in_swedish(client, registry_admin_a):
    client.force_login(registry_admin_a)
    response = client.post(lookup_url(), {"identity_number": "20160314-1235"})
    assert response.status_code == 200
    assert str(INVALID_MESSAGE) in response.content.decode()


def test_student_changelist_links_to_the_lookup(client, registry_admin_a):
    client.force_login(registry_admin_a)
    assert lookup_url() in client.get(admin_url(Student, "changelist")).content.decode()


def test_lists_show_names_and_birth_dates_but_no_identity_numbers(
    client, registry_admin_a, student_a
):
    client.force_login(registry_admin_a)
    content = client.get(admin_url(Student, "changelist")).content.decode()
    assert "Exempelsson" in content
    assert student_a.identity_number not in content
    assert student_a.identity_number[8:] not in content


# --- Protected identities ----------------------------------------------------------------------


def test_protected_student_is_masked_without_the_permission(
    client, registry_admin_a, protected_student_a
):
    client.force_login(registry_admin_a)
    response = client.get(admin_url(Student, "changelist"))
    [row] = response.context["cl"].result_list
    assert row.current_school_name == "Skyddad"
    assert "Skyddad" in response.content.decode()
    response = client.get(admin_url(Student, "change", protected_student_a.pk))
    content = response.content.decode()
    assert SECRET_ADDRESS not in content
    assert "Skola A" not in content
    assert "Skyddad" in content
    form = response.context["adminform"].form
    assert "street_address" not in form.fields
    assert "protected_identity" not in form.fields  # cannot lift the protection to look


def test_protected_students_enrolments_are_hidden_without_the_permission(
    client, registry_admin_a, protected_student_a, school_a
):
    client.force_login(registry_admin_a)
    enrolment = protected_student_a.enrolments.get()
    assert enrolment.pk not in changelist_pks(client.get(admin_url(Enrolment, "changelist")))
    response = client.get(admin_url(Student, "changelist"), {"skolenhet": school_a.pk})
    assert protected_student_a.pk not in changelist_pks(response)


def test_protected_student_is_shown_with_the_permission(
    client, admin_a_with_protected, protected_student_a, school_a
):
    client.force_login(admin_a_with_protected)
    content = client.get(admin_url(Student, "change", protected_student_a.pk)).content.decode()
    assert SECRET_ADDRESS in content
    assert "Skola A" in content
    [row] = client.get(admin_url(Student, "changelist")).context["cl"].result_list
    assert row.current_school_name == "Skola A"
    enrolment = protected_student_a.enrolments.get()
    assert enrolment.pk in changelist_pks(client.get(admin_url(Enrolment, "changelist")))


def test_protected_guardian_contact_is_masked(client, registry_admin_a, student_a):
    guardian = GuardianFactory(
        protected_identity=ProtectedIdentity.SECRECY_MARKING,
        street_address=SECRET_ADDRESS,
        phone="070-123 45 67",
    )
    GuardianRelationFactory(student=student_a, guardian=guardian)
    client.force_login(registry_admin_a)
    content = client.get(admin_url(Guardian, "change", guardian.pk)).content.decode()
    assert SECRET_ADDRESS not in content
    assert "070-123 45 67" not in content
    assert "Skyddad" in content


def test_masked_change_keeps_the_hidden_address(client, registry_admin_a, protected_student_a):
    client.force_login(registry_admin_a)
    response = client.post(
        admin_url(Student, "change", protected_student_a.pk),
        {
            **student_form_data(protected_student_a, given_name="Sigrid"),
            "street_address": "Annan gata 1",
            "protected_identity": "",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    protected_student_a.refresh_from_db()
    assert protected_student_a.given_name == "Sigrid"
    assert protected_student_a.street_address == SECRET_ADDRESS
    assert protected_student_a.is_protected


def test_history_hides_old_addresses_and_versions_of_protected_students(
    client, registry_admin_a, protected_student_a
):
    protected_student_a.street_address = "Förra gatan 3"
    protected_student_a.save()
    client.force_login(registry_admin_a)
    response = client.get(admin_url(Student, "history", protected_student_a.pk))
    assert response.status_code == 200
    assert "Förra gatan" not in response.content.decode()
    history_id = protected_student_a.history.earliest().history_id
    url = reverse("admin:schools_student_simple_history", args=[protected_student_a.pk, history_id])
    assert client.get(url).status_code == 403


# --- History ------------------------------------------------------------------------------------


def student_form_data(student=None, **overrides) -> dict:
    data = {
        "given_name": student.given_name if student else "Nora",
        "family_name": student.family_name if student else "Nysson",
        "protected_identity": student.protected_identity if student else "",
        "identity_number": student.identity_number if student else "",
        "reserve_number": "",
        "legal_sex": "U",
        "birth_date": "",
        "street_address": student.street_address if student else "",
        "postal_code": student.postal_code if student else "",
        "city": student.city if student else "",
    }
    for prefix in ("guardian_relations", "enrolments", "class_memberships"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def test_history_view_shows_changes_by_the_admin(client, registry_admin_a, student_a):
    client.force_login(registry_admin_a)
    response = client.post(
        admin_url(Student, "change", student_a.pk), student_form_data(student_a, city="Nystad")
    )
    assert response.status_code == 302
    latest = student_a.history.latest()
    assert latest.city == "Nystad"
    assert latest.history_user == registry_admin_a
    content = client.get(admin_url(Student, "history", student_a.pk)).content.decode()
    assert "Nystad" in content
    assert escape(str(registry_admin_a)) in content


def test_history_form_view_is_read_only_and_post_reverts_nothing(
    client, registry_admin_a, superuser, student_a
):
    first = student_a.history.earliest()
    student_a.given_name = "Ändrad"
    student_a.save()
    url = reverse("admin:schools_student_simple_history", args=[student_a.pk, first.history_id])
    for user in (registry_admin_a, superuser):
        client.force_login(user)
        assert client.get(url).status_code == 200
        response = client.post(url, student_form_data(student_a, given_name="Alva"))
        assert response.status_code == 405
    student_a.refresh_from_db()
    assert student_a.given_name == "Ändrad"


# --- Constant query counts ----------------------------------------------------------------------


def grow_rows(model, org, school, student, n):
    """Add ``n`` rows that ``model``'s changelist shows to organisation ``org``'s admin."""
    builders = {
        Student: lambda: EnrolmentFactory(school=school),
        Enrolment: lambda: EnrolmentFactory(school=school),
        Guardian: lambda: GuardianRelationFactory(student=student),
        GuardianRelation: lambda: GuardianRelationFactory(student=student),
        ClassMembership: lambda: enrol_in_class(
            StudentFactory(), SchoolClassFactory(school=school)
        ),
        School: lambda: SchoolFactory(organisation=org),
        SchoolClass: lambda: SchoolClassFactory(school=school),
    }
    staff = lambda: OrganisationRoleFactory(  # noqa: E731
        staff_member=AssignmentFactory(staff_member__organisation=org, school=school).staff_member
    )
    for _ in range(n):
        builders.get(model, staff)()


@pytest.mark.parametrize(
    "model", [m for m in REGISTRY_MODELS if m is not Organisation], ids=lambda m: m.__name__
)
def test_changelist_query_count_does_not_grow(client, registry_admin_a, student_a, model):
    school = student_a.enrolments.get().school
    org = school.organisation
    grow_rows(model, org, school, student_a, 3)
    client.force_login(registry_admin_a)
    url = admin_url(model, "changelist")
    client.get(url)  # warm-up: content types and other per-process caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    grow_rows(model, org, school, student_a, 27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["cl"].result_list) >= 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_user_changelist_query_count_does_not_grow(client, registry_admin_a, org_a):
    from elevhalsa.models import User

    url = admin_url(User, "changelist")
    client.force_login(registry_admin_a)
    StaffMemberFactory.create_batch(3, organisation=org_a)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    StaffMemberFactory.create_batch(27, organisation=org_a)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# --- Bad input: a Swedish message, what was typed kept, never a 500 -----------------------------


def _luhn_valid_number(yymmdd_nnn: str, century: str = "20") -> str:
    return century + yymmdd_nnn + luhn_check_digit(yymmdd_nnn)


@pytest.mark.parametrize(
    "typed",
    [
        "20160314-1235",  # wrong check digit (made valid below if by chance it is)
        _luhn_valid_number("160231123"),  # 31 February
        "20160314-12AB",  # letters
        "2016031",  # too short
    ],
)
def test_invalid_identity_number_in_student_form(client, registry_admin_a, school_a, typed):
    if typed == "20160314-1235":
        valid = identity_number_for(datetime.date(2016, 3, 14))
        typed = f"{valid[:8]}-{valid[8:11]}{(int(valid[11]) + 1) % 10}"
    client.force_login(registry_admin_a)
    data = student_form_data(identity_number=typed)
    data.update(
        {
            "enrolments-TOTAL_FORMS": "1",
            "enrolments-0-school": school_a.pk,
            "enrolments-0-start_date": "2026-08-17",
            "enrolments-0-is_health_responsible": "on",
        }
    )
    response = client.post(admin_url(Student, "add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["identity_number"] == [str(INVALID_MESSAGE)]
    assert f'value="{typed}"' in response.content.decode()
    assert not Student.objects.filter(family_name="Nysson").exists()


def test_student_added_with_enrolment_is_in_scope(client, registry_admin_a, school_a):
    client.force_login(registry_admin_a)
    number = identity_number_for(datetime.date(2017, 5, 6), female=False)
    data = student_form_data(identity_number=f"{number[2:8]}-{number[8:]}")
    data.update(
        {
            "enrolments-TOTAL_FORMS": "1",
            "enrolments-0-school": school_a.pk,
            "enrolments-0-start_date": "2026-08-17",
            "enrolments-0-is_health_responsible": "on",
        }
    )
    response = client.post(admin_url(Student, "add"), data)
    assert response.status_code == 302
    student = Student.objects.get(identity_number=number)
    assert student.birth_date == datetime.date(2017, 5, 6)
    assert student.legal_sex == "M"
    assert student.identity_kind == "pnr"
    assert client.get(admin_url(Student, "change", student.pk)).status_code == 200


def test_student_added_without_enrolment_is_refused(client, registry_admin_a):
    client.force_login(registry_admin_a)
    number = identity_number_for(datetime.date(2017, 5, 6))
    response = client.post(admin_url(Student, "add"), student_form_data(identity_number=number))
    assert response.status_code == 200
    assert not Student.objects.filter(identity_number=number).exists()


def test_two_overlapping_enrolments_in_one_submission_are_refused(
    client, registry_admin_a, school_a, school_a2
):
    client.force_login(registry_admin_a)
    number = identity_number_for(datetime.date(2017, 5, 6))
    data = student_form_data(identity_number=number)
    data.update(
        {
            "enrolments-TOTAL_FORMS": "2",
            "enrolments-0-school": school_a.pk,
            "enrolments-0-start_date": "2026-08-17",
            "enrolments-0-is_health_responsible": "on",
            "enrolments-1-school": school_a2.pk,
            "enrolments-1-start_date": "2026-09-01",
            "enrolments-1-is_health_responsible": "on",
        }
    )
    response = client.post(admin_url(Student, "add"), data)
    assert response.status_code == 200
    assert "överlappar" in response.content.decode()
    assert not Student.objects.filter(identity_number=number).exists()


def school_data(**overrides) -> dict:
    return {
        "name": "Nya skolan",
        "school_unit_code": "87654321",
        "school_types": ["GR"],
        **overrides,
    }


def test_school_types_are_checkboxes_stored_as_a_list(client, registry_admin_a, org_a):
    client.force_login(registry_admin_a)
    response = client.post(
        admin_url(School, "add"), school_data(organisation=org_a.pk, school_types=["FKLASS", "GR"])
    )
    assert response.status_code == 302
    assert School.objects.get(school_unit_code="87654321").school_types == ["FKLASS", "GR"]
    content = client.get(admin_url(School, "add")).content.decode()
    assert 'type="checkbox" name="school_types" value="GY"' in content


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"school_unit_code": "1234abcd"}, "school_unit_code", "åtta siffror"),
        ({"school_types": []}, "school_types", "Välj minst en skolform."),
    ],
)
def test_bad_school_input_gives_a_swedish_message(
    client, registry_admin_a, org_a, overrides, field, message
):
    client.force_login(registry_admin_a)
    response = client.post(
        admin_url(School, "add"), school_data(organisation=org_a.pk, **overrides)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors[field]
    assert any(message in error for error in errors)
    if field == "school_unit_code":
        assert 'value="1234abcd"' in response.content.decode()


def test_enrolment_ending_before_it_starts_is_refused(
    client, registry_admin_a, student_a, school_a
):
    client.force_login(registry_admin_a)
    response = client.post(
        admin_url(Enrolment, "add"),
        {
            "student": student_a.pk,
            "school": school_a.pk,
            "start_date": "2026-08-17",
            "end_date": "2026-06-01",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end_date"] == [
        "Slutdatum kan inte vara före startdatum."
    ]
    assert 'value="2026-06-01"' in response.content.decode()


def test_overlapping_health_responsible_enrolment_is_refused(
    client, registry_admin_a, student_a, school_a2
):
    client.force_login(registry_admin_a)
    response = client.post(
        admin_url(Enrolment, "add"),
        {
            "student": student_a.pk,
            "school": school_a2.pk,
            "start_date": "2026-08-17",
            "end_date": "2026-12-20",
            "is_health_responsible": "on",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["is_health_responsible"]
    assert "redan en hälsoansvarig inskrivning" in errors[0]
    assert student_a.enrolments.count() == 1


def test_registry_admin_creates_a_colleague_in_own_organisation(client, registry_admin_a, org_a):
    from elevhalsa.models import User

    client.force_login(registry_admin_a)
    response = client.post(
        admin_url(User, "add"),
        {
            "username": "ny_skolskoterska",
            "first_name": "Ny",
            "last_name": "Kollega",
            "email": "",
            "profession": "school_nurse",
            "usable_password": "true",
            "password1": "ett-langt-losen-123",
            "password2": "ett-langt-losen-123",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="ny_skolskoterska")
    assert user.staff_member.organisation == org_a
    assert not user.is_staff


def test_registry_admin_cannot_grant_privileges(client, registry_admin_a, nurse_a):
    from elevhalsa.models import User

    client.force_login(registry_admin_a)
    form = client.get(admin_url(User, "change", nurse_a.pk)).context["adminform"].form
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(form.fields)


def test_registry_admin_cannot_touch_a_superuser(client, registry_admin_a, org_a):
    from elevhalsa.models import User

    root = StaffMemberFactory(organisation=org_a, user__is_superuser=True).user
    client.force_login(registry_admin_a)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "kapat-losen-123", "password2": "kapat-losen-123"},
    )
    assert response.status_code == 403
    assert User.objects.get(pk=root.pk).check_password("demo-losen-123")


def test_job_runs_are_read_only(client, superuser):
    from django.utils import timezone

    from elevhalsa.models import JobRun

    run = JobRun.objects.create(
        job="seal_access_log",
        started_at=timezone.now(),
        outcome=JobRun.Outcome.OK,
        output="12 rader",
    )
    client.force_login(superuser)
    content = client.get(admin_url(JobRun, "changelist")).content.decode()
    assert "seal_access_log" in content
    assert "12 rader" in content
    assert client.get(admin_url(JobRun, "add")).status_code == 403
    assert client.post(admin_url(JobRun, "delete", run.pk), {"post": "yes"}).status_code == 403
    client.post(admin_url(JobRun, "change", run.pk), {"job": "annat", "outcome": "failed"})
    run.refresh_from_db()
    assert run.job == "seal_access_log"


def test_organisation_admin_sets_the_idle_timeout(client, registry_admin_a, org_a):
    client.force_login(registry_admin_a)
    url = admin_url(Organisation, "change", org_a.pk)
    data = {
        "name": org_a.name,
        "organisation_number": org_a.organisation_number,
        "kind": org_a.kind,
        "municipality_code": org_a.municipality_code,
    }
    response = client.post(url, {**data, "idle_timeout_minutes": "1000"})
    assert response.status_code == 200
    assert "idle_timeout_minutes" in response.context["adminform"].form.errors
    response = client.post(url, {**data, "idle_timeout_minutes": "15"})
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.idle_timeout_minutes == 15
    assert "15" in client.get(admin_url(Organisation, "changelist")).content.decode()
