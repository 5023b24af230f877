"""The national default templates, version 1 (content: journal/template_defaults.py).

Historical models have no custom save(), so the rows and their first history rows are written
here explicitly; a database that already has a national template with a code keeps it.
"""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

from journal.template_defaults import DEFAULT_TEMPLATES

DECIMAL_FIELDS = ("min_value", "max_value", "flag_below")
REASON = "Nationell standardmall, version 1"


def _with_history(apps, model_name, obj, now, reason=REASON):
    model = apps.get_model("journal", model_name)
    historical = apps.get_model("journal", f"Historical{model_name}")
    values = {field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields}
    historical.objects.create(
        **values, history_date=now, history_type="+", history_change_reason=reason
    )


def load(apps, schema_editor):
    load_templates(apps, DEFAULT_TEMPLATES, REASON)


def load_templates(apps, specs, reason):
    """Version 1 of each template in ``specs`` (skipping codes that exist), published, with
    history rows; later migrations that add a default template call this too."""
    DocumentTemplate = apps.get_model("journal", "DocumentTemplate")
    TemplateVersion = apps.get_model("journal", "TemplateVersion")
    Keyword = apps.get_model("journal", "Keyword")
    now = timezone.now()
    for spec in specs:
        if DocumentTemplate.objects.filter(organisation=None, code=spec["code"]).exists():
            continue
        template = DocumentTemplate.objects.create(
            code=spec["code"],
            area=spec["area"],
            name=spec["name"],
            description=spec["description"],
        )
        _with_history(apps, "DocumentTemplate", template, now, reason)
        version = TemplateVersion.objects.create(
            template=template, number=1, status="published", published_at=now
        )
        _with_history(apps, "TemplateVersion", version, now, reason)
        for row in spec["keywords"]:
            values = {
                name: Decimal(value) if name in DECIMAL_FIELDS else value
                for name, value in row.items()
            }
            keyword = Keyword.objects.create(version=version, **values)
            _with_history(apps, "Keyword", keyword, now, reason)


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_initial")]

    # Nothing to undo: migrating back to 0001 drops the tables anyway.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
