"""The registry admin goes through the access log (DESIGN.md, access rule 9).

Registry admins see no health data: a page writes rows only for the protected-identity students it
shows, one row each, in one INSERT, before any atomic block, so the rows survive a failed save.
"""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consent.models import AccessAction, AccessLogEntry, AccessReason
from schools.admin import StudentAdmin
from schools.models import (
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    ProtectedIdentity,
    School,
    Student,
)
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    GuardianRelationFactory,
    SchoolClassFactory,
    StudentFactory,
    identity_number_for,
)

LOG_INSERT = 'INSERT INTO "consent_accesslogentry"'


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def log_inserts(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith(LOG_INSERT)]


def protected(school, **kwargs) -> Student:
    student = StudentFactory(
        protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION,
        street_address="Hemliggatan 7",
        **kwargs,
    )
    EnrolmentFactory(student=student, school=school)
    return student


def unprotected(school, **kwargs) -> Student:
    student = StudentFactory(**kwargs)
    EnrolmentFactory(student=student, school=school)
    return student


@pytest.fixture
def protected_a(school_a):
    return protected(school_a, given_name="Siri", family_name="Skyddad")


@pytest.fixture
def admin_a_with_protected(registry_admin_a):
    registry_admin_a.user_permissions.add(
        Permission.objects.get(codename="view_protected_identity")
    )
    return registry_admin_a


# --- Lists: one row per protected student on the page, in one insert ---------------------------


def test_student_changelist_logs_its_protected_students_in_one_insert(
    client, registry_admin_a, school_a
):
    shown_protected = [protected(school_a) for _ in range(3)]
    for _ in range(27):
        unprotected(school_a)
    client.force_login(registry_admin_a)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(admin_url(Student, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30
    assert len(log_inserts(captured)) == 1
    rows = AccessLogEntry.objects.all()
    assert sorted(rows.values_list("student_id", flat=True)) == sorted(
        s.pk for s in shown_protected
    )
    assert set(
        rows.values_list(
            "user_id", "action", "reason", "organisation_id", "protected", "view_name", "path"
        )
    ) == {
        (
            registry_admin_a.pk,
            AccessAction.LIST,
            AccessReason.REGISTRY_ADMIN,
            school_a.organisation_id,
            True,
            "admin:schools_student_changelist",
            admin_url(Student, "changelist"),
        )
    }


def test_changelist_of_unprotected_students_writes_nothing(client, registry_admin_a, school_a):
    for _ in range(5):
        unprotected(school_a)
    client.force_login(registry_admin_a)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(admin_url(Student, "changelist")).status_code == 200
    assert log_inserts(captured) == []
    assert not AccessLogEntry.objects.exists()


def test_changelist_logs_only_the_page_shown(client, registry_admin_a, school_a):
    for _ in range(StudentAdmin.list_per_page):
        unprotected(school_a, family_name="Andersson")
    on_page_two = protected(school_a, family_name="Östlund")
    client.force_login(registry_admin_a)
    assert client.get(admin_url(Student, "changelist")).status_code == 200
    assert not AccessLogEntry.objects.exists()
    assert client.get(admin_url(Student, "changelist"), {"p": 2}).status_code == 200
    assert list(AccessLogEntry.objects.values_list("student_id", flat=True)) == [on_page_two.pk]


def test_protected_student_in_guardian_relation_list_is_logged(
    client, registry_admin_a, protected_a, student_a
):
    GuardianRelationFactory(student=protected_a)
    GuardianRelationFactory(student=student_a)
    client.force_login(registry_admin_a)
    assert client.get(admin_url(GuardianRelation, "changelist")).status_code == 200
    [row] = AccessLogEntry.objects.all()
    assert (row.student_id, row.action) == (protected_a.pk, AccessAction.LIST)


def test_enrolment_and_class_lists_log_protected_students_only_when_they_show_them(
    client, registry_admin_a, protected_a, school_a
):
    ClassMembershipFactory(student=protected_a, school_class=SchoolClassFactory(school=school_a))
    client.force_login(registry_admin_a)
    # Without the permission the rows are hidden: nothing shown, nothing logged.
    for model in (Enrolment, ClassMembership):
        assert client.get(admin_url(model, "changelist")).status_code == 200
    assert not AccessLogEntry.objects.exists()
    registry_admin_a.user_permissions.add(
        Permission.objects.get(codename="view_protected_identity")
    )
    for model in (Enrolment, ClassMembership):
        assert client.get(admin_url(model, "changelist")).status_code == 200
    assert list(AccessLogEntry.objects.values_list("student_id", "action")) == [
        (protected_a.pk, AccessAction.LIST),
        (protected_a.pk, AccessAction.LIST),
    ]


def test_autocomplete_logs_the_protected_students_it_names(
    client, registry_admin_a, protected_a, student_a
):
    client.force_login(registry_admin_a)
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "schools", "model_name": "enrolment", "field_name": "student", "term": ""},
    )
    assert response.status_code == 200
    assert {row["text"] for row in response.json()["results"]} >= {str(protected_a)}
    [row] = AccessLogEntry.objects.all()
    assert (row.student_id, row.action) == (protected_a.pk, AccessAction.LIST)


