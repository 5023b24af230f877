"""Guardian sign-in (issue 5, point 3): e-ID over OpenID Connect against the fake provider, the
demo e-ID, and the middleware's separation of portal sessions from staff sessions."""

from __future__ import annotations

import re
from unittest import mock

import pytest
import requests
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse

from consent.checks import check_portal_sign_in
from consent.models import GuardianAccount
from consent.portal.identity import DEMO_ISSUER, SignInRefused, guardian_user_for
from consent.portal.session import EID_ISSUER
from elevhalsa.models import AuthEvent, User
from schools.models import ProtectedIdentity
from tests.consent.portal_fakes import (
    FakeEidProvider,
    GuardianAccountFactory,
    identity_claims,
    portal_client,
    rsa_key,
)
from tests.elevhalsa.test_settings import PRODUCTION_ENV, _manage
from tests.helpers import visible_text
from tests.schools.factories import GuardianFactory, GuardianRelationFactory

LOGIN = reverse("portal:login")
AUTHENTICATE = reverse("portal:oidc-authenticate")
DEMO = reverse("portal:demo-eid")
HOME = reverse("portal:home")
NO_GUARDIAN_TEXT = "Vi hittar ingen elev som du är vårdnadshavare för"


@pytest.fixture
def guardian(student_a):
    relation = GuardianRelationFactory(student=student_a, guardian__given_name="Greta")
    return relation.guardian


@pytest.fixture
def provider():
    fake = FakeEidProvider()
    with fake.serving():
        yield fake


