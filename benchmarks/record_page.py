"""The record page with many entries: queries and server time per request. Prints numbers.

Runs Django's test Client in-process (settings ``elevhalsa.settings.test``) against a benchmark
database, signed in (second factor verified) as the demo nurse ``skolskoterska.bjork``. One
student she may see gets ``--entries`` signed åk 4 health visits (written once through the
services, so each has its ten keyword values, history rows and a code; re-runs reuse them);
then, after 20 warm-up requests, N requests of each page are timed:

(a) the record page ``/elever/<id>/journal/`` (first page of the paginated timeline);
(b) the same with a text search ``?q=...`` that matches every entry;
(c) one entry's full view and (d) its history.

    .venv/bin/python benchmarks/record_page.py [--database-url URL] [-n 200] [--entries 500]
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
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/elevhalsa_bench"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
parser.add_argument("-n", type=int, default=200, help="timed requests per page")
parser.add_argument("--entries", type=int, default=500, help="entries on the student's record")
parser.add_argument("--students", type=int, default=600, help="seed_demo size if empty")
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from elevhalsa.models import User  # noqa: E402
from journal.demo import AK4  # noqa: E402
from journal.models import JournalEntry, TemplateVersion  # noqa: E402
from journal.models.codes import CodeSystem, code_lookup  # noqa: E402
from journal.services.entries import entry_save_draft, entry_sign, entry_start  # noqa: E402
from schools.models import Student  # noqa: E402

call_command("migrate", verbosity=0)
if not User.objects.filter(username="skolskoterska.bjork").exists():
    call_command("seed_demo", students=args.students, allow_without_debug=True, verbosity=0)

nurse = User.objects.get(username="skolskoterska.bjork")
student = (
    Student.objects.filter(
        class_memberships__school_class__school__name="Björkskolan",
        class_memberships__school_class__grade=4,
        protected_identity="",
    )
    .order_by("-family_name", "pk")
    .first()
)
version = TemplateVersion.objects.get(
    template__code="halsobesok-ak4", template__organisation__isnull=True, status="published"
)
code = code_lookup(CodeSystem.KVA, "DV141") or code_lookup(CodeSystem.KVA, "DV111")
have = JournalEntry.objects.filter(student=student, author=nurse).count()
if have < args.entries:
    started = time.perf_counter()
    first = timezone.now() - datetime.timedelta(days=args.entries + 1)
    for index in range(have, args.entries):
        entry = entry_start(
            author=nurse,
            student=student,
            template_version=version,
            contact_at=first + datetime.timedelta(days=index),
        )
        entry = entry_save_draft(
            entry=entry,
            by=nurse,
            lock_version=entry.lock_version,
            values={**AK4, "anamnes": f"Besök {index + 1}. {AK4['anamnes']}"},
            codes=[code] if code else [],
        )
        entry_sign(entry=entry, by=nurse)
    print(
        f"wrote {args.entries - have} entries in {time.perf_counter() - started:.1f} s "
        f"(through the services)"
    )

client = Client()
client.force_login(nurse)
device = TOTPDevice.objects.filter(user=nurse, confirmed=True).first()
device = device or TOTPDevice.objects.create(user=nurse, name="bench", confirmed=True)
session = client.session
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.save()

entry = JournalEntry.objects.filter(student=student).order_by("-contact_at").first()
pages = {
    "(a) record page": f"/elever/{student.public_id}/journal/",
    "(b) record page, text search": f"/elever/{student.public_id}/journal/?q=besök",
    "(c) one entry": f"/journal/anteckningar/{entry.public_id}/",
    "(d) its history": f"/journal/anteckningar/{entry.public_id}/historik/",
}


def get(url: str):
    response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"GET {url} -> {response.status_code}")
    return response


def count_queries(url: str) -> list:
    """The queries of one request, by a wrapper (the request closes the connection, and with
    it the query log)."""
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        get(url)
    return queries


entries = JournalEntry.objects.filter(student=student).count()
server = connection.vendor
if server == "postgresql":
    server += f" {connection.cursor().connection.info.server_version}"
print(
    f"{platform.python_implementation()} {platform.python_version()}, "
    f"Django {django.__version__}, {server}; {entries} entries on the record, n={args.n} per page"
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
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{label:34} {len(queries):>8} {statistics.median(times):>10.1f} {p95:>8.1f}")
