"""PostgreSQL: refuse UPDATE and DELETE on sign-in events, even to the owner (as for the log)."""

from django.db import migrations

from consent.dbroles import install_append_only_trigger, remove_append_only_trigger

TABLE = "elevhalsa_authevent"


def install(apps, schema_editor):
    install_append_only_trigger(schema_editor, TABLE)


def remove(apps, schema_editor):
    remove_append_only_trigger(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("elevhalsa", "0002_user_sessions_valid_after_authevent")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