def test_lists_of_schools_and_classes_write_nothing(client, registry_admin_a, protected_a):
    client.force_login(registry_admin_a)
    for model in (School, Guardian):
        assert client.get(admin_url(model, "changelist")).status_code == 200
    assert not AccessLogEntry.objects.exists()


# --- One object: change and history views ------------------------------------------------------


def test_change_view_of_a_protected_student_writes_one_row(client, registry_admin_a, protected_a):
    client.force_login(registry_admin_a)
    url = admin_url(Student, "change", protected_a.pk)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert len(log_inserts(captured)) == 1
    [row] = AccessLogEntry.objects.all()
    assert (row.student_id, row.action, row.reason, row.organisation_id) == (
        protected_a.pk,
        AccessAction.VIEW,
        AccessReason.REGISTRY_ADMIN,
        registry_admin_a.staff_member.organisation_id,
    )
    assert (row.record_type, row.record_id, row.path) == (
        "schools.student",
        str(protected_a.pk),
        url,
    )
    assert row.protected


def test_change_view_of_an_unprotected_student_writes_nothing(client, registry_admin_a, student_a):
    client.force_login(registry_admin_a)
    assert client.get(admin_url(Student, "change", student_a.pk)).status_code == 200
    assert client.get(admin_url(Student, "history", student_a.pk)).status_code == 200
    assert not AccessLogEntry.objects.exists()


def test_history_views_of_a_protected_student_are_logged(
    client, admin_a_with_protected, protected_a
):
    client.force_login(admin_a_with_protected)
    assert client.get(admin_url(Student, "history", protected_a.pk)).status_code == 200
    version = protected_a.history.earliest().history_id
    url = reverse("admin:schools_student_simple_history", args=[protected_a.pk, version])
    assert client.get(url).status_code == 200
    assert list(AccessLogEntry.objects.order_by("pk").values_list("student_id", "action")) == [
        (protected_a.pk, AccessAction.VIEW),
        (protected_a.pk, AccessAction.VIEW),
    ]


def test_masked_history_version_is_a_logged_refusal(client, registry_admin_a, protected_a):
    client.force_login(registry_admin_a)
    version = protected_a.history.earliest().history_id
    url = reverse("admin:schools_student_simple_history", args=[protected_a.pk, version])
    assert client.get(url).status_code == 403
    [row] = AccessLogEntry.objects.all()
    assert (row.student_id, row.action, row.reason) == (
        protected_a.pk,
        AccessAction.REFUSED,
        AccessReason.NONE,
    )


