"""Signed is signed, at the database too (R-DOC-3, R-DOC-4).

The models refuse in ``save()``, ``delete()`` and their querysets (which ``bulk_update`` and the
M2M ``set()`` go through); these PostgreSQL triggers refuse the same for every other path — raw
SQL, the shell, a future bug — whatever the role, with no session switch to turn them off:

* ``journal_journalentry``: no UPDATE of a signed row, no DELETE of any row;
* child tables (keyword values, codes, attachments, bound records): no INSERT, UPDATE or DELETE
  of a row whose entry is signed — bound records also once they are signed themselves;
* marks, record copies and every history table: append-only (``consent.dbroles``).

On top, the application role holds no DELETE on entries and no UPDATE/DELETE on the append-only
tables (``JournalConfig.ready`` registers them for ``consent.dbroles.grant_app_role``). No
DELETE or TRUNCATE triggers fire on TRUNCATE, so the test runner's flush still works. SQLite has
the model guards only (README).
"""

from __future__ import annotations

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

ENTRY_TABLE = "journal_journalentry"
ENTRY_FUNCTION = "journal_refuse_signed_entry_change"
CHILD_FUNCTION = "journal_refuse_signed_child_change"
# Child tables with a ``status`` of their own (bound records): signed rows are frozen too.
CHILD_TABLES = {
    "journal_keywordvalue": False,
    "journal_entrycode": False,
    "journal_attachment": False,
    "journal_visionresult": True,
}


def install_entry_triggers(schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {ENTRY_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                RAISE EXCEPTION 'journal entries are never deleted'
                    USING ERRCODE = 'restrict_violation';
            END IF;
            IF OLD.status = 'signed' THEN
                RAISE EXCEPTION 'signed journal entry %: UPDATE refused', OLD.id
                    USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END;
        $$
        """,
        None,
    )
    schema_editor.execute(
        f"CREATE TRIGGER {quote(ENTRY_TABLE + '_signed')} BEFORE UPDATE OR DELETE ON "
        f"{quote(ENTRY_TABLE)} FOR EACH ROW EXECUTE FUNCTION {ENTRY_FUNCTION}()"
    )
    # One function for every child table: TG_ARGV[0] says whether the row has its own status.
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {CHILD_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            signed boolean := false;
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                signed := EXISTS (SELECT 1 FROM {ENTRY_TABLE}
                                  WHERE id = OLD.entry_id AND status = 'signed');
                -- Nested, not AND: OLD.status must not even be planned for a table without it.
                IF TG_ARGV[0] = 'own_status' THEN
                    IF OLD.status = 'signed' THEN
                        signed := true;
                    END IF;
                END IF;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND NOT signed THEN
                signed := EXISTS (SELECT 1 FROM {ENTRY_TABLE}
                                  WHERE id = NEW.entry_id AND status = 'signed');
            END IF;
            IF signed THEN
                RAISE EXCEPTION 'signed journal entry: % on % refused', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'restrict_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            RETURN NEW;
        END;
        $$
        """,  # noqa: S608 (constant table names, no input)
        None,
    )
    for table, own_status in CHILD_TABLES.items():
        install_child_trigger(schema_editor, table, own_status=own_status)


def install_child_trigger(
    schema_editor: BaseDatabaseSchemaEditor, table: str, *, own_status: bool = False
) -> None:
    """For a later app's bound-record table (growth, vaccination): frozen with its entry."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    argument = "'own_status'" if own_status else "'entry_only'"
    schema_editor.execute(
        f"CREATE TRIGGER {quote(table + '_signed')} BEFORE INSERT OR UPDATE OR DELETE ON "
        f"{quote(table)} FOR EACH ROW EXECUTE FUNCTION {CHILD_FUNCTION}({argument})"
    )


def remove_entry_triggers(schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for table in [ENTRY_TABLE, *CHILD_TABLES]:
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {quote(table + '_signed')} ON {quote(table)}"
        )
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {CHILD_FUNCTION}()")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {ENTRY_FUNCTION}()")


def install_signed_record_trigger(schema_editor: BaseDatabaseSchemaEditor, table: str) -> None:
    """A table with its own ``status`` (medication orders, self-care plans): no UPDATE of a
    signed row, no DELETE of any row — the entry function does exactly that."""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE TRIGGER {quote(table + '_signed')} BEFORE UPDATE OR DELETE ON "
        f"{quote(table)} FOR EACH ROW EXECUTE FUNCTION {ENTRY_FUNCTION}()"
    )


def install_no_delete_trigger(schema_editor: BaseDatabaseSchemaEditor, table: str) -> None:
    """Rows kept current but never deleted (alerts)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from consent.dbroles import APPEND_ONLY_FUNCTION

    quote = schema_editor.quote_name
    schema_editor.execute(
        f"CREATE TRIGGER {quote(table + '_no_delete')} BEFORE DELETE ON "
        f"{quote(table)} FOR EACH ROW EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()"
    )


def remove_trigger(schema_editor: BaseDatabaseSchemaEditor, table: str, suffix: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {quote(table + suffix)} ON {quote(table)}")
