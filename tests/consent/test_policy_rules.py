"""Every reason of the access policy, positive and negative, with the named cast of conftest.

One face at a time: ``decide`` (one student), ``visible_students`` (lists), ``record_filter``
(records; tested on registry models with a dummy RecordSpec, since journal models come later).
"""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from consent.models import AccessReason, EmergencyAccess, RecordsOfficerAccess, StudentGrant
from consent.policy import (
    CROSSES_WALL,
    Action,
    RecordSpec,
    decide,
    lookup_students,
    record_filter,
    visible_students,
    with_access_reason,
)
from consent.services import (
    emergency_access_start,
    grant_create,
    grant_revoke,
    records_officer_access_start,
)
from schools.models import Area, Enrolment, OrganisationRole
from tests.schools.factories import EnrolmentFactory, StudentFactory

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


def hours(n):
    return timezone.now() + datetime.timedelta(hours=n)


def mine(user):
    return SimpleNamespace(author_id=user.pk)


def theirs():
    return SimpleNamespace(author_id=-1)


# --- Care relation ---------------------------------------------------------------------------


def test_nurse_with_assignment_reads_student_by_care_relation(nurse_a, student_a):
    decision = decide(nurse_a, Action.READ, student_a)
    assert decision.allowed
    assert decision.reason == AccessReason.CARE_RELATION
    assert decision.detail == "vårdrelation via tjänstgöring på Skola A"


def test_doctor_reads_by_care_relation(doctor_a, student_a):
    assert decide(doctor_a, Action.READ, student_a).reason == AccessReason.CARE_RELATION


def test_psychologist_reads_by_care_relation_in_her_own_area(psychologist_a, student_a):
    assert decide(psychologist_a, Action.READ, student_a).allowed


def test_nurse_whose_assignment_ended_has_no_reason(nurse_a_ended, student_a):
    decision = decide(nurse_a_ended, Action.READ, student_a)
    assert not decision.allowed
    assert not decision.visible
    assert decision.reason == AccessReason.NONE


def test_nurse_of_another_organisation_has_no_reason(nurse_other_org, student_a):
    assert not decide(nurse_other_org, Action.READ, student_a).visible


def test_nurse_at_another_school_of_the_organisation_has_no_reason(nurse_a2, student_a):
    assert not decide(nurse_a2, Action.READ, student_a).visible


# --- Incoming ----------------------------------------------------------------------------------


def test_incoming_student_is_readable_with_the_start_date_shown(nurse_a, student_incoming_a):
    decision = decide(nurse_a, Action.READ, student_incoming_a)
    assert decision.allowed
    assert decision.reason == AccessReason.INCOMING
    assert decision.detail == f"inkommande elev (börjar {days(10).isoformat()})"
    assert student_incoming_a in visible_students(nurse_a)


def test_incoming_window_is_a_setting(nurse_a, student_incoming_a, settings):
    settings.ACCESS_INCOMING_WINDOW_DAYS = 5
    assert not decide(nurse_a, Action.READ, student_incoming_a).visible
    assert student_incoming_a not in visible_students(nurse_a)


def test_incoming_student_is_not_readable_by_a_nurse_at_another_school(
    nurse_a2, student_incoming_a
):
    assert not decide(nurse_a2, Action.READ, student_incoming_a).visible


# --- Recently left: documentation only -----------------------------------------------------------


def test_recently_left_allows_writing_but_not_reading(nurse_a, student_left_a):
    write = decide(nurse_a, Action.WRITE, student_left_a)
    read = decide(nurse_a, Action.READ, student_left_a)
    assert write.allowed
    assert write.reason == AccessReason.RECENTLY_LEFT
    assert not read.allowed
    assert read.visible  # a 403, not a 404
    assert student_left_a not in visible_students(nurse_a)
    assert student_left_a in visible_students(nurse_a, action=Action.WRITE)


def test_recently_left_signs_only_own_records(nurse_a, student_left_a):
    assert decide(nurse_a, Action.SIGN, student_left_a, record=mine(nurse_a)).allowed
    assert not decide(nurse_a, Action.SIGN, student_left_a, record=theirs()).allowed
    assert not decide(nurse_a, Action.SIGN, student_left_a).allowed


def test_recently_left_ends_after_the_window(nurse_a, student_left_a, settings):
    settings.ACCESS_RECENTLY_LEFT_DAYS = 3
    settings.ACCESS_OWN_DOCUMENTATION_DAYS = 3
    assert not decide(nurse_a, Action.WRITE, student_left_a).visible


def test_recently_left_needs_a_current_assignment_at_the_school(nurse_a2, student_left_a):
    assert not decide(nurse_a2, Action.WRITE, student_left_a).allowed


