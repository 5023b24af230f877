"""Factories for every registry model. Synthetic people only: names and numbers are generated."""

import datetime
import itertools

import factory
from django.utils import timezone

from elevhalsa.models import User
from schools.identity import generate_identity_number
from schools.models import (
    Assignment,
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    Organisation,
    OrganisationRole,
    Profession,
    School,
    SchoolClass,
    SchoolType,
    StaffMember,
    Student,
)

_serials = itertools.count(1)


def _organisation_number(n: int) -> str:
    from schools.identity import luhn_check_digit

    base = f"212{n:06d}"[:9]
    return base + luhn_check_digit(base)


def identity_number_for(birth_date: datetime.date, *, female: bool = True, **kw) -> str:
    """A valid number for exactly this birth date (499 different ones per date and sex)."""
    return generate_identity_number(birth_date, next(_serials), female=female, **kw)


def _unique_identity_number(first_day: datetime.date, *, female: bool) -> str:
    """Factories' default: unique across a test run, moving on a day per 499 numbers."""
    serial = next(_serials)
    day = first_day + datetime.timedelta(days=serial // 499)
    return generate_identity_number(day, serial, female=female)


# Staff and guardians get family names that no student gets (none of Faker's Swedish family
# names is part of them): a test that checks that a student's name is not on a page must not
# fail because the signed-in nurse or guardian happens to share it (it did, now and then).
STAFF_FAMILY_NAMES = (
    "Vårdqvist",
    "Hälsander",
    "Omsorgén",
    "Journalén",
    "Elevqvist",
    "Tjänstedal",
    "Mottagnér",
    "Kurativé",
)
GUARDIAN_FAMILY_NAMES = ("Föräldrén", "Vårdnadsqvist", "Familjedal", "Föräldrasjö", "Hemmavik")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Iterator(STAFF_FAMILY_NAMES)
    password = factory.PostGenerationMethodCall("set_password", "demo-losen-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Exempelkommun {n}")
    organisation_number = factory.Sequence(_organisation_number)
    kind = Organisation.Kind.MUNICIPAL
    municipality_code = "1480"


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Exempelskolan {n}")
    school_unit_code = factory.Sequence(lambda n: f"{10000000 + n:08d}")
    school_types = factory.LazyFunction(lambda: [SchoolType.FKLASS, SchoolType.GR])


class SchoolClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchoolClass

    school = factory.SubFactory(SchoolFactory)
    school_year = "2026/27"
    school_type = SchoolType.GR
    grade = 4
    name = factory.Sequence(lambda n: f"4{chr(65 + n % 26)}{n}")


class StudentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Student

    given_name = factory.Faker("first_name", locale="sv_SE")
    family_name = factory.Faker("last_name", locale="sv_SE")
    identity_number = factory.LazyFunction(
        lambda: _unique_identity_number(datetime.date(2016, 3, 14), female=True)
    )
    street_address = factory.Faker("street_address", locale="sv_SE")
    postal_code = "123 45"
    city = "Exempelstad"


class GuardianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardian

    given_name = factory.Faker("first_name", locale="sv_SE")
    family_name = factory.Iterator(GUARDIAN_FAMILY_NAMES)
    identity_number = factory.LazyFunction(
        lambda: _unique_identity_number(datetime.date(1985, 6, 1), female=False)
    )
    phone = "070-000 00 00"


class GuardianRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuardianRelation

    student = factory.SubFactory(StudentFactory)
    guardian = factory.SubFactory(GuardianFactory)
    relation_type = GuardianRelation.Type.CUSTODIAN
    start_date = datetime.date(2016, 3, 14)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    student = factory.SubFactory(StudentFactory)
    school = factory.SubFactory(SchoolFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=400))
    is_health_responsible = True


class ClassMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassMembership

    student = factory.SubFactory(StudentFactory)
    school_class = factory.SubFactory(SchoolClassFactory)
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=100))


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    profession = Profession.SCHOOL_NURSE
    title = "Skolsköterska"


class OrganisationRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationRole

    staff_member = factory.SubFactory(StaffMemberFactory)
    role = OrganisationRole.Role.REGISTRY_ADMIN


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    staff_member = factory.SubFactory(StaffMemberFactory)
    school = factory.SubFactory(
        SchoolFactory, organisation=factory.SelfAttribute("..staff_member.organisation")
    )
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))


def enrol_in_class(student: Student, school_class: SchoolClass) -> Student:
    """Enrol a student at the class's school (health-responsible) and make them a member."""
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    return student
