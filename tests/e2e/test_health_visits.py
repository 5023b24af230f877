"""The nurse's health-visit round: plan åk 4 for a class, open a student from the worklist,
document the visit from the template, and the worklist shows it done."""

import datetime

import pytest
from django.utils import timezone

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_nurse_plans_a_class_documents_a_visit_and_the_worklist_shows_done(
    page, console_errors, nurse_a, student_a, class_a
):
    log_in(page, "nurse_a")
    page.goto(f"/klasser/{class_a.pk}/halsobesok/")
    day = timezone.localdate() + datetime.timedelta(days=1)
    page.get_by_label("Datum för hälsobesöken").fill(day.isoformat())
    page.get_by_role("button", name="Planera").click()
    row = page.locator("tr", has_text=student_a.full_name)
    assert day.isoformat() in row.inner_text()

    row.get_by_role("link", name="Dokumentera").click()
    page.get_by_role("button", name="Påbörja anteckningen").click()
    page.get_by_label("Längd").fill("141,0")
    page.get_by_label("Vikt").fill("33,5")
    page.get_by_label("Rygg (skolios)").select_option("Utan anmärkning")
    page.get_by_label("Bedömning").fill("Frisk elev.")
    page.get_by_role("button", name="Spara och signera").click()
    page.get_by_text("Anteckningen signerades.").wait_for()

    page.goto(f"/klasser/{class_a.pk}/halsobesok/")
    row = page.locator("tr", has_text=student_a.full_name)
    assert "Genomfört" in row.inner_text()
    assert console_errors == []
