"""Shared fixtures: a named cast of synthetic people (school A and B of organisation A,
organisation B), and the rules for tests that need PostgreSQL or a browser.

On a machine without PostgreSQL or Chromium such tests skip with the reason; CI sets
REQUIRE_POSTGRES=1 and REQUIRE_BROWSER=1, which turn those skips into failures.
"""

import os

import pytest
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

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


# --- Signing in: force_login gives a session with the second factor ------------------------------


class VerifiedClient(Client):
    """``force_login`` also marks the session as verified by a confirmed TOTP device (made for the
    user if needed), as if the user had typed a code. Sign-in tests use ``unverified_client``."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


@pytest.fixture
def client():
    """pytest-django's ``client``, signed in with the second factor by ``force_login``."""
    return VerifiedClient()


@pytest.fixture
def unverified_client():
    """A plain Django client: ``force_login`` gives a password-only session."""
    return Client()


# --- The access policy's cast (consent.policy): one person per reason, and their students -------


def _days(n: int):
    import datetime

    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=n)


def _with_role(org, username, role, profession=Profession.ADMINISTRATOR):
    member = StaffMemberFactory(organisation=org, profession=profession, user__username=username)
    OrganisationRoleFactory(staff_member=member, role=role)
    return member.user


@pytest.fixture
def nurse_a_ended(school_a):
    """A nurse whose assignment at school A ended yesterday."""
    member = StaffMemberFactory(
        organisation=school_a.organisation,
        profession=Profession.SCHOOL_NURSE,
        user__username="nurse_a_ended",
    )
    AssignmentFactory(staff_member=member, school=school_a, end_date=_days(-1))
    return member.user


@pytest.fixture
def nurse_other_org(school_b):
    """A nurse of another organisation (another care provider); same as nurse_b, by role."""
    return _staff(school_b.organisation, school_b, Profession.SCHOOL_NURSE, "nurse_other_org")


@pytest.fixture
def doctor_a(school_a):
    return _staff(school_a.organisation, school_a, Profession.SCHOOL_DOCTOR, "doctor_a")


@pytest.fixture
def log_reviewer_a(org_a):
    return _with_role(org_a, "log_reviewer_a", OrganisationRole.Role.LOG_REVIEWER)


@pytest.fixture
def records_officer_a(org_a):
    return _with_role(org_a, "records_officer_a", OrganisationRole.Role.RECORDS_OFFICER)


@pytest.fixture
def emergency_nurse_a2(nurse_a2, student_a):
    """A nurse at school A2 (no care relation to student A) with active emergency access."""
    from consent.services import emergency_access_start

    emergency_access_start(user=nurse_a2, student=student_a, reason_text="Akut allergisk reaktion")
    return nurse_a2


@pytest.fixture
def student_left_a(school_a):
    """Left school A five days ago (health-responsible enrolment ended)."""
    student = StudentFactory(given_name="Lova", family_name="Slutat")
    EnrolmentFactory(student=student, school=school_a, end_date=_days(-5))
    return student


@pytest.fixture
def student_incoming_a(school_a):
    """Starts at school A in ten days (health-responsible enrolment)."""
    student = StudentFactory(given_name="Ines", family_name="Kommande")
    EnrolmentFactory(student=student, school=school_a, start_date=_days(10))
    return student
