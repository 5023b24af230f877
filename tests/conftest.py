"""Shared fixtures: a named cast of synthetic people (school A and B of organisation A,
organisation B), and the rules for tests that need PostgreSQL or a browser.

On a machine without PostgreSQL or Chromium such tests skip with the reason; CI sets
REQUIRE_POSTGRES=1 and REQUIRE_BROWSER=1, which turn those skips into failures.
"""

import os

import pytest
from django.db import connection

from schools.groups import ensure_registry_admin_group
from schools.models import OrganisationRole, Profession
from tests.schools.factories import (
    AssignmentFactory,
    ClassMembershipFactory,
    EnrolmentFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    SchoolClassFactory,
    SchoolFactory,
    StaffMemberFactory,
    StudentFactory,
)


def _required(variable: str) -> bool:
    return os.environ.get(variable, "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str, variable: str) -> None:
    if _required(variable):
        pytest.fail(f"{reason} ({variable} is set, so this may not skip)")
    pytest.skip(reason)


@pytest.fixture
def postgres(db):
    """Use in tests of database-level guarantees that only PostgreSQL gives."""
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://…", "REQUIRE_POSTGRES")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "postgres" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def org_a(db):
    return OrganisationFactory(name="Kommun A")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(name="Friskolan B AB")


@pytest.fixture
def school_a(org_a):
    return SchoolFactory(organisation=org_a, name="Skola A")


@pytest.fixture
def school_a2(org_a):
    return SchoolFactory(organisation=org_a, name="Skola A2")


@pytest.fixture
def school_b(org_b):
    return SchoolFactory(organisation=org_b, name="Skola B")


@pytest.fixture
def class_a(school_a):
    return SchoolClassFactory(school=school_a, name="4A")


@pytest.fixture
def student_a(class_a):
    student = StudentFactory(given_name="Alva", family_name="Exempelsson")
    EnrolmentFactory(student=student, school=class_a.school)
    ClassMembershipFactory(student=student, school_class=class_a)
    return student


def _staff(org, school, profession, username):
    member = StaffMemberFactory(organisation=org, profession=profession, user__username=username)
    if school is not None:
        AssignmentFactory(staff_member=member, school=school)
    return member.user


@pytest.fixture
def nurse_a(school_a):
    return _staff(school_a.organisation, school_a, Profession.SCHOOL_NURSE, "nurse_a")


@pytest.fixture
def nurse_a2(school_a2):
    return _staff(school_a2.organisation, school_a2, Profession.SCHOOL_NURSE, "nurse_a2")


@pytest.fixture
def nurse_b(school_b):
    return _staff(school_b.organisation, school_b, Profession.SCHOOL_NURSE, "nurse_b")


@pytest.fixture
def psychologist_a(school_a):
    return _staff(school_a.organisation, school_a, Profession.PSYCHOLOGIST, "psychologist_a")


@pytest.fixture
def registry_admin_a(org_a):
    member = StaffMemberFactory(
        organisation=org_a,
        profession=Profession.ADMINISTRATOR,
        user__username="admin_a",
        user__is_staff=True,
    )
    OrganisationRoleFactory(staff_member=member, role=OrganisationRole.Role.REGISTRY_ADMIN)
    member.user.groups.add(ensure_registry_admin_group())
    return member.user


@pytest.fixture
def registry_admin_b(org_b):
    member = StaffMemberFactory(
        organisation=org_b,
        profession=Profession.ADMINISTRATOR,
        user__username="admin_b",
        user__is_staff=True,
    )
    OrganisationRoleFactory(staff_member=member, role=OrganisationRole.Role.REGISTRY_ADMIN)
    member.user.groups.add(ensure_registry_admin_group())
    return member.user
