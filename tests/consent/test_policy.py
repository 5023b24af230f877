"""The first access policy: care relation through assignment × health-responsible enrolment."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from consent.policy import get_student_or_404, visible_schools, visible_students
from schools.models import Assignment, Enrolment
from tests.schools.factories import (
    AssignmentFactory,
    EnrolmentFactory,
    GuardianRelationFactory,
    StudentFactory,
    UserFactory,
)

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def end_assignments(user):
    Assignment.objects.filter(staff_member__user=user).update(end_date=YESTERDAY)


# visible_schools


def test_nurse_sees_the_school_of_her_assignment(nurse_a, school_a, school_a2, school_b):
    assert list(visible_schools(nurse_a)) == [school_a]


def test_nurse_sees_no_school_after_her_assignment_ended(nurse_a, school_a):
    end_assignments(nurse_a)
    assert not visible_schools(nurse_a).exists()


def test_nurse_sees_no_school_before_her_assignment_starts(nurse_a, school_a):
    Assignment.objects.filter(staff_member__user=nurse_a).update(
        start_date=timezone.localdate() + datetime.timedelta(days=1)
    )
    assert not visible_schools(nurse_a).exists()


def test_user_without_staff_profile_sees_no_school(db, school_a):
    assert not visible_schools(UserFactory()).exists()


def test_anonymous_user_sees_no_school(school_a):
    assert not visible_schools(AnonymousUser()).exists()


def test_two_assignments_at_one_school_list_it_once(nurse_a, school_a):
    AssignmentFactory(staff_member=nurse_a.staff_member, school=school_a)
    assert list(visible_schools(nurse_a)) == [school_a]


# visible_students


def test_nurse_at_school_a_sees_student_at_school_a(nurse_a, student_a):
    assert list(visible_students(nurse_a)) == [student_a]


def test_psychologist_at_school_a_sees_student_at_school_a(psychologist_a, student_a):
    assert list(visible_students(psychologist_a)) == [student_a]


def test_nurse_at_another_organisations_school_sees_no_student(nurse_b, student_a):
    assert not visible_students(nurse_b).exists()


def test_nurse_at_another_school_of_the_same_organisation_sees_no_student(nurse_a2, student_a):
    assert not visible_students(nurse_a2).exists()


def test_nurse_whose_assignment_ended_sees_no_student(nurse_a, student_a):
    end_assignments(nurse_a)
    assert not visible_students(nurse_a).exists()


def test_administrator_with_an_assignment_sees_no_student(registry_admin_a, school_a, student_a):
    AssignmentFactory(staff_member=registry_admin_a.staff_member, school=school_a)
    assert visible_schools(registry_admin_a).exists()  # the school, for registry work
    assert not visible_students(registry_admin_a).exists()  # but no student: no record area


def test_student_whose_enrolment_ended_is_not_visible(nurse_a, student_a):
    Enrolment.objects.filter(student=student_a).update(end_date=YESTERDAY)
    assert not visible_students(nurse_a).exists()


def test_student_whose_enrolment_starts_after_the_incoming_window_is_not_yet_visible(
    nurse_a, school_a, settings
):
    settings.ACCESS_INCOMING_WINDOW_DAYS = 30
    student = StudentFactory()
    EnrolmentFactory(
        student=student, school=school_a, start_date=timezone.localdate() + datetime.timedelta(31)
    )
    assert not visible_students(nurse_a).exists()


def test_enrolment_that_is_not_health_responsible_gives_no_care_relation(nurse_a, school_a):
    student = StudentFactory()
    EnrolmentFactory(student=student, school=school_a, is_health_responsible=False)
    assert not visible_students(nurse_a).exists()


def test_student_who_moved_is_seen_by_the_new_school_not_the_old(
    nurse_a, nurse_a2, student_a, school_a2
):
    Enrolment.objects.filter(student=student_a).update(end_date=YESTERDAY)
    EnrolmentFactory(student=student_a, school=school_a2, start_date=timezone.localdate())
    assert not visible_students(nurse_a).exists()
    assert list(visible_students(nurse_a2)) == [student_a]


def test_assignment_across_organisations_is_no_care_relation(
    nurse_b, school_a, school_b, student_a
):
    # Bad data that Assignment.clean refuses; the policy must not trust it either.
    AssignmentFactory(staff_member=nurse_b.staff_member, school=school_a)
    assert list(visible_schools(nurse_b)) == [school_b]
    assert not visible_students(nurse_b).exists()


def test_student_is_listed_once_with_several_assignments_and_enrolments(
    nurse_a, student_a, school_a
):
    AssignmentFactory(staff_member=nurse_a.staff_member, school=school_a)
    EnrolmentFactory(student=student_a, school=school_a, is_health_responsible=False)
    assert visible_students(nurse_a).count() == 1


def test_protected_identity_student_is_visible_to_the_care_relation(nurse_a, school_a):
    student = StudentFactory(protected_identity="skyddad_folkbokforing")
    EnrolmentFactory(student=student, school=school_a)
    assert list(visible_students(nurse_a)) == [student]


# get_student_or_404


def test_get_student_returns_visible_student_with_header_data(
    nurse_a, student_a, django_assert_num_queries
):
    GuardianRelationFactory(student=student_a)
    # student with its access reasons + the log row + enrolments + memberships + guardians
    with django_assert_num_queries(5):
        student = get_student_or_404(nurse_a, student_a.public_id)
        assert student == student_a
        assert student.current_health_enrolments[0].school.name == "Skola A"
        assert student.current_class_memberships[0].school_class.name == "4A"
        assert len(student.current_guardian_relations) == 1


def test_get_student_outside_visible_set_is_404(nurse_b, student_a):
    with pytest.raises(Http404):
        get_student_or_404(nurse_b, student_a.public_id)


@pytest.mark.parametrize("public_id", ["not-a-uuid", "", None, uuid.uuid4()])
def test_get_student_with_bad_or_unknown_id_is_404(nurse_a, student_a, public_id):
    with pytest.raises(Http404):
        get_student_or_404(nurse_a, public_id)
