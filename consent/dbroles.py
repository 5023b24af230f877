"""Append-only tables at the database (PostgreSQL): grants for the application role, triggers.

In production the application connects as ``settings.DATABASE_APP_ROLE``, which does not own
the tables; migrations run as the owner (``manage.py migrate --database owner``). After every
migrate, ``grant_app_role`` gives the application role what it needs on every table in the
schema and takes UPDATE, DELETE and TRUNCATE back on the protected tables, so tables added later
are covered without anyone remembering to. TRUNCATE is refused by grants only: a truncate
trigger would break the test runner's flush.

On top of the grants, ``install_append_only_trigger`` (called from migrations) adds a plain
trigger that refuses UPDATE and DELETE even to the owner — no session switch turns it off; the
owner must visibly ``ALTER TABLE … DISABLE TRIGGER``, and the seal chain shows what changed.

Other apps protect their tables (signed records, history) by calling ``protect_table`` from
their ``AppConfig.ready`` and ``install_append_only_trigger`` from a migration.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

APPEND_ONLY_FUNCTION = "elevhalsa_refuse_change"

# consent's own tables, by model name (migration 0005 installs their triggers).
APPEND_ONLY_MODELS = (
    "AccessLogEntry",
    "LogSeal",
    "ConsentParty",
    "ConsentAnswer",
    "ActiveChoice",
    "ReviewFinding",
    "PermissionReview",
)
NO_DELETE_MODELS = (
    "Consent",
    "ConsentMandate",
    "MaturityDecision",
    "GuardianAccessDecision",
    "GuardianAccount",
    "LogReview",
    "LogExtract",
    "Block",
    "BlockReveal",
)

_protected_tables: set[str] = set()
_no_delete_tables: set[str] = set()


def _table(table_or_model) -> str:
    return table_or_model if isinstance(table_or_model, str) else table_or_model._meta.db_table


def protect_table(table_or_model) -> None:
    """Register a table (name or model) whose rows the application may only add and read."""
    _protected_tables.add(_table(table_or_model))


def protect_table_from_delete(table_or_model) -> None:
    """Register a table whose rows the application may add, read and update (a trigger decides
    which updates: a draft entry, not a signed one) but never delete."""
    _no_delete_tables.add(_table(table_or_model))


def protected_tables() -> list[str]:
    return sorted(_protected_tables)


def no_delete_tables() -> list[str]:
    return sorted(_no_delete_tables - _protected_tables)


def role_exists(connection, role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def grant_app_role(using: str = "default", role: str | None = None) -> bool:
    """Grant the application role its rights; False (nothing done) off PostgreSQL or when the
    role does not exist (a development database where the app connects as the owner)."""
    connection = connections[using]
    role = role or settings.DATABASE_APP_ROLE
    if connection.vendor != "postgresql" or not role_exists(connection, role):
        return False
    quote = connection.ops.quote_name
    # One transaction: the application role never holds UPDATE on a protected table meanwhile.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        existing = _existing_tables(cursor)
        statements = [
            f"GRANT USAGE ON SCHEMA {schema} TO {quote(role)}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} "
            f"TO {quote(role)}",
            f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA {schema} FROM {quote(role)}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {quote(role)}",
        ]
        statements += [
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {quote(table)} FROM {quote(role)}"
            for table in protected_tables()
            if table in existing
        ]
        statements += [
            f"REVOKE DELETE, TRUNCATE ON {quote(table)} FROM {quote(role)}"
            for table in no_delete_tables()
            if table in existing
        ]
        for statement in statements:
            cursor.execute(statement)
    return True


def _existing_tables(cursor) -> set[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
    )
    return {row[0] for row in cursor.fetchall()}


def grant_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate handler (connected once, for the consent app: every table exists by then)."""
    grant_app_role(using=using)


def install_append_only_trigger(schema_editor: BaseDatabaseSchemaEditor, table: str) -> None:
    """For a RunPython migration: refuse UPDATE and DELETE on ``table`` (PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {APPEND_ONLY_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'restrict_violation';
        END;
        $$
        """,
        None,  # no parameters: the % in RAISE are PL/pgSQL's, not placeholders
    )
    schema_editor.execute(
        f"CREATE TRIGGER {quote(table + '_append_only')} BEFORE UPDATE OR DELETE ON "
        f"{quote(table)} FOR EACH ROW EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()"
    )


def remove_append_only_trigger(schema_editor: BaseDatabaseSchemaEditor, table: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"DROP TRIGGER IF EXISTS {quote(table + '_append_only')} ON {quote(table)}"
    )


def register_protected_tables() -> None:
    """Called from ``ConsentConfig.ready``: the access log and its seals, consent parties and
    answers and active choices (append-only), every history table of this app; consents and
    decisions are never deleted."""
    for name in APPEND_ONLY_MODELS:
        protect_table(apps.get_model("consent", name))
    for model in apps.get_app_config("consent").get_models():
        if model.__name__.startswith("Historical"):
            protect_table(model)
    for name in NO_DELETE_MODELS:
        protect_table_from_delete(apps.get_model("consent", name))
