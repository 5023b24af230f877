"""The national vaccination note (Vaccinationsanteckning), version 2: its vaccine, batch number,
dose number and injection site keywords bind to one vaccination dose
(journal.services.vaccination_binding): a draft while the note is one, signed with it. None of
them is required at signing: a note about a declined vaccination leaves them empty and records
no dose. The other keywords are version 1's ("vaccination" is now the free-text assessment).
Version 1 is retired; notes written with it keep pointing to it.

Idempotent (the e2e fixture reloads it after a flush): a published version that already binds
the dose is left alone.
"""

from decimal import Decimal
from importlib import import_module

from django.db import migrations
from django.utils import timezone

ACTION = "atgard"
CODE = "vaccination"
NEW_KEYWORDS = [
    {
        "code": "vaccin",
        "label": "Vaccin",
        "kind": "text",
        "binds_to": "vaccination.vaccine",
        "help_text": "Produktnamnet, t.ex. Gardasil 9. Dosen sparas också som vaccination.",
    },
    {"code": "satsnummer", "label": "Satsnummer", "kind": "text", "binds_to": "vaccination.lot"},
    {
        "code": "dos-nr",
        "label": "Dos nr",
        "kind": "number",
        "min_value": Decimal("1"),
        "max_value": Decimal("10"),
        "binds_to": "vaccination.dose_number",
        "help_text": "Tomt: nästa dos i serien.",
    },
    {
        "code": "injektionsstalle",
        "label": "Injektionsställe",
        "kind": "choice",
        "choices": ["Vänster överarm", "Höger överarm", "Vänster lår", "Höger lår"],
        "binds_to": "vaccination.site",
    },
]
# Version 1's keywords that change: the free text becomes the assessment/note.
CHANGED = {
    "vaccination": {
        "label": "Bedömning/Anteckning",
        "vips_heading": "bedomning",
        "required_at_signing": False,
    },
}
REASON = "Nationell standardmall, version 2: vaccinationsdosen sparas från anteckningen"
COPIED = (
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
    current = (
        TemplateVersion.objects.filter(
            template__organisation__isnull=True, template__code=CODE, status="published"
        )
        .order_by("-number")
        .first()
    )
    if current is None:
        return
    keywords = list(Keyword.objects.filter(version=current).order_by("order"))
    if any(k.binds_to.startswith("vaccination.") for k in keywords):
        return
    current.status = "retired"
    current.save(update_fields=["status"])
    with_history(apps, "TemplateVersion", current, now, REASON)
    latest = TemplateVersion.objects.filter(template_id=current.template_id).order_by("-number")[0]
    version = TemplateVersion.objects.create(
        template_id=current.template_id,
        number=latest.number + 1,
        status="published",
        published_at=now,
        change_note=(
            "Vaccin, satsnummer, dosnummer och injektionsställe sparas som vaccinationsdos."
        ),
    )
    with_history(apps, "TemplateVersion", version, now, REASON)
    rows = []
    for old in keywords:
        if old.vips_heading == ACTION and not any(r.get("binds_to") for r in rows):
            rows += [{"vips_heading": ACTION, **new} for new in NEW_KEYWORDS]  # the dose first
        rows.append({name: getattr(old, name) for name in COPIED} | CHANGED.get(old.code, {}))
    for order, values in enumerate(rows, start=1):
        keyword = Keyword.objects.create(version=version, order=order, **values)
        with_history(apps, "Keyword", keyword, now, REASON)


class Migration(migrations.Migration):
    dependencies = [("journal", "0019_vaccination_binding_keys")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
