"""seed_demo: plausible, valid, synthetic, idempotent, historied, and silent about identities."""

import datetime
import io
import random
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from elevhalsa.management.commands.seed_demo import (
    DEMO_ORGANISATION_NUMBER,
    STAFF,
    Generator,
    school_plans,
)
from elevhalsa.models import User
from schools.identity import IDENTITY_NUMBER_RE, IdentityKind, parse_identity_number
from schools.models import (
    Assignment,
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    Organisation,
    OrganisationRole,
    ProtectedIdentity,
    School,
    SchoolClass,
    SchoolType,
    StaffMember,
    Student,
)
from schools.schoolyear import current_school_year

STUDENTS = 60
MODELS = [
    Organisation,
    School,
    SchoolClass,
    Student,
    Guardian,
    GuardianRelation,
    Enrolment,
    ClassMembership,
    StaffMember,
    OrganisationRole,
    Assignment,
    User,
]


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", students=STUDENTS, stdout=out)
    return out.getvalue()


def _counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_counts_are_plausible(seeded):
    assert Organisation.objects.count() == 2
    municipality = Organisation.objects.get(organisation_number=DEMO_ORGANISATION_NUMBER)
    assert municipality.kind == Organisation.Kind.MUNICIPAL
    assert set(municipality.schools.values_list("name", flat=True)) == {
        "Björkskolan",
        "Ekskolan",
        "Lindgymnasiet",
    }
    assert Organisation.objects.get(kind=Organisation.Kind.INDEPENDENT).schools.count() == 1
    assert Student.objects.count() == STUDENTS
    assert STUDENTS <= Guardian.objects.count() <= 2 * STUDENTS
    assert SchoolClass.objects.filter(school_year=current_school_year()).count() == 36
    assert SchoolClass.objects.filter(school__name="Lindgymnasiet", school_type=SchoolType.GY)
    for school in School.objects.all():
        assert school.full_clean() is None


def test_every_identity_number_is_valid_and_unique(seeded):
    people = [*Student.objects.all(), *Guardian.objects.all()]
    numbers = [p.identity_number for p in people if p.identity_number]
    assert len(numbers) == len(set(numbers))
    for person in people:
        if person.identity_number:
            parsed = parse_identity_number(person.identity_number)
            assert parsed.kind == person.identity_kind
            assert parsed.birth_date == person.birth_date
        else:
            assert person.identity_kind == IdentityKind.RESERVE
            assert person.reserve_number
            assert person.birth_date


def test_special_identities_are_present(seeded):
    kinds = Counter(Student.objects.values_list("identity_kind", flat=True))
    assert kinds[IdentityKind.SAMORDNINGSNUMMER] >= 2
    assert kinds[IdentityKind.RESERVE] >= 3
    protected = Counter(Student.objects.values_list("protected_identity", flat=True))
    for kind in (
        ProtectedIdentity.SECRECY_MARKING,
        ProtectedIdentity.PROTECTED_REGISTRATION,
        ProtectedIdentity.FICTITIOUS,
    ):
        assert protected[kind] >= 3, kind
    assert GuardianRelation.objects.filter(relation_type=GuardianRelation.Type.TRUSTEE).exists()
    assert (
        Student.objects.filter(
            protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION, street_address=""
        ).count()
        == protected[ProtectedIdentity.PROTECTED_REGISTRATION]
    )


def test_every_student_has_one_current_health_responsible_enrolment_and_a_class(seeded):
    enrolments = (
        Enrolment.objects.current()
        .filter(is_health_responsible=True)
        .values("student")
        .annotate(n=Count("id"))
    )
    assert len(enrolments) == STUDENTS
    assert {row["n"] for row in enrolments} == {1}
    memberships = ClassMembership.objects.current().select_related("school_class", "student")
    assert memberships.count() == STUDENTS
    enrolled_at = {e.student_id: e.school_id for e in Enrolment.objects.current()}
    for membership in memberships:
        assert enrolled_at[membership.student_id] == membership.school_class.school_id
        assert membership.school_class.school_year == current_school_year()
        assert membership.student.guardian_relations.exists()