def start(client: Client, next_url: str = "") -> str:
    """The browser's first step: our authenticate view sends it to the broker."""
    response = client.get(AUTHENTICATE, {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return response["Location"]


def e_id_sign_in(client: Client, provider: FakeEidProvider, number: str | None, **kwargs):
    """The whole flow: to the broker, back with a code, token exchange, verified ID token."""
    claims = identity_claims(number) if number is not None else {"name": "Utan nummer"}
    callback = provider.authorize(start(client), claims, **kwargs)
    return client.get(callback)


def session_user_id(client: Client):
    return client.session.get(SESSION_KEY)


def assert_no_number(response, number: str):
    text = response.content.decode()
    for form in (number, number[2:], f"{number[:8]}-{number[8:]}", f"{number[2:8]}-{number[8:]}"):
        assert form not in text
        assert form not in response.get("Location", "")


# --- The e-ID flow ------------------------------------------------------------------------------


def test_the_e_id_flow_binds_the_guardian_and_starts_a_portal_session(guardian, provider):
    client = Client()
    location = start(client)
    assert location.startswith(settings.OIDC_OP_AUTHORIZATION_ENDPOINT + "?")
    assert "nonce=" in location and "code_challenge=" in location and "state=" in location

    response = client.get(provider.authorize(location, identity_claims(guardian.identity_number)))

    assert response.status_code == 302 and response["Location"] == HOME
    account = GuardianAccount.objects.select_related("user").get(guardian=guardian)
    user = account.user
    assert account.issuer == settings.PORTAL_EID_ISSUER
    assert str(user.pk) == session_user_id(client)
    assert client.session[EID_ISSUER] == settings.PORTAL_EID_ISSUER
    assert user.username.startswith("vh-") and not re.search(r"\d{6}", user.username[:9])
    assert guardian.identity_number not in user.username
    assert not user.has_usable_password()
    assert not user.is_staff and not user.is_superuser
    # PKCE: the token request carried the verifier; the userinfo endpoint was never asked.
    assert provider.token_requests[-1]["code_verifier"]
    assert provider.userinfo_requests == 0
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_OK, user=user)
    assert guardian.identity_number not in f"{event.username} {event.reason}"
    # The portal opens for her.
    assert client.get(HOME).status_code == 200


def test_a_second_sign_in_reuses_the_same_user(guardian, provider):
    e_id_sign_in(Client(), provider, guardian.identity_number)
    users = User.objects.count()
    client = Client()
    response = e_id_sign_in(client, provider, guardian.identity_number)
    assert response.status_code == 302
    assert User.objects.count() == users
    account = GuardianAccount.objects.get(guardian=guardian)
    assert session_user_id(client) == str(account.user_id)


def test_next_is_kept_within_the_portal(guardian, provider, student_a):
    child = reverse("portal:child", args=[student_a.public_id])
    client = Client()
    response = client.get(
        provider.authorize(start(client, child), identity_claims(guardian.identity_number))
    )
    assert response["Location"] == child
    # A staff page as next is not followed: the portal's start instead.
    other = Client()
    response = other.get(
        provider.authorize(start(other, reverse("home")), identity_claims(guardian.identity_number))
    )
    assert response["Location"] == HOME


def test_a_bad_state_is_refused(guardian, provider):
    client = Client()
    callback = provider.authorize(start(client), identity_claims(guardian.identity_number))
    forged = re.sub(r"state=[^&]+", "state=forged-state", callback)
    response = client.get(forged)
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert not GuardianAccount.objects.exists()
    assert provider.token_requests == []  # never exchanged
    # A callback from another browser (no state in its session) is refused the same way.
    assert Client().get(callback).status_code == 403


def test_a_state_is_used_once(guardian, provider):
    client = Client()
    callback = provider.authorize(start(client), identity_claims(guardian.identity_number))
    assert client.get(callback).status_code == 302
    client.post(reverse("portal:logout"))
    assert client.get(callback).status_code == 403
    assert SESSION_KEY not in client.session


def test_an_id_token_signed_by_another_key_is_refused(guardian, provider):
    client = Client()
    response = e_id_sign_in(
        client, provider, guardian.identity_number, signing_key=rsa_key("intruder")
    )
    assert response.status_code == 403
    assert "kunde inte slutföras" in visible_text(response)
    assert SESSION_KEY not in client.session
    assert not GuardianAccount.objects.exists()


def test_an_id_token_with_another_nonce_is_refused(guardian, provider):
    client = Client()
    response = e_id_sign_in(client, provider, guardian.identity_number, nonce="replayed")
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_an_id_token_for_another_client_is_refused(guardian, provider):
    client = Client()
    claims = {**identity_claims(guardian.identity_number), "aud": "another-client"}
    response = client.get(provider.authorize(start(client), claims))
    assert response.status_code == 403
    assert not GuardianAccount.objects.exists()


def test_an_id_token_from_another_issuer_is_refused(guardian, provider):
    client = Client()
    claims = {**identity_claims(guardian.identity_number), "iss": "https://evil.test"}
    response = client.get(provider.authorize(start(client), claims))
    assert response.status_code == 403
    assert not GuardianAccount.objects.exists()


def test_a_missing_claim_is_refused(guardian, provider):
    client = Client()
    response = e_id_sign_in(client, provider, None)
    assert response.status_code == 403
    assert "inget giltigt personnummer" in visible_text(response)
    assert SESSION_KEY not in client.session


def test_a_claim_only_in_userinfo_is_not_used(guardian, provider):
    """Only the signed ID token counts: a number from the unsigned userinfo is never asked for."""
    provider_get = provider.get

    def userinfo_with_number(url, **kwargs):
        if url == settings.OIDC_OP_USER_ENDPOINT:
            raise AssertionError("userinfo must not be asked")
        return provider_get(url, **kwargs)

    with mock.patch("mozilla_django_oidc.auth.requests.get", side_effect=userinfo_with_number):
        response = e_id_sign_in(Client(), provider, None)
    assert response.status_code == 403
    assert not GuardianAccount.objects.exists()


def test_an_invalid_number_is_refused(guardian, provider):
    wrong_check_digit = guardian.identity_number[:-1] + str(
        (int(guardian.identity_number[-1]) + 1) % 10
    )
    response = e_id_sign_in(Client(), provider, wrong_check_digit)
    assert response.status_code == 403
    assert "inget giltigt personnummer" in visible_text(response)
    assert_no_number(response, wrong_check_digit)


def test_a_number_that_matches_no_guardian_is_refused(guardian, provider):
    stranger = GuardianFactory.build().identity_number  # valid, but nobody's in the registry
    client = Client()
    response = e_id_sign_in(client, provider, stranger)
    assert response.status_code == 403
    assert NO_GUARDIAN_TEXT in visible_text(response)
    assert_no_number(response, stranger)
    assert SESSION_KEY not in client.session
    event = AuthEvent.objects.get(kind=AuthEvent.Kind.LOGIN_FAILED)
    assert event.user is None and stranger not in event.reason


def test_a_guardian_whose_relations_ended_is_refused(student_a, provider):
    import datetime

    relation = GuardianRelationFactory(
        student=student_a,
        start_date=datetime.date(2015, 1, 1),
        end_date=datetime.date(2020, 1, 1),
    )
    response = e_id_sign_in(Client(), provider, relation.guardian.identity_number)
    assert response.status_code == 403
    assert NO_GUARDIAN_TEXT in visible_text(response)


def test_a_protected_identity_guardian_is_refused(student_a, provider):
    protected = GuardianRelationFactory(
        student=student_a, guardian__protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION
    ).guardian
    client = Client()
    response = e_id_sign_in(client, provider, protected.identity_number)
    assert response.status_code == 403
    text = visible_text(response)
    assert "på papper" in text
    assert protected.family_name not in text and "Skyddad" not in text
    assert SESSION_KEY not in client.session
    assert not GuardianAccount.objects.exists()


def test_an_error_from_the_provider_is_refused(guardian, provider):
    client = Client()
    response = client.get(provider.authorize(start(client), error="access_denied"))
    assert response.status_code == 403
    assert provider.token_requests == []


def test_a_provider_that_does_not_answer_gives_a_page_not_a_500(guardian, provider):
    client = Client()
    callback = provider.authorize(start(client), identity_claims(guardian.identity_number))
    with mock.patch(
        "mozilla_django_oidc.auth.requests.post", side_effect=requests.ConnectionError("down")
    ):
        response = client.get(callback)
    assert response.status_code == 403
    assert "kunde inte slutföras" in visible_text(response)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failed_callbacks_lock_the_address_out(guardian, provider):
    client = Client()
    good = provider.authorize(start(client), identity_claims(guardian.identity_number))
    for _ in range(3):
        callback = provider.authorize(start(client), identity_claims(guardian.identity_number))
        assert client.get(re.sub(r"state=[^&]+", "state=forged", callback)).status_code in (
            403,
            429,
        )
    # Now even a correct answer is refused until the cool-off, and so are a new start and the demo.
    response = client.get(good)
    assert response.status_code == 429
    assert "För många misslyckade försök" in visible_text(response)
    assert client.get(AUTHENTICATE).status_code == 429
    assert SESSION_KEY not in client.session
    assert client.post(DEMO, {"guardian": guardian.pk}).status_code == 429
    # Another address is not affected.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert e_id_sign_in(other, provider, guardian.identity_number).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=2)
def test_a_bare_visit_to_the_callback_is_not_an_attempt(guardian, provider):
    client = Client()
    for _ in range(3):
        assert client.get(reverse("portal:oidc-callback")).status_code == 403
    assert not AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_FAILED).exists()
    assert e_id_sign_in(client, provider, guardian.identity_number).status_code == 302


