"""PostgreSQL: consent parties, answers and active choices, and every history table of this app,
refuse UPDATE and DELETE even to the owner (the same plain trigger as the access log)."""

from django.db import migrations

from consent.dbroles import install_append_only_trigger, remove_append_only_trigger

TABLES = [
    "consent_consentparty",
    "consent_consentanswer",
    "consent_activechoice",
    "consent_historicalconsent",
    "consent_historicalconsentmandate",
    "consent_historicalmaturitydecision",
    "consent_historicalguardianaccessdecision",
    "consent_historicalportalsettings",
    "consent_historicalstudentgrant",
    "consent_historicalemergencyaccess",
    "consent_historicalrecordsofficeraccess",
]


def install(apps, schema_editor):
    for table in TABLES:
        install_append_only_trigger(schema_editor, table)


def remove(apps, schema_editor):
    for table in TABLES:
        remove_append_only_trigger(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("consent", "0004_consents_portal")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
