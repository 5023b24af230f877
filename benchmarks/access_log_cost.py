"""What does the access log cost per request? Prints numbers; not a test.

Runs Django's test Client in-process (settings ``elevhalsa.settings.test``) against a benchmark
database, signed in (with a verified second factor) as the demo nurse ``skolskoterska.bjork``:

(a) the student page, (b) a class list with protected-identity students, (c) both again with
``log_accesses`` replaced by a no-op everywhere it was imported, (d) ``log_accesses`` itself
with 1 and 30 rows. The database is created (PostgreSQL), migrated and seeded if needed; the log
rows written here stay in it (the table is append-only). See benchmarks/README.md.

    .venv/bin/python benchmarks/access_log_cost.py [--database-url URL] [-n 300] [--inserts 500]
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time
from logging import WARNING, getLogger
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/elevhalsa_bench"

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
parser.add_argument("-n", type=int, default=300, help="requests per page and mode")
parser.add_argument("--inserts", type=int, default=500, help="log_accesses calls per size")
parser.add_argument("--students", type=int, default=600, help="seed_demo size if empty")
args = parser.parse_args()

os.environ["DATABASE_URL"] = args.database_url
os.environ["DJANGO_SETTINGS_MODULE"] = "elevhalsa.settings.test"
os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # what setup_test_environment would add
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
getLogger("axes").setLevel(WARNING)  # one sign-in line per run is enough

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import get_resolver  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

import consent.accesslog  # noqa: E402
from consent.accesslog import Access, AccessAction, AccessReason  # noqa: E402
from consent.models import AccessLogEntry  # noqa: E402
from consent.policy import visible_students  # noqa: E402
from elevhalsa.models import User  # noqa: E402
from schools.models import ClassMembership  # noqa: E402

call_command("migrate", verbosity=0)
if not User.objects.filter(username="skolskoterska.bjork").exists():
    call_command("seed_demo", students=args.students, allow_without_debug=True, verbosity=0)

nurse = User.objects.get(username="skolskoterska.bjork")
client = Client()
client.force_login(nurse)  # like tests/conftest.py's VerifiedClient: mark the session verified
device = TOTPDevice.objects.filter(user=nurse, confirmed=True).first()
device = device or TOTPDevice.objects.create(user=nurse, name="bench", confirmed=True)
session = client.session
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session.save()

rng = random.Random(1)  # noqa: S311 (a reproducible sample, not a secret)
visible = list(visible_students(nurse).order_by("pk"))
student_urls = [f"/elever/{rng.choice(visible).public_id}/" for _ in range(args.n)]
protected_ids = [s.pk for s in visible if s.protected_identity]
classes = (
    ClassMembership.objects.current()
    .filter(student_id__in=protected_ids)
    .values_list("school_class_id", flat=True)
    .distinct()
)
class_urls = [f"/klasser/{pk}/" for pk in sorted(classes)]
if not class_urls:
    sys.exit("no class with a protected-identity student visible to skolskoterska.bjork")
class_urls = [class_urls[i % len(class_urls)] for i in range(args.n)]

# Every module that imported log_accesses by name (consent.policy.*, schools.views, ...): load
# the URLconf first, so that every view module is imported.
get_resolver().url_patterns  # noqa: B018
REAL = consent.accesslog.log_accesses
HOLDERS = [m for m in list(sys.modules.values()) if getattr(m, "log_accesses", None) is REAL]


def set_logging(on: bool) -> None:
    for module in HOLDERS:
        module.log_accesses = REAL if on else (lambda accesses: None)


def get(url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"GET {url} -> {response.status_code}")


def per_request(urls: list[str], logging: bool) -> tuple[float, float]:
    """Queries and access-log rows per request (untimed pass)."""
    set_logging(logging)
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    rows = AccessLogEntry.objects.count()
    with connection.execute_wrapper(count):
        for url in urls:
            get(url)
    rows = AccessLogEntry.objects.count() - rows
    set_logging(True)
    return queries / len(urls), rows / len(urls)


def timed(urls: list[str]) -> dict[bool, list[float]]:
    """Latency in ms of each URL with logging on and off, back to back, alternating which
    goes first, so that drift and the other load on the machine hit both alike."""
    times: dict[bool, list[float]] = {True: [], False: []}
    for i, url in enumerate(urls):
        for logging in (True, False) if i % 2 == 0 else (False, True):
            set_logging(logging)
            t0 = time.perf_counter()
            get(url)
            times[logging].append((time.perf_counter() - t0) * 1000)
    set_logging(True)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def report(title: str, urls: list[str]) -> None:
    for logging in (True, False):  # warm-up: templates, caches, connection
        set_logging(logging)
        for url in urls[:30]:
            get(url)
    q_on, rows = per_request(urls[:50], True)
    q_off, _ = per_request(urls[:50], False)
    times = timed(urls)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"\n{title}: {len(urls)} requests per mode, {len(set(urls))} distinct URLs")
    print(f"  {'':12} {'median ms':>10} {'p95 ms':>8} {'queries/req':>12}")
    print(f"  {'logging on':12} {on:10.2f} {p95(times[True]):8.2f} {q_on:12.1f}")
    print(f"  {'logging off':12} {off:10.2f} {p95(times[False]):8.2f} {q_off:12.1f}")
    paired = statistics.median(a - b for a, b in zip(times[True], times[False], strict=True))
    print(f"  cost of logging: {on - off:+.2f} ms per request ({(on - off) / off:+.1%} of median);")
    print(f"  median of the paired differences: {paired:+.2f} ms ({paired / off:+.1%})")
    print(f"  access-log rows per request: {rows:.2f}")


def median_us(call, times: int) -> float:
    for _ in range(20):
        call()
    samples = []
    for _ in range(times):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(samples)


def insert_cost(size: int) -> tuple[float, float]:
    """Median µs of one log_accesses call writing ``size`` rows, and of building its rows."""
    base = {"organisation": None, "school": None, "view_name": "bench", "path": "/bench/"}
    accesses = [
        Access(
            nurse, visible[i % len(visible)], AccessAction.VIEW, AccessReason.CARE_RELATION, **base
        )
        for i in range(size)
    ]
    build = median_us(lambda: [access.to_entry() for access in accesses], args.inserts)
    return median_us(lambda: REAL(accesses), args.inserts), build


if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("show server_version")
        database = f"PostgreSQL {cursor.fetchone()[0]}"
else:
    database = f"SQLite {connection.Database.sqlite_version}"
print("command:", " ".join([".venv/bin/python", *sys.argv]))
print(f"machine: {platform.node()}, nproc={os.cpu_count()}, Python {platform.python_version()}")
print(f"database: {database}, {config['NAME']}")
print(f"{len(visible)} students visible to skolskoterska.bjork ({len(protected_ids)} protected);")
print(f"log_accesses patched in {len(HOLDERS)} modules: {', '.join(m.__name__ for m in HOLDERS)}")
report("(a) student page GET /elever/<public_id>/", student_urls)
report("(b) class list GET /klasser/<pk>/ (classes with protected students)", class_urls)
print(f"\n(d) log_accesses alone, {args.inserts} calls each (median):")
for size in (1, 30):
    us, build = insert_cost(size)
    print(f"  {size:2} row(s): {us:6.0f} µs per call, {us / size:5.0f} µs per row", end="")
    print(f" (of which building the rows in Python, Access.to_entry: {build:.0f} µs)")
