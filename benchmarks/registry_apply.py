"""How fast does a registry import apply? Prints numbers; not a test.

Builds a synthetic batch (generated identity numbers and names) of 10,000 students with
enrolments and class memberships at 20 school units and 18,000 guardians, and times against a
scratch PostgreSQL database (created if missing, migrated; the source's rows are removed first
by using a fresh source name per run):

1. the first apply (everything created),
2. the same batch again (idempotent: nothing written),
3. a changed batch: 5% move to another school, 3% leave, 2% get a new guardian.

    .venv/bin/python benchmarks/registry_apply.py [--database-url URL] [--students 10000]
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/elevhalsa_registry_bench"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
parser.add_argument("--students", type=int, default=10_000)
parser.add_argument("--schools", type=int, default=20)
args = parser.parse_args()

os.environ["DATABASE_URL"] = args.database_url
os.environ["DJANGO_SETTINGS_MODULE"] = "elevhalsa.settings.test"
sys.path.insert(0, str(ROOT))

import dj_database_url  # noqa: E402

config = dj_database_url.parse(args.database_url)
if config["ENGINE"].endswith("postgresql"):
    import psycopg

    server = {k.lower(): config[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if config[k]}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        if not conn.execute(
            "select 1 from pg_database where datname = %s", [config["NAME"]]
        ).fetchone():
            conn.execute(f'create database "{config["NAME"]}"')
            print(f"created database {config['NAME']}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from schools.identity import generate_identity_number, luhn_check_digit  # noqa: E402
from schools.models import Organisation, School  # noqa: E402
from schools.registry.records import (  # noqa: E402
    Batch,
    ClassRecord,
    EnrolmentRecord,
    GuardianRecord,
    GuardianRelationRecord,
    MembershipRecord,
    StudentRecord,
)
from schools.registry.services import registry_apply  # noqa: E402

call_command("migrate", verbosity=0)

GIVEN = ["Alva", "Elsa", "Maja", "Noah", "Hugo", "Liam", "Ella", "Wilma", "Olle", "Saga"]
FAMILY = ["Exempelsson", "Testberg", "Provlund", "Demoström", "Fiktivsson", "Påhittad"]
AS_OF = datetime.date(2026, 9, 1)
START = datetime.date(2026, 8, 15)


def person_number(first_day: datetime.date, i: int) -> str:
    day = first_day + datetime.timedelta(days=i // 998)
    return generate_identity_number(day, i % 499, female=(i % 998) >= 499)


def setup_organisation() -> tuple[Organisation, list[School]]:
    base = "21200099" + "0"
    number = base + luhn_check_digit(base)
    organisation, _ = Organisation.objects.get_or_create(
        organisation_number=number,
        defaults={"name": "Benchkommun", "kind": "municipal", "municipality_code": "1480"},
    )
    schools = []
    for k in range(args.schools):
        school, _ = School.objects.get_or_create(
            school_unit_code=f"{90000000 + k:08d}",
            defaults={
                "organisation": organisation,
                "name": f"Benchskolan {k}",
                "school_types": ["GR"],
            },
        )
        schools.append(school)
    return organisation, schools


def build(source, organisation, schools, *, moved=(), left=(), new_guardians=()) -> Batch:
    n = args.students
    students, enrolments, guardians, relations = [], [], {}, []
    classes: dict[tuple[str, str], list[MembershipRecord]] = {}
    for i in range(n):
        if i in left:
            continue
        sid = f"p{i}"
        students.append(
            StudentRecord(
                source_id=sid,
                identity=person_number(datetime.date(2012, 1, 1), i),
                given_name=GIVEN[i % len(GIVEN)],
                family_name=FAMILY[i % len(FAMILY)],
                street_address=f"Exempelgatan {i % 90 + 1}",
                postal_code="123 45",
                city="Exempelstad",
            )
        )
        school = schools[(i // 500 + (1 if i in moved else 0)) % len(schools)]
        code = school.school_unit_code
        enrolments.append(
            EnrolmentRecord(
                source_id=f"{sid}@{code}",
                student_source_id=sid,
                school_unit_code=code,
                start_date=AS_OF if i in moved else START,
            )
        )
        class_name = f"{4 + (i // 25) % 5}{'ABCDE'[(i // 125) % 5]}"
        classes.setdefault((code, class_name), []).append(
            MembershipRecord(student_source_id=sid, start_date=AS_OF if i in moved else START)
        )
        # 8,000 students with two guardians, 2,000 with one: 18,000 guardians.
        count = 2 if i % 5 else 1
        for g in range(count):
            index = i * 2 + g
            gid = f"v{index}" if i not in new_guardians or g else f"vny{index}"
            number = (
                person_number(datetime.date(1975, 1, 1), index)
                if not gid.startswith("vny")
                else person_number(datetime.date(1990, 1, 1), index)
            )
            guardians[gid] = GuardianRecord(
                source_id=gid,
                identity=number,
                given_name=GIVEN[(index + 3) % len(GIVEN)],
                family_name=FAMILY[i % len(FAMILY)],
                phone="070-000 00 00",
            )
            relations.append(
                GuardianRelationRecord(
                    student_source_id=sid,
                    guardian_source_id=gid,
                    relation_type="vardnadshavare",
                    start_date=datetime.date(2012, 1, 1),
                )
            )
    return Batch(
        source=source,
        organisation_number=organisation.organisation_number,
        as_of=AS_OF,
        students=students,
        enrolments=enrolments,
        classes=[
            ClassRecord(
                source_id=f"{code}/2026/27/{name}",
                school_unit_code=code,
                name=name,
                school_year="2026/27",
                grade=int(name[0]),
                school_type="GR",
                members=tuple(members),
            )
            for (code, name), members in classes.items()
        ],
        guardians=list(guardians.values()),
        guardian_relations=relations,
        complete_for_schools=frozenset(s.school_unit_code for s in schools),
    )


def timed(label: str, batch: Batch, students: int):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = registry_apply(batch=batch)
        seconds = time.perf_counter() - started
    print(
        f"{label:<28} {seconds:7.2f} s  {len(queries):5d} queries "
        f"({len(queries) / students:.4f}/student)  created={run.created} changed={run.changed} "
        f"ended={run.ended} refused={run.refused} status={run.status}"
    )
    return run


def main() -> None:
    # A fresh population each run: the benchmark database keeps earlier runs' people, so the
    # organisation's numbers must not collide: clear the registry tables of earlier runs.
    with connection.cursor() as cursor:
        cursor.execute("select count(*) from schools_student")
        if cursor.fetchone()[0]:
            print("emptying the registry tables of an earlier run")
            for table in (
                "schools_importrunitem",
                "schools_importrun",
                "schools_sourcelink",
                "schools_classmembership",
                "schools_historicalclassmembership",
                "schools_enrolment",
                "schools_historicalenrolment",
                "schools_guardianrelation",
                "schools_historicalguardianrelation",
                "schools_guardian",
                "schools_historicalguardian",
                "schools_schoolclass",
                "schools_historicalschoolclass",
                "schools_student",
                "schools_historicalstudent",
            ):
                cursor.execute(f"delete from {table}")  # noqa: S608 (constant names)
    organisation, schools = setup_organisation()
    n = args.students
    source = f"bench:{time.time():.0f}"
    first = build(source, organisation, schools)
    print(
        f"{connection.vendor}: {len(first.students)} students, {len(first.guardians)} guardians, "
        f"{len(first.classes)} classes, {len(schools)} schools"
    )
    timed("first apply", first, n)
    timed("same batch again", build(source, organisation, schools), n)
    moved = set(range(0, n, 20))  # 5%
    left = set(range(1, n, 34))  # ~3%
    new_guardians = set(range(2, n, 50))  # 2%
    changed = build(
        source, organisation, schools, moved=moved, left=left, new_guardians=new_guardians
    )
    print(f"changes: {len(moved)} moves, {len(left)} leavers, {len(new_guardians)} new guardians")
    timed("changed batch", changed, n)
    timed("changed batch again", changed, n)


main()
