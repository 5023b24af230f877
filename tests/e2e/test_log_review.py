"""A log reviewer closes an emergency access from the review queue (issue 11)."""

import pytest

from consent.models import EmergencyAccess
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_reviewer_closes_an_emergency_access_from_the_queue(
    console_errors, page, log_reviewer_a, emergency_nurse_a2, student_a
):
    log_in(page, "log_reviewer_a")
    page.get_by_role("link", name="Granskningskö").first.click()
    queue = page.get_by_role("region", name="Nödåtkomster")
    assert student_a.family_name in queue.inner_text()
    queue.get_by_label("Granskningsresultat").select_option("justified")
    queue.get_by_label("Kommentar").fill("Akut allergisk reaktion, befogad.")
    queue.get_by_role("button", name="Stäng som granskad").click()
    page.wait_for_url("**/loggkontroll/ko/")
    assert (
        "Inget väntar på granskning."
        in page.get_by_role("region", name="Nödåtkomster").inner_text()
    )
    access = EmergencyAccess.objects.get()
    assert access.review_outcome == "justified" and access.reviewed_by == log_reviewer_a
    assert console_errors == []
