"""A newcomer's first clicks: the demo nurse logs in, opens a class, opens a student."""

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from elevhalsa.auth.demo import current_code, is_demo_device
from schools.models import Student

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_data(transactional_db):
    call_command("seed_demo", students=40, allow_without_debug=True, verbosity=0)


def test_demo_nurse_clicks_from_my_schools_to_a_student(page, demo_data):
    page.goto("/konto/logga-in/")
    page.get_by_label("Användarnamn").fill("skolskoterska.bjork")
    page.get_by_label("Lösenord").fill("elevhalsa-demo")
    page.get_by_role("button", name="Logga in").click()
    # The demo accounts share the published demo key (README): compute today's code from it.
    device = TOTPDevice.objects.get(user__username="skolskoterska.bjork", confirmed=True)
    assert is_demo_device(device)
    page.get_by_label("Kod").fill(current_code(device))
    page.get_by_role("button", name="Fortsätt").click()

    page.get_by_role("heading", name="Mina skolor").wait_for()
    page.get_by_role("link", name="Björkskolan").click()

    page.locator("main a[href^='/klasser/']").first.click()
    student_link = page.locator("main a[href^='/elever/']").first
    name = student_link.inner_text().strip()
    student_link.click()

    page.get_by_role("heading", name=name).wait_for()
    public_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    student = Student.objects.get(public_id=public_id)
    assert student.full_name == name
    # The page never puts the identity number in its URL.
    assert student.identity_number is None or student.identity_number not in page.url
