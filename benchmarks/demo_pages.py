"""Query counts and median server time of the class pages added with consents, growth and the
health-visit worklist, and of a child's page in the guardian portal, on a seeded demo database.
Prints numbers.

    python3 dev.py demo   # once: the demo database (db.sqlite3); or point DATABASE_URL elsewhere
    DATABASE_URL=sqlite:///db.sqlite3 .venv/bin/python benchmarks/demo_pages.py [-n 7]

Signed in (second factor verified, as tests/conftest.py does) as the demo nurse
``skolskoterska.bjork`` on the largest class of Björkskolan; the portal page as the demo guardian
Agnes Berglund (the demo e-ID's first entry). Each page is requested ``-n`` times after one
warm-up; the query count is the last request's, the time the median.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elevhalsa.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from consent.portal.rights import children_of  # noqa: E402
from elevhalsa.models import User  # noqa: E402
from schools.models import Guardian, SchoolClass  # noqa: E402
from tests.conftest import VerifiedClient  # noqa: E402
from tests.consent.portal_fakes import portal_client  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("-n", type=int, default=7, help="timed requests per page")
args = parser.parse_args()
settings.ALLOWED_HOSTS = ["testserver"]


def measure(client, url: str) -> tuple[int, float]:
    client.get(url)  # warm-up
    times = []
    for _ in range(args.n):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            sys.exit(f"{url}: status {response.status_code}")
    return len(queries.captured_queries), statistics.median(times)


nurse = User.objects.get(username="skolskoterska.bjork")
staff = VerifiedClient()
staff.force_login(nurse)
school_class = max(
    SchoolClass.objects.filter(school__name="Björkskolan"), key=lambda c: c.memberships.count()
)
print(f"{connection.vendor}; class {school_class} with {school_class.memberships.count()} members")
print(f"{'page':28} queries  median ms")
for name in ("journal:class-growth", "consent:class-consents", "journal:class-worklist"):
    count, median = measure(staff, reverse(name, args=[school_class.pk]))
    print(f"{name:28} {count:7} {median:10.1f}")

guardian = Guardian.objects.get(given_name="Agnes", family_name="Berglund")
child = children_of(guardian)[0]
count, median = measure(
    portal_client(guardian), reverse("portal:child", args=[child.student.public_id])
)
print(f"{'portal:child':28} {count:7} {median:10.1f}")
