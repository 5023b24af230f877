"""A student who missed an earlier grade's visit is planned case by case: the nurse plans the
catch-up from the student's visits, and the class worklist shows it beside the class's point."""

import datetime

import pytest
from django.utils import timezone

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_nurse_plans_a_catch_up_and_the_worklist_shows_it(
    page, console_errors, nurse_a, student_a, class_a
):
    log_in(page, "nurse_a")
    page.goto(f"/elever/{student_a.public_id}/halsobesok/")
    page.get_by_role("link", name="Planera individuellt Åk 2").click()
    page.get_by_role("heading", name="Planera Åk 2 individuellt").wait_for()

    # A date after the school year: the error is shown and the comment is kept.
    page.get_by_label("Planerat datum").fill("2099-01-10")
    page.get_by_label("Kommentar").fill("Flyttade in från annan kommun")
    page.get_by_role("button", name="Spara").click()
    page.get_by_text("utanför läsåret", exact=False).first.wait_for()
    assert page.get_by_label("Kommentar").input_value() == "Flyttade in från annan kommun"

    day = timezone.localdate() + datetime.timedelta(days=1)
    page.get_by_label("Planera besöket det här läsåret").check()
    page.get_by_label("Planerat datum").fill(day.isoformat())
    page.get_by_role("button", name="Spara").click()
    page.get_by_text(f"Åk 2 är planerat till {day.isoformat()}").wait_for()

    page.goto(f"/klasser/{class_a.pk}/halsobesok/")
    row = page.locator("tr", has_text=student_a.full_name)
    assert f"Åk 2 individuellt: Planerat {day.isoformat()}" in row.inner_text()
    assert console_errors == []