# --- Own documentation ---------------------------------------------------------------------------


@pytest.fixture
def left_with_the_nurse(nurse_a_ended, school_a):
    """The student left yesterday too: nurse_a_ended worked there when the student left."""
    student = StudentFactory()
    EnrolmentFactory(student=student, school=school_a, end_date=days(-1))
    return student


def test_author_may_finish_and_sign_own_drafts_after_the_student_left(
    nurse_a_ended, left_with_the_nurse
):
    for action in (Action.WRITE, Action.SIGN):
        decision = decide(nurse_a_ended, action, left_with_the_nurse, record=mine(nurse_a_ended))
        assert decision.allowed
        assert decision.reason == AccessReason.OWN_DOCUMENTATION


def test_own_documentation_never_reads_nor_touches_others_records(
    nurse_a_ended, left_with_the_nurse
):
    assert not decide(nurse_a_ended, Action.READ, left_with_the_nurse).allowed
    assert not decide(nurse_a_ended, Action.SIGN, left_with_the_nurse, record=theirs()).allowed
    assert not decide(nurse_a_ended, Action.WRITE, left_with_the_nurse).allowed  # no new notes


def test_own_documentation_ends_after_its_window(nurse_a_ended, left_with_the_nurse, settings):
    settings.ACCESS_OWN_DOCUMENTATION_DAYS = 0
    decision = decide(nurse_a_ended, Action.SIGN, left_with_the_nurse, record=mine(nurse_a_ended))
    assert not decision.allowed


def test_own_documentation_needs_to_have_worked_there_when_the_student_left(
    nurse_b, left_with_the_nurse
):
    assert not decide(nurse_b, Action.SIGN, left_with_the_nurse, record=mine(nurse_b)).visible


# --- Explicit grant (django-guardian direct foreign-key permissions) ---------------------------


def grant(user, student, by, **kwargs):
    kwargs.setdefault("valid_until", hours(24))
    return grant_create(
        user=user, student=student, granted_by=by, reason_text="Utredning", **kwargs
    )


def test_grant_opens_the_student_until_it_expires(nurse_a2, student_a, registry_admin_a):
    grant(nurse_a2, student_a, registry_admin_a)
    decision = decide(nurse_a2, Action.READ, student_a)
    assert decision.allowed
    assert decision.reason == AccessReason.GRANT
    assert decision.detail.startswith("särskild behörighet till ")
    assert student_a in visible_students(nurse_a2)
    assert nurse_a2.has_perm("schools.read_student_record", student_a)  # guardian's row


def test_expired_grant_opens_nothing_even_with_the_guardian_row(
    nurse_a2, student_a, registry_admin_a
):
    made = grant(nurse_a2, student_a, registry_admin_a)
    StudentGrant.objects.filter(pk=made.pk).update(valid_from=hours(-48), valid_until=hours(-1))
    assert not decide(nurse_a2, Action.READ, student_a).visible
    assert student_a not in visible_students(nurse_a2)


def test_revoked_grant_opens_nothing(nurse_a2, student_a, registry_admin_a):
    grant_revoke(grant=grant(nurse_a2, student_a, registry_admin_a), by=registry_admin_a)
    assert not decide(nurse_a2, Action.READ, student_a).visible


def test_grant_row_without_guardian_permission_opens_nothing(nurse_a2, student_a, registry_admin_a):
    StudentGrant.objects.create(
        user=nurse_a2,
        student=student_a,
        area=Area.EMI,
        reason_text="Utan behörighet",
        granted_by=registry_admin_a,
        valid_until=hours(2),
    )
    assert not decide(nurse_a2, Action.READ, student_a).visible


def test_grant_for_another_student_opens_nothing(nurse_a2, student_a, registry_admin_a):
    grant(nurse_a2, StudentFactory(), registry_admin_a)
    assert not decide(nurse_a2, Action.READ, student_a).visible


# --- Emergency access --------------------------------------------------------------------------


def test_emergency_access_opens_the_student_and_says_until_when(emergency_nurse_a2, student_a):
    decision = decide(emergency_nurse_a2, Action.READ, student_a)
    ends = timezone.localtime(EmergencyAccess.objects.get().ends_at)
    assert decision.allowed
    assert decision.reason == AccessReason.EMERGENCY
    assert f"{ends:%H:%M}" in decision.detail
    assert decision.detail.endswith("(granskas)")


def test_expired_emergency_access_opens_nothing(emergency_nurse_a2, student_a):
    EmergencyAccess.objects.update(started_at=hours(-5), ends_at=hours(-1))
    assert not decide(emergency_nurse_a2, Action.READ, student_a).visible


