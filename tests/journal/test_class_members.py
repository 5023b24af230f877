"""``class_members``: the rows of a class page (the health-visit worklist, the class's growth
entry) — the class's current members the user may see, with the access reason, in one query —
and ``one_moment``, which lets such a page decide everything at one moment."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from consent.models import AccessReason
from consent.policy import (
    Action,
    class_members,
    one_moment,
    visible_students,
    with_access_reason,
)
from consent.policy.rules import _when
from consent.services import grant_create
from tests.schools.factories import ClassMembershipFactory, EnrolmentFactory, StudentFactory


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _member(school_class, school=None, *, enrolment_end=None, membership_end=None, **names):
    student = StudentFactory(**names)
    EnrolmentFactory(student=student, school=school or school_class.school, end_date=enrolment_end)
    ClassMembershipFactory(student=student, school_class=school_class, end_date=membership_end)
    return student


@pytest.fixture
def members(class_a, school_a2, student_a):
    """Student A (Exempelsson) and three more members of class 4A: one the nurse at school A
    reads, one enrolled (health-responsible) at school A2, one who left school A yesterday."""
    return {
        "a": student_a,
        "andersson": _member(class_a, given_name="Bo", family_name="Andersson"),
        "at_a2": _member(class_a, school_a2, given_name="Cia", family_name="Berg"),
        "left": _member(class_a, enrolment_end=_days(-1), given_name="Dan", family_name="Ek"),
    }


def _rows(students):
    return [(s.pk, s.access_reason, s.access_organisation_id, s.access_unit_id) for s in students]


def test_nurse_gets_the_current_members_she_reads_in_name_order(
    nurse_a, class_a, school_a, members
):
    # A former member of the class, still at school A.
    _member(class_a, membership_end=_days(-1), given_name="Åsa", family_name="Aaberg")
    students = list(class_members(nurse_a, class_a))
    assert [s.family_name for s in students] == ["Andersson", "Exempelsson"]
    assert {s.access_reason for s in students} == {AccessReason.CARE_RELATION}
    assert {s.access_organisation_id for s in students} == {school_a.organisation_id}
    assert {s.access_unit_id for s in students} == {school_a.pk}


def test_a_student_who_just_left_is_a_member_to_document_on_not_to_read(nurse_a, class_a, members):
    assert members["left"] not in class_members(nurse_a, class_a)
    writable = {s.pk: s.access_reason for s in class_members(nurse_a, class_a, action=Action.WRITE)}
    assert writable[members["left"].pk] == AccessReason.RECENTLY_LEFT


def test_nurse_at_the_other_school_gets_only_her_member_and_a_granted_one(
    nurse_a2, registry_admin_a, class_a, members
):
    assert [s.pk for s in class_members(nurse_a2, class_a)] == [members["at_a2"].pk]
    grant_create(
        user=nurse_a2,
        student=members["a"],
        granted_by=registry_admin_a,
        reason_text="Utredning",
        valid_until=timezone.now() + datetime.timedelta(hours=24),
    )
    reasons = {s.pk: s.access_reason for s in class_members(nurse_a2, class_a)}
    assert reasons == {
        members["at_a2"].pk: AccessReason.CARE_RELATION,
        members["a"].pk: AccessReason.GRANT,
    }


def test_nurse_of_another_care_provider_and_registry_admin_get_no_members(
    nurse_b, registry_admin_a, class_a, members
):
    assert list(class_members(nurse_b, class_a)) == []
    assert list(class_members(registry_admin_a, class_a)) == []  # the registry, no journal
    assert list(class_members(AnonymousUser(), class_a)) == []


@pytest.mark.parametrize(
    "username", ["nurse_a", "nurse_a2", "psychologist_a", "registry_admin_a", "nurse_b"]
)
@pytest.mark.parametrize("action", [Action.READ, Action.WRITE, Action.REGISTRY])
def test_class_members_are_visible_students_with_access_reason(
    request, username, action, class_a, members, emergency_nurse_a2
):
    user = request.getfixturevalue(username)
    ids = [student.pk for student in members.values()]
    expected = with_access_reason(
        visible_students(user, action=action).filter(pk__in=ids), user, action=action
    ).order_by("family_name", "given_name", "pk")
    assert _rows(class_members(user, class_a, action=action)) == _rows(expected)


def test_class_members_is_one_query(nurse_a, class_a, members, django_assert_num_queries):
    for n in range(5):
        _member(class_a, given_name=f"Elev{n}", family_name="Extra")
    with django_assert_num_queries(1):
        students = list(class_members(nurse_a, class_a))
    assert len(students) == 7


def test_one_moment_decides_every_face_at_the_same_moment(nurse_a, nurse_a2, class_a, members):
    outside = list(class_members(nurse_a, class_a))
    assert _when(nurse_a) is not _when(nurse_a)
    with one_moment():
        first = _when(nurse_a)
        assert _when(nurse_a) is first  # the same "now" and the querysets built for it
        assert _when(nurse_a2) is not first
        assert _when(nurse_a, _days(1)) is not first
        assert _rows(class_members(nurse_a, class_a)) == _rows(outside)
        assert _when(nurse_a) is first
    assert _when(nurse_a) is not first
