"""The base layout in a real browser: the strict CSP blocks nothing we serve, the styles load,
and the language switch and logout work without JavaScript."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

JAVASCRIPT_OFF = {"java_script_enabled": False}


def test_pages_load_bootstrap_with_no_csp_violation(page, console_errors, nurse_a, student_a):
    log_in(page, "nurse_a")
    page.get_by_role("link", name="Skola A").click()
    page.get_by_role("link", name="4A").click()
    page.get_by_role("link", name=student_a.full_name).click()
    page.get_by_role("heading", name=student_a.full_name).wait_for()
    # Bootstrap's reboot sets this font stack; it only applies if the stylesheet loaded.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "system-ui" in font
    assert console_errors == []


def test_language_switch_and_logout_work_without_javascript(browser, live_server, nurse_a):
    context = browser.new_context(base_url=live_server.url, locale="sv-SE", **JAVASCRIPT_OFF)
    page = context.new_page()
    try:
        log_in(page, "nurse_a")
        page.get_by_label("Språk").select_option("en")
        page.get_by_role("button", name="Byt språk").click()
        page.get_by_role("heading", name="My schools").wait_for()
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_role("button", name="Log out").click()
        page.get_by_role("button", name="Log in").wait_for()
        assert "/konto/logga-in/" in page.url
    finally:
        context.close()


def test_skip_link_is_first_and_moves_focus_to_main(page, nurse_a, school_a):
    log_in(page, "nurse_a")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    assert skip.evaluate("element => element === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
