"""The access log in the admin: read-only, for log reviewers of the organisation, itself logged."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consent.accesslog import Access, log_accesses
from consent.groups import LOG_REVIEWER_GROUP, ensure_log_reviewer_group
from consent.models import AccessAction, AccessLogEntry, AccessReason, LogSeal
from schools.models import OrganisationRole, Profession, ProtectedIdentity
from tests.schools.factories import (
    EnrolmentFactory,
    OrganisationRoleFactory,
    StaffMemberFactory,
    StudentFactory,
    UserFactory,
)

LOG_INSERT = 'INSERT INTO "consent_accesslogentry"'


def log_url(action: str = "changelist", *args) -> str:
    return reverse(f"admin:consent_accesslogentry_{action}", args=args)


def seal_url(action: str = "changelist", *args) -> str:
    return reverse(f"admin:consent_logseal_{action}", args=args)


def shown_pks(response) -> set[int]:
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def write_rows(user, students, organisation, school=None, action=AccessAction.VIEW):
    """Rows as the staff pages write them; returns them, newest last."""
    before = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    log_accesses(
        [
            Access(
                user=user,
                student=student,
                action=action,
                reason=AccessReason.CARE_RELATION,
                organisation=organisation,
                school=school,
                record_type="journal.entry",
                path="/elever/",
            )
            for student in students
        ]
    )
    return list(AccessLogEntry.objects.filter(pk__gt=before).order_by("pk"))


def _reviewer(org, username):
    member = StaffMemberFactory(
        organisation=org,
        profession=Profession.ADMINISTRATOR,
        user__username=username,
        user__is_staff=True,
    )
    OrganisationRoleFactory(staff_member=member, role=OrganisationRole.Role.LOG_REVIEWER)
    member.user.groups.add(ensure_log_reviewer_group())
    return member.user


@pytest.fixture
def reviewer_a(org_a):
    return _reviewer(org_a, "granskare_a")


@pytest.fixture
def reviewer_b(org_b):
    return _reviewer(org_b, "granskare_b")


@pytest.fixture
def student_b(school_b):
    student = StudentFactory(given_name="Bo", family_name="Bsson")
    EnrolmentFactory(student=student, school=school_b)
    return student


@pytest.fixture
def superuser(db):
    return UserFactory(username="drift", is_staff=True, is_superuser=True)


# --- Who sees the log -------------------------------------------------------------------------


def test_the_group_holds_view_permissions_on_log_and_seals_only(db):
    group = ensure_log_reviewer_group()
    assert ensure_log_reviewer_group() == group  # idempotent
    assert group.name == LOG_REVIEWER_GROUP
    assert set(group.permissions.values_list("codename", flat=True)) == {
        "view_accesslogentry",
        "view_logseal",
    }
    assert Group.objects.filter(name=LOG_REVIEWER_GROUP).count() == 1


def test_registry_admin_without_the_role_does_not_see_the_log(
    client, registry_admin_a, nurse_a, student_a, school_a
):
    [row] = write_rows(nurse_a, [student_a], school_a.organisation, school_a)
    client.force_login(registry_admin_a)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert not {"AccessLogEntry", "LogSeal"} & models
    assert client.get(log_url()).status_code == 403
    assert client.get(seal_url()).status_code == 403
    assert client.get(log_url("change", row.pk)).status_code == 403
    # Even with the group's permissions the role is needed.
    registry_admin_a.groups.add(ensure_log_reviewer_group())
    assert client.get(log_url()).status_code == 403


def test_reviewer_sees_the_log_and_seals_in_the_index(client, reviewer_a):
    client.force_login(reviewer_a)
    index = client.get(reverse("admin:index"))
    models = {m["object_name"] for app in index.context["app_list"] for m in app["models"]}
    assert {"AccessLogEntry", "LogSeal"} <= models
    assert client.get(seal_url()).status_code == 200


def test_reviewer_sees_own_organisations_rows_and_rows_about_its_students(
    client, reviewer_a, nurse_a, nurse_b, student_a, student_b, school_a, school_b
):
    by_a = write_rows(nurse_a, [student_a], school_a.organisation, school_a)
    # Another organisation's staff reading a student once enrolled here: the reviewer sees it.
    about_ours = write_rows(nurse_b, [student_a], school_b.organisation, school_b)
    elsewhere = write_rows(nurse_b, [student_b], school_b.organisation, school_b)
    client.force_login(reviewer_a)
    pks = shown_pks(client.get(log_url()))
    assert {r.pk for r in by_a + about_ours} <= pks
    assert not {r.pk for r in elsewhere} & pks
    assert client.get(log_url("change", elsewhere[0].pk)).status_code == 302  # not found


def test_superuser_sees_every_row(client, superuser, nurse_a, nurse_b, student_a, student_b):
    rows = write_rows(nurse_a, [student_a], None) + write_rows(nurse_b, [student_b], None)
    client.force_login(superuser)
    assert {r.pk for r in rows} <= shown_pks(client.get(log_url()))


# --- Read-only --------------------------------------------------------------------------------


def test_nothing_is_added_changed_or_deleted(client, reviewer_a, superuser, nurse_a, student_a):
    [row] = write_rows(nurse_a, [student_a], nurse_a.staff_member.organisation)
    for user in (reviewer_a, superuser):
        client.force_login(user)
        assert client.get(log_url("add")).status_code == 403
        assert client.post(log_url("delete", row.pk), {"post": "yes"}).status_code == 403
        client.post(log_url("change", row.pk), {"username": "annan", "action": "print"})
        response = client.get(log_url())
        assert response.context["action_form"] is None  # no bulk delete
    row.refresh_from_db()
    assert (row.username, row.action) == ("nurse_a", AccessAction.VIEW)
    # The refused POSTs are logged as such.
    assert AccessLogEntry.objects.filter(action=AccessAction.REFUSED).count() == 2
    assert not AccessLogEntry.objects.filter(action=AccessAction.EDIT).exists()


def test_seals_are_read_only(client, reviewer_a):
    seal = LogSeal.objects.create(
        first_id=0,
        last_id=10,
        row_count=10,
        rows_hash="a" * 64,
        previous_head="0" * 64,
        head="b" * 64,
    )
    client.force_login(reviewer_a)
    assert seal.pk in shown_pks(client.get(seal_url()))
    assert client.get(seal_url("change", seal.pk)).status_code == 200
    assert client.get(seal_url("add")).status_code == 403
    assert client.post(seal_url("delete", seal.pk), {"post": "yes"}).status_code == 403


def test_no_admin_permission_opens_writing(rf, superuser):
    request = rf.get("/")
    request.user = superuser
    for model in (AccessLogEntry, LogSeal):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert model_admin.get_actions(request) == {}


# --- Reviewing is an access too ---------------------------------------------------------------


def test_opening_a_row_that_names_a_student_writes_a_row(client, reviewer_a, nurse_a, student_a):
    [row] = write_rows(nurse_a, [student_a], nurse_a.staff_member.organisation)
    client.force_login(reviewer_a)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(log_url("change", row.pk))
    assert response.status_code == 200
    assert "Exempelsson" in response.content.decode()
    assert len([q for q in captured.captured_queries if q["sql"].startswith(LOG_INSERT)]) == 1
    review = AccessLogEntry.objects.exclude(pk=row.pk).get()
    assert (
        review.user_id,
        review.student_id,
        review.action,
        review.reason,
        review.record_type,
        review.record_id,
        review.organisation_id,
    ) == (
        reviewer_a.pk,
        student_a.pk,
        AccessAction.VIEW,
        AccessReason.NONE,
        "accesslog",
        str(row.pk),
        reviewer_a.staff_member.organisation_id,
    )


def test_a_list_naming_protected_students_logs_them_once_each(
    client, reviewer_a, nurse_a, school_a, student_a
):
    hidden = StudentFactory(protected_identity=ProtectedIdentity.SECRECY_MARKING)
    EnrolmentFactory(student=hidden, school=school_a)
    write_rows(nurse_a, [hidden, hidden, student_a], school_a.organisation, school_a)
    client.force_login(reviewer_a)
    before = AccessLogEntry.objects.count()
    assert client.get(log_url()).status_code == 200
    [review] = AccessLogEntry.objects.order_by("pk")[before:]
    assert (review.student_id, review.action, review.user_id) == (
        hidden.pk,
        AccessAction.LIST,
        reviewer_a.pk,
    )


# --- Filters, search, and a constant number of queries -----------------------------------------


def test_filters_and_search(client, reviewer_a, nurse_a, psychologist_a, school_a, student_a):
    org = school_a.organisation
    [by_nurse] = write_rows(nurse_a, [student_a], org, school_a)
    [printed] = write_rows(psychologist_a, [student_a], org, None, action=AccessAction.PRINT)
    client.force_login(reviewer_a)
    assert shown_pks(client.get(log_url(), {"action": "print"})) == {printed.pk}
    assert shown_pks(client.get(log_url(), {"vardenhet": school_a.pk})) == {by_nurse.pk}
    assert shown_pks(client.get(log_url(), {"reason": "care_relation"})) == {
        by_nurse.pk,
        printed.pk,
    }
    assert shown_pks(client.get(log_url(), {"protected__exact": "1"})) == set()
    assert shown_pks(client.get(log_url(), {"q": "psychologist_a"})) == {printed.pk}
    assert shown_pks(client.get(log_url(), {"q": "Exempelsson"})) == {by_nurse.pk, printed.pk}
    year = by_nurse.at.year
    assert by_nurse.pk in shown_pks(client.get(log_url(), {"at__year": year}))


def test_identity_numbers_are_neither_searched_nor_filtered(client, reviewer_a, nurse_a, student_a):
    write_rows(nurse_a, [student_a], nurse_a.staff_member.organisation)
    client.force_login(reviewer_a)
    assert shown_pks(client.get(log_url(), {"q": student_a.identity_number})) == set()
    response = client.get(log_url(), {"student__identity_number": student_a.identity_number})
    assert response.status_code == 400


def test_changelist_query_count_does_not_grow(client, reviewer_a, nurse_a, nurse_b, school_a):
    org = school_a.organisation

    def grow(n):
        students = StudentFactory.create_batch(n)
        for student in students:
            EnrolmentFactory(student=student, school=school_a)
        write_rows(nurse_a, students, org, school_a)

    grow(3)
    client.force_login(reviewer_a)
    client.get(log_url())  # warm-up: content types and other per-process caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(log_url()).status_code == 200
    grow(27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(log_url())
    assert len(response.context["cl"].result_list) == 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