@override_settings(OIDC_RP_CLIENT_ID="")
def test_e_id_not_configured_hides_the_link_and_the_views_404(guardian):
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert AUTHENTICATE not in response.content.decode()
    assert Client().get(AUTHENTICATE).status_code == 404
    assert Client().get(reverse("portal:oidc-callback")).status_code == 404


# --- The binding code path ------------------------------------------------------------------------


def test_the_binding_never_reuses_or_creates_staff(guardian, nurse_a):
    user = guardian_user_for(guardian.identity_number, issuer=DEMO_ISSUER)
    assert user != nurse_a and not user.is_staff
    assert guardian_user_for(guardian.identity_number, issuer="other") == user
    assert GuardianAccount.objects.get(guardian=guardian).issuer == DEMO_ISSUER  # first binding


def test_an_inactive_guardian_user_is_refused(guardian):
    account = GuardianAccountFactory(guardian=guardian)
    User.objects.filter(pk=account.user_id).update(is_active=False)
    with pytest.raises(SignInRefused) as refused:
        guardian_user_for(guardian.identity_number, issuer=DEMO_ISSUER)
    assert refused.value.reason == SignInRefused.INACTIVE


# --- The sign-in page and sign-out --------------------------------------------------------------


def test_the_sign_in_page_offers_e_id_and_the_demo(guardian):
    response = Client().get(LOGIN, {"next": HOME})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Logga in med e-legitimation" in visible_text(response)
    assert f'href="{AUTHENTICATE}?next=' in body
    assert f'href="{DEMO}?next=' in body
    assert 'name="language"' in body  # the language switch


@override_settings(PORTAL_DEMO_EID=False)
def test_the_sign_in_page_has_no_demo_link_when_the_demo_is_off():
    assert DEMO not in Client().get(LOGIN).content.decode()


def test_a_signed_in_guardian_is_sent_on_from_the_sign_in_page(guardian):
    response = portal_client(guardian).get(LOGIN)
    assert response.status_code == 302 and response["Location"] == HOME


def test_sign_out_is_post_only(guardian):
    client = portal_client(guardian)
    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302 and response["Location"] == LOGIN
    assert SESSION_KEY not in client.session and EID_ISSUER not in client.session
    assert client.get(HOME)["Location"].startswith(LOGIN)


