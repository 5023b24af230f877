"""The national health-visit templates, version 2: their height and weight keywords bind to
growth measurements (``binds_to`` growth.height / growth.weight, journal.bindings), with a
measurement's ranges (50–230 cm, 10–250 kg). Everything else is copied from the published
version, which is retired; notes written with it keep pointing to it.

Idempotent (the e2e fixture reloads it after a flush): a template whose published version
already binds growth is left alone.
"""

from decimal import Decimal
from importlib import import_module

from django.db import migrations
from django.utils import timezone

TEMPLATES = [
    "halsobesok-fklass",
    "halsobesok-ak2",
    "halsobesok-ak4",
    "halsobesok-ak7-8",
    "halsobesok-gy1",
]
BINDINGS = {
    "langd": {
        "binds_to": "growth.height",
        "min_value": Decimal("50"),
        "max_value": Decimal("230"),
        "help_text": "Sparas också som tillväxtmätning (cm, en decimal).",
    },
    "vikt": {
        "binds_to": "growth.weight",
        "min_value": Decimal("10"),
        "max_value": Decimal("250"),
        "help_text": "Sparas också som tillväxtmätning (kg, en decimal).",
    },
}
REASON = "Nationell standardmall, version 2: längd och vikt sparas som tillväxtmätning"
COPIED = (
    "order",
    "code",
    "label",
    "vips_heading",
    "kind",
    "unit",
    "min_value",
    "max_value",
    "flag_below",
    "choices",
    "required_at_signing",
    "help_text",
    "binds_to",
)


def load(apps, schema_editor):
    with_history = import_module("journal.migrations.0002_default_templates")._with_history
    TemplateVersion = apps.get_model("journal", "TemplateVersion")
    Keyword = apps.get_model("journal", "Keyword")
    now = timezone.now()
    for code in TEMPLATES:
        current = (
            TemplateVersion.objects.filter(
                template__organisation__isnull=True, template__code=code, status="published"
            )
            .order_by("-number")
            .first()
        )
        if current is None:
            continue
        keywords = list(Keyword.objects.filter(version=current).order_by("order"))
        if any(k.binds_to.startswith("growth.") for k in keywords):
            continue
        if not any(k.code in BINDINGS for k in keywords):
            continue
        current.status = "retired"
        current.save(update_fields=["status"])
        with_history(apps, "TemplateVersion", current, now, REASON)
        latest = TemplateVersion.objects.filter(template_id=current.template_id).order_by(
            "-number"
        )[0]
        version = TemplateVersion.objects.create(
            template_id=current.template_id,
            number=latest.number + 1,
            status="published",
            published_at=now,
            change_note="Längd och vikt sparas också som tillväxtmätning (tillväxtkurvan).",
        )
        with_history(apps, "TemplateVersion", version, now, REASON)
        for old in keywords:
            values = {name: getattr(old, name) for name in COPIED}
            values |= BINDINGS.get(old.code, {})
            keyword = Keyword.objects.create(version=version, **values)
            with_history(apps, "Keyword", keyword, now, REASON)


class Migration(migrations.Migration):
    dependencies = [("journal", "0014_growth_measurements")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
