"""The default growth reference, WHO 2007 (5–19 years), as data: the LMS tables in
journal/growth/data/who2007/ (manifest.json, provenance in data/PROVENANCE.md).

Historical models write no history by themselves: the reference and its tables get their
"created" history rows here, as in migration 0011. Reverse deletes the reference with its
tables and points (refused while an organisation's growth settings point at it); the history
rows stay (append-only)."""

from pathlib import Path

from django.db import migrations
from django.utils import timezone

FOLDER = Path(__file__).resolve().parent.parent / "growth" / "data" / "who2007"
REASON = "WHO 2007, inläst av migrering 0013"


def load_who2007(apps, schema_editor):
    from journal.growth.loading import create_reference, read_reference_folder

    GrowthReference = apps.get_model("journal", "GrowthReference")
    data = read_reference_folder(FOLDER)
    if GrowthReference.objects.filter(code=data.code, version=data.version).exists():
        return
    GrowthLmsTable = apps.get_model("journal", "GrowthLmsTable")
    reference = create_reference(
        data,
        reference_model=GrowthReference,
        table_model=GrowthLmsTable,
        point_model=apps.get_model("journal", "GrowthLmsPoint"),
    )
    now = timezone.now()
    _history(apps.get_model("journal", "HistoricalGrowthReference"), reference, now)
    history = apps.get_model("journal", "HistoricalGrowthLmsTable")
    for table in GrowthLmsTable.objects.filter(reference=reference).order_by("pk"):
        _history(history, table, now)


# The name tests/e2e/conftest.py calls to put the data back after a live-server flush.
load = load_who2007


def _history(historical, obj, now):
    values = {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}
    historical.objects.create(
        **values, history_date=now, history_type="+", history_change_reason=REASON
    )


def unload_who2007(apps, schema_editor):
    GrowthReference = apps.get_model("journal", "GrowthReference")
    GrowthLmsTable = apps.get_model("journal", "GrowthLmsTable")
    GrowthLmsPoint = apps.get_model("journal", "GrowthLmsPoint")
    references = GrowthReference.objects.filter(code="who2007", version="2007")
    GrowthLmsPoint.objects.filter(table__reference__in=references).delete()
    GrowthLmsTable.objects.filter(reference__in=references).delete()
    references.delete()


class Migration(migrations.Migration):
    dependencies = [("journal", "0012_growth_reference")]

    operations = [migrations.RunPython(load_who2007, unload_who2007)]
