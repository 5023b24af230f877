"""The national default templates, version 1, as plain data (loaded by migration 0002).

Frozen: migration 0002 reads this module, so a change here would change what a fresh database
gets without a trace. A change to a default template ships as a new version in a new migration
(the growth and vaccination issues do that to bind height, weight and doses).

Each template: code, area, name, description, and its keywords in order. A keyword is
``(code, label, VIPS heading, kind, options)``; the options are the ``Keyword`` fields
``unit``, ``min_value``, ``max_value``, ``flag_below``, ``choices``, ``required_at_signing``,
``help_text`` and ``binds_to``. Labels are Swedish: they are stored data, not UI strings.
"""

from __future__ import annotations

# VIPS main keywords (journal.models.VipsHeading) and kinds (journal.bindings.KeywordKind), as
# the stored values: a migration must not depend on code that may change.
ANAMNES, STATUS, BEDOMNING, MAL, ATGARD, RESULTAT = (
    "anamnes",
    "status",
    "bedomning",
    "mal",
    "atgard",
    "resultat",
)
INFORMATION, DECLINED, EPIKRIS = "information_given", "declined_care", "epikris"
TEXT, NUMBER, CHOICE, YES_NO, DATE = "text", "number", "choice", "yes_no", "date"

NORMAL_OR_NOT = ["Utan anmärkning", "Avvikande – följs upp", "Avvikande – remiss"]
HEARING = ["Utan anmärkning", "Nedsatt – kontroll igen", "Nedsatt – remiss", "Ej undersökt"]
BACK = ["Utan anmärkning", "Misstänkt skolios – kontroll igen", "Misstänkt skolios – remiss"]
HEALTH_FORM = ["Inkommen och genomgången", "Ej inkommen"]
COLOUR = ["Ej undersökt", "Normalt", "Avvikande"]


def _growth() -> list[tuple]:
    # Unbound in version 1: the growth issue ships a version that binds these.
    return [
        ("langd", "Längd", STATUS, NUMBER, {"unit": "cm", "min_value": "40", "max_value": "230"}),
        ("vikt", "Vikt", STATUS, NUMBER, {"unit": "kg", "min_value": "5", "max_value": "250"}),
    ]


def _vision() -> list[tuple]:
    acuity = {"min_value": "0.0", "max_value": "2.0", "flag_below": "0.8"}
    return [
        (
            "syn-vanster",
            "Synskärpa vänster öga",
            STATUS,
            NUMBER,
            {**acuity, "binds_to": "vision.left", "help_text": "Decimalskala; under 0,8 flaggas."},
        ),
        (
            "syn-hoger",
            "Synskärpa höger öga",
            STATUS,
            NUMBER,
            {**acuity, "binds_to": "vision.right", "help_text": "Decimalskala; under 0,8 flaggas."},
        ),
    ]


def _closing(*, goal: bool = False, result: bool = False, summary: bool = False) -> list[tuple]:
    """From assessment on, in VIPS order; assessment, action, information given and declined
    care are on every template."""
    rows = [("bedomning", "Bedömning", BEDOMNING, TEXT, {"required_at_signing": True})]
    if goal:
        rows.append(("mal", "Mål", MAL, TEXT, {}))
    rows.append(("atgard", "Åtgärd", ATGARD, TEXT, {}))
    if result:
        rows.append(("resultat", "Resultat", RESULTAT, TEXT, {}))
    rows += [
        ("information-given", "Information given till elev/vårdnadshavare", INFORMATION, TEXT, {}),
        ("avbojd-vard", "Avböjd vård", DECLINED, TEXT, {}),
    ]
    if summary:
        rows.append(("sammanfattning", "Sammanfattning", EPIKRIS, TEXT, {}))
    return rows


def _health_visit(
    *, talk: list[tuple], vision=False, hearing=False, back=False, colour_vision=False
) -> list[tuple]:
    rows: list[tuple] = [
        ("halsoformular", "Hälsoformulär", ANAMNES, CHOICE, {"choices": HEALTH_FORM}),
        ("anamnes", "Anamnes", ANAMNES, TEXT, {}),
        *talk,
        *_growth(),
    ]
    if vision:
        rows += _vision()
    if hearing:
        rows.append(("horsel", "Hörsel", STATUS, CHOICE, {"choices": HEARING}))
    if back:
        rows.append(
            (
                "rygg",
                "Rygg (skolios)",
                STATUS,
                CHOICE,
                {"choices": BACK, "help_text": "Framåtböjningstest."},
            )
        )
    if colour_vision:
        rows.append(("fargseende", "Färgseende (vid behov)", STATUS, CHOICE, {"choices": COLOUR}))
    return rows + _closing(goal=True, summary=True)


TALK_BASIC = [
    ("halsosamtal", "Hälsosamtal", ANAMNES, TEXT, {}),
    ("levnadsvanor", "Mat, sömn och fysisk aktivitet", ANAMNES, TEXT, {}),
    ("trivsel", "Trivsel i skolan och på fritiden", ANAMNES, TEXT, {}),
]
TALK_TEEN = [
    *TALK_BASIC,
    ("andts", "ANDTS (alkohol, narkotika, doping, tobak, spel)", ANAMNES, TEXT, {}),
    ("srhr", "Sexuell och reproduktiv hälsa (SRHR)", ANAMNES, TEXT, {}),
    ("psykisk-halsa", "Psykisk hälsa", ANAMNES, TEXT, {}),
]


