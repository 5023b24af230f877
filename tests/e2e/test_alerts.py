"""An allergy, once recorded, is on every page about the student — for the psychologist too."""

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_nurse_records_an_allergy_and_every_student_page_shows_it(
    browser, live_server, console_errors, page, nurse_a, psychologist_a, student_a
):
    log_in(page, "nurse_a")
    page.goto(f"/elever/{student_a.public_id}/")
    page.get_by_role("link", name="Uppmärksamhetssignaler").first.click()
    page.get_by_role("link", name="Ny uppmärksamhetssignal").click()
    page.get_by_label("Typ").select_option(label="Allergi eller överkänslighet")
    page.get_by_label("Ämne").fill("Jordnötter")
    page.get_by_label("Reaktion").fill("Anafylaxi")
    page.get_by_label("Svårighetsgrad").select_option(label="Svår – livshotande")
    page.get_by_role("button", name="Spara").click()

    for path in (
        f"/elever/{student_a.public_id}/",
        f"/elever/{student_a.public_id}/journal/",
        f"/elever/{student_a.public_id}/journal/ny/",
        f"/elever/{student_a.public_id}/lakemedel-och-egenvard/",
        f"/elever/{student_a.public_id}/journal/kopia/",
    ):
        page.goto(path)
        banner = page.get_by_role("region", name="Uppmärksamhetssignal")
        assert "Jordnötter" in banner.inner_text(), path
    assert console_errors == []

    # The psychologist works on the other side of the EMI/EPI wall: the alert crosses it.
    context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    other = context.new_page()
    log_in(other, "psychologist_a")
    other.goto(f"/elever/{student_a.public_id}/journal/")
    assert "Jordnötter" in other.get_by_role("region", name="Uppmärksamhetssignal").inner_text()
    context.close()
