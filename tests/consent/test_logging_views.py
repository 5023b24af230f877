"""The access log wired into every page: exactly the right rows per response, one insert per
list, refusals logged, and rows that survive a request failing after the access check."""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone

from consent.models import AccessAction, AccessLogEntry, AccessReason, EmergencyAccess
from consent.policy import get_student_or_404
from elevhalsa.urls import urlpatterns as real_urlpatterns
from schools.models import ProtectedIdentity, Student
from schools.schoolyear import current_school_year
from tests.helpers import visible_text
from tests.schools.factories import SchoolClassFactory, StudentFactory, enrol_in_class

UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"
SEARCH_URL = reverse("schools:student-search")


class Boom(Exception):
    pass


def failing_student_view(request, public_id):
    """Opens the student, then fails inside an atomic block: the work rolls back, the log row
    written at the access check stays."""
    student = get_student_or_404(request.user, public_id, request=request)
    with transaction.atomic():
        Student.objects.filter(pk=student.pk).update(given_name="Ändrad")
        raise Boom


urlpatterns = [
    *real_urlpatterns,
    path("test-fails/<uuid:public_id>/", failing_student_view, name="test-fails"),
]


def rows(**filters):
    return list(AccessLogEntry.objects.filter(**filters).order_by("pk"))


def log_inserts(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('INSERT INTO "consent_accesslogentry"')
    ]


@pytest.fixture
def client_a(client, nurse_a):
    client.force_login(nurse_a)
    return client


# --- The student page: one row per response --------------------------------------------------


def test_student_page_writes_one_view_row_with_reason_and_unit(
    client_a, nurse_a, student_a, school_a
):
    before = AccessLogEntry.objects.count()
    assert client_a.get(student_a.get_absolute_url()).status_code == 200
    [row] = rows()[before:]
    assert (row.user, row.student, row.action, row.reason) == (
        nurse_a,
        student_a,
        AccessAction.VIEW,
        AccessReason.CARE_RELATION,
    )
    assert (row.organisation_id, row.school_id) == (school_a.organisation_id, school_a.pk)
    assert row.view_name == "schools:student-detail"
    assert row.path == student_a.get_absolute_url()
    assert not row.protected


def test_student_page_says_why_the_user_has_access(client_a, student_a):
    text = visible_text(client_a.get(student_a.get_absolute_url()))
    assert "Åtkomst: vårdrelation via tjänstgöring på Skola A" in text


def test_incoming_student_page_says_when_the_student_starts(client_a, student_incoming_a):
    response = client_a.get(student_incoming_a.get_absolute_url())
    starts = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    assert f"Åtkomst: inkommande elev (börjar {starts})" in visible_text(response)
    assert rows()[-1].reason == AccessReason.INCOMING


def test_emergency_student_page_says_until_when_and_logs_the_reason(
    client, emergency_nurse_a2, student_a
):
    client.force_login(emergency_nurse_a2)
    response = client.get(student_a.get_absolute_url())
    ends = timezone.localtime(EmergencyAccess.objects.get().ends_at)
    # The end is shown as a time of day when it is today, else with its date (an emergency
    # access started late in the evening ends after midnight).
    until = f"{ends:%H:%M}" if ends.date() == timezone.localdate() else f"{ends:%Y-%m-%d %H:%M}"
    assert f"Åtkomst: nödåtkomst till {until} (granskas)" in visible_text(response)
    assert rows()[-1].reason == AccessReason.EMERGENCY


def test_emergency_ending_another_day_shows_the_date_too(client, emergency_nurse_a2, student_a):
    access = EmergencyAccess.objects.get()
    access.ends_at = timezone.now() + datetime.timedelta(days=1, hours=1)
    access.save(update_fields=["ends_at"])
    client.force_login(emergency_nurse_a2)
    ends = timezone.localtime(access.ends_at)
    text = visible_text(client.get(student_a.get_absolute_url()))
    assert f"Åtkomst: nödåtkomst till {ends:%Y-%m-%d %H:%M} (granskas)" in text


def test_refused_student_page_is_404_with_a_refused_row_and_no_name(
    client, nurse_other_org, student_a
):
    client.force_login(nurse_other_org)
    response = client.get(student_a.get_absolute_url())
    assert response.status_code == 404
    [row] = rows()
    assert (row.student, row.action, row.reason) == (
        student_a,
        AccessAction.REFUSED,
        AccessReason.NONE,
    )
    body = response.content.decode()
    assert student_a.family_name not in body
    assert student_a.identity_number not in body


def test_unknown_student_id_is_404_with_a_refused_row_without_student(client_a, student_a):
    assert client_a.get(f"/elever/{UNKNOWN_UUID}/").status_code == 404
    [row] = rows()
    assert (row.student, row.action) == (None, AccessAction.REFUSED)
    assert row.path == f"/elever/{UNKNOWN_UUID}/"


def test_ended_assignment_is_404_with_a_refused_row(client, nurse_a_ended, student_a):
    client.force_login(nurse_a_ended)
    assert client.get(student_a.get_absolute_url()).status_code == 404
    assert [r.action for r in rows()] == [AccessAction.REFUSED]


