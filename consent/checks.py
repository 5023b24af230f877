"""System checks for the access log's guarantees."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security)
def check_access_log_settings(app_configs=None, **kwargs):
    errors = []
    for alias, database in settings.DATABASES.items():
        if database.get("ATOMIC_REQUESTS"):
            errors.append(
                Error(
                    f"ATOMIC_REQUESTS is on for the database {alias!r}.",
                    hint="The access log commits at the access check in a durable transaction "
                    "(consent.accesslog); a request-wide transaction would roll it back. "
                    "Turn ATOMIC_REQUESTS off.",
                    id="consent.E001",
                )
            )
    horizon_ms = settings.ACCESS_LOG_SEAL_HORIZON_SECONDS * 1000
    timeouts_ms = (
        settings.DATABASE_STATEMENT_TIMEOUT_MS + settings.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS
    )
    postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if postgres and (
        settings.DATABASE_STATEMENT_TIMEOUT_MS <= 0
        or settings.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS <= 0
        or timeouts_ms >= horizon_ms
    ):
        errors.append(
            Error(
                "The access-log seal horizon must be longer than the database timeouts.",
                hint="Sealing relies on every log insert being committed or aborted within "
                "ACCESS_LOG_SEAL_HORIZON_SECONDS: set DATABASE_STATEMENT_TIMEOUT_MS and "
                "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS (both > 0) so that their sum is "
                "well below the horizon.",
                id="consent.E002",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_portal_sign_in(app_configs=None, **kwargs):
    """Guardians sign in with e-ID only: no demo e-ID, and e-ID over HTTPS, in a deployment."""
    errors = []
    if settings.PORTAL_DEMO_EID:
        errors.append(
            Error(
                "The demo e-ID (PORTAL_DEMO_EID) is on.",
                hint="It lets anyone sign in to the guardian portal as any guardian. "
                "Set PORTAL_DEMO_EID=false; guardians sign in with e-ID over OpenID Connect.",
                id="consent.E010",
            )
        )
    if settings.OIDC_RP_CLIENT_ID:
        endpoints = (
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        wrong = [name for name in endpoints if not getattr(settings, name).startswith("https://")]
        if wrong or settings.OIDC_RP_SIGN_ALGO != "RS256" or not settings.OIDC_OP_ISSUER:
            errors.append(
                Error(
                    "e-ID sign-in (OIDC_RP_CLIENT_ID) is set up incompletely.",
                    hint="Give the broker's authorization, token and JWKS endpoints as https:// "
                    f"URLs (not so: {', '.join(wrong) or 'none'}), OIDC_OP_ISSUER, and "
                    "OIDC_RP_SIGN_ALGO=RS256.",
                    id="consent.E011",
                )
            )
    return errors
