"""PostgreSQL: signed entries and their child rows never change, entries are never deleted,
and marks, record copies and every journal history table are append-only — even to the owner
(journal.immutability, consent.dbroles). SQLite: the model guards only (README)."""

from django.db import migrations

from consent.dbroles import install_append_only_trigger, remove_append_only_trigger
from journal.immutability import install_entry_triggers, remove_entry_triggers

APPEND_ONLY = ["journal_entrymark", "journal_recordcopy"]


def _history_tables(apps):
    return [
        model._meta.db_table
        for model in apps.get_app_config("journal").get_models()
        if model.__name__.startswith("Historical")
    ]


def install(apps, schema_editor):
    install_entry_triggers(schema_editor)
    for table in APPEND_ONLY + _history_tables(apps):
        install_append_only_trigger(schema_editor, table)


def remove(apps, schema_editor):
    remove_entry_triggers(schema_editor)
    for table in APPEND_ONLY + _history_tables(apps):
        remove_append_only_trigger(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("journal", "0005_journal_entries")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
