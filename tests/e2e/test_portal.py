"""A guardian on a phone: signs in with the demo e-ID, opens her child, sees the note the nurse
shared (and not the one she did not share), and agrees to a vaccination request."""

import pytest

from consent.consents import request_consent
from consent.models import ConsentKind, ConsentStatus
from journal.models import MarkKind
from journal.services.entries import mark_set
from tests.journal.factories import make_entry
from tests.schools.factories import GuardianFactory, GuardianRelationFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="sv-SE",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


def _note(nurse, student, text, *, share):
    entry = make_entry(
        nurse,
        student,
        template="telefonkontakt",
        values={"kontakt-med": "Mamma", "kontaktorsak": "Huvudvärk", "bedomning": text},
        sign=True,
    )
    if share:
        mark_set(entry=entry, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse)
    return entry


def test_guardian_signs_in_on_a_phone_answers_a_request_and_reads_the_shared_note(
    phone, nurse_a, student_a
):
    guardian = GuardianFactory(given_name="Gunnel", family_name="Förälder")
    GuardianRelationFactory(student=student_a, guardian=guardian)
    _note(nurse_a, student_a, "Råd om sömn och vätska.", share=True)
    _note(nurse_a, student_a, "INTE-DELAD-ANTECKNING", share=False)
    consent = request_consent(
        student=student_a,
        by=nurse_a,
        kind=ConsentKind.VACCINATION,
        scope_code="HPV",
        school_year="2026/27",
    )

    page = phone
    page.goto("/portal/")
    page.get_by_role("link", name="Logga in med demo-e-legitimation").click()
    page.get_by_role("button", name="Gunnel Förälder").click()
    page.get_by_role("heading", name="Dina barn").wait_for()
    assert "1 förfrågan väntar på ditt svar" in page.inner_text("main")
    # Phone first: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name=student_a.full_name).click()
    page.get_by_role("heading", name="Delade anteckningar").wait_for()
    main = page.inner_text("main")
    assert "Råd om sömn och vätska." in main
    assert "INTE-DELAD-ANTECKNING" not in page.content()

    page.get_by_role("link", name="Läs och svara").click()
    page.get_by_role("heading", name="Förfrågan om samtycke").wait_for()
    assert "HPV" in page.inner_text("main")
    page.get_by_role("button", name="Jag samtycker", exact=True).click()
    page.get_by_text("Tack! Ditt samtycke är registrerat.").wait_for()
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.GRANTED
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("button", name="Logga ut").click()
    page.get_by_role("heading", name="Logga in").wait_for()
    assert page.console_errors == []
