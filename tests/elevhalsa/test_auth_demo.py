"""Demo accounts have a working, documented second factor; ``demo_totp`` prints its code."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from elevhalsa.auth.demo import DEMO_TOTP_SECRET, current_code, give_demo_device, is_demo_device

from .auth_helpers import app_for, give_code, sign_in_with_password


def test_seeded_demo_staff_have_the_published_key(db):
    call_command("seed_demo", students=0, allow_without_debug=True, stdout=StringIO())
    devices = TOTPDevice.objects.filter(confirmed=True).select_related("user")
    assert {d.user.username for d in devices} >= {"skolskoterska.bjork", "registeradmin"}
    assert all(is_demo_device(device) for device in devices)


def test_demo_nurse_signs_in_with_the_printed_code(db, unverified_client, settings):
    call_command("seed_demo", students=0, allow_without_debug=True, stdout=StringIO())
    out = StringIO()
    settings.DEBUG = True
    call_command("demo_totp", "skolskoterska.bjork", stdout=out)
    printed = out.getvalue().strip()
    assert len(printed) == 6 and printed.isdigit()
    sign_in_with_password(unverified_client, "skolskoterska.bjork", password="elevhalsa-demo")
    assert give_code(unverified_client, printed).status_code == 302


def test_demo_totp_refuses_without_debug(nurse_a):
    give_demo_device(nurse_a)
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo_totp", "nurse_a", stdout=StringIO())
    out = StringIO()
    call_command("demo_totp", "nurse_a", allow_without_debug=True, stdout=out)
    assert out.getvalue().strip() == current_code(give_demo_device(nurse_a))


def test_demo_totp_refuses_a_real_key_and_unknown_users(nurse_a):
    app_for(nurse_a)
    for username in ("nurse_a", "finns_inte"):
        with pytest.raises(CommandError, match="ingen demonyckel"):
            call_command("demo_totp", username, allow_without_debug=True, stdout=StringIO())


def test_demo_secret_is_valid_base32_of_twenty_bytes():
    import base64

    assert len(base64.b32decode(DEMO_TOTP_SECRET)) == 20
