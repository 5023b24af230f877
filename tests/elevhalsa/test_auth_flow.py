"""Staff sign-in: password, then the second factor (R-AUTH-1). A password alone opens nothing."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from elevhalsa.auth.devices import new_backup_codes
from elevhalsa.models import AuthEvent
from tests.helpers import visible_text

from .auth_helpers import (
    ACCOUNT,
    BACKUP_CODES,
    ENROL,
    LOGIN,
    SECOND_FACTOR,
    app_for,
    code,
    give_code,
    sign_in_with_password,
)

HOME = reverse("home")


def kinds(user) -> list[str]:
    return list(AuthEvent.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


# --- Password only -------------------------------------------------------------------------------


def test_password_alone_leads_to_the_code_step_not_home(unverified_client, nurse_a):
    app_for(nurse_a)
    response = sign_in_with_password(unverified_client, "nurse_a", next="/skolor/1/")
    assert response.status_code == 302
    assert response.url == f"{SECOND_FACTOR}?next=%2Fskolor%2F1%2F"
    assert DEVICE_ID_SESSION_KEY not in unverified_client.session
    home = unverified_client.get(HOME)
    assert home.status_code == 302
    assert home.url == f"{SECOND_FACTOR}?next=%2F"


def test_password_alone_without_an_app_leads_to_enrolment(unverified_client, nurse_a):
    response = sign_in_with_password(unverified_client, "nurse_a")
    assert response.url.startswith(ENROL)


def test_login_page_sends_a_half_signed_in_user_on_to_the_code(unverified_client, nurse_a):
    app_for(nurse_a)
    sign_in_with_password(unverified_client, "nurse_a")
    assert unverified_client.get(LOGIN).url.startswith(SECOND_FACTOR)


@pytest.fixture
def unverified_staff(unverified_client, registry_admin_a, school_a):
    unverified_client.force_login(registry_admin_a)
    return unverified_client


def _urls(school):
    return [
        HOME,
        reverse("schools:student-search"),
        school.get_absolute_url(),
        ACCOUNT,
        reverse("admin:index"),
        reverse("admin:elevhalsa_user_changelist"),
        reverse("admin:schools_student_changelist"),
    ]


def test_unverified_user_is_sent_to_the_code_step_from_every_page(unverified_staff, school_a):
    for url in _urls(school_a):
        response = unverified_staff.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(SECOND_FACTOR), url


def test_unverified_user_gets_403_for_posts_and_non_html(unverified_staff, school_a):
    """R-AUTH-1: login without the second factor → 403 for anything that is not a page view."""
    for url in _urls(school_a):
        assert unverified_staff.post(url, {}).status_code == 403, url
        assert unverified_staff.get(url, HTTP_ACCEPT="application/json").status_code == 403, url


def test_unverified_user_may_switch_language_and_log_out(unverified_staff):
    response = unverified_staff.post(reverse("set_language"), {"language": "en", "next": LOGIN})
    assert response.status_code == 302
    assert unverified_staff.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in unverified_staff.session


def test_admin_site_requires_a_verified_session(registry_admin_a):
    request = RequestFactory().get("/admin/")
    request.user = registry_admin_a
    registry_admin_a.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    registry_admin_a.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_admin_login_goes_through_our_sign_in(client, db):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    admin_login = client.get(response.url)
    assert admin_login.status_code == 302
    assert admin_login.url.startswith(LOGIN)


def test_verified_non_staff_user_gets_403_not_a_second_login_form(client, nurse_a):
    client.force_login(nurse_a)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403


def test_verified_staff_user_opens_the_admin(client, registry_admin_a):
    client.force_login(registry_admin_a)
    assert client.get(reverse("admin:index")).status_code == 200


# --- The code step -------------------------------------------------------------------------------


def test_right_code_verifies_the_session_and_changes_its_key(unverified_client, nurse_a):
    device = app_for(nurse_a)
    anonymous_key = unverified_client.session.session_key  # the client makes one and keeps it
    sign_in_with_password(unverified_client, "nurse_a")
    password_key = unverified_client.session.session_key
    assert password_key != anonymous_key

    response = give_code(unverified_client, code(device), next_url="/elever/")
    assert response.status_code == 302
    assert response.url == "/elever/"
    session = unverified_client.session
    assert session.session_key != password_key  # cycled again after the second factor
    assert session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert unverified_client.get(HOME).status_code == 200
    assert kinds(nurse_a) == [AuthEvent.Kind.LOGIN_OK]


def test_next_pointing_elsewhere_is_ignored(unverified_client, nurse_a):
    device = app_for(nurse_a)
    sign_in_with_password(unverified_client, "nurse_a")
    response = give_code(unverified_client, code(device), next_url="https://example.invalid/")
    assert response.url == HOME


def test_wrong_code_says_so_and_the_next_try_is_throttled(unverified_client, nurse_a):
    device = app_for(nurse_a)
    sign_in_with_password(unverified_client, "nurse_a")
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"

    response = give_code(unverified_client, wrong)
    assert response.status_code == 200
    assert "Fel kod. Kontrollera koden och försök igen." in visible_text(response)

    # Even the right code waits: django-otp throttles the device after a wrong one.
    response = give_code(unverified_client, code(device))
    assert response.status_code == 200
    assert "För många felaktiga koder. Vänta" in visible_text(response)
    assert DEVICE_ID_SESSION_KEY not in unverified_client.session
    assert kinds(nurse_a) == [AuthEvent.Kind.OTP_FAILED, AuthEvent.Kind.OTP_FAILED]


def test_backup_code_works_once(unverified_client, nurse_a):
    app_for(nurse_a)
    codes = new_backup_codes(nurse_a)
    assert len(codes) == 10 and len(set(codes)) == 10

    sign_in_with_password(unverified_client, "nurse_a")
    response = give_code(unverified_client, codes[0].upper())
    assert response.status_code == 302
    assert unverified_client.get(HOME).status_code == 200
    assert StaticToken.objects.filter(device__user=nurse_a).count() == 9

    unverified_client.post(reverse("logout"))
    sign_in_with_password(unverified_client, "nurse_a")
    response = give_code(unverified_client, codes[0])
    assert "Fel kod" in visible_text(response)
    assert DEVICE_ID_SESSION_KEY not in unverified_client.session


# --- Enrolment at the first sign-in ------------------------------------------------------------


def test_first_sign_in_enrols_an_app_and_shows_backup_codes_once(unverified_client, nurse_a):
    sign_in_with_password(unverified_client, "nurse_a")
    page = unverified_client.get(ENROL)
    assert page.status_code == 200
    content = page.content.decode()
    assert 'src="data:image/svg+xml' in content
    assert "style=" not in content.split("<main", 1)[1]  # no inline style for the strict CSP
    pending = TOTPDevice.objects.get(user=nurse_a, confirmed=False)
    assert unverified_client.get(ENROL).context["secret"] == page.context["secret"]  # stable

    response = unverified_client.post(ENROL, {"code": code(pending)})
    assert response.status_code == 302
    assert response.url.startswith(BACKUP_CODES)
    pending.refresh_from_db()
    assert pending.confirmed
    assert unverified_client.session[DEVICE_ID_SESSION_KEY] == pending.persistent_id

    shown = unverified_client.get(response.url)
    codes = shown.context["codes"]
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=nurse_a).values_list("token", flat=True)
    )
    assert shown["Cache-Control"] == "no-store"
    again = unverified_client.get(BACKUP_CODES)
    assert again.status_code == 302
    assert again.url == ACCOUNT
    assert kinds(nurse_a) == [AuthEvent.Kind.ENROLLED, AuthEvent.Kind.LOGIN_OK]


def test_enrolment_with_a_wrong_code_confirms_nothing(unverified_client, nurse_a):
    sign_in_with_password(unverified_client, "nurse_a")
    unverified_client.get(ENROL)
    response = unverified_client.post(ENROL, {"code": "000000"})
    assert response.status_code == 200
    assert "Fel kod" in visible_text(response)
    assert not TOTPDevice.objects.filter(user=nurse_a, confirmed=True).exists()


def test_password_alone_cannot_enrol_a_second_app(unverified_client, nurse_a):
    """Otherwise a stolen password would be enough to add the thief's phone."""
    app_for(nurse_a)
    sign_in_with_password(unverified_client, "nurse_a")
    response = unverified_client.get(ENROL)
    assert response.status_code == 302
    assert response.url.startswith(SECOND_FACTOR)
    assert unverified_client.post(ENROL, {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=nurse_a).count() == 1


def test_anonymous_user_is_sent_from_the_code_steps_to_login(client, db):
    for url in (SECOND_FACTOR, ENROL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)


# --- Mitt konto ----------------------------------------------------------------------------------


def test_account_page_shows_the_user_and_the_devices(client, nurse_a):
    client.force_login(nurse_a)
    new_backup_codes(nurse_a)
    text = visible_text(client.get(ACCOUNT))
    assert nurse_a.username in text
    assert nurse_a.staff_member.organisation.name in text
    assert "10 oanvända reservkoder" in text
    assert "Logga ut överallt" in text


def test_new_backup_codes_replace_the_old_ones(client, nurse_a):
    client.force_login(nurse_a)
    old = set(new_backup_codes(nurse_a))
    response = client.post(reverse("account:backup-codes-regenerate"))
    assert response.url.startswith(BACKUP_CODES)
    new = set(client.get(response.url).context["codes"])
    assert len(new) == 10
    assert not old & new
    stored = set(StaticToken.objects.filter(device__user=nurse_a).values_list("token", flat=True))
    assert stored == new
    assert kinds(nurse_a) == [AuthEvent.Kind.BACKUP_CODES_REGENERATED]


def test_backup_codes_are_regenerated_by_post_only(client, nurse_a):
    client.force_login(nurse_a)
    assert client.get(reverse("account:backup-codes-regenerate")).status_code == 405