def test_emergency_access_lasts_the_configured_hours(nurse_a2, student_a, settings):
    settings.EMERGENCY_ACCESS_HOURS = 2
    access = emergency_access_start(user=nurse_a2, student=student_a, reason_text="Akut läge nu")
    assert access.ends_at - access.started_at == datetime.timedelta(hours=2)


def test_emergency_access_is_queued_for_review(emergency_nurse_a2, student_a):
    assert list(EmergencyAccess.objects.pending_review().values_list("user", flat=True)) == [
        emergency_nurse_a2.pk
    ]


def test_emergency_access_of_another_user_opens_nothing(emergency_nurse_a2, nurse_b, student_a):
    assert not decide(nurse_b, Action.READ, student_a).visible


def test_administrator_cannot_start_emergency_access(registry_admin_a, student_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        emergency_access_start(user=registry_admin_a, student=student_a, reason_text="Vill se")


# --- Records officer -------------------------------------------------------------------------


def test_records_officer_reads_a_former_student_with_a_written_reason(
    records_officer_a, student_left_a
):
    assert not decide(records_officer_a, Action.READ, student_left_a).visible
    records_officer_access_start(
        user=records_officer_a, student=student_left_a, reason_text="Begäran om journalkopia"
    )
    decision = decide(records_officer_a, Action.READ, student_left_a)
    assert decision.allowed
    assert decision.reason == AccessReason.RECORDS_OFFICER
    assert not decide(records_officer_a, Action.WRITE, student_left_a).allowed
    assert RecordsOfficerAccess.objects.pending_review().count() == 1


def test_records_officer_access_closes_when_the_role_is_taken_away(
    records_officer_a, student_left_a
):
    records_officer_access_start(
        user=records_officer_a, student=student_left_a, reason_text="Begäran om journalkopia"
    )
    OrganisationRole.objects.filter(role=OrganisationRole.Role.RECORDS_OFFICER).delete()
    assert not decide(records_officer_a, Action.READ, student_left_a).visible


def test_only_records_officers_start_records_officer_access(nurse_a, student_left_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        records_officer_access_start(user=nurse_a, student=student_left_a, reason_text="Vill läsa")


# --- Registry admin and log reviewer: no journal content by their role ------------------------


def test_registry_admin_sees_the_registry_but_not_the_journal(registry_admin_a, student_a):
    registry = decide(registry_admin_a, Action.REGISTRY, student_a)
    read = decide(registry_admin_a, Action.READ, student_a)
    assert registry.allowed
    assert registry.reason == AccessReason.REGISTRY_ADMIN
    assert not read.allowed
    assert not read.visible  # journal pages answer 404 to a registry admin
    assert not visible_students(registry_admin_a).exists()


def test_registry_admin_of_another_organisation_sees_nothing(registry_admin_b, student_a):
    assert not decide(registry_admin_b, Action.REGISTRY, student_a).allowed


def test_log_reviewer_reads_no_journal(log_reviewer_a, student_a):
    assert not decide(log_reviewer_a, Action.READ, student_a).visible
    assert not visible_students(log_reviewer_a).exists()


# --- Lists: the reason annotated in SQL, and the lookup scope ------------------------------------


def test_with_access_reason_annotates_each_students_reason(
    nurse_a, student_a, student_incoming_a, school_a
):
    reasons = dict(
        with_access_reason(visible_students(nurse_a), nurse_a).values_list("pk", "access_reason")
    )
    assert reasons == {
        student_a.pk: AccessReason.CARE_RELATION,
        student_incoming_a.pk: AccessReason.INCOMING,
    }


def test_lookup_finds_current_and_former_students_of_the_own_organisation_only(
    nurse_a2, student_a, student_left_a, school_b
):
    elsewhere = StudentFactory()
    EnrolmentFactory(student=elsewhere, school=school_b)
    assert set(lookup_students(nurse_a2)) == {student_a, student_left_a}


def test_visible_students_and_decide_agree(nurse_a, student_a, student_left_a, school_b):
    other = StudentFactory()
    EnrolmentFactory(student=other, school=school_b)
    for student in (student_a, student_left_a, other):
        assert decide(nurse_a, Action.READ, student).allowed == (
            student in visible_students(nurse_a)
        )


def test_visible_students_query_count_does_not_grow(nurse_a, school_a, django_assert_num_queries):
    for _ in range(5):
        EnrolmentFactory(school=school_a)
    with django_assert_num_queries(1):
        list(with_access_reason(visible_students(nurse_a), nurse_a))


# --- Record filter: area wall in both directions, organisation, grants ---------------------------


def enrolments_spec(area, kind="note"):
    # A dummy spec on a registry model: every enrolment counts as a record of ``area``.
    return RecordSpec(
        student_path="student", area=area, organisation_field="school__organisation", kind=kind
    )


def records(user, spec, **kwargs):
    return set(Enrolment.objects.filter(record_filter(user, spec, **kwargs)))


def test_alert_and_vaccination_status_cross_the_wall_and_notes_do_not():
    assert {"alert", "vaccination_status"} == CROSSES_WALL
    assert enrolments_spec(Area.EMI, "alert").crosses_wall
    assert not enrolments_spec(Area.EMI, "note").crosses_wall


def test_psychologist_sees_epi_notes_and_emi_crossing_kinds_but_not_emi_notes(
    psychologist_a, student_a
):
    enrolment = Enrolment.objects.get(student=student_a)
    assert records(psychologist_a, enrolments_spec(Area.EPI)) == {enrolment}
    assert records(psychologist_a, enrolments_spec(Area.EMI)) == set()
    assert records(psychologist_a, enrolments_spec(Area.EMI, "alert")) == {enrolment}
    assert records(psychologist_a, enrolments_spec(Area.EMI, "vaccination_status")) == {enrolment}


def test_nurse_sees_emi_notes_and_epi_crossing_kinds_but_not_epi_notes(nurse_a, student_a):
    enrolment = Enrolment.objects.get(student=student_a)
    assert records(nurse_a, enrolments_spec(Area.EMI)) == {enrolment}
    assert records(nurse_a, enrolments_spec(Area.EPI)) == set()
    assert records(nurse_a, enrolments_spec(Area.EPI, "alert")) == {enrolment}


def test_record_filter_keeps_only_the_own_organisations_records(
    nurse_a, student_a, school_a, school_b
):
    EnrolmentFactory(student=student_a, school=school_b, is_health_responsible=False)
    assert {e.school for e in records(nurse_a, enrolments_spec(Area.EMI))} == {school_a}


def test_record_filter_shows_nothing_outside_the_care_relation(nurse_a2, nurse_b, student_a):
    assert records(nurse_a2, enrolments_spec(Area.EMI)) == set()
    assert records(nurse_b, enrolments_spec(Area.EMI)) == set()


def test_record_filter_shows_a_registry_admin_and_log_reviewer_nothing(
    registry_admin_a, log_reviewer_a, student_a
):
    assert records(registry_admin_a, enrolments_spec(Area.EMI)) == set()
    assert records(log_reviewer_a, enrolments_spec(Area.EMI)) == set()


def test_recently_left_gives_no_records_to_read(nurse_a, student_left_a):
    assert records(nurse_a, enrolments_spec(Area.EMI)) == set()


def test_grant_for_the_other_area_crosses_the_wall_for_that_student_only(
    psychologist_a, student_a, registry_admin_a, class_a
):
    other = StudentFactory()
    EnrolmentFactory(student=other, school=class_a.school)
    grant(psychologist_a, student_a, registry_admin_a, area=Area.EMI)
    shown = records(psychologist_a, enrolments_spec(Area.EMI))
    assert {e.student for e in shown} == {student_a}


def test_records_officer_reads_every_area(records_officer_a, student_left_a):
    records_officer_access_start(
        user=records_officer_a, student=student_left_a, reason_text="Begäran om journalkopia"
    )
    assert records(records_officer_a, enrolments_spec(Area.EMI))
    assert records(records_officer_a, enrolments_spec(Area.EPI))


def test_record_filter_with_an_area_field_and_own_records(nurse_a, student_left_a, psychologist_a):
    # StudentGrant as a stand-in record with a real area field and an author (granted_by).
    spec = RecordSpec(
        student_path="student",
        area_field="area",
        organisation_field="granted_by__staff_member__organisation",
        author_field="granted_by",
    )
    own = StudentGrant.objects.create(
        user=psychologist_a,
        student=student_left_a,
        area=Area.EMI,
        reason_text="x",
        granted_by=nurse_a,
        valid_until=hours(1),
    )
    StudentGrant.objects.create(
        user=psychologist_a,
        student=student_left_a,
        area=Area.EPI,
        reason_text="y",
        granted_by=nurse_a,
        valid_until=hours(1),
    )
    signable = StudentGrant.objects.filter(record_filter(nurse_a, spec, action=Action.SIGN))
    readable = StudentGrant.objects.filter(record_filter(nurse_a, spec))
    assert list(signable) == [own]  # own record, own area, recently left: sign only
    assert not readable.exists()
