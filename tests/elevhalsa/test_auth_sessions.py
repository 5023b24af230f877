"""Idle timeout per organisation (R-AUTH-3) and "logga ut överallt". Time is moved by patching
``django.utils.timezone.now``; nothing sleeps."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from elevhalsa.models import AuthEvent
from tests.helpers import visible_text
from tests.schools.factories import UserFactory

from .auth_helpers import ACCOUNT, LOGIN, app_for, code, give_code, sign_in_with_password

HOME = reverse("home")


@pytest.fixture
def clock(monkeypatch):
    """``clock.move(minutes=…)``: every later ``timezone.now()`` is that much later."""
    real_now = timezone.now

    class Clock:
        offset = datetime.timedelta()

        def move(self, **delta):
            self.offset += datetime.timedelta(**delta)

    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + clock.offset)
    return clock


def test_default_idle_timeout_is_thirty_minutes(client, nurse_a, clock):
    client.force_login(nurse_a)
    clock.move(minutes=29)
    assert client.get(HOME).status_code == 200
    clock.move(minutes=29)  # activity at 29 minutes restarted the count
    assert client.get(HOME).status_code == 200
    clock.move(minutes=31)
    response = client.get(HOME, follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "Du har loggats ut efter 30 minuters inaktivitet." in visible_text(response)
    assert AuthEvent.objects.filter(user=nurse_a, kind=AuthEvent.Kind.IDLE_LOGOUT).count() == 1


def test_organisation_sets_its_own_idle_timeout(client, nurse_a, clock):
    organisation = nurse_a.staff_member.organisation
    organisation.idle_timeout_minutes = 10
    organisation.save()
    client.force_login(nurse_a)
    clock.move(minutes=11)
    response = client.get(HOME, follow=True)
    assert "efter 10 minuters inaktivitet" in visible_text(response)


def test_user_without_organisation_gets_the_default(client, db, clock):
    user = UserFactory()
    client.force_login(user)
    clock.move(minutes=25)
    assert client.get(HOME).status_code == 200
    clock.move(minutes=31)
    assert client.get(HOME).status_code == 302


def test_idle_timeout_also_ends_a_half_signed_in_session(unverified_client, nurse_a, clock):
    app_for(nurse_a)
    sign_in_with_password(unverified_client, "nurse_a")
    clock.move(minutes=31)
    unverified_client.get(LOGIN)
    assert "_auth_user_id" not in unverified_client.session


@pytest.mark.parametrize(("minutes", "valid"), [(4, False), (5, True), (240, True), (241, False)])
def test_idle_timeout_is_between_5_and_240_minutes(org_a, minutes, valid):
    org_a.idle_timeout_minutes = minutes
    if valid:
        org_a.full_clean()
    else:
        with pytest.raises(ValidationError):
            org_a.full_clean()


def test_logout_everywhere_ends_the_users_other_sessions(client, nurse_a, nurse_a2):
    from tests.conftest import VerifiedClient

    laptop, other_browser, colleague = client, VerifiedClient(), VerifiedClient()
    for browser, user in ((laptop, nurse_a), (other_browser, nurse_a), (colleague, nurse_a2)):
        browser.force_login(user)
        assert browser.get(HOME).status_code == 200

    response = laptop.post(reverse("account:logout-everywhere"))
    assert response.status_code == 302
    assert response.url == LOGIN
    assert laptop.get(HOME).status_code == 302
    assert other_browser.get(HOME).status_code == 302
    assert "_auth_user_id" not in other_browser.session
    assert colleague.get(HOME).status_code == 200  # another user's session is untouched
    assert AuthEvent.objects.filter(user=nurse_a, kind="logout_everywhere").count() == 1

    other_browser.force_login(nurse_a)  # a sign-in after it is a new, valid session
    assert other_browser.get(HOME).status_code == 200


def test_logout_everywhere_is_post_only(client, nurse_a):
    client.force_login(nurse_a)
    assert client.get(reverse("account:logout-everywhere")).status_code == 405
    assert client.get(ACCOUNT).status_code == 200


def test_sign_in_after_logout_everywhere_works_with_the_code(unverified_client, client, nurse_a):
    device = app_for(nurse_a)
    client.force_login(nurse_a)
    client.post(reverse("account:logout-everywhere"))
    sign_in_with_password(unverified_client, "nurse_a")
    assert give_code(unverified_client, code(device)).status_code == 302
    assert unverified_client.get(HOME).status_code == 200
