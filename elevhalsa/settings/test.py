"""Settings for the test suite: base settings with a fast hasher and no real e-mail.

The database comes from DATABASE_URL as everywhere (CI: PostgreSQL); without it, SQLite.
"""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ADMINS = [("Drift", "drift@example.invalid")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Attachments go to a throw-away folder per test run, never into the checkout.
import tempfile  # noqa: E402

JOURNAL_ATTACHMENT_ROOT = tempfile.mkdtemp(prefix="elevhalsa-test-attachments-")
CONSENT_SCAN_ROOT = tempfile.mkdtemp(prefix="elevhalsa-test-consent-scans-")
VACCINATION_REGISTER_EXPORT_DIR = tempfile.mkdtemp(prefix="elevhalsa-test-nvr-")

# --- Guardian sign-in: the fake e-ID provider (tests/consent/portal_fakes.py) --------------------
# Nothing is fetched: the tests patch mozilla-django-oidc's HTTP calls with the fake provider.
OIDC_RP_CLIENT_ID = "elevhalsa-test"
OIDC_RP_CLIENT_SECRET = "test-client-secret"  # noqa: S105
OIDC_OP_ISSUER = "https://e-id.test"
OIDC_OP_AUTHORIZATION_ENDPOINT = "https://e-id.test/authorize"
OIDC_OP_TOKEN_ENDPOINT = "https://e-id.test/token"  # noqa: S105
OIDC_OP_JWKS_ENDPOINT = "https://e-id.test/jwks"
OIDC_OP_USER_ENDPOINT = "https://e-id.test/userinfo"
PORTAL_EID_ISSUER = "Test-e-legitimation"
PORTAL_DEMO_EID = True
