"""PostgreSQL: refuse UPDATE and DELETE on the access log and its seals, even to the owner.

A plain trigger with no bypass switch (not django-pgtrigger, whose triggers a session setting can
skip). No TRUNCATE trigger: TRUNCATE is refused by grants (consent.dbroles), and a truncate
trigger would break the test runner's flush. SQLite: nothing (see README).
"""

from django.db import migrations

from consent.dbroles import install_append_only_trigger, remove_append_only_trigger

TABLES = ["consent_accesslogentry", "consent_logseal"]


def install(apps, schema_editor):
    for table in TABLES:
        install_append_only_trigger(schema_editor, table)


def remove(apps, schema_editor):
    for table in TABLES:
        remove_append_only_trigger(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
