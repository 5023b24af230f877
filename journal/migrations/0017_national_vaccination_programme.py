"""The national school-age vaccination programme, version 1 (REQUIREMENTS 2.9), and the vaccine
products commonly used for it, as data.

* MPR dose 2 in åk 1–2; HPV in åk 5 (two doses, dose 2 at least 5 months = 150 days after dose
  1; girls born 1999 or later, boys born 2009 or later; a series started at 15 years or later
  follows the three-dose schedule 0, 1 and at least 3 months after dose 2); dTp (dose 5) in åk
  8–9. Every dose is offered as catch-up until the student turns 18 (216 months).
* Products: names and ATC codes as cited in ``SOURCES``. The NPL-id is left empty unless a
  source gives it (Gardasil 9: FASS's product page names nplId 20140314000069). diTeBooster is
  not listed for dTp: it protects against diphtheria and tetanus only (FHM).

``load`` is idempotent: products are matched by name, and nothing is written when a national
programme already exists (the e2e fixture calls it again after a flush).
"""

from django.db import migrations
from django.utils import timezone

SOURCES = """Schema: Folkhälsomyndigheten, HSLF-FS 2016:51 (konsoliderad HSLF-FS 2020:25);
vaccin.se, Barnvaccinationsprogrammet (https://www.vaccin.se/barn/barnvaccinationsprogrammet/);
FHM, Kompletterande vaccinationer (till 18 år).
HPV-schema: FASS, Gardasil 9 (https://www.fass.se/LIF/product?userType=0&nplId=20140314000069):
2 doser 9–14 år (dos 2 5–13 mån efter dos 1), 3 doser från 15 år (0, minst 1 mån, minst 3 mån).
Produkter och ATC-koder: FASS Gardasil 9 (J07BM03, NPL-id 20140314000069); drugs.com/EMA
M-M-RVAXPRO (J07BD52); MIMS Priorix (J07BD52); pipeksport.dk Boostrix (J07AJ52).
diTeBooster skyddar bara mot difteri och stelkramp (FHM, Vilka difteri- och stelkrampsvacciner
finns idag?) och ingår därför inte som dTp-vaccin."""

VACCINES = [
    # name, NPL-id (only when a source gives it), ATC, diseases, series, route
    (
        "M-M-RVAXPRO",
        None,
        "J07BD52",
        "mässling, påssjuka, röda hund",
        "MPR",
        "subkutant eller intramuskulärt",
    ),
    ("Priorix", None, "J07BD52", "mässling, påssjuka, röda hund", "MPR", "subkutant"),
    (
        "Gardasil 9",
        "20140314000069",
        "J07BM03",
        "humant papillomvirus (HPV)",
        "HPV",
        "intramuskulärt",
    ),
    ("Boostrix", None, "J07AJ52", "difteri, stelkramp, kikhosta", "DTP", "intramuskulärt"),
]

THREE_DOSES_FROM = 180  # months: a series started at 15 years or later has three doses
# name, series, dose, grade from/to, min interval, sex, born from, schedule from/until, order
GIRLS, BOYS = ("F", 1999), ("M", 2009)
DOSES = [
    ("MPR dos 2 (åk 1–2)", "MPR", 2, 1, 2, 0, None, None, None, 10),
]
for sex, born_from in (GIRLS, BOYS):
    who = "flickor" if sex == "F" else "pojkar"
    DOSES += [
        (
            f"HPV dos 1 (åk 5, {who})",
            "HPV",
            1,
            5,
            5,
            0,
            sex,
            born_from,
            (None, THREE_DOSES_FROM),
            20,
        ),
        (
            f"HPV dos 2 (åk 5, {who})",
            "HPV",
            2,
            5,
            5,
            150,
            sex,
            born_from,
            (None, THREE_DOSES_FROM),
            21,
        ),
        (
            f"HPV dos 1 av 3 (från 15 år, {who})",
            "HPV",
            1,
            5,
            5,
            0,
            sex,
            born_from,
            (THREE_DOSES_FROM, None),
            22,
        ),
        (
            f"HPV dos 2 av 3 (från 15 år, {who})",
            "HPV",
            2,
            5,
            5,
            30,
            sex,
            born_from,
            (THREE_DOSES_FROM, None),
            23,
        ),
        (
            f"HPV dos 3 av 3 (från 15 år, {who})",
            "HPV",
            3,
            5,
            5,
            90,
            sex,
            born_from,
            (THREE_DOSES_FROM, None),
            24,
        ),
    ]
DOSES.append(("dTp dos 5 (åk 8–9)", "DTP", 5, 8, 9, 0, None, None, None, 30))

REASON = "Nationellt vaccinationsprogram, version 1"


def load(apps, schema_editor):
    Vaccine = apps.get_model("journal", "Vaccine")
    Programme = apps.get_model("journal", "VaccinationProgramme")
    Dose = apps.get_model("journal", "ProgrammeDose")
    now = timezone.now()
    vaccines = {}
    for name, npl_id, atc, diseases, series, route in VACCINES:
        vaccine = Vaccine.objects.filter(name=name).first()
        if vaccine is None:
            vaccine = Vaccine.objects.create(
                name=name,
                npl_id=npl_id,
                atc_code=atc,
                diseases=diseases,
                series=series,
                route=route,
            )
            _history(apps.get_model("journal", "HistoricalVaccine"), Vaccine, vaccine, now)
        vaccines.setdefault(series, []).append(vaccine)
    if Programme.objects.filter(organisation=None).exists():
        return
    programme = Programme.objects.create(
        number=1,
        name="Nationellt vaccinationsprogram för barn (skolåldern)",
        status="published",
        published_at=now,
        source=SOURCES,
        change_note="MPR dos 2 i åk 1–2, HPV i åk 5, dTp i åk 8–9, kompletterande till 18 år.",
    )
    _history(apps.get_model("journal", "HistoricalVaccinationProgramme"), Programme, programme, now)
    dose_history = apps.get_model("journal", "HistoricalProgrammeDose")
    for name, series, number, grade_from, grade_to, interval, sex, born, schedule, order in DOSES:
        first_from, first_until = schedule or (None, None)
        dose = Dose.objects.create(
            programme=programme,
            series=series,
            dose_number=number,
            name=name,
            school_type="GR",
            grade_from=grade_from,
            grade_to=grade_to,
            max_age_months=216,
            min_interval_days=interval,
            born_from_year=born,
            sex=sex or "",
            first_dose_age_from_months=first_from,
            first_dose_age_until_months=first_until,
            order=order,
        )
        dose.vaccines.set(vaccines.get(series, []))
        _history(dose_history, Dose, dose, now)


def _history(historical, model, obj, now):
    values = {field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields}
    historical.objects.create(
        **values, history_date=now, history_type="+", history_change_reason=REASON
    )


class Migration(migrations.Migration):
    dependencies = [("journal", "0016_vaccinations")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
