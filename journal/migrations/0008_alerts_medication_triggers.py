"""PostgreSQL: signed medication orders and self-care plans never change, none of them nor any
alert is deleted, and their history tables are append-only (journal.immutability)."""

from django.db import migrations

from consent.dbroles import install_append_only_trigger, remove_append_only_trigger
from journal.immutability import (
    install_no_delete_trigger,
    install_signed_record_trigger,
    remove_trigger,
)

SIGNED = ["journal_medicationorder", "journal_selfcareplan"]
HISTORY = [
    "journal_historicalalert",
    "journal_historicalmedicationorder",
    "journal_historicalselfcareplan",
]


def install(apps, schema_editor):
    for table in SIGNED:
        install_signed_record_trigger(schema_editor, table)
    install_no_delete_trigger(schema_editor, "journal_alert")
    for table in HISTORY:
        install_append_only_trigger(schema_editor, table)


def remove(apps, schema_editor):
    for table in SIGNED:
        remove_trigger(schema_editor, table, "_signed")
    remove_trigger(schema_editor, "journal_alert", "_no_delete")
    for table in HISTORY:
        remove_append_only_trigger(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("journal", "0007_alerts_medication_selfcare")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
