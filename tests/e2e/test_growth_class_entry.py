"""The nurse measures a class (issue 7): heights and weights for the class on one page with a
decimal comma; a mistyped row comes back with its error and what was typed while the others
are saved; once fixed it is saved too, and the student's growth page draws her curve on the
named reference."""

import pytest

from journal.models import GrowthMeasurement
from tests.e2e.conftest import log_in
from tests.schools.factories import ClassMembershipFactory, EnrolmentFactory, StudentFactory

pytestmark = pytest.mark.browser


def test_nurse_enters_a_class_and_a_bad_row_is_kept_for_correction(
    page, console_errors, nurse_a, student_a, class_a
):
    bo = StudentFactory(given_name="Bo", family_name="Bokvist")
    EnrolmentFactory(student=bo, school=class_a.school)
    ClassMembershipFactory(student=bo, school_class=class_a)

    log_in(page, "nurse_a")
    page.goto(f"/klasser/{class_a.pk}/")
    page.get_by_role("link", name="Längd och vikt").click()
    page.get_by_role("heading", name=f"Längd och vikt, klass {class_a.name}").wait_for()
    page.get_by_label(f"Längd (cm) för {student_a.full_name}").fill("142,5")
    page.get_by_label(f"Vikt (kg) för {student_a.full_name}").fill("35,2")
    page.get_by_label(f"Längd (cm) för {bo.full_name}").fill("1425")  # a missed comma
    page.get_by_label(f"Vikt (kg) för {bo.full_name}").fill("33,1")
    page.get_by_role("button", name="Spara och signera").click()

    page.get_by_text("1 rad sparades inte").wait_for()
    bo_row = page.locator("tr", has_text=bo.full_name)
    assert "Längden ska ligga mellan 50 och 230 cm." in bo_row.inner_text()
    assert page.get_by_label(f"Längd (cm) för {bo.full_name}").input_value() == "1425"
    assert page.get_by_label(f"Vikt (kg) för {bo.full_name}").input_value() == "33,1"
    assert "Sparad" in page.locator("tr", has_text=student_a.full_name).inner_text()
    assert GrowthMeasurement.objects.filter(student=student_a).count() == 1

    page.get_by_label(f"Längd (cm) för {bo.full_name}").fill("142,5")
    page.get_by_role("button", name="Spara och signera").click()
    page.get_by_text("1 mätning sparades och signerades.").wait_for()
    assert GrowthMeasurement.objects.filter(student=bo, height_cm="142.5").exists()

    page.get_by_role("link", name=student_a.full_name).click()  # her growth page
    page.get_by_role("heading", name="Tillväxtkurvor").wait_for()
    assert page.locator("svg.growth-chart").count() >= 2
    assert "WHO 2007" in page.locator("svg.growth-chart").first.inner_html()
    assert console_errors == []