def test_expired_emergency_access_is_404_with_a_refused_row(client, emergency_nurse_a2, student_a):
    EmergencyAccess.objects.update(
        started_at=timezone.now() - datetime.timedelta(hours=5),
        ends_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    client.force_login(emergency_nurse_a2)
    assert client.get(student_a.get_absolute_url()).status_code == 404
    assert rows()[-1].action == AccessAction.REFUSED


def test_forbidden_action_on_a_visible_student_is_403_with_a_refused_row_and_no_name(
    client_a, student_left_a
):
    # Recently left: documentation only, so reading the student page is refused (403).
    response = client_a.get(student_left_a.get_absolute_url())
    assert response.status_code == 403
    [row] = rows()
    assert (row.student, row.action, row.reason) == (
        student_left_a,
        AccessAction.REFUSED,
        AccessReason.RECENTLY_LEFT,
    )
    assert student_left_a.family_name not in response.content.decode()


def test_registry_admin_gets_404_for_the_student_page_with_a_refused_row(
    client, registry_admin_a, student_a
):
    client.force_login(registry_admin_a)
    assert client.get(student_a.get_absolute_url()).status_code == 404
    assert rows()[-1].action == AccessAction.REFUSED


@pytest.mark.urls("tests.consent.test_logging_views")
def test_a_request_failing_after_the_check_keeps_its_row(
    transactional_db, client, nurse_a, student_a
):
    client.force_login(nurse_a)
    with pytest.raises(Boom):
        client.get(reverse("test-fails", args=[student_a.public_id]))
    [row] = rows()
    assert (row.student_id, row.action) == (student_a.pk, AccessAction.VIEW)
    student_a.refresh_from_db()
    assert student_a.given_name == "Alva"  # the failing work rolled back


@pytest.mark.urls("tests.consent.test_logging_views")
def test_a_refused_request_keeps_its_row_outside_the_test_transaction(
    transactional_db, client, nurse_b, student_a
):
    client.force_login(nurse_b)
    assert client.get(reverse("test-fails", args=[student_a.public_id])).status_code == 404
    assert [r.action for r in rows()] == [AccessAction.REFUSED]


def test_student_page_writes_exactly_one_insert(client_a, student_a):
    client_a.get(student_a.get_absolute_url())  # warm-up
    with CaptureQueriesContext(connection) as captured:
        client_a.get(student_a.get_absolute_url())
    assert len(log_inserts(captured)) == 1


# --- Lists: names-only lists log protected students only, in one insert -------------------------


@pytest.fixture
def class_of_30(school_a):
    school_class = SchoolClassFactory(school=school_a, school_year=current_school_year())
    protected = [
        enrol_in_class(
            StudentFactory(
                family_name=f"Aaskydd{n}",
                protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION,
            ),
            school_class,
        )
        for n in range(3)
    ]
    for n in range(27):
        enrol_in_class(StudentFactory(family_name=f"Bvanlig{n:02d}"), school_class)
    return school_class, protected


def test_class_list_of_30_with_3_protected_writes_3_rows_in_one_insert(
    client_a, nurse_a, class_of_30, school_a
):
    school_class, protected = class_of_30
    with CaptureQueriesContext(connection) as captured:
        response = client_a.get(school_class.get_absolute_url())
    assert response.status_code == 200
    assert len(log_inserts(captured)) == 1
    logged = rows()
    assert {r.student_id for r in logged} == {s.pk for s in protected}
    assert {(r.action, r.reason, r.school_id, r.protected) for r in logged} == {
        (AccessAction.LIST, AccessReason.CARE_RELATION, school_a.pk, True)
    }


def test_class_list_of_unprotected_students_writes_no_rows(client_a, class_a, student_a):
    with CaptureQueriesContext(connection) as captured:
        assert client_a.get(class_a.get_absolute_url()).status_code == 200
    assert log_inserts(captured) == []


def test_school_page_and_home_write_no_rows(client_a, class_of_30, school_a):
    assert client_a.get(school_a.get_absolute_url()).status_code == 200
    assert client_a.get(reverse("home")).status_code == 200
    assert not AccessLogEntry.objects.exists()


def test_name_search_logs_the_protected_students_it_shows(client_a, class_of_30):
    _school_class, protected = class_of_30
    response = client_a.get(SEARCH_URL, {"q": "aaskydd"})
    assert len(response.context["page"]) == 3
    assert {(r.student_id, r.action) for r in rows()} == {
        (s.pk, AccessAction.LIST) for s in protected
    }


def test_name_search_of_unprotected_students_writes_no_rows(client_a, student_a):
    client_a.get(SEARCH_URL, {"q": "alva"})
    assert not AccessLogEntry.objects.exists()


def test_identity_number_hit_writes_a_search_hit_row(client_a, student_a):
    client_a.post(SEARCH_URL, {"identity_number": student_a.identity_number})
    [row] = rows()
    assert (row.student, row.action, row.reason) == (
        student_a,
        AccessAction.SEARCH_HIT,
        AccessReason.CARE_RELATION,
    )
    assert student_a.identity_number not in row.path


def test_identity_number_miss_writes_no_row(client_a, nurse_b, school_b):
    stranger = StudentFactory()
    client_a.post(SEARCH_URL, {"identity_number": stranger.identity_number})
    assert not AccessLogEntry.objects.exists()
