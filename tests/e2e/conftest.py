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
