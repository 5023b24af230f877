"""The national basic programme of health visits, version 1 (REQUIREMENTS 2.1): förskoleklass,
åk 2, åk 4, åk 7 or 8 and gymnasiet år 1, each done by a signed note on its default template;
and append-only history tables for the programme and the visits (PostgreSQL)."""

from django.db import migrations
from django.utils import timezone

from consent.dbroles import install_append_only_trigger, remove_append_only_trigger

POINTS = [
    # label, school form, grade, alternative grade, template code
    ("Förskoleklass", "FKLASS", 0, None, "halsobesok-fklass"),
    ("Åk 2", "GR", 2, None, "halsobesok-ak2"),
    ("Åk 4", "GR", 4, None, "halsobesok-ak4"),
    ("Åk 7/8", "GR", 7, 8, "halsobesok-ak7-8"),
    ("Gymnasiet år 1", "GY", 1, None, "halsobesok-gy1"),
]
HISTORY = [
    "journal_historicalhealthprogramme",
    "journal_historicalprogrammepoint",
    "journal_historicalhealthvisit",
]
REASON = "Nationellt basprogram, version 1"


def load(apps, schema_editor):
    Programme = apps.get_model("journal", "HealthProgramme")
    Point = apps.get_model("journal", "ProgrammePoint")
    Template = apps.get_model("journal", "DocumentTemplate")
    if Programme.objects.filter(organisation=None).exists():
        return
    now = timezone.now()
    programme = Programme.objects.create(
        number=1,
        name="Nationellt basprogram",
        status="published",
        published_at=now,
        change_note="Förskoleklass, åk 2, 4, 7/8 och gymnasiet år 1 (Vägledning för elevhälsan).",
    )
    history = apps.get_model("journal", "HistoricalHealthProgramme")
    _history(history, Programme, programme, now)
    point_history = apps.get_model("journal", "HistoricalProgrammePoint")
    for order, (label, school_type, grade, alternative, code) in enumerate(POINTS, start=1):
        point = Point.objects.create(
            programme=programme,
            order=order,
            label=label,
            school_type=school_type,
            grade=grade,
            alternative_grade=alternative,
            template=Template.objects.get(organisation=None, code=code),
        )
        _history(point_history, Point, point, now)


def _history(historical, model, obj, now):
    values = {field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields}
    historical.objects.create(
        **values, history_date=now, history_type="+", history_change_reason=REASON
    )


def install(apps, schema_editor):
    for table in HISTORY:
        install_append_only_trigger(schema_editor, table)


def remove(apps, schema_editor):
    for table in HISTORY:
        remove_append_only_trigger(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("journal", "0010_health_visits")]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(install, remove, elidable=False),
    ]
