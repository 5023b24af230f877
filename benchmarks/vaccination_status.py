"""Vaccination status pages for a school of 600: queries and server time per request. Prints
numbers.

Runs Django's test Client in-process (settings ``elevhalsa.settings.test``) against a benchmark
database (PostgreSQL by default), signed in (second factor verified) as the demo nurse
``skolskoterska.bjork`` (``seed_demo`` runs once if the database is empty). It builds, once,
a school of its own in her organisation ("Vaccinationsskolan", where she is assigned) with 20
classes of 30 students (åk 1–9, this school year) and signed doses for about half of them
(MPR dose 2, HPV dose 1 and 2, dTp dose 5, some declined); re-runs reuse it. Then, after 20
warm-up requests, N requests of each page are timed:

(a) one class's status page ``/klasser/<pk>/vaccinationer/`` (30 students);
(b) the school's due list ``/skolor/<pk>/vaccinationer/`` (status of all 600, first page);
(c) the school's catch-up list ``?visa=ikapp``;
(d) one student's page ``/elever/<id>/vaccinationer/``.

    .venv/bin/python benchmarks/vaccination_status.py [--database-url URL] [-n 100]
"""

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from logging import WARNING, getLogger
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/elevhalsa_bench_vacc"
SCHOOL = "Vaccinationsskolan"
CLASSES, PER_CLASS = 20, 30

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
parser.add_argument("-n", type=int, default=100, help="timed requests per page")
parser.add_argument("--students", type=int, default=200, help="seed_demo size if empty")
args = parser.parse_args()

os.environ["DATABASE_URL"] = args.database_url
os.environ["DJANGO_SETTINGS_MODULE"] = "elevhalsa.settings.test"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
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
getLogger("axes").setLevel(WARNING)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from elevhalsa.models import User  # noqa: E402
from journal.models.vaccination import Vaccination, Vaccine  # noqa: E402
from schools.identity import generate_identity_number  # noqa: E402
from schools.models import (  # noqa: E402
    Assignment,
    ClassMembership,
    Enrolment,
    School,
    SchoolClass,
    SchoolType,
    Student,
)
from schools.schoolyear import current_school_year  # noqa: E402

call_command("migrate", verbosity=0)
if not User.objects.filter(username="skolskoterska.bjork").exists():
    call_command("seed_demo", students=args.students, allow_without_debug=True, verbosity=0)
nurse = User.objects.get(username="skolskoterska.bjork")
organisation = nurse.staff_member.organisation


@transaction.atomic
def build_school() -> School:
    """The school, its classes, students, enrolments, memberships and doses (bulk inserts)."""
    today = timezone.localdate()
    year = current_school_year(today)
    first_year = int(year[:4])
    school = School.objects.create(
        organisation=organisation,
        name=SCHOOL,
        school_unit_code="99000600",
        school_types=[SchoolType.GR],
    )
    Assignment.objects.create(
        staff_member=nurse.staff_member, school=school, start_date=today - datetime.timedelta(1)
    )
    vaccines = {v.series: v for v in Vaccine.objects.filter(name__in=["Priorix", "Gardasil 9"])}
    vaccines["DTP"] = Vaccine.objects.get(name="Boostrix")
    students, memberships, enrolments, doses = [], [], [], []
    serial = 0
    for index in range(CLASSES):
        grade = 1 + index % 9
        school_class = SchoolClass.objects.create(
            school=school,
            school_year=year,
            school_type=SchoolType.GR,
            grade=grade,
            name=f"{grade}{chr(65 + index // 9)}V",
        )
        born = first_year - 6 - grade
        for _ in range(PER_CLASS):
            serial += 1
            female = serial % 2 == 0
            birth = datetime.date(born, 1 + serial % 12, 1 + serial % 28)
            students.append(
                (
                    Student(
                        identity_number=generate_identity_number(
                            birth, 500 + serial, female=female
                        ),
                        given_name=f"Elev{serial}",
                        family_name=f"Vaccinsson{serial:04d}",
                    ),
                    school_class,
                )
            )
    for student, _class in students:
        student.derive_from_identity()
    Student.objects.bulk_create([s for s, _c in students])
    for number, (student, school_class) in enumerate(students):
        start = datetime.date(first_year, 8, 1)
        enrolments.append(Enrolment(student=student, school=school, start_date=start))
        memberships.append(
            ClassMembership(student=student, school_class=school_class, start_date=start)
        )
        if number % 2:
            continue  # half have no doses: due or overdue
        given = timezone.make_aware(
            datetime.datetime.combine(datetime.date(first_year - 1, 10, 1), datetime.time(10))
        )
        later = timezone.make_aware(
            datetime.datetime.combine(datetime.date(first_year, 4, 1), datetime.time(10))
        )

        def dose(series, dose_number, at, outcome="given", student=student):
            return Vaccination(
                student=student,
                organisation=organisation,
                outcome=outcome,
                series=series,
                dose_number=dose_number,
                vaccine=vaccines[series] if outcome == "given" else None,
                given_at=at,
                source="here",
                reason="" if outcome == "given" else "Avböjd.",
                vaccinator=nurse,
                vaccinator_name="Bänk Mark",
                status="signed",
                signed_at=at,
            )

        if school_class.grade >= 2:
            doses.append(dose("MPR", 2, given))
        if school_class.grade >= 6:
            if number % 10 == 0:
                doses.append(dose("HPV", 1, given, outcome="declined"))
            else:
                doses += [dose("HPV", 1, given), dose("HPV", 2, later)]
        if school_class.grade == 9:
            doses.append(dose("DTP", 5, given))
    Enrolment.objects.bulk_create(enrolments)
    ClassMembership.objects.bulk_create(memberships)
    Vaccination.objects.bulk_create(doses)
    print(f"built {SCHOOL}: {len(students)} students, {len(doses)} doses")
    return school


school = School.objects.filter(name=SCHOOL, organisation=organisation).first() or build_school()
school_class = SchoolClass.objects.filter(school=school, grade=5).order_by("pk").first()
student = Student.objects.filter(class_memberships__school_class=school_class).first()

client = Client()
client.force_login(nurse)
device = TOTPDevice.objects.filter(user=nurse, confirmed=True).first()
device = device or TOTPDevice.objects.create(user=nurse, name="bench", confirmed=True)
session = client.session
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.save()

pages = {
    "(a) class status (30)": f"/klasser/{school_class.pk}/vaccinationer/",
    "(b) school due list (600)": f"/skolor/{school.pk}/vaccinationer/",
    "(c) school catch-up list (600)": f"/skolor/{school.pk}/vaccinationer/?visa=ikapp",
    "(d) one student": f"/elever/{student.public_id}/vaccinationer/",
}


def get(url: str):
    response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"GET {url} -> {response.status_code}")
    return response


def count_queries(url: str) -> list:
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        get(url)
    return queries


server = connection.vendor
if server == "postgresql":
    server += f" {connection.cursor().connection.info.server_version}"
total = Enrolment.objects.filter(school=school).count()
print(
    f"{platform.python_implementation()} {platform.python_version()}, "
    f"Django {django.__version__}, {server}; {total} students at the school, n={args.n} per page"
)
print(f"{'page':34} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
for label, url in pages.items():
    for _ in range(20):
        get(url)
    queries = count_queries(url)
    times = []
    for _ in range(args.n):
        started = time.perf_counter()
        get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[max(int(len(times) * 0.95) - 1, 0)]
    print(f"{label:34} {len(queries):>8} {statistics.median(times):>10.1f} {p95:>8.1f}")
