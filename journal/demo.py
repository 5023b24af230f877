"""Demo journal entries for ``seed_demo``: a few students at Björkskolan get what a nurse,
the school doctor and the psychologist would have written — a signed åk 4 visit, a förskoleklass
visit with a flagged eye (a bound vision result), a corrected note, a note shared with the
guardians, an open draft, a locked one and a psychologist's talk. Written through the services,
so they carry history like any other note."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from elevhalsa.models import User
from schools.models import Student

from .models import AlertKind, AlertSeverity, JournalEntry, MarkKind, TemplateVersion
from .services.alerts import alert_create
from .services.entries import (
    entry_save_draft,
    entry_sign,
    entry_start,
    entry_start_correction,
    mark_set,
)
from .services.medication import order_create_draft, order_sign, plan_create_draft, plan_sign

AK4 = {
    "halsoformular": "Inkommen och genomgången",
    "anamnes": "Mår bra. Trivs i klassen och har kompisar.",
    "halsosamtal": "Pratade om sömn och skärmtid på kvällen.",
    "levnadsvanor": "Äter frukost, fotboll två kvällar i veckan.",
    "langd": "141.5",
    "vikt": "34.0",
    "rygg": "Utan anmärkning",
    "bedomning": "Frisk elev som växer enligt sin kurva.",
    "atgard": "Inga åtgärder.",
    "information-given": "Eleven informerad om resultatet; brev till vårdnadshavare.",
}
FKLASS = {
    "halsoformular": "Inkommen och genomgången",
    "langd": "117.0",
    "vikt": "21.0",
    "syn-vanster": "1.0",
    "syn-hoger": "0.6",
    "horsel": "Utan anmärkning",
    "bedomning": "Nedsatt synskärpa höger öga.",
    "atgard": "Ny synkontroll om fyra veckor; vid kvarstående nedsättning remiss till "
    "ögonmottagning.",
}
PHONE = {
    "kontakt-med": "Vårdnadshavare",
    "kontaktorsak": "Frågor om huvudvärk efter skoldagen.",
    "bedomning": "Troligen för lite vätska och mat under dagen.",
    "atgard": "Råd om frukost och vattenflaska. Återkommer vid behov.",
}
PSYCHOLOGIST_TALK = {
    "samtalsorsak": "Oro inför prov, enligt mentor.",
    "samtalet": "Samtal om stress och sömn. Eleven beskriver svårt att komma till ro.",
    "bedomning": "Stressreaktion utan tecken på djupare psykisk ohälsa.",
    "atgard": "Tre samtal till; avslappningsövningar.",
}


def _version(code: str) -> TemplateVersion:
    return TemplateVersion.objects.get(
        template__code=code, template__organisation__isnull=True, status="published"
    )


def _students(school_name: str, grade: int, count: int) -> list[Student]:
    return list(
        Student.objects.filter(
            class_memberships__school_class__school__name=school_name,
            class_memberships__school_class__grade=grade,
            protected_identity="",
        )
        .distinct()
        .order_by("family_name", "given_name", "pk")[:count]
    )


def _write(author, student, template, values, *, days_ago, sign=True):
    contact_at = timezone.now() - datetime.timedelta(days=days_ago, hours=2)
    entry = entry_start(
        author=author, student=student, template_version=_version(template), contact_at=contact_at
    )
    entry = entry_save_draft(entry=entry, by=author, lock_version=entry.lock_version, values=values)
    return entry_sign(entry=entry, by=author) if sign else entry


def create_demo_entries(school_name: str = "Björkskolan") -> int:
    """Entries for a handful of students; returns how many were written."""
    nurse = User.objects.get(username="skolskoterska.bjork")
    doctor = User.objects.get(username="skollakare")
    psychologist = User.objects.get(username="psykolog")
    fourth = _students(school_name, 4, 4)
    first = _students(school_name, 0, 2)
    if len(fourth) < 4 or len(first) < 2:
        return 0
    count = 0
    visit = _write(nurse, fourth[0], "halsobesok-ak4", AK4, days_ago=40)
    mark_set(entry=visit, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse)
    _write(nurse, fourth[0], "telefonkontakt", PHONE, days_ago=12)
    count += 2
    # A correction: the first note gave the wrong weight.
    wrong = _write(nurse, fourth[1], "halsobesok-ak4", {**AK4, "vikt": "43.0"}, days_ago=30)
    correction = entry_start_correction(
        original=wrong, by=nurse, reason="Fel vikt angavs: 34,0 kg, inte 43,0 kg."
    )
    correction = entry_save_draft(
        entry=correction,
        by=nurse,
        lock_version=correction.lock_version,
        values={**AK4, "vikt": "34.0"},
    )
    entry_sign(entry=correction, by=nurse)
    count += 2
    # An open draft, and one that has been lying too long (locked, still signable).
    _write(
        nurse, fourth[2], "halsobesok-ak4", {"anamnes": "Besöket avbröts."}, days_ago=1, sign=False
    )
    locked = _write(
        nurse,
        fourth[3],
        "oppen-mottagning",
        {"kontaktorsak": "Ont i magen."},
        days_ago=20,
        sign=False,
    )
    JournalEntry.objects.filter(pk=locked.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=20)
    )
    count += 2
    _write(nurse, first[0], "halsobesok-fklass", FKLASS, days_ago=25)
    _write(
        doctor,
        first[1],
        "skollakarbedomning",
        {
            "remissorsak": "Återkommande huvudvärk.",
            "anamnes": "Huvudvärk efter skoldagen sedan höstlovet.",
            "status": "Neurologiskt utan anmärkning. Blodtryck normalt.",
            "bedomning": "Spänningshuvudvärk.",
            "atgard": "Råd om vätska, sömn och pauser.",
        },
        days_ago=8,
    )
    _write(psychologist, fourth[0], "psykologsamtal", PSYCHOLOGIST_TALK, days_ago=5)
    create_demo_care(nurse, allergic=fourth[0], diabetic=fourth[1])
    plan_demo_visits(nurse, school_name)
    create_demo_growth(nurse, fourth=fourth, first=first)
    return count + 3


def plan_demo_visits(nurse, school_name: str) -> None:
    """The åk 4 classes' health visits, planned for the coming school days (issue 6): the
    nurse's start page and the worklists have something to show; visits documented above are
    done already."""
    from schools.models import SchoolClass
    from schools.schoolyear import current_school_year

    from .services.visits import plan_class, point_for_class, programme_for

    classes = SchoolClass.objects.filter(
        school__name=school_name, grade=4, school_year=current_school_year()
    ).select_related("school")
    day = timezone.localdate()
    for offset, school_class in enumerate(classes, start=1):
        point = point_for_class(school_class, programme_for(school_class.school.organisation_id))
        planned_on = day + datetime.timedelta(days=offset)
        if point is None or planned_on.month == 7:  # no visits in the summer break
            continue
        try:
            plan_class(by=nurse, school_class=school_class, point=point, planned_on=planned_on)
        except ValidationError:  # e.g. the last days of the school year: leave them unplanned
            continue


def create_demo_care(nurse, *, allergic: Student, diabetic: Student) -> None:
    """An allergy; a diabetic student with her insulin order and self-care plan (issue 9)."""
    today = timezone.localdate()
    alert_create(
        by=nurse,
        student=allergic,
        kind=AlertKind.ALLERGY,
        substance="Jordnötter",
        reaction="Anafylaxi",
        severity=AlertSeverity.SEVERE,
        condition="",
        description="Adrenalinpenna i klassrummets akutväska och i matsalen.",
    )
    alert_create(
        by=nurse,
        student=diabetic,
        kind=AlertKind.CONDITION,
        substance="",
        reaction="",
        severity=AlertSeverity.SEVERE,
        condition="Diabetes typ 1",
        description="Vid lågt blodsocker: druvsocker, ring vårdnadshavare.",
    )
    order = order_create_draft(
        by=nurse,
        student=diabetic,
        medicine="Insulin aspart",
        strength="100 E/ml",
        form="Injektionsvätska, penna",
        atc_code="A10AB05",
        dose="Enligt kolhydratschema",
        route="injection",
        times_of_day="Före lunch",
        start_date=today - datetime.timedelta(days=60),
        prescriber="Barn- och ungdomsdiabetesmottagningen, Exempelsjukhuset",
        instructions_from="Vårdnadshavare",
        instructions_received_on=today - datetime.timedelta(days=62),
        storage="carried",
        school_helper="Elevassistent",
    )
    order_sign(order=order, by=nurse)
    plan = plan_create_draft(
        by=nurse,
        student=diabetic,
        measure="Blodsockerkontroll och insulin före lunch enligt schema.",
        performed_by="Elevassistent",
        instructions_given="Diabetessköterskan utbildade personalen i augusti; skolsköterskan "
        "följer upp.",
        on_change="Vid lågt blodsocker druvsocker; vid medvetslöshet 112, sedan vårdnadshavare.",
        follow_up="Avstämning med vårdnadshavare varje termin.",
        reassess_on=today + datetime.timedelta(days=10),
        valid_from=today - datetime.timedelta(days=60),
    )
    plan_sign(plan=plan, by=nurse)


def create_demo_growth(nurse, *, fourth: list[Student], first: list[Student]) -> None:
    """Growth (issue 7): earlier measurements (from BVC at 5½ years, the åk 2 visit) under the
    åk 4 and förskoleklass notes written above, a class-entry measurement for the others, one
    student whose BMI jumped (a flag: flags are on for the demo organisation), the parents'
    heights and a growth curve shared with the guardians. Values sit on SD channels of WHO
    2007, so the curves look like children's; nothing is written without the reference."""
    from decimal import Decimal

    from .growth.reference import default_reference, load_reference
    from .models import GrowthMeasure, GrowthReference, GrowthSettings, MeasurementContext
    from .services.growth import growth_share, parent_heights_save, record_measurement

    try:
        stored = default_reference()
    except GrowthReference.DoesNotExist:
        return
    who = load_reference(stored)
    organisation_id = nurse.staff_member.organisation_id
    GrowthSettings.objects.get_or_create(
        organisation_id=organisation_id, defaults={"reference": stored, "flags_enabled": True}
    )
    today = timezone.localdate()

    def measure(student, age_years, *, height_z, bmi_z, context, weight=True):
        on = student.birth_date + datetime.timedelta(days=round(age_years * 365.25))
        age = (on - student.birth_date).days
        if on > today or student.legal_sex not in ("F", "M"):
            return
        height = who.value_at(GrowthMeasure.HEIGHT, student.legal_sex, age, height_z)
        bmi = who.value_at(GrowthMeasure.BMI, student.legal_sex, age, bmi_z)
        if height is None or bmi is None:
            return
        kilos = bmi * (height / 100) ** 2
        try:
            record_measurement(
                by=nurse,
                student=student,
                measured_on=on,
                height_cm=Decimal(f"{height:.1f}"),
                weight_kg=Decimal(f"{kilos:.1f}") if weight else None,
                context=context,
                confirm_drop=True,
            )
        except ValidationError:  # e.g. a demo student without a birth date
            return

    channels = [(-0.6, 0.1), (0.2, 0.4), (0.8, -0.3), (-0.2, 0.2)]
    for student, (height_z, bmi_z) in zip(fourth, channels, strict=False):
        if student.birth_date is None:
            continue
        measure(student, 5.5, height_z=height_z, bmi_z=bmi_z, context=MeasurementContext.BHV)
        measure(
            student, 8.2, height_z=height_z, bmi_z=bmi_z, context=MeasurementContext.HEALTH_VISIT
        )
    for student in first:
        if student.birth_date is not None:
            measure(student, 5.4, height_z=0.3, bmi_z=0.0, context=MeasurementContext.BHV)
    # The flag: a clear rise in BMI since åk 2 (normal weight to overweight), measured at the
    # class entry last week.
    flagged = fourth[3] if len(fourth) > 3 else None
    if flagged is not None and flagged.birth_date is not None:
        age = (today - datetime.timedelta(days=7) - flagged.birth_date).days / 365.25
        measure(flagged, age, height_z=-0.1, bmi_z=1.7, context=MeasurementContext.HEALTH_VISIT)
    try:
        parent_heights_save(
            by=nurse,
            student=fourth[0],
            mother_cm=Decimal("166.0"),
            mother_source="reported",
            father_cm=Decimal("181.0"),
            father_source="reported",
        )
        growth_share(by=nurse, student=fourth[0], shared=True)
    except ValidationError:
        return


