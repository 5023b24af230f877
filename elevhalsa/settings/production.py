"""Production: PostgreSQL only, HTTPS only, secrets from the environment.

``DJANGO_SETTINGS_MODULE=elevhalsa.settings.production python manage.py check --deploy`` is clean.
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE
from .env import env_bool, env_int, env_list, env_str

DEBUG = False
SECRET_KEY = env_str("SECRET_KEY")
if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a long random value in production.")
ACCESS_LOG_SEAL_KEY = env_str("ACCESS_LOG_SEAL_KEY")
if ACCESS_LOG_SEAL_KEY.startswith("demo-") or len(ACCESS_LOG_SEAL_KEY) < 32:
    raise ImproperlyConfigured("ACCESS_LOG_SEAL_KEY must be a long random value in production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS in production.")

# SQLite has none of the database-level guarantees the journal relies on (exclusion constraints,
# append-only grants, triggers); production refuses it.
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production needs PostgreSQL: set DATABASE_URL=postgres://...")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

ADMINS = [("Drift", address) for address in env_list("ADMIN_EMAILS")]
SERVER_EMAIL = env_str("SERVER_EMAIL", "elevhalsa@localhost")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# R-AUTH-1: a password alone never signs anyone in. Not configurable here or by the environment.
OTP_REQUIRED = True
for _required in (
    "django_otp.middleware.OTPMiddleware",
    "elevhalsa.auth.middleware.SessionLifetimeMiddleware",
    "elevhalsa.auth.middleware.SecondFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
):
    if _required not in MIDDLEWARE:
        raise ImproperlyConfigured(f"Production needs {_required} (second factor and lockout).")
# Behind a TLS proxy, REMOTE_ADDR is the proxy's: the proxy must set it to the client's address
# (e.g. uWSGI/gunicorn's forwarded-allow-ips), or lockouts by address lock the proxy.

# Guardian sign-in: e-ID only. The demo e-ID signs anyone in as any guardian: never here.
PORTAL_DEMO_EID = env_bool("PORTAL_DEMO_EID", False)
if PORTAL_DEMO_EID:
    raise ImproperlyConfigured("PORTAL_DEMO_EID must be off in production (demo e-ID).")
