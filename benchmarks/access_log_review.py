"""Access-log review at scale (issue 11): 2 million log rows on PostgreSQL, then the median time
of the review's student view, user view and each suspicion check over one month.

Creates (if missing) the database ``elevhalsa_logreview_bench``, migrates it, makes synthetic
organisations, schools, staff and students with the ORM, and bulk-inserts the log rows with one
``INSERT … SELECT generate_series`` (times spread over the last 12 months, 08–17 mostly). The log
is append-only: drop the database to start over
(``psql -h 127.0.0.1 -U postgres -c 'drop database elevhalsa_logreview_bench'``).

    .venv/bin/python benchmarks/access_log_review.py [--rows 2000000] [--runs 3]
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/elevhalsa_logreview_bench"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
parser.add_argument("--rows", type=int, default=2_000_000)
parser.add_argument("--runs", type=int, default=3)
args = parser.parse_args()

os.environ["DATABASE_URL"] = args.database_url
os.environ["DJANGO_SETTINGS_MODULE"] = "elevhalsa.settings.test"
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "600000")  # bulk fill and slow checks
sys.path.insert(0, str(ROOT))

import dj_database_url  # noqa: E402
import psycopg  # noqa: E402

config = dj_database_url.parse(args.database_url)
server = {k.lower(): config[k] for k in ("HOST", "PORT", "USER", "PASSWORD") if config[k]}
with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
    if not conn.execute(
        "select 1 from pg_database where datname = %s", [config["NAME"]]
    ).fetchone():
        conn.execute(f'create database "{config["NAME"]}"')

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from consent.models import AccessLogEntry  # noqa: E402
from consent.review.checks import CHECKS  # noqa: E402
from consent.review.scope import period_bounds, reviewed_log  # noqa: E402
from elevhalsa.models import User  # noqa: E402
from schools.models import (  # noqa: E402
    Assignment,
    Enrolment,
    Organisation,
    Profession,
    School,
    StaffMember,
    Student,
)

call_command("migrate", verbosity=0)

STAFF, STUDENTS, SCHOOLS = 300, 20_000, 30


def seed() -> None:
    if Organisation.objects.filter(name="Bänkkommunen").exists():
        return
    org = Organisation.objects.create(
        name="Bänkkommunen", organisation_number="2120000001", kind="municipality"
    )
    other = Organisation.objects.create(
        name="Bänkfriskolan AB", organisation_number="5560000001", kind="independent"
    )
    schools = School.objects.bulk_create(
        School(
            organisation=org if i % 5 else other,
            name=f"Bänkskola {i}",
            school_unit_code=f"{90000000 + i}",
        )
        for i in range(SCHOOLS)
    )
    users = User.objects.bulk_create(
        User(username=f"bench{i}", first_name="Bänk", last_name=f"Personal{i % 50}")
        for i in range(STAFF)
    )
    members = StaffMember.objects.bulk_create(
        StaffMember(
            user=u,
            organisation=schools[i % SCHOOLS].organisation,
            profession=Profession.SCHOOL_NURSE,
        )
        for i, u in enumerate(users)
    )
    start = timezone.localdate() - datetime.timedelta(days=700)
    Assignment.objects.bulk_create(
        Assignment(
            staff_member=m,
            school=schools[i % SCHOOLS],
            start_date=start,
            end_date=timezone.localdate() - datetime.timedelta(days=60) if i % 10 == 0 else None,
        )
        for i, m in enumerate(members)
    )
    students = Student.objects.bulk_create(
        Student(
            identity_kind="reserve",
            reserve_number=f"BENCH{i:07d}",
            given_name="Elev",
            family_name=f"Personal{i % 400}",
            birth_date=datetime.date(2012, 1, 1),
            protected_identity="sekretessmarkering" if i % 500 == 0 else "",
        )
        for i in range(STUDENTS)
    )
    Enrolment.objects.bulk_create(
        Enrolment(
            student=s, school=schools[i % SCHOOLS], start_date=start, is_health_responsible=True
        )
        for i, s in enumerate(students)
    )


def fill(rows: int, batch: int = 250_000) -> None:
    have = AccessLogEntry.objects.count()
    while have < rows:
        _fill(min(batch, rows - have))
        have = AccessLogEntry.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consent_accesslogentry")


def _fill(rows: int) -> None:
    users = list(User.objects.filter(username__startswith="bench").values_list("pk", flat=True))
    students = list(
        Student.objects.filter(reserve_number__startswith="BENCH").values_list("pk", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO consent_accesslogentry
              (at, user_id, username, student_id, action, reason, organisation_id, school_id,
               record_type, record_id, view_name, path, protected)
            SELECT ts, u.id, u.username, s.student_id,
                   (ARRAY['view','view','view','list','edit','emergency'])[1 + (g %% 6)],
                   (ARRAY['care_relation', 'care_relation', 'care_relation', 'grant',
                          'records_officer', 'emergency'])[1 + (g %% 6)],
                   m.organisation_id, e.school_id, '', '', 'bench', '/bench/',
                   st.protected_identity <> ''
            FROM (
              SELECT g,
                     now() - (random() * interval '365 days') AS ts,
                     (%s::bigint[])[1 + floor(random() * %s)::int] AS user_id,
                     (%s::bigint[])[1 + floor(random() * %s)::int] AS student_id
              FROM generate_series(1, %s) AS g
            ) s
            JOIN elevhalsa_user u ON u.id = s.user_id
            JOIN schools_staffmember m ON m.user_id = u.id
            JOIN schools_student st ON st.id = s.student_id
            JOIN LATERAL (
              SELECT school_id FROM schools_enrolment WHERE student_id = s.student_id LIMIT 1
            ) e ON true
            ORDER BY ts
            """,
            [users, len(users), students, len(students), rows],
        )


def median_ms(fn) -> float:
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


seed()
t0 = time.perf_counter()
fill(args.rows)
print(f"log rows: {AccessLogEntry.objects.count():,} (fill {time.perf_counter() - t0:.0f} s)")

org = Organisation.objects.get(name="Bänkkommunen")
today = timezone.localdate()
month = (today - datetime.timedelta(days=60), today - datetime.timedelta(days=30))
start, end = period_bounds(*month)
in_month = reviewed_log(org).filter(at__gte=start, at__lt=end)
student = Student.objects.filter(reserve_number__startswith="BENCH").order_by("pk")[7]
user = User.objects.filter(username__startswith="bench").order_by("pk")[3]

results = {
    "student view (first page of 50)": lambda: list(
        in_month.filter(student=student).order_by("-at", "-pk")[:51]
    ),
    "user view (first page of 50)": lambda: list(
        in_month.filter(username=user.username).order_by("-at", "-pk")[:51]
    ),
    "log, whole organisation (first page)": lambda: list(in_month.order_by("-at", "-pk")[:51]),
}
for name, check in CHECKS.items():
    results[f"check {name} (count)"] = lambda check=check: check.run(org, *month).count()
for label, fn in results.items():
    print(f"{label:45s} {median_ms(fn):9.1f} ms")
