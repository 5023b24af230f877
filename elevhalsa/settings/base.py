"""Settings shared by every environment. Values that differ come from the environment.

The first run (README) uses these settings as they are: SQLite file, DEBUG on, demo secret key.
Production uses ``elevhalsa.settings.production``, which refuses SQLite and insecure defaults.
"""

import datetime
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "django-insecure-demo-key-only-for-the-local-sqlite-demo")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "simple_history",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "bootstrap",  # django-bootstrap-static: Bootstrap 5 CSS/JS as static files
    "elevhalsa",
    "schools",
    "consent",
    "journal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "elevhalsa.urls"
WSGI_APPLICATION = "elevhalsa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

AUTH_USER_MODEL = "elevhalsa.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# guardian: no anonymous user row; the policy, not raw guardian calls, decides access.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# simple-history: the UI shows history but never reverts a record to an old version.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers that hold in every environment; production adds HTTPS-only settings.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Strict CSP: only our own origin, scripts and styles need a per-request nonce when inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Identity numbers never reach a log line or an error report (see elevhalsa.logging).
DEFAULT_EXCEPTION_REPORTER_FILTER = "elevhalsa.logging.IdentitySafeExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "elevhalsa.logging.IdentitySafeExceptionReporter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_identity_numbers": {"()": "elevhalsa.logging.MaskIdentityNumbersFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name} {message}", "style": "{"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_identity_numbers"],
            "formatter": "plain",
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "mask_identity_numbers"],
            "level": "ERROR",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console", "mail_admins"], "level": "INFO", "propagate": False},
    },
}

# Background jobs (elevhalsa.jobs): how often run_due_jobs starts each job, in minutes.
JOB_INTERVALS_MINUTES: dict[str, int] = {}

# --- Access log (consent.accesslog, consent.dbroles, consent.sealing) ----------------------------
# The application connects (DATABASE_URL) as DATABASE_APP_ROLE, which does not own the tables;
# migrations run as the owner through the "owner" alias: `manage.py migrate --database owner`.
# After each migrate the app role gets its grants, minus UPDATE/DELETE/TRUNCATE on the access
# log (docs/operations.md). Without DATABASE_OWNER_URL the one connection is the owner (demo).
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE", "elevhalsa_app")
if env_str("DATABASE_OWNER_URL", ""):
    DATABASES["owner"] = dj_database_url.parse(env_str("DATABASE_OWNER_URL"), conn_max_age=0)
    DATABASES["owner"]["TEST"] = {"MIRROR": "default"}
# Every log insert commits or is aborted well within the sealing horizon (consent.sealing); the
# system check consent.E002 insists. Only the application's connection: migrations may be slow.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 60_000)
DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = env_int(
    "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", 120_000
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS} "
        f"-c idle_in_transaction_session_timeout={DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS}"
    )
# Sealing: rows older than the horizon are sealed into an HMAC-SHA256 chain. The key lives only
# in the environment (the database cannot read it); production must refuse the demo default.
ACCESS_LOG_SEAL_KEY = env_str("ACCESS_LOG_SEAL_KEY", "demo-access-log-seal-key-not-for-production")
ACCESS_LOG_SEAL_HORIZON_SECONDS = env_int("ACCESS_LOG_SEAL_HORIZON_SECONDS", 600)
# Optional write-once copy of every head, one JSON line each (append mode; `chattr +a` it).
ACCESS_LOG_SEAL_FILE = env_str("ACCESS_LOG_SEAL_FILE", "")

