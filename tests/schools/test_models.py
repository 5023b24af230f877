"""Model-level guarantees of the registry: constraints hold without clean(), clean() explains."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from schools.identity import IdentityKind, LegalSex, generate_identity_number
from schools.models import Assignment, Enrolment, Guardian, Student
from tests.schools.factories import (
    EnrolmentFactory,
    GuardianFactory,
    SchoolFactory,
    StaffMemberFactory,
    StudentFactory,
    identity_number_for,
)

BIRTH = datetime.date(2015, 9, 30)


def test_identity_numbers_are_unique(db):
    number = identity_number_for(BIRTH)
    StudentFactory(identity_number=number)
    with pytest.raises(IntegrityError), transaction.atomic():
        StudentFactory(identity_number=number)


def test_duplicate_identity_number_is_a_validation_error_in_clean(db):
    number = identity_number_for(BIRTH)
    StudentFactory(identity_number=number)
    with pytest.raises(ValidationError) as error:
        Student(identity_number=number, given_name="A", family_name="B").full_clean()
    assert "identity_number" in error.value.message_dict


def test_a_person_needs_an_identity_number_or_a_reserve_number(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Guardian.objects.create(given_name="Ingen", family_name="Identitet")


def test_end_before_start_is_refused_by_the_database_without_clean(student_a, school_a2):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            student=student_a,
            school=school_a2,
            is_health_responsible=False,
            start_date=datetime.date(2026, 8, 17),
            end_date=datetime.date(2026, 8, 1),
        )


def test_end_before_start_is_explained_by_clean(student_a, school_a2):
    enrolment = Enrolment(
        student=student_a,
        school=school_a2,
        is_health_responsible=False,
        start_date=datetime.date(2026, 8, 17),
        end_date=datetime.date(2026, 8, 1),
    )
    with pytest.raises(ValidationError) as error:
        enrolment.full_clean()
    assert error.value.message_dict["end_date"] == ["Slutdatum kan inte vara före startdatum."]


def test_only_one_open_health_responsible_enrolment(student_a, school_a2):
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            student=student_a, school=school_a2, start_date=datetime.date(2026, 8, 17)
        )


def test_a_second_open_non_responsible_enrolment_is_allowed(student_a, school_a2):
    Enrolment.objects.create(
        student=student_a,
        school=school_a2,
        is_health_responsible=False,
        start_date=datetime.date(2026, 8, 17),
    )
    assert student_a.enrolments.count() == 2


def test_overlapping_closed_health_responsible_periods_are_refused_by_clean(school_a, school_a2):
    student = StudentFactory()
    EnrolmentFactory(
        student=student,
        school=school_a,
        start_date=datetime.date(2025, 8, 18),
        end_date=datetime.date(2026, 6, 12),
    )
    overlapping = Enrolment(
        student=student,
        school=school_a2,
        start_date=datetime.date(2026, 1, 7),
        end_date=datetime.date(2026, 12, 20),
    )
    with pytest.raises(ValidationError) as error:
        overlapping.full_clean()
    assert "is_health_responsible" in error.value.message_dict


def test_overlapping_closed_periods_are_refused_by_postgresql(postgres, school_a, school_a2):
    student = StudentFactory()
    EnrolmentFactory(
        student=student,
        school=school_a,
        start_date=datetime.date(2025, 8, 18),
        end_date=datetime.date(2026, 6, 12),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            student=student,
            school=school_a2,
            start_date=datetime.date(2026, 1, 7),
            end_date=datetime.date(2026, 12, 20),
        )
    # Adjacent periods are fine: a move on one day, the new school from the next.
    Enrolment.objects.create(
        student=student,
        school=school_a2,
        start_date=datetime.date(2026, 6, 13),
        end_date=datetime.date(2026, 12, 20),
    )


def test_birth_date_sex_and_kind_are_derived_on_save(db):
    student = StudentFactory(
        identity_number=generate_identity_number(BIRTH, 41, female=False),
        birth_date=datetime.date(2000, 1, 1),
        legal_sex=LegalSex.FEMALE,
    )
    student.refresh_from_db()
    assert student.birth_date == BIRTH
    assert student.legal_sex == LegalSex.MALE
    assert student.identity_kind == IdentityKind.PERSONNUMMER


def test_samordningsnummer_is_derived_with_its_real_birth_date(db):
    guardian = GuardianFactory(
        identity_number=generate_identity_number(BIRTH, 42, female=True, coordination=True)
    )
    assert guardian.identity_kind == IdentityKind.SAMORDNINGSNUMMER
    assert guardian.birth_date == BIRTH
    assert guardian.legal_sex == LegalSex.FEMALE


def test_reserve_number_student_needs_a_birth_date(db):
    student = Student(reserve_number="20150930tf01", given_name="Res", family_name="Ervsson")
    with pytest.raises(ValidationError) as error:
        student.full_clean()
    assert "birth_date" in error.value.message_dict
    student.birth_date = BIRTH
    student.full_clean()
    student.save()
    assert student.reserve_number == "20150930TF01"
    assert student.identity_kind == IdentityKind.RESERVE


def test_invalid_reserve_number_is_refused(db):
    student = Student(reserve_number="123456", given_name="R", family_name="S", birth_date=BIRTH)
    with pytest.raises(ValidationError):
        student.full_clean()


def test_assignment_at_another_organisations_school_is_refused(school_b, org_a):
    member = StaffMemberFactory(organisation=org_a)
    assignment = Assignment(
        staff_member=member, school=school_b, start_date=datetime.date(2026, 8, 1)
    )
    with pytest.raises(ValidationError) as error:
        assignment.full_clean()
    assert "school" in error.value.message_dict


def test_assignment_at_own_organisations_school_is_accepted(org_a):
    member = StaffMemberFactory(organisation=org_a)
    school = SchoolFactory(organisation=org_a)
    Assignment(
        staff_member=member, school=school, start_date=datetime.date(2026, 8, 1)
    ).full_clean()