def test_birth_dates_fit_the_grade(seeded):
    first_year = int(current_school_year()[:4])
    for membership in ClassMembership.objects.select_related("school_class", "student"):
        grade = membership.school_class.grade
        if membership.school_class.school_type == SchoolType.GY:
            expected = first_year - 15 - grade
        else:
            expected = first_year - 6 - grade
        assert membership.student.birth_date.year == expected


def test_demo_staff_exist_with_roles_and_assignments(seeded):
    for plan in STAFF:
        user = User.objects.get(username=plan.username)
        assert user.check_password("elevhalsa-demo")
        member = user.staff_member
        assert member.title
        assert member.hsa_id
        member.full_clean()
        schools = {a.school.name for a in Assignment.objects.current().filter(staff_member=member)}
        assert len(schools) == len(plan.schools), plan.username
    assert {
        a.school.name for a in Assignment.objects.filter(staff_member__user__username="skollakare")
    } == {"Björkskolan", "Ekskolan", "Lindgymnasiet"}
    admin = User.objects.get(username="registeradmin")
    assert admin.is_staff
    assert admin.groups.filter(name="Registeradministratör").exists()
    assert admin.staff_member.has_role(OrganisationRole.Role.REGISTRY_ADMIN)
    reviewer = User.objects.get(username="loggranskare").staff_member
    assert reviewer.has_role(OrganisationRole.Role.LOG_REVIEWER)
    assert reviewer.user.groups.filter(name="Logggranskare").exists()
    nurse = User.objects.get(username="skolskoterska.friskola").staff_member
    assert nurse.organisation.kind == Organisation.Kind.INDEPENDENT


def test_running_twice_creates_nothing_new(seeded):
    before = _counts()
    out = io.StringIO()
    call_command("seed_demo", students=STUDENTS, stdout=out)
    assert _counts() == before
    assert "finns redan" in out.getvalue()


def test_history_rows_exist(seeded):
    assert Student.history.count() == STUDENTS
    assert Guardian.history.count() == Guardian.objects.count()
    assert Enrolment.history.count() == Enrolment.objects.count()
    assert GuardianRelation.history.count() == GuardianRelation.objects.count()
    assert ClassMembership.history.count() == STUDENTS
    assert SchoolClass.history.count() == SchoolClass.objects.count()
    assert StaffMember.history.count() == len(STAFF)


def test_the_output_contains_no_identity_number(seeded):
    assert not IDENTITY_NUMBER_RE.search(seeded)
    assert "skolskoterska.bjork" in seeded
    assert "elevhalsa-demo" in seeded


def test_the_same_seed_gives_the_same_people():
    def people(seed):
        generator = Generator(random.Random(seed), used_numbers=set(), used_reserve=set())
        birth = datetime.date(2016, 5, 1)
        family = generator.family(child_birth=birth)
        return [(g.given_name, g.family_name, g.identity_number) for g in family.guardians]

    assert people(2026) == people(2026)
    assert people(2026) != people(2027)


def test_large_numbers_of_students_get_more_classes_then_more_schools():
    assert sum(len(p.grades) * p.classes_per_grade for p in school_plans(600)) == 36
    plans = school_plans(100_000)
    capacity = sum(len(p.grades) * p.classes_per_grade for p in plans) * 25
    assert 100_000 <= capacity < 100_000 * 1.05
    assert len({p.unit_code for p in plans}) == len({p.name for p in plans}) == len(plans)


def test_refused_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", students=5)
    assert not Student.objects.exists()


def test_refuses_to_take_over_an_existing_account(db, settings):
    settings.DEBUG = True
    User.objects.create_user(username="psykolog", password="own-secret-password")
    with pytest.raises(CommandError, match="psykolog"):
        call_command("seed_demo", students=5)
    assert User.objects.get(username="psykolog").check_password("own-secret-password")
    assert not Organisation.objects.exists()


def test_sample_code_lists_are_loaded_and_active(seeded):
    from journal.models import CodeSystem
    from journal.models.codes import code_lookup

    assert code_lookup(CodeSystem.ICD10SE, "Z00.1") is not None
    assert code_lookup(CodeSystem.KVA, "DV111") is not None