# --- The demo e-ID --------------------------------------------------------------------------------


def test_the_demo_lists_guardians_by_name_only(guardian, student_a):
    hidden = GuardianRelationFactory(
        student=student_a,
        guardian__family_name="Skyddadsson",
        guardian__protected_identity=ProtectedIdentity.SECRECY_MARKING,
    ).guardian
    response = Client().get(DEMO)
    assert response.status_code == 200
    text = visible_text(response)
    assert guardian.full_name in text
    assert hidden.family_name not in text
    assert_no_number(response, guardian.identity_number)
    assert student_a.family_name not in text


def test_the_demo_signs_in_through_the_e_id_binding(guardian):
    client = Client()
    response = client.post(DEMO, {"guardian": guardian.pk, "next": HOME})
    assert response.status_code == 302 and response["Location"] == HOME
    account = GuardianAccount.objects.get(guardian=guardian)
    assert account.issuer == DEMO_ISSUER
    assert client.session[EID_ISSUER] == DEMO_ISSUER
    assert session_user_id(client) == str(account.user_id)
    assert AuthEvent.objects.filter(kind=AuthEvent.Kind.LOGIN_OK, user=account.user).exists()
    assert client.get(HOME).status_code == 200


def test_the_demo_refuses_a_protected_guardian_chosen_by_hand(student_a):
    protected = GuardianRelationFactory(
        student=student_a, guardian__protected_identity=ProtectedIdentity.FICTITIOUS
    ).guardian
    client = Client()
    response = client.post(DEMO, {"guardian": protected.pk})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_the_demo_keeps_a_bad_choice_on_the_page(guardian):
    response = Client().post(DEMO, {"guardian": "999999"})
    assert response.status_code == 200
    assert "Välj en av vårdnadshavarna" in visible_text(response)


@override_settings(PORTAL_DEMO_EID=False)
def test_the_demo_is_404_when_off(guardian):
    assert Client().get(DEMO).status_code == 404
    client = Client()
    assert client.post(DEMO, {"guardian": guardian.pk}).status_code == 404
    assert SESSION_KEY not in client.session


def test_the_deploy_check_refuses_the_demo():
    with override_settings(PORTAL_DEMO_EID=True):
        assert [error.id for error in check_portal_sign_in()] == ["consent.E010"]
    with override_settings(PORTAL_DEMO_EID=False):
        assert check_portal_sign_in() == []
    with override_settings(PORTAL_DEMO_EID=False, OIDC_OP_TOKEN_ENDPOINT="http://e-id.test/t"):
        assert [error.id for error in check_portal_sign_in()] == ["consent.E011"]


def test_production_settings_refuse_the_demo():
    result = _manage("check", **{**PRODUCTION_ENV, "PORTAL_DEMO_EID": "true"})
    assert result.returncode != 0
    assert "PORTAL_DEMO_EID" in result.stderr


# --- Portal sessions and staff sessions (the middleware) ---------------------------------------


def test_a_guardian_session_is_refused_on_staff_pages(guardian, student_a):
    client = portal_client(guardian)
    for url in (
        reverse("home"),
        reverse("schools:student-detail", args=[student_a.public_id]),
        reverse("account:detail"),
        reverse("account:enrol"),
        reverse("login"),
        "/admin/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == HOME, url
    response = client.post(reverse("schools:student-search"), {"identity_number": "x"})
    assert response.status_code == 403
    # Sign-out and the language switch stay open.
    response = client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert response.status_code == 302 and response["Location"] == HOME


def test_a_guardian_user_without_the_e_id_mark_is_not_signed_in_to_the_portal(guardian):
    account = GuardianAccountFactory(guardian=guardian)
    client = Client()
    client.force_login(account.user)  # a session the e-ID sign-in did not make
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.post(reverse("account:enrol")).status_code == 403


def test_a_staff_session_is_not_a_portal_session(client, nurse_a):
    client.force_login(nurse_a)
    session = client.session
    session[EID_ISSUER] = "forged"  # even with the mark: she has no guardian account
    session.save()
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get(reverse("home")).status_code == 200  # her own pages are unchanged


def test_anonymous_on_a_portal_page_is_sent_to_the_portal_sign_in(student_a):
    url = reverse("portal:child", args=[student_a.public_id])
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert Client().post(url).status_code == 403


def test_a_portal_session_does_not_survive_switching_to_staff(guardian, nurse_a):
    client = portal_client(guardian)
    client.force_login(nurse_a)  # another user: Django flushes the session
    assert EID_ISSUER not in client.session
