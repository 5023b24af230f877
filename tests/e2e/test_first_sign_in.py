"""First sign-in in a real browser, without JavaScript: password, enrolment of an authenticator
app (the secret read from the page, the code computed as the app would), backup codes shown
once, then "Mina skolor"."""

import base64
import re

import pytest
from django_otp.oath import TOTP

pytestmark = pytest.mark.browser


def code_for(secret_text: str) -> str:
    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_new_nurse_enrols_sees_backup_codes_and_reaches_my_schools(browser, live_server, nurse_a):
    context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto("/")
        page.get_by_label("Användarnamn").fill("nurse_a")
        page.get_by_label("Lösenord").fill("demo-losen-123")
        page.get_by_role("button", name="Logga in").click()

        page.get_by_role("heading", name="Registrera andra faktorn").wait_for()
        assert page.get_by_role("img", name="QR-kod för autentiseringsappen").is_visible()
        secret = page.locator("#totp-secret").inner_text()
        assert re.fullmatch(r"[A-Z2-7 ]{32,}", secret)
        page.get_by_label("Kod från appen").fill(code_for(secret))
        page.get_by_role("button", name="Bekräfta").click()

        page.get_by_role("heading", name="Dina reservkoder").wait_for()
        codes = page.locator("ol.backup-codes li").all_inner_texts()
        assert len(codes) == 10
        page.get_by_role("link", name="Jag har sparat koderna – fortsätt").click()
        page.get_by_role("heading", name="Mina skolor").wait_for()

        # Shown once: the page does not show them again.
        page.goto("/konto/andra-faktorn/reservkoder/")
        page.get_by_role("heading", name="Mitt konto").wait_for()
        assert codes[0] not in page.content()
    finally:
        context.close()
