"""The access log: one multi-row insert per response, durable, surviving rolled-back work."""

import copy

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import path

from consent.accesslog import Access, log_access, log_accesses, request_location
from consent.checks import check_access_log_settings
from consent.models import AccessAction, AccessLogEntry, AccessReason
from schools.models import ProtectedIdentity, Student
from tests.schools.factories import StudentFactory


class Boom(Exception):
    pass


def _accesses(user, students, school=None):
    return [
        Access(
            user=user,
            student=student,
            action=AccessAction.LIST,
            reason=AccessReason.CARE_RELATION,
            organisation=school.organisation if school else None,
            school=school,
            view_name="schools:student-list",
            path="/elever/",
        )
        for student in students
    ]


TRANSACTION_CONTROL = {"BEGIN", "COMMIT"}  # SQLite's backend issues (and counts) these itself


def _statements(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"] not in TRANSACTION_CONTROL]


def test_a_list_of_30_students_is_30_rows_in_one_insert(transactional_db, nurse_a, school_a):
    students = StudentFactory.create_batch(30)
    with CaptureQueriesContext(connection) as captured:
        log_accesses(_accesses(nurse_a, students, school_a))
    statements = _statements(captured)
    assert len(statements) == 1
    assert statements[0].startswith('INSERT INTO "consent_accesslogentry"')
    rows = AccessLogEntry.objects.filter(user=nurse_a, action=AccessAction.LIST)
    assert sorted(rows.values_list("student_id", flat=True)) == sorted(s.pk for s in students)
    assert set(rows.values_list("school_id", "organisation_id", "reason", "username")) == {
        (school_a.pk, school_a.organisation_id, AccessReason.CARE_RELATION, "nurse_a")
    }


def test_under_the_db_fixture_the_durable_block_runs_and_inserts_once(db, nurse_a):
    students = StudentFactory.create_batch(3)
    with CaptureQueriesContext(connection) as captured:
        log_accesses(_accesses(nurse_a, students))
    # One INSERT and nothing else: no SAVEPOINT noise in the page query counts of other tests.
    assert len(captured.captured_queries) == 1
    assert captured.captured_queries[0]["sql"].startswith("INSERT")
    assert AccessLogEntry.objects.count() == 3


def test_logging_nothing_writes_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        log_accesses([])


def test_logging_inside_another_atomic_block_is_refused(db, nurse_a, student_a):
    # The log must be written at the access check, before any atomic block that could roll back.
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        log_access(nurse_a, student_a, AccessAction.VIEW, AccessReason.CARE_RELATION)


def test_the_row_survives_a_later_rolled_back_block(transactional_db, nurse_a, student_a):
    with pytest.raises(Boom):
        log_access(nurse_a, student_a, AccessAction.EDIT, AccessReason.CARE_RELATION)
        with transaction.atomic():
            StudentFactory(given_name="Rullas", family_name="Tillbaka")
            raise Boom
    assert not Student.objects.filter(given_name="Rullas").exists()
    entry = AccessLogEntry.objects.get()
    assert (entry.student, entry.action) == (student_a, AccessAction.EDIT)


def test_a_refused_attempt_on_no_existing_student_is_logged(db, nurse_b):
    log_access(nurse_b, None, AccessAction.REFUSED, path="/elever/okand/")
    entry = AccessLogEntry.objects.get()
    assert entry.student is None
    assert (entry.action, entry.reason, entry.user) == (
        AccessAction.REFUSED,
        AccessReason.NONE,
        nurse_b,
    )
    assert entry.at is not None


def test_anonymous_user_is_logged_without_user(db, student_a):
    from django.contrib.auth.models import AnonymousUser

    log_access(AnonymousUser(), student_a, AccessAction.REFUSED)
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.username) == (None, "")


def test_protected_identity_is_taken_from_the_student(db, nurse_a):
    hidden = StudentFactory(protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION)
    plain = StudentFactory()
    log_accesses(_accesses(nurse_a, [hidden, plain]))
    flags = dict(AccessLogEntry.objects.values_list("student_id", "protected"))
    assert flags == {hidden.pk: True, plain.pk: False}


def test_identity_numbers_and_query_strings_never_reach_the_log(db, nurse_a, student_a):
    log_access(
        nurse_a,
        student_a,
        AccessAction.SEARCH_HIT,
        AccessReason.CARE_RELATION,
        path="/sok/20130101-2385/?q=201301012385",
        view_name="search 130101-2385",
        record_type="x" * 500,
        record_id="20130101-2385",
    )
    entry = AccessLogEntry.objects.get()
    logged = f"{entry.path} {entry.view_name} {entry.record_id}"
    assert "2385" not in logged
    assert "?" not in entry.path
    assert entry.path == "/sok/[identitetsnummer]/"
    assert len(entry.record_type) == 100


# --- through a real request: the log row stays when the request fails ---------------------------


def _view_that_fails_after_logging(request, student_id):
    student = Student.objects.get(pk=student_id)
    log_access(request.user, student, AccessAction.EDIT, AccessReason.CARE_RELATION)
    with transaction.atomic():
        StudentFactory(given_name="Rullas", family_name="Tillbaka")
        raise Boom


def _view_that_refuses(request, student_id):
    student = Student.objects.filter(pk=student_id).first()
    log_access(request.user, student, AccessAction.REFUSED, **request_location(request))
    raise PermissionDenied


urlpatterns = [
    path("fails/<int:student_id>/", _view_that_fails_after_logging, name="fails"),
    path("refuses/<int:student_id>/", _view_that_refuses, name="refuses"),
]


@pytest.mark.urls(__name__)
def test_a_failing_request_leaves_its_log_row_and_rolls_back_its_work(
    transactional_db, client, nurse_a, student_a
):
    client.force_login(nurse_a)
    client.raise_request_exception = False
    assert client.post(f"/fails/{student_a.pk}/").status_code == 500
    assert not Student.objects.filter(given_name="Rullas").exists()
    assert AccessLogEntry.objects.filter(student=student_a, action=AccessAction.EDIT).count() == 1


@pytest.mark.urls(__name__)
def test_a_refused_request_leaves_its_log_row(transactional_db, client, nurse_b, student_a):
    client.force_login(nurse_b)
    assert client.get(f"/refuses/{student_a.pk}/?x=1").status_code == 403
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.student, entry.action) == (nurse_b, student_a, AccessAction.REFUSED)
    assert (entry.view_name, entry.path) == ("refuses", f"/refuses/{student_a.pk}/")


# --- settings the log depends on -----------------------------------------------------------------


OVERRIDING_DATABASES = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@OVERRIDING_DATABASES
def test_atomic_requests_is_refused_by_a_system_check(settings):
    databases = copy.deepcopy(settings.DATABASES)
    databases[DEFAULT_DB_ALIAS]["ATOMIC_REQUESTS"] = True
    settings.DATABASES = databases
    assert [error.id for error in check_access_log_settings()] == ["consent.E001"]


def test_the_shipped_settings_pass_the_checks():
    assert check_access_log_settings() == []


@OVERRIDING_DATABASES
def test_timeouts_longer_than_the_seal_horizon_are_refused_on_postgres(settings):
    databases = copy.deepcopy(settings.DATABASES)
    databases[DEFAULT_DB_ALIAS]["ENGINE"] = "django.db.backends.postgresql"
    settings.DATABASES = databases
    settings.ACCESS_LOG_SEAL_HORIZON_SECONDS = 60
    assert [error.id for error in check_access_log_settings()] == ["consent.E002"]
