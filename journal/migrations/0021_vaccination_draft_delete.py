"""A vaccination note's draft dose, emptied in the draft note, is deleted (like growth's bound
measurement); every other vaccination still never is (PostgreSQL).

Migration 0018 put the entry function on ``journal_vaccination``: no UPDATE of a signed row, no
DELETE at all. Its own function here keeps the UPDATE rule and allows exactly one DELETE: a draft
row with a note that is a draft and no register report. The model guards
(``Vaccination.delete`` and its queryset) refuse the same on every database. Ordinations keep
0018's trigger. ``remove`` restores 0018's trigger on vaccinations."""

from django.db import migrations

from journal.immutability import install_signed_record_trigger, remove_trigger

TABLE = "journal_vaccination"
FUNCTION = "journal_refuse_vaccination_change"


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' THEN
                IF OLD.status = 'signed' THEN
                    RAISE EXCEPTION 'signed vaccination %: UPDATE refused', OLD.id
                        USING ERRCODE = 'restrict_violation';
                END IF;
                RETURN NEW;
            END IF;
            IF OLD.status = 'signed' THEN
                RAISE EXCEPTION 'signed vaccination %: never deleted', OLD.id
                    USING ERRCODE = 'restrict_violation';
            END IF;
            IF OLD.entry_id IS NULL THEN
                RAISE EXCEPTION 'vaccination % without a note: never deleted', OLD.id
                    USING ERRCODE = 'restrict_violation';
            END IF;
            IF EXISTS (SELECT 1 FROM journal_journalentry
                       WHERE id = OLD.entry_id AND status = 'signed') THEN
                RAISE EXCEPTION 'vaccination % of a signed note: never deleted', OLD.id
                    USING ERRCODE = 'restrict_violation';
            END IF;
            IF EXISTS (SELECT 1 FROM journal_registerreport WHERE vaccination_id = OLD.id) THEN
                RAISE EXCEPTION 'vaccination % queued for the register: never deleted', OLD.id
                    USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN OLD;
        END;
        $$
        """,  # noqa: S608 (constant names, no input)
        None,  # no parameters: the % in RAISE are PL/pgSQL's, not placeholders
    )
    remove_trigger(schema_editor, TABLE, "_signed")
    schema_editor.execute(
        f"CREATE TRIGGER {quote(TABLE + '_signed')} BEFORE UPDATE OR DELETE ON "
        f"{quote(TABLE)} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    remove_trigger(schema_editor, TABLE, "_signed")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    install_signed_record_trigger(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0020_vaccination_template"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
