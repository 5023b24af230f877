"""Fill a database with a fictitious municipality, an independent school organisation, generated
students with guardians, classes and enrolments, and the demo staff accounts.

Idempotent: when the demo organisation exists, nothing is done. Seeded: the same ``--seed`` and
``--students`` give the same people. Everybody is generated (names combined at random from
``schools.demo_names``, identity numbers from ``generate_identity_number``); identity numbers
are never printed. Rows are written with ``bulk_create_with_history`` so history exists as for
any other write.
"""

from __future__ import annotations

import datetime
import io
import math
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from consent.demo import create_demo_consents
from consent.groups import ensure_log_reviewer_group
from elevhalsa.auth.demo import DEMO_TOTP_SECRET, give_demo_device
from elevhalsa.models import User
from journal.demo import create_demo_entries, create_demo_vaccinations
from journal.models import EntryMark, MarkKind
from schools import demo_names
from schools.groups import ensure_registry_admin_group
from schools.identity import LegalSex, generate_identity_number, luhn_check_digit
from schools.models import (
    Assignment,
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    Organisation,
    OrganisationRole,
    Profession,
    ProtectedIdentity,
    School,
    SchoolClass,
    SchoolType,
    StaffMember,
    Student,
)
from schools.schoolyear import current_school_year


def _organisation_number(nine_digits: str) -> str:
    return nine_digits + luhn_check_digit(nine_digits)


# Fictitious: 1459 is no municipality's code; the numbers are valid in format only.
MUNICIPALITY_CODE = "1459"
DEMO_ORGANISATION_NUMBER = _organisation_number("212000145")  # Exempelkommun: detects a seed
INDEPENDENT_ORGANISATION_NUMBER = _organisation_number("559900145")
PASSWORD = "elevhalsa-demo"  # noqa: S105  (published in the README: demo accounts only)
CHANGE_REASON = "Demodata (seed_demo)"

CLASS_SIZE = 25
BATCH_SIZE = 2000
SAMPLE_CODE_LISTS = [
    ("kva", "kva-sample.txt", "KVÅ (exempel)"),
    ("icd10se", "icd10se-sample.txt", "ICD-10-SE (exempel)"),
]
CHUNK_SIZE = 5000  # students generated and written at a time, to keep memory flat
MAX_CLASS_MULTIPLIER = (
    4  # the named schools grow to this many times their classes, then more schools
)
EXTRA_SCHOOL_CLASSES_PER_GRADE = 3
SIBLING_SHARE = 0.12  # students who join an existing family (siblings share guardians)
TWO_GUARDIANS_SHARE = 0.75
GY_PROGRAMMES = ("NA", "SA", "TE", "EK", "ES", "BF", "VO", "EE")


@dataclass(frozen=True)
class Grade:
    school_type: str
    grade: int  # 0 = förskoleklass; gymnasiet 1–3
    label: str
    years_at_school: int  # how many school years the student has been enrolled before this one

    def birth_year(self, first_year: int) -> int:
        # Förskoleklass starts the year a child turns 6; gymnasiet the year one turns 16.
        if self.school_type == SchoolType.GY:
            return first_year - 15 - self.grade
        return first_year - 6 - self.grade


def _compulsory(first: int, last: int) -> list[Grade]:
    return [
        Grade(
            SchoolType.FKLASS if grade == 0 else SchoolType.GR,
            grade,
            "F" if grade == 0 else str(grade),
            grade - first,
        )
        for grade in range(first, last + 1)
    ]


UPPER_SECONDARY = [Grade(SchoolType.GY, grade, str(grade), grade - 1) for grade in (1, 2, 3)]


@dataclass
class SchoolPlan:
    key: str
    name: str
    unit_code: str
    independent: bool
    school_types: list[str]
    grades: list[Grade]
    classes_per_grade: int


@dataclass
class Family:
    guardians: list[Guardian]
    family_name: str
    address: tuple[str, str, str]
    protected_identity: str = ""


@dataclass
class StaffPlan:
    username: str
    title: str
    profession: str
    schools: tuple[str, ...]
    roles: tuple[str, ...] = ()
    independent: bool = False
    is_staff: bool = False


NAMED_SCHOOLS = {
    "bjork": "Björkskolan",
    "ek": "Ekskolan",
    "lind": "Lindgymnasiet",
    "rosen": "Rosenskolan",
}

