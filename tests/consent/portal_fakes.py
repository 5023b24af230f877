"""The guardian portal's test helpers: a signed-in guardian client, an account factory, and a
small fake e-ID provider (OpenID Connect) for the sign-in tests.

Only tests bind users to guardians by hand (``GuardianAccountFactory``); the application binds
them only from a verified e-ID claim (``consent.portal.identity``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from contextlib import contextmanager
from unittest import mock
from urllib.parse import parse_qs, urlencode, urlparse

import factory
import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client

from consent.models import GuardianAccount
from consent.portal.identity import PORTAL_BACKEND
from consent.portal.session import EID_ISSUER
from elevhalsa.models import User
from tests.schools.factories import GuardianFactory

TEST_ISSUER = "test-e-id"

# --- A guardian signed in to the portal ----------------------------------------------------------


class GuardianUserFactory(factory.django.DjangoModelFactory):
    """A guardian's user as the sign-in makes it: no number in the name, no usable password."""

    class Meta:
        model = User

    username = factory.LazyFunction(lambda: f"vh-{uuid.uuid4().hex}")
    password = factory.LazyFunction(lambda: make_password(None))  # unusable


class GuardianAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuardianAccount

    user = factory.SubFactory(GuardianUserFactory)
    guardian = factory.SubFactory(GuardianFactory)
    issuer = TEST_ISSUER


def guardian_account_for(guardian) -> GuardianAccount:
    """The guardian's account, made (the factory way) if she has none yet."""
    account = GuardianAccount.objects.filter(guardian=guardian).select_related("user").first()
    return account or GuardianAccountFactory(guardian=guardian)


def sign_in_portal_user(client: Client, user, issuer: str = TEST_ISSUER) -> Client:
    """Make ``client`` a portal session of ``user`` (who has a GuardianAccount), as the e-ID
    sign-in would: the portal backend and the e-ID mark in the session."""
    client.force_login(user, backend=PORTAL_BACKEND)
    session = client.session
    session[EID_ISSUER] = issuer
    session.save()
    return client


def sign_in_as_guardian(client: Client, guardian, issuer: str = TEST_ISSUER) -> Client:
    return sign_in_portal_user(client, guardian_account_for(guardian).user, issuer)


def portal_client(guardian, issuer: str = TEST_ISSUER) -> Client:
    """A test client signed in to the portal as ``guardian`` (account made if needed)."""
    return sign_in_as_guardian(Client(), guardian, issuer)


# --- The fake e-ID provider ----------------------------------------------------------------------


def _json_response(url: str, status: int, body: dict) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.headers["Content-Type"] = "application/json"
    response._content = json.dumps(body).encode()
    return response


_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def rsa_key(name: str = "provider") -> rsa.RSAPrivateKey:
    """An RSA key made once per test run (2048 bits take a moment)."""
    if name not in _KEYS:
        _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEYS[name]


class FakeEidProvider:
    """An OpenID Connect provider in the test process, at the endpoints of the test settings.

    ``serving()`` patches ``requests`` (which mozilla-django-oidc calls) to answer the token and
    JWKS endpoints; ``authorize()`` plays the browser's visit to the broker and returns the
    callback URL with a code. The token endpoint checks the client, the code (once) and the PKCE
    verifier, and returns an RS256 ID token with the nonce of the authorization request.
    """

    kid = "fake-e-id-key"

    def __init__(self):
        self.key = rsa_key()
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.userinfo_requests = 0

    # The broker's side of the browser redirect.
    def authorize(
        self,
        location: str,
        claims: dict | None = None,
        *,
        signing_key: rsa.RSAPrivateKey | None = None,
        nonce: str | None = None,
        error: str | None = None,
    ) -> str:
        parsed = urlparse(location)
        assert f"{parsed.scheme}://{parsed.netloc}{parsed.path}" == (
            settings.OIDC_OP_AUTHORIZATION_ENDPOINT
        ), location
        query = {key: values[0] for key, values in parse_qs(parsed.query).items()}
        assert query["response_type"] == "code"
        assert query["client_id"] == settings.OIDC_RP_CLIENT_ID
        assert query["code_challenge_method"] == "S256"
        callback = urlparse(query["redirect_uri"]).path
        if error:
            return f"{callback}?{urlencode({'error': error, 'state': query['state']})}"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "claims": claims or {},
            "nonce": query["nonce"] if nonce is None else nonce,
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
            "key": signing_key or self.key,
        }
        return f"{callback}?{urlencode({'code': code, 'state': query['state']})}"

    def id_token(self, claims: dict, *, nonce: str, key=None) -> str:
        now = int(time.time())
        payload = {
            "iss": settings.OIDC_OP_ISSUER,
            "aud": settings.OIDC_RP_CLIENT_ID,
            "sub": secrets.token_hex(8),
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def jwks(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    # The endpoints mozilla-django-oidc calls.
    def post(self, url, data=None, auth=None, **kwargs):
        assert url == settings.OIDC_OP_TOKEN_ENDPOINT, url
        self.token_requests.append(dict(data or {}))
        grant = self.codes.pop((data or {}).get("code"), None)
        verifier = (data or {}).get("code_verifier") or ""
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        if (
            grant is None
            or data.get("client_id") != settings.OIDC_RP_CLIENT_ID
            or data.get("client_secret") != settings.OIDC_RP_CLIENT_SECRET
            or data.get("redirect_uri") != grant["redirect_uri"]
            or challenge != grant["challenge"]
        ):
            return _json_response(url, 400, {"error": "invalid_grant"})
        token = self.id_token(grant["claims"], nonce=grant["nonce"], key=grant["key"])
        return _json_response(
            url,
            200,
            {"access_token": secrets.token_hex(8), "token_type": "Bearer", "id_token": token},
        )

    def get(self, url, headers=None, **kwargs):
        if url == settings.OIDC_OP_JWKS_ENDPOINT:
            return _json_response(url, 200, self.jwks())
        if url == settings.OIDC_OP_USER_ENDPOINT:
            self.userinfo_requests += 1
            return _json_response(url, 200, {})
        raise AssertionError(f"unexpected GET {url}")

    @contextmanager
    def serving(self):
        with (
            mock.patch("mozilla_django_oidc.auth.requests.post", side_effect=self.post),
            mock.patch("mozilla_django_oidc.auth.requests.get", side_effect=self.get),
        ):
            yield self


def identity_claims(number: str) -> dict:
    """The Swedish OIDC profile's claims for a person with this number."""
    return {settings.PORTAL_EID_IDENTITY_CLAIM: number, "name": "Testperson"}
