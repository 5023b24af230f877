"""A guardian's rights per child in the portal (consent.portal.rights) and a clinician's
decisions about them (consent.portal.decisions).

The 1177 age rules at each birthday boundary (leap-day births too), per organisation; the two
rights apart (a blocked guardian still answers consents); block over extension over age;
relation types and mandates; ended relations and protected identity out; constant queries.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import ConsentKind, ConsentMandate, GuardianAccessDecision, PortalSettings
from consent.portal.decisions import guardian_access_decide, guardian_access_end
from consent.portal.rights import ReadBasis, children_of, guardian_rights, turns
from schools.models import GuardianRelation, ProtectedIdentity
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    GuardianFactory,
    GuardianRelationFactory,
    SchoolClassFactory,
    StudentFactory,
    identity_number_for,
)

Kind = GuardianAccessDecision.Kind
Type = GuardianRelation.Type
D = datetime.date


def child_born(birth_date, school, guardian, *, relation_type=Type.CUSTODIAN, **relation):
    """A student born on ``birth_date`` at ``school`` since birth, related to ``guardian``."""
    student = StudentFactory(identity_number=identity_number_for(birth_date))
    EnrolmentFactory(student=student, school=school, start_date=birth_date)
    relation.setdefault("start_date", birth_date)
    GuardianRelationFactory(
        student=student, guardian=guardian, relation_type=relation_type, **relation
    )
    return student


@pytest.fixture
def guardian(db):
    return GuardianFactory(given_name="Gunnel", family_name="Förälder")


def only(children):
    assert len(children) == 1, children
    return children[0]


# --- Age rules -------------------------------------------------------------------------------


def test_turns_gives_the_birthday_and_28_february_for_a_leap_day_child():
    assert turns(D(2013, 5, 10), 13) == D(2026, 5, 10)
    assert turns(D(2012, 2, 29), 13) == D(2025, 2, 28)
    assert turns(D(2016, 2, 29), 12) == D(2028, 2, 29)  # a leap year again


def test_guardian_reads_the_day_before_the_13th_birthday(guardian, school_a):
    child_born(D(2013, 5, 10), school_a, guardian)
    access = only(children_of(guardian, on=D(2026, 5, 9)))
    assert access.may_read and access.read_basis == ReadBasis.AGE
    assert access.read_refusal == ""
    assert access.reads_until == D(2026, 5, 9)


def test_guardian_does_not_read_on_the_13th_birthday_but_still_answers(guardian, school_a):
    child_born(D(2013, 5, 10), school_a, guardian)
    access = only(children_of(guardian, on=D(2026, 5, 10)))
    assert not access.may_read
    assert access.read_basis == ReadBasis.AGE_LIMIT
    assert "13" in access.read_refusal
    assert access.may_answer and access.answer_kinds == frozenset(ConsentKind.values)


def test_nobody_reads_from_13_to_15_and_a_16_year_old_is_still_not_read_by_guardians(
    guardian, school_a
):
    child_born(D(2010, 1, 15), school_a, guardian)
    for day in (D(2024, 1, 15), D(2025, 6, 1), D(2026, 1, 15)):  # 14, 15 and 16 years old
        access = only(children_of(guardian, on=day))
        assert not access.may_read, day
        assert access.student_reads_from_age == 16


def test_leap_day_child_is_unreadable_from_28_february_of_a_common_year(guardian, school_a):
    child_born(D(2012, 2, 29), school_a, guardian)
    assert only(children_of(guardian, on=D(2025, 2, 27))).may_read
    assert not only(children_of(guardian, on=D(2025, 2, 28))).may_read
    assert not only(children_of(guardian, on=D(2025, 3, 1))).may_read


def test_leap_day_child_in_a_leap_year_turns_on_29_february(guardian, school_a):
    PortalSettings.objects.create(
        organisation=school_a.organisation, guardians_read_until_age=12, student_reads_from_age=16
    )
    child_born(D(2016, 2, 29), school_a, guardian)
    assert only(children_of(guardian, on=D(2028, 2, 28))).may_read
    assert not only(children_of(guardian, on=D(2028, 2, 29))).may_read


def test_the_organisation_of_the_health_responsible_school_sets_the_age(guardian, school_a):
    PortalSettings.objects.create(
        organisation=school_a.organisation, guardians_read_until_age=12, student_reads_from_age=15
    )
    child_born(D(2014, 3, 1), school_a, guardian)
    before = only(children_of(guardian, on=D(2026, 2, 28)))
    assert before.may_read and before.organisation == school_a.organisation
    after = only(children_of(guardian, on=D(2026, 3, 1)))
    assert not after.may_read
    assert "12" in after.read_refusal
    assert after.read_until_age == 12 and after.student_reads_from_age == 15


def test_defaults_apply_without_a_settings_row(guardian, school_b):
    child_born(D(2014, 3, 1), school_b, guardian)
    access = only(children_of(guardian, on=D(2026, 3, 1)))
    assert access.may_read  # 12 today: the default limit is 13
    assert (access.read_until_age, access.student_reads_from_age) == (13, 16)


# --- Decisions: block and extension -------------------------------------------------------------


def test_block_wins_over_age_but_the_guardian_still_answers_consents(guardian, student_a, nurse_a):
    GuardianRelationFactory(student=student_a, guardian=guardian)
    assert only(children_of(guardian)).may_read  # ten years old
    guardian_access_decide(
        student=student_a,
        guardian=guardian,
        kind=Kind.BLOCK,
        reason="Betydande men för barnet.",
        by=nurse_a,
    )
    access = only(children_of(guardian))
    assert not access.may_read
    assert access.read_basis == ReadBasis.BLOCKED and access.blocked
    assert access.read_refusal and "spärr" not in access.read_refusal.lower()
    assert access.may_answer


def test_block_of_one_guardian_leaves_the_other_reading(guardian, student_a, nurse_a):
    other = GuardianFactory()
    GuardianRelationFactory(student=student_a, guardian=guardian)
    GuardianRelationFactory(student=student_a, guardian=other)
    guardian_access_decide(
        student=student_a, guardian=guardian, kind=Kind.BLOCK, reason="Skäl.", by=nurse_a
    )
    assert not only(children_of(guardian)).may_read
    assert only(children_of(other)).may_read


def _teenager(guardian, school):
    today = timezone.localdate()
    return child_born(turns(today, -14), school, guardian)


def test_extension_lets_a_guardian_read_past_13_until_its_last_day(guardian, school_a, nurse_a):
    student = _teenager(guardian, school_a)
    assert not only(children_of(guardian)).may_read
    today = timezone.localdate()
    guardian_access_decide(
        student=student,
        guardian=guardian,
        kind=Kind.EXTEND,
        reason="Överenskommelse med eleven.",
        valid_until=today + datetime.timedelta(days=10),
        by=nurse_a,
    )
    access = only(children_of(guardian))
    assert access.may_read and access.read_basis == ReadBasis.EXTENDED
    assert access.reads_until == today + datetime.timedelta(days=10)
    assert not only(children_of(guardian, on=today + datetime.timedelta(days=11))).may_read


def test_block_wins_over_an_extension(guardian, school_a, nurse_a):
    student = _teenager(guardian, school_a)
    today = timezone.localdate()
    guardian_access_decide(
        student=student,
        guardian=guardian,
        kind=Kind.EXTEND,
        reason="Överenskommelse.",
        valid_until=today + datetime.timedelta(days=30),
        by=nurse_a,
    )
    guardian_access_decide(
        student=student, guardian=guardian, kind=Kind.BLOCK, reason="Nytt läge.", by=nurse_a
    )
    assert not only(children_of(guardian)).may_read


def test_ended_decisions_give_the_age_rules_back(guardian, student_a, nurse_a):
    GuardianRelationFactory(student=student_a, guardian=guardian)
    block = guardian_access_decide(
        student=student_a, guardian=guardian, kind=Kind.BLOCK, reason="Skäl.", by=nurse_a
    )
    guardian_access_end(decision=block, reason="Läget har ändrats.", by=nurse_a)
    block.refresh_from_db()
    assert block.ended_at is not None and block.ended_by == nurse_a
    assert block.end_reason == "Läget har ändrats."
    assert only(children_of(guardian)).may_read
    assert [row.history_type for row in block.history.order_by("history_id")] == ["+", "~"]
    assert block.history.latest().history_user == nurse_a


def test_a_decision_needs_a_reason_and_an_extension_a_date(guardian, student_a, nurse_a):
    GuardianRelationFactory(student=student_a, guardian=guardian)
    with pytest.raises(ValidationError) as error:
        guardian_access_decide(
            student=student_a, guardian=guardian, kind=Kind.BLOCK, reason="  ", by=nurse_a
        )
    assert "reason" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        guardian_access_decide(
            student=student_a, guardian=guardian, kind=Kind.EXTEND, reason="Skäl.", by=nurse_a
        )
    assert "valid_until" in error.value.error_dict
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        guardian_access_decide(
            student=student_a,
            guardian=guardian,
            kind=Kind.EXTEND,
            reason="Skäl.",
            valid_until=yesterday,
            by=nurse_a,
        )
    assert "valid_until" in error.value.error_dict
    assert not GuardianAccessDecision.objects.exists()


def test_an_extension_ends_before_the_18th_birthday(guardian, student_a, nurse_a):
    GuardianRelationFactory(student=student_a, guardian=guardian)
    eighteen = turns(student_a.birth_date, 18)
    with pytest.raises(ValidationError) as error:
        guardian_access_decide(
            student=student_a,
            guardian=guardian,
            kind=Kind.EXTEND,
            reason="Skäl.",
            valid_until=eighteen,
            by=nurse_a,
        )
    assert "valid_until" in error.value.error_dict


def test_one_current_decision_per_kind_and_an_ended_one_cannot_end_again(
    guardian, student_a, nurse_a
):
    GuardianRelationFactory(student=student_a, guardian=guardian)
    block = guardian_access_decide(
        student=student_a, guardian=guardian, kind=Kind.BLOCK, reason="Skäl.", by=nurse_a
    )
    with pytest.raises(ValidationError):
        guardian_access_decide(
            student=student_a, guardian=guardian, kind=Kind.BLOCK, reason="Igen.", by=nurse_a
        )
    guardian_access_end(decision=block, reason="Klart.", by=nurse_a)
    with pytest.raises(ValidationError):
        guardian_access_end(decision=block, reason="Igen.", by=nurse_a)
    assert GuardianAccessDecision.objects.count() == 1


def test_an_expired_extension_is_replaced_by_a_new_one(guardian, student_a, nurse_a):
    GuardianRelationFactory(student=student_a, guardian=guardian)
    old = GuardianAccessDecision.objects.create(
        student=student_a,
        guardian=guardian,
        kind=Kind.EXTEND,
        reason="Förra året.",
        valid_until=timezone.localdate() - datetime.timedelta(days=2),
        decided_by=nurse_a,
    )
    new = guardian_access_decide(
        student=student_a,
        guardian=guardian,
        kind=Kind.EXTEND,
        reason="Nytt år.",
        valid_until=timezone.localdate() + datetime.timedelta(days=5),
        by=nurse_a,
    )
    old.refresh_from_db()
    assert old.ended_at is not None and new.ended_at is None


def test_no_decision_for_someone_without_a_portal_relation(student_a, nurse_a):
    stranger = GuardianFactory()
    other = GuardianFactory()
    GuardianRelationFactory(student=student_a, guardian=other, relation_type=Type.OTHER_RESPONSIBLE)
    for person in (stranger, other):
        with pytest.raises(ValidationError) as error:
            guardian_access_decide(
                student=student_a, guardian=person, kind=Kind.BLOCK, reason="Skäl.", by=nurse_a
            )
        assert "guardian" in error.value.error_dict


# --- Relations, mandates, protected identity ----------------------------------------------------


def test_relation_types_and_mandates(guardian, student_a, nurse_a):
    trustee = GuardianRelationFactory(
        student=student_a, guardian=guardian, relation_type=Type.TRUSTEE
    )
    access = only(children_of(guardian))
    assert not access.may_answer and access.answer_kinds == frozenset()
    assert access.may_read  # reading follows the age rules, as for a vårdnadshavare
    ConsentMandate.objects.create(
        relation=trustee, kind=ConsentKind.VACCINATION, recorded_by=nurse_a
    )
    access = only(children_of(guardian))
    assert access.may_answer and access.answer_kinds == {ConsentKind.VACCINATION}
    assert access.may_answer_kind(ConsentKind.VACCINATION)
    assert not access.may_answer_kind(ConsentKind.TRANSFER)


def test_an_ended_mandate_answers_nothing(guardian, student_a, nurse_a):
    appointed = GuardianRelationFactory(
        student=student_a, guardian=guardian, relation_type=Type.APPOINTED
    )
    ConsentMandate.objects.create(
        relation=appointed,
        kind=ConsentKind.VACCINATION,
        recorded_by=nurse_a,
        ended_at=timezone.now(),
    )
    assert not only(children_of(guardian)).may_answer


def test_other_responsible_has_no_portal(guardian, student_a):
    GuardianRelationFactory(
        student=student_a, guardian=guardian, relation_type=Type.OTHER_RESPONSIBLE
    )
    assert children_of(guardian) == []
    (right,) = guardian_rights(student_a)
    assert right.read_basis == ReadBasis.NO_PORTAL and not right.may_answer


def test_custodian_and_trustee_of_one_child_is_one_child_with_the_wider_right(guardian, student_a):
    GuardianRelationFactory(student=student_a, guardian=guardian, relation_type=Type.TRUSTEE)
    GuardianRelationFactory(student=student_a, guardian=guardian)
    access = only(children_of(guardian))
    assert access.relation_type == Type.CUSTODIAN
    assert access.answer_kinds == frozenset(ConsentKind.values)


def test_ended_and_future_relations_give_nothing(guardian, student_a):
    today = timezone.localdate()
    GuardianRelationFactory(
        student=student_a,
        guardian=guardian,
        start_date=today - datetime.timedelta(days=300),
        end_date=today - datetime.timedelta(days=1),
    )
    assert children_of(guardian) == []
    other = StudentFactory()
    GuardianRelationFactory(
        student=other, guardian=guardian, start_date=today + datetime.timedelta(days=1)
    )
    assert children_of(guardian) == []
    (right,) = guardian_rights(student_a)
    assert right.read_basis == ReadBasis.ENDED and not right.may_answer and not right.may_read


@pytest.mark.parametrize("marking", [m for m in ProtectedIdentity.values if m])
def test_protected_students_are_not_in_the_portal(guardian, student_a, marking):
    GuardianRelationFactory(student=student_a, guardian=guardian)
    sibling = StudentFactory(protected_identity=marking)
    GuardianRelationFactory(student=sibling, guardian=guardian)
    assert [c.student for c in children_of(guardian)] == [student_a]
    (right,) = guardian_rights(sibling)
    assert right.read_basis == ReadBasis.PROTECTED
    assert not right.may_answer and not right.may_read


def test_a_protected_guardian_has_no_portal(student_a):
    protected = GuardianFactory(protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION)
    GuardianRelationFactory(student=student_a, guardian=protected)
    assert children_of(protected) == []
    (right,) = guardian_rights(student_a)
    assert right.read_basis == ReadBasis.PROTECTED


def test_children_carry_the_current_class(guardian, student_a, class_a):
    GuardianRelationFactory(student=student_a, guardian=guardian)
    access = only(children_of(guardian))
    assert (access.class_name, access.class_grade) == (class_a.name, class_a.grade)


def test_children_of_runs_the_same_queries_for_one_child_and_for_many(guardian, school_a, nurse_a):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            children_of(guardian)
        return len(queries)

    first = StudentFactory()
    EnrolmentFactory(student=first, school=school_a)
    GuardianRelationFactory(student=first, guardian=guardian)
    one = count()
    school_class = SchoolClassFactory(school=school_a)
    for relation_type in (Type.CUSTODIAN, Type.TRUSTEE, Type.APPOINTED):
        student = StudentFactory()
        EnrolmentFactory(student=student, school=school_a)
        ClassMembershipFactory(student=student, school_class=school_class)
        relation = GuardianRelationFactory(
            student=student, guardian=guardian, relation_type=relation_type
        )
        ConsentMandate.objects.create(
            relation=relation, kind=ConsentKind.VACCINATION, recorded_by=nurse_a
        )
        GuardianAccessDecision.objects.create(
            student=student, guardian=guardian, kind=Kind.BLOCK, reason="x", decided_by=nurse_a
        )
    assert len(children_of(guardian)) == 4
    assert count() == one <= 3
