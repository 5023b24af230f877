"""Log review services (issue 11): the reviewer's scope, each suspicion check (a planted case
found, a normal one passed), reproducible samples, findings, the queue, the overview."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from consent.models import (
    AccessAction,
    AccessLogEntry,
    AccessReason,
    EmergencyAccess,
    FindingOutcome,
    LogReview,
    PermissionReview,
    ReviewFinding,
    StudentGrant,
)
from consent.review.checks import CHECKS
from consent.review.overview import (
    build_overview,
    mark_reviewed,
    overview_csv,
    unreviewed_assignments,
    unreviewed_grants,
)
from consent.review.reviews import (
    QUEUES,
    close_queue_item,
    close_review,
    create_review,
    queue_items,
    record_finding,
    review_rows,
)
from consent.review.samples import sample_ids
from consent.review.scope import held_students, reviewed_log, reviewer_organisation
from schools.models import ProtectedIdentity
from tests.schools.factories import AssignmentFactory, EnrolmentFactory, StudentFactory

ZONE = timezone.get_default_timezone()
DAY = datetime.date(2026, 3, 11)  # a Wednesday
PERIOD = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def at(hour=10, minute=0, day=DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZONE)


def row(user, student, when, *, school=None, organisation=None, **fields) -> AccessLogEntry:
    member = getattr(user, "staff_member", None) if user else None
    return AccessLogEntry.objects.create(
        at=when,
        user=user,
        username=user.username if user else "",
        student=student,
        action=fields.pop("action", AccessAction.VIEW),
        reason=fields.pop("reason", AccessReason.CARE_RELATION),
        organisation=organisation or (member.organisation if member else None),
        school=school,
        protected=bool(student and student.protected_identity),
        **fields,
    )


def flagged(name, organisation) -> set[int]:
    return set(CHECKS[name].run(organisation, *PERIOD).values_list("pk", flat=True))


# --- Scope ------------------------------------------------------------------------------------


def test_reviewer_organisation_only_for_the_role(log_reviewer_a, registry_admin_a, nurse_a, org_a):
    assert reviewer_organisation(log_reviewer_a) == org_a
    assert reviewer_organisation(registry_admin_a) is None
    assert reviewer_organisation(nurse_a) is None


def test_reviewed_log_covers_own_staff_and_held_students(
    org_a, school_a, school_b, student_a, nurse_a, nurse_b
):
    past = StudentFactory()
    EnrolmentFactory(
        student=past,
        school=school_a,
        start_date=datetime.date(2020, 8, 1),
        end_date=datetime.date(2021, 6, 1),
    )
    foreign = StudentFactory()
    EnrolmentFactory(student=foreign, school=school_b)
    by_staff_about_foreign = row(nurse_a, foreign, at(), school=school_a)
    by_other_about_held = row(nurse_b, student_a, at(), school=school_b)
    by_other_about_past = row(nurse_b, past, at(), school=school_b)
    outside = row(nurse_b, foreign, at(), school=school_b)
    scoped = set(reviewed_log(org_a).values_list("pk", flat=True))
    assert {by_staff_about_foreign.pk, by_other_about_held.pk, by_other_about_past.pk} <= scoped
    assert outside.pk not in scoped
    assert set(held_students(org_a)) == {student_a, past}


# --- Suspicion checks: a planted case is found, a normal one passes ---------------------------


def test_emergency_and_records_officer_checks(org_a, school_a, student_a, nurse_a):
    normal = row(nurse_a, student_a, at(), school=school_a)
    emergency = row(
        nurse_a, student_a, at(11), reason=AccessReason.EMERGENCY, action=AccessAction.EMERGENCY
    )
    officer = row(nurse_a, student_a, at(12), reason=AccessReason.RECORDS_OFFICER)
    assert flagged("emergency", org_a) == {emergency.pk}
    assert flagged("records_officer", org_a) == {officer.pk}
    assert normal.pk not in flagged("emergency", org_a) | flagged("records_officer", org_a)


def test_protected_identity_check(org_a, school_a, student_a, nurse_a):
    hidden = StudentFactory(protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION)
    EnrolmentFactory(student=hidden, school=school_a)
    normal = row(nurse_a, student_a, at(), school=school_a)
    planted = row(nurse_a, hidden, at(), school=school_a)
    assert flagged("protected", org_a) == {planted.pk}
    assert normal.pk not in flagged("protected", org_a)


@override_settings(LOG_REVIEW_AFTER_ASSIGNMENT_DAYS=30)
def test_after_assignment_ended_check(org_a, school_a, school_a2, student_a, nurse_a):
    from tests.schools.factories import StaffMemberFactory

    leaver = StaffMemberFactory(organisation=org_a, user__username="leaver").user
    AssignmentFactory(
        staff_member=leaver.staff_member,
        school=school_a,
        start_date=datetime.date(2025, 8, 1),
        end_date=datetime.date(2026, 3, 5),
    )
    # she works at A2 now: reading at A2 is normal, reading at A after leaving it is not
    AssignmentFactory(
        staff_member=leaver.staff_member, school=school_a2, start_date=datetime.date(2026, 3, 6)
    )
    planted = row(leaver, student_a, at(), school=school_a)
    at_new_school = row(leaver, student_a, at(), school=school_a2)
    while_serving = row(leaver, student_a, at(day=datetime.date(2026, 3, 4)), school=school_a)
    long_after = row(leaver, student_a, at(day=datetime.date(2026, 4, 20)), school=school_a)
    normal = row(nurse_a, student_a, at(), school=school_a)
    found = CHECKS["after_assignment"].run(org_a, PERIOD[0], datetime.date(2026, 4, 30))
    assert set(found.values_list("pk", flat=True)) == {planted.pk}
    assert not {at_new_school.pk, while_serving.pk, long_after.pk, normal.pk} & set(
        found.values_list("pk", flat=True)
    )


@override_settings(LOG_REVIEW_BURST_STUDENTS=3, LOG_REVIEW_BURST_MINUTES=10)
def test_many_students_in_a_short_time(org_a, school_a, nurse_a, nurse_a2):
    students = [StudentFactory() for _ in range(5)]
    for student in students:
        EnrolmentFactory(student=student, school=school_a)
    # nurse_a: 5 students in 4 minutes; nurse_a2: the same 5 spread over two hours
    burst = [row(nurse_a, s, at(10, i), school=school_a) for i, s in enumerate(students)]
    [row(nurse_a2, s, at(10 + i // 3, (i * 25) % 60)) for i, s in enumerate(students)]
    found = flagged("many_students", org_a)
    assert found == {burst[3].pk, burst[4].pk}  # the 4th and 5th distinct student in the window


def test_same_family_name_check(org_a, school_a, nurse_a, student_a):
    # A name the factories' list of Swedish names never gives student_a (a random clash failed
    # this test once).
    nurse_a.last_name = "Ovanligsson"
    nurse_a.save()
    relative = StudentFactory(family_name=nurse_a.last_name.upper())
    EnrolmentFactory(student=relative, school=school_a)
    planted = row(nurse_a, relative, at(), school=school_a)
    normal = row(nurse_a, student_a, at(), school=school_a)
    assert student_a.family_name.lower() != nurse_a.last_name.lower()
    assert flagged("family_name", org_a) == {planted.pk}
    assert normal.pk not in flagged("family_name", org_a)


@override_settings(LOG_REVIEW_WORK_START_HOUR=7, LOG_REVIEW_WORK_END_HOUR=18)
def test_outside_working_hours_check(org_a, school_a, nurse_a, student_a):
    normal = row(nurse_a, student_a, at(9), school=school_a)
    last_minute = row(nurse_a, student_a, at(17, 59), school=school_a)
    early = row(nurse_a, student_a, at(6, 30), school=school_a)
    evening = row(nurse_a, student_a, at(18, 0), school=school_a)
    saturday = row(nurse_a, student_a, at(11, day=datetime.date(2026, 3, 14)), school=school_a)
    assert flagged("outside_hours", org_a) == {early.pk, evening.pk, saturday.pk}
    assert not {normal.pk, last_minute.pk} & flagged("outside_hours", org_a)


# --- Samples ----------------------------------------------------------------------------------


def test_samples_are_reproducible_and_per_unit_and_month(
    org_a, school_a, school_a2, nurse_a, student_a
):
    for i in range(12):
        row(nurse_a, student_a, at(8, i), school=school_a)
        row(nurse_a, student_a, at(8, i, day=datetime.date(2026, 4, 2)), school=school_a)
        row(nurse_a, student_a, at(9, i), school=school_a2)
    period = (PERIOD[0], datetime.date(2026, 4, 30))
    first = sample_ids(org_a, *period, seed=42, per_unit=3)
    assert first == sample_ids(org_a, *period, seed=42, per_unit=3)
    assert len(first) == 9  # three (unit, month) groups
    chosen = AccessLogEntry.objects.filter(pk__in=first)
    assert chosen.filter(school=school_a, at__month=3).count() == 3
    assert chosen.filter(school=school_a, at__month=4).count() == 3
    assert chosen.filter(school=school_a2).count() == 3
    others = {tuple(sample_ids(org_a, *period, seed=seed, per_unit=3)) for seed in range(1, 6)}
    assert any(list(other) != first for other in others)


# --- Documented checks and findings -----------------------------------------------------------


def test_review_findings_are_append_only_and_newest_counts(
    org_a, school_a, nurse_a, student_a, log_reviewer_a
):
    entry = row(nurse_a, student_a, at(20), school=school_a)
    review = create_review(
        organisation=org_a,
        reviewer=log_reviewer_a,
        kind=LogReview.Kind.SUSPICION,
        check_name="outside_hours",
        period_from=PERIOD[0],
        period_to=PERIOD[1],
    )
    assert list(review_rows(review)) == [entry]
    record_finding(
        review=review, entry=entry, outcome="follow_up", comment="Fråga", reviewer=log_reviewer_a
    )
    record_finding(
        review=review, entry=entry, outcome="ok", comment="Jour", reviewer=log_reviewer_a
    )
    assert ReviewFinding.objects.filter(review=review).count() == 2
    with pytest.raises(ValidationError):
        record_finding(
            review=review, entry=entry, outcome="forged", comment="", reviewer=log_reviewer_a
        )
    close_review(review=review, conclusion="Inga avvikelser.")
    review.refresh_from_db()
    assert review.closed_at is not None
    with pytest.raises(ValidationError):
        record_finding(
            review=review,
            entry=entry,
            outcome=FindingOutcome.OK,
            comment="",
            reviewer=log_reviewer_a,
        )


def test_suspicion_review_needs_a_known_check(org_a, log_reviewer_a):
    with pytest.raises(ValidationError):
        create_review(
            organisation=org_a,
            reviewer=log_reviewer_a,
            kind=LogReview.Kind.SUSPICION,
            check_name="nonsense",
            period_from=PERIOD[0],
            period_to=PERIOD[1],
        )


# --- Queue ------------------------------------------------------------------------------------


def test_queue_lists_and_closes_emergency_access(org_a, org_b, emergency_nurse_a2, log_reviewer_a):
    queue = QUEUES["nodatkomst"]
    access = EmergencyAccess.objects.get()
    assert list(queue_items(org_a, queue)) == [access]
    assert list(queue_items(org_b, queue)) == []
    with pytest.raises(ValidationError):
        close_queue_item(item=access, reviewer=log_reviewer_a, outcome="forged", comment="")
    close_queue_item(item=access, reviewer=log_reviewer_a, outcome="justified", comment="Akut")
    access.refresh_from_db()
    assert access.review_outcome == "justified" and access.reviewed_by == log_reviewer_a
    assert list(queue_items(org_a, queue)) == []


# --- Permissions overview ---------------------------------------------------------------------


def test_overview_counts_protected_students_and_never_names_them(
    org_a, school_a, nurse_a, student_a, emergency_nurse_a2
):
    hidden = StudentFactory(
        family_name="Dolkdotter", protected_identity=ProtectedIdentity.SECRECY_MARKING
    )
    EnrolmentFactory(student=hidden, school=school_a)
    StudentGrant.objects.create(
        user=nurse_a,
        student=hidden,
        area="EMI",
        reason_text="Uppföljning",
        granted_by=nurse_a,
        valid_until=timezone.now() + datetime.timedelta(days=10),
    )
    overview = build_overview(org_a)
    school_row = next(r for r in overview.schools if r.school == school_a)
    assert (school_row.students, school_row.protected) == (2, 1)
    assert [a.staff_member.user for a in school_row.assignments] == [nurse_a]
    text = overview_csv(overview)
    assert "Dolkdotter" not in text and hidden.identity_number not in text
    assert "Skyddade personuppgifter" in text
    assert student_a.family_name in text  # the emergency access names her


@override_settings(ACCESS_REVIEW_REMINDER_DAYS=365)
def test_reminder_lists_unreviewed_until_marked(org_a, org_b, school_a, log_reviewer_a):
    old = AssignmentFactory(school=school_a, start_date=datetime.date(2020, 1, 1))
    old.staff_member.organisation = org_a
    old.staff_member.save()
    AssignmentFactory(school=school_a, start_date=timezone.localdate())  # new: no reminder
    assert list(unreviewed_assignments(org_a)) == [old]
    assert list(unreviewed_grants(org_a)) == []
    assert (
        mark_reviewed(
            organisation=org_b, reviewer=log_reviewer_a, subject="assignment", subject_id=old.pk
        )
        is None
    )
    review = mark_reviewed(
        organisation=org_a, reviewer=log_reviewer_a, subject="assignment", subject_id=old.pk
    )
    assert isinstance(review, PermissionReview)
    assert list(unreviewed_assignments(org_a)) == []
