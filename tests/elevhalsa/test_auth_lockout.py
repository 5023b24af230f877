"""Throttling and lockout (django-axes): wrong passwords and wrong codes count together, the
message never tells whether the user exists, and identity numbers are stored nowhere."""

import datetime
import logging

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone

from elevhalsa.models import AuthEvent
from schools.identity import generate_identity_number
from tests.helpers import visible_text

from .auth_helpers import LOGIN, app_for, code, give_code, sign_in_with_password

LOCKED = "För många misslyckade försök. Försök igen om 15 minuter."
WRONG = "Fel användarnamn eller lösenord."


def fail_passwords(client, username, times):
    return [sign_in_with_password(client, username, password="fel-losen") for _ in range(times)]


def test_wrong_password_reads_the_same_for_existing_and_unknown_users(unverified_client, nurse_a):
    existing = sign_in_with_password(unverified_client, "nurse_a", password="fel")
    unknown = sign_in_with_password(unverified_client, "finns_inte", password="fel")
    assert existing.status_code == unknown.status_code == 200
    assert WRONG in visible_text(existing)
    assert visible_text(existing) == visible_text(unknown).replace("finns_inte", "nurse_a")


def test_five_wrong_passwords_lock_the_username_even_for_the_right_password(
    unverified_client, nurse_a
):
    limit = settings.AXES_FAILURE_LIMIT
    responses = fail_passwords(unverified_client, "nurse_a", limit - 1)
    assert all(WRONG in visible_text(r) for r in responses)
    locking = fail_passwords(unverified_client, "nurse_a", 1)[0]
    assert locking.status_code == 429
    assert LOCKED in visible_text(locking)

    right = sign_in_with_password(unverified_client, "nurse_a")
    assert right.status_code == 429
    assert LOCKED in visible_text(right)
    assert "_auth_user_id" not in unverified_client.session
    assert AuthEvent.objects.filter(user=nurse_a, kind=AuthEvent.Kind.LOCKED_OUT).count() == 2


def test_lockout_reads_the_same_for_existing_and_unknown_users(unverified_client, nurse_a):
    limit = settings.AXES_FAILURE_LIMIT
    existing = fail_passwords(unverified_client, "nurse_a", limit)[-1]
    unknown = fail_passwords(unverified_client, "finns_inte", limit)[-1]
    assert existing.status_code == unknown.status_code == 429
    assert visible_text(existing) == visible_text(unknown).replace("finns_inte", "nurse_a")


def test_lockout_ends_after_the_cool_off(unverified_client, nurse_a):
    fail_passwords(unverified_client, "nurse_a", settings.AXES_FAILURE_LIMIT)
    assert sign_in_with_password(unverified_client, "nurse_a").status_code == 429
    # Time control: the attempts happened a cool-off ago (axes reads its own clock).
    earlier = timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    AccessAttempt.objects.update(attempt_time=earlier)
    assert sign_in_with_password(unverified_client, "nurse_a").status_code == 302


def test_another_username_from_the_same_address_is_not_locked(unverified_client, nurse_a, nurse_b):
    fail_passwords(unverified_client, "nurse_a", settings.AXES_FAILURE_LIMIT)
    assert sign_in_with_password(unverified_client, "nurse_b").status_code == 302


def test_wrong_codes_count_towards_the_lockout_and_end_the_session(unverified_client, nurse_a):
    device = app_for(nurse_a)
    fail_passwords(unverified_client, "nurse_a", 2)
    sign_in_with_password(unverified_client, "nurse_a")
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    responses = [give_code(unverified_client, wrong) for _ in range(3)]
    assert responses[-1].status_code == 302
    assert responses[-1].url == LOGIN
    assert "_auth_user_id" not in unverified_client.session
    page = unverified_client.get(LOGIN)
    assert LOCKED in visible_text(page)
    # Locked: the right password (and so the code step) stays closed.
    assert sign_in_with_password(unverified_client, "nurse_a").status_code == 429


def test_a_full_sign_in_starts_the_count_again(unverified_client, nurse_a):
    device = app_for(nurse_a)
    fail_passwords(unverified_client, "nurse_a", settings.AXES_FAILURE_LIMIT - 1)
    sign_in_with_password(unverified_client, "nurse_a")
    give_code(unverified_client, code(device))
    assert not AccessAttempt.objects.exists()


def test_failed_sign_in_is_an_auth_event_with_address(unverified_client, nurse_a):
    sign_in_with_password(unverified_client, "nurse_a", password="fel")
    sign_in_with_password(unverified_client, "okand", password="fel")
    known, unknown = AuthEvent.objects.order_by("pk")
    assert (known.kind, known.user, known.username) == ("login_failed", nurse_a, "nurse_a")
    assert (unknown.kind, unknown.user, unknown.username) == ("login_failed", None, "okand")
    assert known.ip_address == "127.0.0.1"


def test_identity_number_as_username_is_stored_and_logged_nowhere(
    unverified_client, db, caplog, capsys
):
    number = generate_identity_number(datetime.date(2012, 3, 14), 7, female=True)
    variants = [number, number[2:], f"{number[2:8]}-{number[8:]}"]
    caplog.set_level(logging.DEBUG)
    for variant in variants:
        fail_passwords(unverified_client, variant, settings.AXES_FAILURE_LIMIT + 1)

    stored = []
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        for row in model.objects.values():
            stored.extend(str(value) for value in row.values())
    for event in AuthEvent.objects.all():
        stored.extend([event.username, event.reason])
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOCKED_OUT).exists()
    assert AccessAttempt.objects.exists()

    captured = capsys.readouterr()
    logged = [caplog.text, captured.out, captured.err]
    logged += [record.getMessage() for record in caplog.records]
    for text in stored + logged:
        for variant in variants:
            assert variant not in text
        assert number[2:8] + number[8:] not in text.replace("-", "")