def _template(code, area, name, description, keywords) -> dict:
    return {
        "code": code,
        "area": area,
        "name": name,
        "description": description,
        "keywords": [
            {"order": order, "code": kw[0], "label": kw[1], "vips_heading": kw[2], "kind": kw[3]}
            | kw[4]
            for order, kw in enumerate(keywords, start=1)
        ],
    }


DEFAULT_TEMPLATES: list[dict] = [
    _template(
        "halsobesok-fklass",
        "EMI",
        "Hälsobesök förskoleklass",
        "Första hälsobesöket: genomgång av BVC-journalen, tillväxt, syn, hörsel och samtal med "
        "elev och vårdnadshavare.",
        [
            ("bvc-journal", "Genomgång av BVC-journal", ANAMNES, TEXT, {}),
            *_health_visit(talk=TALK_BASIC, vision=True, hearing=True),
        ],
    ),
    _template(
        "halsobesok-ak2",
        "EMI",
        "Hälsobesök åk 2",
        "Tillväxt och hälsosamtal.",
        _health_visit(talk=TALK_BASIC),
    ),
    _template(
        "halsobesok-ak4",
        "EMI",
        "Hälsobesök åk 4",
        "Tillväxt, rygg (skolios) och hälsosamtal.",
        _health_visit(talk=TALK_BASIC, back=True),
    ),
    _template(
        "halsobesok-ak7-8",
        "EMI",
        "Hälsobesök åk 7/8",
        "Tillväxt, rygg (skolios), färgseende vid behov och hälsosamtal med ANDTS och SRHR.",
        _health_visit(talk=TALK_TEEN, back=True, colour_vision=True),
    ),
    _template(
        "halsobesok-gy1",
        "EMI",
        "Hälsobesök gymnasiet år 1",
        "Hälsosamtal och tillväxt; riktade kontroller efter program.",
        _health_visit(talk=TALK_TEEN),
    ),
    _template(
        "oppen-mottagning",
        "EMI",
        "Öppen mottagning",
        "Besök på skolsköterskans öppna mottagning.",
        [
            ("kontaktorsak", "Kontaktorsak", ANAMNES, TEXT, {"required_at_signing": True}),
            ("anamnes", "Anamnes", ANAMNES, TEXT, {}),
            ("status", "Status", STATUS, TEXT, {}),
            *_closing(result=True),
        ],
    ),
    _template(
        "telefonkontakt",
        "EMI",
        "Telefonkontakt",
        "Samtal med elev, vårdnadshavare eller annan vårdgivare.",
        [
            ("kontakt-med", "Kontakt med", ANAMNES, TEXT, {"required_at_signing": True}),
            ("kontaktorsak", "Kontaktorsak", ANAMNES, TEXT, {}),
            *_closing(),
        ],
    ),
    _template(
        "vaccination",
        "EMI",
        "Vaccinationsanteckning",
        "Given eller avböjd vaccination med samtycke och information.",
        [
            ("samtycke", "Samtycke från vårdnadshavare", ANAMNES, YES_NO, {}),
            ("halsotillstand", "Hälsotillstånd före vaccination", STATUS, TEXT, {}),
            ("vaccination", "Vaccination", ATGARD, TEXT, {"required_at_signing": True}),
            ("information-given", "Information given", INFORMATION, TEXT, {}),
            ("avbojd-vard", "Avböjd vaccination", DECLINED, TEXT, {}),
            ("reaktion", "Reaktion efter vaccination", RESULTAT, TEXT, {}),
        ],
    ),
    _template(
        "sammanfattning-overlamning",
        "EMI",
        "Sammanfattning inför överlämning",
        "Sammanfattning av elevhälsojournalen när eleven byter skola (R-DOC-6).",
        [
            ("halsobesok", "Genomförda hälsobesök", ANAMNES, TEXT, {}),
            ("tillvaxt", "Tillväxt", STATUS, TEXT, {}),
            ("vaccinationer", "Vaccinationer", STATUS, TEXT, {}),
            ("pagaende", "Pågående insatser och kontakter", ATGARD, TEXT, {}),
            ("sammanfattning", "Sammanfattning", EPIKRIS, TEXT, {"required_at_signing": True}),
            ("information-given", "Information given", INFORMATION, TEXT, {}),
            ("avbojd-vard", "Avböjd vård", DECLINED, TEXT, {}),
        ],
    ),
    _template(
        "skollakarbedomning",
        "EMI",
        "Skolläkarens bedömning",
        "Skolläkarbesök: anamnes, undersökning och bedömning.",
        [
            ("remissorsak", "Orsak till besöket", ANAMNES, TEXT, {"required_at_signing": True}),
            ("anamnes", "Anamnes", ANAMNES, TEXT, {}),
            ("status", "Status", STATUS, TEXT, {}),
            *_closing(goal=True, result=True),
        ],
    ),
    _template(
        "psykologbedomning",
        "EPI",
        "Psykologisk bedömning",
        "Skolpsykologens utredning och bedömning.",
        [
            ("fragestallning", "Frågeställning", ANAMNES, TEXT, {"required_at_signing": True}),
            ("bakgrund", "Bakgrund", ANAMNES, TEXT, {}),
            ("metoder", "Metoder och testresultat", STATUS, TEXT, {}),
            ("observationer", "Observationer", STATUS, TEXT, {}),
            *_closing(goal=True, summary=True),
        ],
    ),
    _template(
        "psykologsamtal",
        "EPI",
        "Psykologsamtal",
        "Samtal med skolpsykologen.",
        [
            ("samtalsorsak", "Orsak till samtalet", ANAMNES, TEXT, {"required_at_signing": True}),
            ("samtalet", "Samtalets innehåll", STATUS, TEXT, {}),
            *_closing(goal=True, result=True),
        ],
    ),
]