def test_pages_naming_a_protected_student_are_logged(client, admin_a_with_protected, protected_a):
    relation = GuardianRelationFactory(student=protected_a)
    enrolment = protected_a.enrolments.get()
    client.force_login(admin_a_with_protected)
    for url in (
        admin_url(Guardian, "change", relation.guardian.pk),  # the relations inline
        admin_url(GuardianRelation, "change", relation.pk),
        admin_url(Enrolment, "change", enrolment.pk),
        admin_url(Enrolment, "history", enrolment.pk),
    ):
        assert client.get(url).status_code == 200, url
    assert list(AccessLogEntry.objects.order_by("pk").values_list("student_id", "record_type")) == [
        (protected_a.pk, "schools.guardian"),
        (protected_a.pk, "schools.guardianrelation"),
        (protected_a.pk, "schools.enrolment"),
        (protected_a.pk, "schools.enrolment"),
    ]


def test_another_organisations_student_is_a_logged_refusal(
    client, registry_admin_b, protected_a, student_a
):
    client.force_login(registry_admin_b)
    for student in (protected_a, student_a):
        assert client.get(admin_url(Student, "change", student.pk)).status_code == 302
    assert client.get(admin_url(Student, "history", student_a.pk)).status_code == 404
    assert client.get(admin_url(Student, "change", 999999)).status_code == 302
    rows = list(
        AccessLogEntry.objects.order_by("pk").values_list(
            "student_id", "action", "reason", "record_id", "organisation_id"
        )
    )
    refused = (AccessAction.REFUSED, AccessReason.NONE)
    org_b = registry_admin_b.staff_member.organisation_id
    assert rows == [
        (protected_a.pk, *refused, str(protected_a.pk), org_b),
        (student_a.pk, *refused, str(student_a.pk), org_b),
        (student_a.pk, *refused, str(student_a.pk), org_b),
        (None, *refused, "999999", org_b),
    ]


# --- The row survives a failing request ---------------------------------------------------------


class Boom(Exception):
    pass


def test_the_log_row_survives_a_save_that_fails_inside_the_atomic_block(
    transactional_db, client, registry_admin_a, protected_a
):
    from tests.schools.test_admin import student_form_data

    client.force_login(registry_admin_a)
    data = student_form_data(protected_a, given_name="Sigrid")
    for field in ("street_address", "postal_code", "city", "protected_identity"):
        data.pop(field)  # masked: read-only for this admin
    with (
        mock.patch.object(StudentAdmin, "save_model", side_effect=Boom),
        pytest.raises(Boom),
    ):
        client.post(admin_url(Student, "change", protected_a.pk), data)
    protected_a.refresh_from_db()
    assert protected_a.given_name == "Siri"  # the request's work rolled back
    [row] = AccessLogEntry.objects.all()  # the log row did not
    assert (row.student_id, row.action, row.user_id) == (
        protected_a.pk,
        AccessAction.EDIT,
        registry_admin_a.pk,
    )


# --- Identity numbers stay out of the admin's URLs ----------------------------------------------


def test_a_twelve_digit_number_in_the_search_box_neither_matches_nor_errors(
    client, registry_admin_a, student_a, protected_a
):
    client.force_login(registry_admin_a)
    for number in (
        student_a.identity_number,
        protected_a.identity_number,
        identity_number_for(datetime.date(2015, 1, 2)),
    ):
        assert len(number) == 12 and number.isdigit()
        response = client.get(admin_url(Student, "changelist"), {"q": number})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == []
    assert not AccessLogEntry.objects.exists()


def test_a_guardians_history_names_no_student_and_writes_nothing(
    client, admin_a_with_protected, protected_a
):
    guardian = GuardianRelationFactory(student=protected_a).guardian
    client.force_login(admin_a_with_protected)
    assert client.get(admin_url(Guardian, "history", guardian.pk)).status_code == 200
    assert not AccessLogEntry.objects.exists()