# --- Staff sign-in: second factor, throttling, idle timeout (elevhalsa.auth) --------------------
# Password, then a TOTP code or a one-time backup code (django-otp). Until the second factor is
# given, SecondFactorRequiredMiddleware sends every page to the code step and refuses anything
# else with 403; the admin site requires a verified session too (elevhalsa.auth.admin_site).
# SessionLifetimeMiddleware ends idle sessions and sessions older than "logout everywhere".
# django-axes locks a username after repeated wrong passwords or codes; it stores usernames with
# identity numbers masked and keeps no log of successful logins (our AuthEvent does that).
OTP_REQUIRED = True  # production.py refuses False
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE += [
    "elevhalsa.auth.middleware.SessionLifetimeMiddleware",
    "elevhalsa.auth.middleware.SecondFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into our login page
]
AUTHENTICATION_BACKENDS.insert(0, "axes.backends.AxesStandaloneBackend")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Elevhälsojournal")
OTP_TOTP_THROTTLE_FACTOR = 1  # seconds after a wrong code: 1, 2, 4, 8 … (0 would turn it off)
OTP_STATIC_THROTTLE_FACTOR = 1
BACKUP_CODE_COUNT = 10
IDLE_TIMEOUT_DEFAULT_MINUTES = 30  # organisations set their own (Organisation.idle_timeout_minutes)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)  # wrong passwords and wrong codes together
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
# By username from anywhere, and by username from one address (which the admin can see).
AXES_LOCKOUT_PARAMETERS = ["username", ["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = False  # reset only after the second factor (elevhalsa.auth.views)
AXES_USERNAME_CALLABLE = "elevhalsa.auth.throttling.masked_username"
AXES_LOCKOUT_CALLABLE = "elevhalsa.auth.throttling.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are AuthEvents; axes would keep raw usernames
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password", "otp_token", "code"]
AXES_ENABLE_ADMIN = False  # attempts expire by themselves; the admin deletes nothing
AXES_VERBOSE = False  # no start-up banner; log lines name only the (masked) lockout parameters

# --- Access policy (consent.policy): windows of the narrow reasons, and timed accesses ----------
# Incoming: a health-responsible enrolment starting within this many days opens the record to
# the staff of that school. Own documentation: the author may finish and sign her own drafts for
# this many days after the student's health-responsible enrolment ended. Recently left: staff
# still at the school may document (not read) for this many days after it ended.
ACCESS_INCOMING_WINDOW_DAYS = env_int("ACCESS_INCOMING_WINDOW_DAYS", 30)
ACCESS_OWN_DOCUMENTATION_DAYS = env_int("ACCESS_OWN_DOCUMENTATION_DAYS", 30)
ACCESS_RECENTLY_LEFT_DAYS = env_int("ACCESS_RECENTLY_LEFT_DAYS", 30)
# Emergency access (nödåtkomst) and records-officer access last this long, then close by
# themselves; both are queued for review.
EMERGENCY_ACCESS_HOURS = env_int("EMERGENCY_ACCESS_HOURS", 4)
RECORDS_OFFICER_ACCESS_HOURS = env_int("RECORDS_OFFICER_ACCESS_HOURS", 4)

# --- Access-log review (consent.review): period limit, suspicion checks, samples, reminders -----
# A search or check covers at most LOG_REVIEW_MAX_PERIOD_DAYS. The suspicion checks flag: an
# access within AFTER_ASSIGNMENT_DAYS after the user's assignment at that unit ended; more than
# BURST_STUDENTS distinct students read within BURST_MINUTES by one user; accesses before
# WORK_START_HOUR or from WORK_END_HOUR (local time), or on Saturdays and Sundays. A random
# sample takes SAMPLE_PER_UNIT rows per unit and month. Assignments and grants not reviewed for
# ACCESS_REVIEW_REMINDER_DAYS are listed on the permissions overview (behörighetsöversikt).
LOG_REVIEW_MAX_PERIOD_DAYS = env_int("LOG_REVIEW_MAX_PERIOD_DAYS", 366)
LOG_REVIEW_AFTER_ASSIGNMENT_DAYS = env_int("LOG_REVIEW_AFTER_ASSIGNMENT_DAYS", 30)
LOG_REVIEW_BURST_STUDENTS = env_int("LOG_REVIEW_BURST_STUDENTS", 20)
LOG_REVIEW_BURST_MINUTES = env_int("LOG_REVIEW_BURST_MINUTES", 10)
LOG_REVIEW_WORK_START_HOUR = env_int("LOG_REVIEW_WORK_START_HOUR", 7)
LOG_REVIEW_WORK_END_HOUR = env_int("LOG_REVIEW_WORK_END_HOUR", 18)
LOG_REVIEW_SAMPLE_PER_UNIT = env_int("LOG_REVIEW_SAMPLE_PER_UNIT", 10)
ACCESS_REVIEW_REMINDER_DAYS = env_int("ACCESS_REVIEW_REMINDER_DAYS", 365)

# --- Registry import (schools.registry) -----------------------------------------------------------
# A folder the job `registry_import_inbox` imports CSV files from (moved to done/ afterwards);
# empty: the job does nothing.
REGISTRY_IMPORT_INBOX = env_str("REGISTRY_IMPORT_INBOX", "")

# --- Journal (journal app) ------------------------------------------------------------------------
# A draft older than this many days is locked: no more edits, still signable by its author.
JOURNAL_DRAFT_LOCK_DAYS = env_int("JOURNAL_DRAFT_LOCK_DAYS", 14)
# Printing an entry or a record copy asks for a reason; mandatory unless turned off (R-PRT-1).
JOURNAL_PRINT_REASON_REQUIRED = env_bool("JOURNAL_PRINT_REASON_REQUIRED", True)
# Scanned attachments: stored here, outside the web root and the static files, served only
# through the attachment view (policy and access log).
JOURNAL_ATTACHMENT_ROOT = env_str("JOURNAL_ATTACHMENT_ROOT", str(BASE_DIR / "var" / "attachments"))
JOURNAL_ATTACHMENT_MAX_BYTES = env_int("JOURNAL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)

# Consents (issue 5): scanned paper answers, outside the web root like attachments.
CONSENT_SCAN_ROOT = env_str("CONSENT_SCAN_ROOT", str(BASE_DIR / "var" / "consent-scans"))
# Reading another care provider's records needs a granted consent and an active choice, which
# holds this long for that user and student (then she chooses again).
CONSENT_ACTIVE_CHOICE_MINUTES = env_int("CONSENT_ACTIVE_CHOICE_MINUTES", 60)

# Vaccinations (issue 8): the national vaccination register (NVR). The system name is half of
# every report's stable unique reference (with the first dose row's id), so never change it in
# production. Export files (UNVERIFIED FORMAT: not FHM's specification) are written here, outside
# the web root: they hold identity numbers.
VACCINATION_REGISTER_SYSTEM_NAME = env_str("VACCINATION_REGISTER_SYSTEM_NAME", "elevhalsa-journal")
VACCINATION_REGISTER_EXPORT_DIR = env_str(
    "VACCINATION_REGISTER_EXPORT_DIR", str(BASE_DIR / "var" / "vaccination-register")
)

# --- Guardian sign-in: e-ID over OpenID Connect, and the demo e-ID (consent.portal) -------------
# Guardians sign in only with e-ID through a broker's OpenID Connect provider (mozilla-django-oidc,
# code flow with PKCE). Only the personnummer claim of the verified ID token counts: it binds the
# user to the one Guardian with that number (consent.portal.identity); nobody binds by hand.
# While the client id or an endpoint is empty, e-ID sign-in is off (no link, the views 404).
# The broker's redirect URI is https://<host>/portal/e-legitimation/retur/.
AUTHENTICATION_BACKENDS.append("consent.portal.oidc.GuardianOIDCBackend")
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
# Required by mozilla-django-oidc but not asked: userinfo answers are not signed.
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
# Ours: when set, the ID token's "iss" must be exactly this (the broker's issuer identifier).
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid https://id.oidc.se/scope/naturalPersonNumber")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "portal:oidc-callback"
# The name stored on the account and in the session (GuardianAccount.issuer, EID_ISSUER).
PORTAL_EID_ISSUER = env_str("PORTAL_EID_ISSUER", "e-legitimation")
# The Swedish OIDC profile's claim (id.oidc.se): 12 digits, YYYYMMDDNNNN.
PORTAL_EID_IDENTITY_CLAIM = env_str(
    "PORTAL_EID_IDENTITY_CLAIM", "https://id.oidc.se/claim/personalIdentityNumber"
)
# Demo e-ID: sign in as any listed guardian without e-ID. For the first run and the tests only;
# production settings refuse it, and `check --deploy` reports it (consent.E010).
PORTAL_DEMO_EID = env_bool("PORTAL_DEMO_EID", True)
PORTAL_DEMO_EID_LIST_SIZE = 30
