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