STAFF = [
    StaffPlan("skolskoterska.bjork", "Skolsköterska", Profession.SCHOOL_NURSE, ("bjork",)),
    StaffPlan("skolskoterska.ek", "Skolsköterska", Profession.SCHOOL_NURSE, ("ek", "lind")),
    StaffPlan("skollakare", "Skolläkare", Profession.SCHOOL_DOCTOR, ("bjork", "ek", "lind")),
    StaffPlan("psykolog", "Skolpsykolog", Profession.PSYCHOLOGIST, ("bjork", "ek")),
    StaffPlan(
        "registeradmin",
        "Registeradministratör",
        Profession.ADMINISTRATOR,
        (),
        roles=(OrganisationRole.Role.REGISTRY_ADMIN,),
        is_staff=True,
    ),
    StaffPlan(
        "loggranskare",
        "Logggranskare",
        Profession.ADMINISTRATOR,
        (),
        roles=(OrganisationRole.Role.LOG_REVIEWER,),
        is_staff=True,
    ),
    StaffPlan(
        "skolskoterska.friskola",
        "Skolsköterska",
        Profession.SCHOOL_NURSE,
        ("rosen",),
        independent=True,
    ),
]


def school_plans(students: int) -> list[SchoolPlan]:
    """The four named schools, with more classes per grade and then more schools as needed."""
    base_capacity = (7 * 2 + 3 * 2 + 3 * 2 + 10 * 1) * CLASS_SIZE
    multiplier = min(MAX_CLASS_MULTIPLIER, max(1, math.ceil(students / base_capacity)))
    plans = [
        SchoolPlan(
            "bjork",
            "Björkskolan",
            "99001001",
            False,
            [SchoolType.FKLASS, SchoolType.GR],
            _compulsory(0, 6),
            2 * multiplier,
        ),
        SchoolPlan(
            "ek", "Ekskolan", "99001002", False, [SchoolType.GR], _compulsory(7, 9), 2 * multiplier
        ),
        SchoolPlan(
            "lind",
            "Lindgymnasiet",
            "99001003",
            False,
            [SchoolType.GY],
            UPPER_SECONDARY,
            2 * multiplier,
        ),
        SchoolPlan(
            "rosen",
            "Rosenskolan",
            "99002001",
            True,
            [SchoolType.FKLASS, SchoolType.GR],
            _compulsory(0, 9),
            multiplier,
        ),
    ]
    capacity = base_capacity * multiplier
    extra_capacity = 10 * EXTRA_SCHOOL_CLASSES_PER_GRADE * CLASS_SIZE
    stems = demo_names.SCHOOL_NAME_STEMS
    for index in range(max(0, math.ceil((students - capacity) / extra_capacity))):
        number = f" {index // len(stems) + 1}" if index >= len(stems) else ""
        plans.append(
            SchoolPlan(
                f"extra{index}",
                f"{stems[index % len(stems)]}skolan{number}",
                f"9901{index:04d}",
                False,
                [SchoolType.FKLASS, SchoolType.GR],
                _compulsory(0, 9),
                EXTRA_SCHOOL_CLASSES_PER_GRADE,
            )
        )
    return plans


