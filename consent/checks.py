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
