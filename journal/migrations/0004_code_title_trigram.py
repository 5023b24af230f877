"""PostgreSQL only: trigram search on code titles, and loaded codes that never change.

``title__icontains`` compiles to ``UPPER(title) LIKE UPPER('%…%')``, so the GIN trigram index is
on ``UPPER(title)``. ``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database owner that
runs migrations may create it. The append-only trigger refuses UPDATE and DELETE on
``journal_code`` even to the owner (consent.dbroles). SQLite skips both: there the admin's and
the model's refusals carry the rule, and a plain index on title serves searches.
"""

from django.db import migrations

from consent.dbroles import install_append_only_trigger, remove_append_only_trigger

CREATE_INDEX = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS code_title_trgm_idx ON journal_code USING gin (UPPER(title) gin_trgm_ops);
"""
DROP_INDEX = "DROP INDEX IF EXISTS code_title_trgm_idx;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_INDEX)
        install_append_only_trigger(schema_editor, "journal_code")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        remove_append_only_trigger(schema_editor, "journal_code")
        schema_editor.execute(DROP_INDEX)


class Migration(migrations.Migration):
    dependencies = [("journal", "0003_code_lists"), ("consent", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