def _letters(index: int) -> str:
    """A, B, ..., Z, AA, AB, ..."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def class_name(grade: Grade, index: int) -> str:
    if grade.school_type == SchoolType.GY:
        programme = GY_PROGRAMMES[index % len(GY_PROGRAMMES)]
        return f"{programme}{grade.grade}{_letters(index // len(GY_PROGRAMMES)).lower()}"
    return f"{grade.label}{_letters(index)}"


@dataclass
class Generator:
    """Makes people. Remembers every identity and reserve number it has handed out."""

    rng: random.Random
    used_numbers: set[str]
    used_reserve: set[str]
    counts: Counter = field(default_factory=Counter)

    def birth_date(self, year: int) -> datetime.date:
        start = datetime.date(year, 1, 1)
        return start + datetime.timedelta(days=self.rng.randrange(366 if year % 4 == 0 else 365))

    def identity_number(self, birth: datetime.date, *, female: bool, coordination: bool) -> str:
        for _attempt in range(200):
            value = generate_identity_number(
                birth, self.rng.randrange(500), female=female, coordination=coordination
            )
            if value not in self.used_numbers:
                self.used_numbers.add(value)
                return value
        raise CommandError("Slut på lediga identitetsnummer för ett födelsedatum.")

    def reserve_number(self, birth: datetime.date) -> str:
        for serial in range(1, 100):
            value = f"{birth:%Y%m%d}TF{serial:02d}"
            if value not in self.used_reserve:
                self.used_reserve.add(value)
                return value
        raise CommandError("Slut på lediga reservnummer för ett födelsedatum.")

    def given_name(self, female: bool) -> str:
        return self.rng.choice(
            demo_names.FEMALE_GIVEN_NAMES if female else demo_names.MALE_GIVEN_NAMES
        )

    def address(self) -> tuple[str, str, str]:
        rng = self.rng
        street = f"{rng.choice(demo_names.STREET_NAMES)} {rng.randint(1, 120)}"
        postal_code = f"{rng.randint(111, 989)} {rng.randint(10, 99)}"
        return street, postal_code, rng.choice(("Exempelstad", "Exempelby", "Norrexempel"))

    def guardian(
        self,
        *,
        child_birth: datetime.date,
        family_name: str,
        address: tuple[str, str, str],
        coordination: bool = False,
        protected_identity: str = "",
        female: bool | None = None,
    ) -> Guardian:
        female = self.rng.random() < 0.55 if female is None else female
        birth = self.birth_date(child_birth.year - self.rng.randint(23, 45))
        street, postal_code, city = address
        guardian = Guardian(
            identity_number=self.identity_number(birth, female=female, coordination=coordination),
            given_name=self.given_name(female),
            family_name=family_name,
            street_address=street,
            postal_code=postal_code,
            city=city,
            protected_identity=protected_identity,
            # 070-174 06 05 to 070-174 06 99 are set aside by PTS for fiction.
            phone=f"070-174 06 {self.rng.randint(5, 99):02d}",
        )
        guardian.derive_from_identity()
        self.counts["guardians"] += 1
        return guardian

    def family(
        self,
        *,
        child_birth: datetime.date,
        coordination: bool = False,
        protected_identity: str = "",
    ) -> Family:
        rng = self.rng
        family_name = rng.choice(demo_names.FAMILY_NAMES)
        # Skyddad folkbokföring: the school register gets no address.
        if protected_identity == ProtectedIdentity.PROTECTED_REGISTRATION:
            address = ("", "", "")
        else:
            address = self.address()
        first_female = rng.random() < 0.6
        guardians = [
            self.guardian(
                child_birth=child_birth,
                family_name=family_name,
                address=address,
                coordination=coordination,
                protected_identity=protected_identity,
                female=first_female,
            )
        ]
        if rng.random() < TWO_GUARDIANS_SHARE:
            other_name = family_name if rng.random() < 0.6 else rng.choice(demo_names.FAMILY_NAMES)
            guardians.append(
                self.guardian(
                    child_birth=child_birth,
                    family_name=other_name,
                    address=address,
                    coordination=coordination,
                    protected_identity=protected_identity,
                    female=not first_female,
                )
            )
        return Family(guardians, family_name, address, protected_identity)


class Command(BaseCommand):
    help = (
        "Skapar demodata: en påhittad kommun med tre skolor, en friskola, genererade elever med "
        "vårdnadshavare och demokonton (lösenord elevhalsa-demo). Gör inget om demodata finns."
    )

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=600, help="Antal elever (600).")
        parser.add_argument("--seed", type=int, default=2026, help="Slumpfrö (2026).")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Kör även när DEBUG är av (en demoserver). Aldrig i produktion: kända lösenord.",
        )

    def handle(self, *args, students, seed, allow_without_debug, **options):
        if students < 0:
            raise CommandError("--students kan inte vara negativt.")
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                "DEBUG är av: demodata skapar konton med ett publicerat lösenord. "
                "Kör med --allow-without-debug om detta verkligen är en demoserver."
            )
        self.load_sample_code_lists()
        if Organisation.objects.filter(organisation_number=DEMO_ORGANISATION_NUMBER).exists():
            self.stdout.write("Demodata finns redan; inget ändrades.")
            self.write_logins()
            return
        taken = sorted(
            User.objects.filter(username__in=[s.username for s in STAFF]).values_list(
                "username", flat=True
            )
        )
        if taken:
            # Never give an existing account a published password.
            raise CommandError(f"Användarnamnen finns redan: {', '.join(taken)}.")
        started = time.monotonic()
        self.rng = random.Random(seed)  # noqa: S311  (reproducible demo data, no secrets)
        self.now = timezone.now()
        self.school_year = current_school_year()
        self.first_year = int(self.school_year[:4])
        with transaction.atomic():
            counts = self.seed(students)
        self.write_summary(counts, students, seed, time.monotonic() - started)

    def load_sample_code_lists(self) -> None:
        """The committed KVÅ and ICD-10-SE samples (idempotent: a loaded file is skipped)."""
        for system, name, label in SAMPLE_CODE_LISTS:
            call_command(
                "load_codes",
                str(settings.BASE_DIR / "journal" / "data" / name),
                system=system,
                label=label,
                activate=True,
                stdout=io.StringIO(),
            )

    # --- writing --------------------------------------------------------------------------

    def bulk(self, model, objects: list) -> list:
        if not objects:
            return objects
        return bulk_create_with_history(
            objects,
            model,
            batch_size=BATCH_SIZE,
            default_change_reason=CHANGE_REASON,
            default_date=self.now,
        )

    def seed(self, students: int) -> Counter:
        plans = school_plans(students)
        municipality = Organisation(
            name="Exempelkommun",
            organisation_number=DEMO_ORGANISATION_NUMBER,
            kind=Organisation.Kind.MUNICIPAL,
            municipality_code=MUNICIPALITY_CODE,
        )
        independent = Organisation(
            name="Friskolan Exempel AB",
            organisation_number=INDEPENDENT_ORGANISATION_NUMBER,
            kind=Organisation.Kind.INDEPENDENT,
            municipality_code=MUNICIPALITY_CODE,
        )
        if Organisation.objects.filter(
            organisation_number=INDEPENDENT_ORGANISATION_NUMBER
        ).exists():
            raise CommandError("Friskolans organisationsnummer finns redan i databasen.")
        for organisation in (municipality, independent):
            organisation.full_clean()
        self.bulk(Organisation, [municipality, independent])

        codes = [plan.unit_code for plan in plans]
        if School.objects.filter(school_unit_code__in=codes).exists():
            raise CommandError("Demoskolornas skolenhetskoder finns redan i databasen.")
        schools = {
            plan.key: School(
                organisation=independent if plan.independent else municipality,
                name=plan.name,
                school_unit_code=plan.unit_code,
                school_types=plan.school_types,
            )
            for plan in plans
        }
        self.bulk(School, list(schools.values()))

        classes: list[tuple[SchoolPlan, Grade, SchoolClass]] = []
        for plan in plans:
            for grade in plan.grades:
                for index in range(plan.classes_per_grade):
                    school_class = SchoolClass(
                        school=schools[plan.key],
                        school_year=self.school_year,
                        school_type=grade.school_type,
                        grade=grade.grade,
                        name=class_name(grade, index),
                    )
                    classes.append((plan, grade, school_class))
        self.bulk(SchoolClass, [school_class for _plan, _grade, school_class in classes])

        self.create_staff(municipality, independent, schools)
        counts = self.create_students(students, classes, schools)
        counts.update(journal_entries=create_demo_entries())
        counts.update(
            vaccinations=create_demo_vaccinations(User.objects.get(username="skolskoterska.bjork"))
        )
        shared = EntryMark.objects.filter(kind=MarkKind.SHARED_WITH_GUARDIANS).first()
        counts.update(
            consent_requests=create_demo_consents(transfer_for=shared and shared.entry.student)
        )
        counts.update(organisations=2, schools=len(schools), classes=len(classes), staff=len(STAFF))
        return counts

    def create_staff(self, municipality, independent, schools) -> None:
        rng = self.rng
        # One hash for all demo accounts: they share a published password anyway, and hashing
        # seven times would cost seconds.
        password = make_password(PASSWORD)
        group = ensure_registry_admin_group()
        assignment_start = datetime.date(self.first_year - 2, 8, 1)
        for number, plan in enumerate(STAFF, start=1):
            female = rng.random() < 0.7
            user = User(
                username=plan.username,
                first_name=rng.choice(
                    demo_names.FEMALE_GIVEN_NAMES if female else demo_names.MALE_GIVEN_NAMES
                ),
                last_name=rng.choice(demo_names.FAMILY_NAMES),
                email=f"{plan.username}@example.invalid",
                password=password,
                is_staff=plan.is_staff,
            )
            user.full_clean()
            user.save()
            give_demo_device(user)  # the published demo secret: README, "Demo logins"
            organisation = independent if plan.independent else municipality
            member = StaffMember(
                user=user,
                organisation=organisation,
                profession=plan.profession,
                title=plan.title,
                hsa_id=f"SE{organisation.organisation_number}-E{number:012d}",
            )
            member.full_clean()
            member.save()
            for role in plan.roles:
                OrganisationRole.objects.create(staff_member=member, role=role)
            if OrganisationRole.Role.REGISTRY_ADMIN in plan.roles:
                user.groups.add(group)
            if OrganisationRole.Role.LOG_REVIEWER in plan.roles:
                user.groups.add(ensure_log_reviewer_group())
            for key in plan.schools:
                assignment = Assignment(
                    staff_member=member, school=schools[key], start_date=assignment_start
                )
                assignment.full_clean()
                assignment.save()

    def special_students(self, students: int) -> dict[int, str]:
        """Which student (by position) is special, and how. Disjoint, at fixed shares."""
        order = list(range(students))
        self.rng.shuffle(order)
        wanted = [
            ("coordination", max(2, round(students * 0.02))),
            ("reserve", max(3, round(students * 0.002))),
        ] + [
            (kind, max(3, round(students * 0.005 / 3)))
            for kind in (
                ProtectedIdentity.SECRECY_MARKING,
                ProtectedIdentity.PROTECTED_REGISTRATION,
                ProtectedIdentity.FICTITIOUS,
            )
        ]
        special: dict[int, str] = {}
        position = 0
        for kind, count in wanted:
            for index in order[position : position + count]:
                special[index] = kind
            position += count
        # Some students with a samordningsnummer came alone: a god man instead of guardians.
        coordination = [index for index, kind in special.items() if kind == "coordination"]
        for index in coordination[: max(1, len(coordination) // 3)]:
            special[index] = "trustee"
        return special

    def create_students(self, students: int, classes, schools) -> Counter:
        rng = self.rng
        generator = Generator(
            rng,
            used_numbers=set(
                Student.objects.exclude(identity_number=None).values_list(
                    "identity_number", flat=True
                )
            )
            | set(
                Guardian.objects.exclude(identity_number=None).values_list(
                    "identity_number", flat=True
                )
            ),
            used_reserve=set(
                Student.objects.exclude(reserve_number=None).values_list(
                    "reserve_number", flat=True
                )
            ),
        )
        special = self.special_students(students)
        per_class, remainder = divmod(students, len(classes)) if classes else (0, 0)
        pool: list[Family] = []  # recent ordinary families that a sibling may join
        chunk = _Chunk()
        position = 0
        for class_index, (plan, grade, school_class) in enumerate(classes):
            size = per_class + (1 if class_index < remainder else 0)
            birth_year = grade.birth_year(self.first_year)
            enrolment_start = datetime.date(self.first_year - grade.years_at_school, 7, 1)
            membership_start = datetime.date(self.first_year, 7, 1)
            for _ in range(size):
                kind = special.get(position, "")
                position += 1
                student = self.student(generator, chunk, pool, kind, birth_year)
                chunk.enrolments.append(
                    Enrolment(
                        student=student,
                        school=schools[plan.key],
                        start_date=enrolment_start,
                        is_health_responsible=True,
                    )
                )
                chunk.memberships.append(
                    ClassMembership(
                        student=student, school_class=school_class, start_date=membership_start
                    )
                )
                if len(chunk.students) >= CHUNK_SIZE:
                    self.flush(chunk)
                    chunk = _Chunk()
                    del pool[: max(0, len(pool) - 1000)]
        self.flush(chunk)
        generator.counts["students"] = students
        return generator.counts

    def student(self, generator: Generator, chunk, pool, kind: str, birth_year: int) -> Student:
        rng = self.rng
        female = rng.random() < 0.5
        birth = generator.birth_date(birth_year)
        protected = kind if kind in ProtectedIdentity.values else ""
        coordination = kind in ("coordination", "trustee")
        student = Student(
            given_name=generator.given_name(female),
            legal_sex=LegalSex.FEMALE if female else LegalSex.MALE,
            protected_identity=protected,
            public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        )
        if kind == "reserve":
            student.reserve_number = generator.reserve_number(birth)
            student.birth_date = birth
            generator.counts["reserve"] += 1
        else:
            student.identity_number = generator.identity_number(
                birth, female=female, coordination=coordination
            )
        if coordination:
            generator.counts["coordination"] += 1
        if protected:
            generator.counts[f"protected:{protected}"] += 1
        student.derive_from_identity()

        if kind == "trustee":
            # Came alone: a god man appointed on arrival, no custodian in Sweden.
            address = generator.address()
            trustee = generator.guardian(
                child_birth=birth,
                family_name=rng.choice(demo_names.FAMILY_NAMES),
                address=address,
            )
            student.family_name = rng.choice(demo_names.FAMILY_NAMES)
            student.street_address, student.postal_code, student.city = address
            chunk.guardians.append(trustee)
            chunk.students.append(student)
            arrived = datetime.date(self.first_year - rng.randint(0, 1), rng.randint(1, 12), 1)
            chunk.relations.append(
                GuardianRelation(
                    student=student,
                    guardian=trustee,
                    relation_type=GuardianRelation.Type.TRUSTEE,
                    start_date=min(arrived, self.now.date()),
                )
            )
            generator.counts["trustees"] += 1
            return student

        if kind == "" and pool and rng.random() < SIBLING_SHARE:
            family = rng.choice(pool)
        else:
            family = generator.family(
                child_birth=birth,
                coordination=coordination or kind == "reserve",
                protected_identity=protected,
            )
            chunk.guardians.extend(family.guardians)
            if kind == "":
                pool.append(family)
        student.family_name = family.family_name
        student.street_address, student.postal_code, student.city = family.address
        chunk.students.append(student)
        for guardian in family.guardians:
            chunk.relations.append(
                GuardianRelation(
                    student=student,
                    guardian=guardian,
                    relation_type=GuardianRelation.Type.CUSTODIAN,
                    start_date=birth,
                )
            )
        return student

    def flush(self, chunk: _Chunk) -> None:
        # Order matters: rows get their primary keys before others point at them.
        self.bulk(Guardian, chunk.guardians)
        self.bulk(Student, chunk.students)
        self.bulk(GuardianRelation, chunk.relations)
        self.bulk(Enrolment, chunk.enrolments)
        self.bulk(ClassMembership, chunk.memberships)

    # --- output ---------------------------------------------------------------------------

    def write_summary(self, counts: Counter, students: int, seed: int, seconds: float) -> None:
        protected = sum(v for k, v in counts.items() if k.startswith("protected:"))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demodata skapad på {seconds:.1f} s (läsår {self.school_year}, seed {seed})."
            )
        )
        self.stdout.write(
            f"  {counts['organisations']} huvudmän, {counts['schools']} skolenheter, "
            f"{counts['classes']} klasser\n"
            f"  {students} elever: {counts['coordination']} med samordningsnummer, "
            f"{counts['reserve']} med reservnummer, {protected} med skyddade personuppgifter, "
            f"{counts['trustees']} med god man\n"
            f"  {counts['guardians']} vårdnadshavare och gode män\n"
            f"  {counts['journal_entries']} journalanteckningar (Björkskolan, åk 4 och F)"
        )
        self.write_logins()

    def write_logins(self) -> None:
        self.stdout.write(
            f"Demoinloggningar (lösenord {PASSWORD}; andra faktorn: "
            f"`manage.py demo_totp ANVÄNDARNAMN` eller nyckeln {DEMO_TOTP_SECRET} i en app):"
        )
        for plan in STAFF:
            where = ", ".join(NAMED_SCHOOLS[key] for key in plan.schools)
            self.stdout.write(f"  {plan.username:<24} {plan.title}{f', {where}' if where else ''}")


@dataclass
class _Chunk:
    guardians: list[Guardian] = field(default_factory=list)
    students: list[Student] = field(default_factory=list)
    relations: list[GuardianRelation] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    memberships: list[ClassMembership] = field(default_factory=list)
