"""Browser tests: Playwright for Python driving Debian's Chromium (no browser download).

Without /usr/bin/chromium these tests skip with the reason; CI sets REQUIRE_BROWSER=1, which
turns the skip into a failure.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Flags that keep Chromium off the network it cannot reach here (component updates, sync …).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        skip_or_fail(f"needs Chromium at {CHROMIUM} (Debian package 'chromium')", "REQUIRE_BROWSER")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("needs the playwright package (dev extras)", "REQUIRE_BROWSER")
    # Playwright's sync API keeps an event loop in this thread; Django's ORM in the test body is
    # still synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def console_errors(page):
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def log_in(page, username):
    """Sign in through the pages, second factor included (users from tests/conftest.py)."""
    from elevhalsa.auth.demo import current_code, give_demo_device
    from elevhalsa.models import User

    device = give_demo_device(User.objects.get(username=username))
    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill("demo-losen-123")
    page.get_by_role("button", name="Logga in").click()
    page.get_by_label("Kod").fill(current_code(device))  # the second factor
    page.get_by_role("button", name="Fortsätt").click()
    page.get_by_role("heading", name="Mina skolor").wait_for()


@pytest.fixture(autouse=True)
def national_templates(transactional_db):
    """A live-server test flushes the database afterwards, and with it the rows data migrations
    wrote (the national default templates): put them back (the loader skips existing ones)."""
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    # The models as those migrations saw them: no custom save() refusing published versions.
    for name in (
        "0002_default_templates",
        "0009_medication_dose_template",
        "0011_national_health_programme",
        "0013_who2007_reference",
        "0015_growth_bound_templates",
        "0017_national_vaccination_programme",
        "0020_vaccination_template",
    ):
        state = MigrationLoader(connection).project_state(("journal", name), at_end=True)
        import_module(f"journal.migrations.{name}").load(state.apps, None)