def create_demo_vaccinations(nurse, school_name: str = "Björkskolan") -> int:
    """Vaccinations (issue 8): MPR dose 2 given to most of an åk 2 class, HPV dose 1 to some åk
    5 students (dose 2 comes five months later), one HPV dose declined. Rows are written
    directly, signed (the demo has no ordination or consent to rest on; the DOSES helper's
    ``record_vaccination`` refuses a dose without them), and given doses are queued for the
    register when its queue exists. Idempotent: nothing is written when the nurse has any."""
    from .models.vaccination import Vaccination, VaccinationOutcome, Vaccine, VaccineLot

    if Vaccination.objects.filter(vaccinator=nurse).exists():
        return 0
    mpr = Vaccine.objects.filter(name="M-M-RVAXPRO").first()
    hpv = Vaccine.objects.filter(name="Gardasil 9").first()
    if mpr is None or hpv is None:  # the programme's migration did not run
        return 0
    today = timezone.localdate()
    lots = {
        vaccine.pk: VaccineLot.objects.get_or_create(
            vaccine=vaccine,
            lot_number=f"DEMO{vaccine.pk:03d}",
            defaults={"expires_on": today + datetime.timedelta(days=300)},
        )[0]
        for vaccine in (mpr, hpv)
    }
    staff = nurse.staff_member
    name = nurse.get_full_name() or nurse.username
    try:
        from .register import queue_report
    except ImportError:  # the register queue is another part of issue 8
        queue_report = None

    def write(student, series, number, vaccine, days_ago, outcome=VaccinationOutcome.GIVEN):
        given_at = timezone.now() - datetime.timedelta(days=days_ago, hours=3)
        given = outcome == VaccinationOutcome.GIVEN
        row = Vaccination(
            student=student,
            organisation_id=staff.organisation_id,
            outcome=outcome,
            series=series,
            dose_number=number,
            vaccine=vaccine if given else None,
            lot=lots[vaccine.pk] if given else None,
            given_at=given_at,
            site="vänster överarm" if given else "",
            route="intramuskulärt" if given else "",
            consent_override_reason="Demo: samtycke på papper." if given else "",
            reason="" if given else "Vårdnadshavarna avböjer HPV-vaccination.",
            vaccinator=nurse,
            vaccinator_name=name,
            vaccinator_title="Skolsköterska",
            status="signed",
            signed_at=given_at,
        )
        row._history_user = nurse
        row.save()
        if given and queue_report is not None:
            queue_report(row, by=nurse)
        return row

    written = 0
    for student in _students(school_name, 2, 20)[:-3]:  # three still to vaccinate
        write(student, "MPR", 2, mpr, days_ago=30)
        written += 1
    fifth = [s for s in _students(school_name, 5, 20) if s.birth_date is not None]
    for student in fifth[:5]:
        write(student, "HPV", 1, hpv, days_ago=60)
        written += 1
    if len(fifth) > 5:
        write(fifth[5], "HPV", 1, hpv, days_ago=60, outcome=VaccinationOutcome.DECLINED)
        written += 1
    return written
