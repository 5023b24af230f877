"""A national default template for the rare dose the school nurse gives herself (issue 9:
doses given by school staff under the principal are outside the journal)."""

from importlib import import_module

from django.db import migrations

ANAMNES, STATUS, ATGARD, RESULTAT = "anamnes", "status", "atgard", "resultat"
INFORMATION, DECLINED = "information_given", "declined_care"
TEXT, CHOICE, YES_NO = "text", "choice", "yes_no"
ROUTES = ["Genom munnen", "Inhalation", "Injektion", "I näsan", "Rektalt", "På huden", "Annat"]

KEYWORDS = [
    ("ordination", "Ordination eller instruktion", ANAMNES, TEXT,
     {"required_at_signing": True,
      "help_text": "Vilken läkemedelsordination eller egenvårdsplan dosen gavs enligt."}),
    ("indikation", "Orsak", ANAMNES, TEXT, {}),
    ("tillstand-fore", "Elevens tillstånd före", STATUS, TEXT, {}),
    ("lakemedel", "Läkemedel, styrka och beredningsform", ATGARD, TEXT,
     {"required_at_signing": True}),
    ("dos", "Given dos", ATGARD, TEXT, {"required_at_signing": True}),
    ("administrationssatt", "Administrationssätt", ATGARD, CHOICE, {"choices": ROUTES}),
    ("effekt", "Effekt och eventuell reaktion", RESULTAT, TEXT, {}),
    ("vardnadshavare-informerad", "Vårdnadshavare informerad", INFORMATION, YES_NO, {}),
    ("information-given", "Information given", INFORMATION, TEXT, {}),
    ("avbojd-vard", "Avböjd vård", DECLINED, TEXT, {}),
]
TEMPLATE = {
    "code": "lakemedel-given-dos",
    "area": "EMI",
    "name": "Läkemedel givet av skolsköterskan",
    "description": "En dos som skolsköterskan själv ger, enligt ordination eller egenvårdsplan.",
    "keywords": [
        {"order": order, "code": kw[0], "label": kw[1], "vips_heading": kw[2], "kind": kw[3]}
        | kw[4]
        for order, kw in enumerate(KEYWORDS, start=1)
    ],
}


def load(apps, schema_editor):
    defaults = import_module("journal.migrations.0002_default_templates")
    defaults.load_templates(apps, [TEMPLATE], "Nationell standardmall, version 1")


class Migration(migrations.Migration):
    dependencies = [("journal", "0008_alerts_medication_triggers")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
