"""Vaccinations (issue 8): ordinations, recording a dose, a refusal or a contraindication, and
corrections. The programme's rules (sequence, interval, accepted vaccines, cohorts) come from
``vaccination_status``; the register queue from ``journal.register``.

A vaccination recorded here is signed at once: the vaccinator's click is her signature
(R-VAC-1). A given dose done here rests on a signed ordination that covers the student, the
vaccine and the day (R-VAC-2), on a granted consent in force (or a written override, kept with
the dose), and a lot that has not expired on the day; it is queued once for the national register
(R-VAC-4). A documented dose (BVC, abroad, an earlier school) needs its documentation, no
ordination, consent or lot row, and is not reported: its giver reports it. A correction is a new
signed row that ``replaces`` the original with a reason; the original stays readable.

Every function raises ``ValidationError`` with a dict field → message; views show them on the
form and keep what was typed. No function takes an HttpRequest: views check the policy first.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.consents import granted_consents
from consent.models import Consent, ConsentKind
from schools.models import Area, ClassMembership, Enrolment, Profession, StaffMember, Student

from ..models import EntryStatus
from ..models.vaccination import (
    DoseSource,
    Ordination,
    ProgrammeDose,
    Vaccination,
    VaccinationOutcome,
    VaccinationSession,
    Vaccine,
    VaccineLot,
)
from . import vaccination_status as status
from .entries import author_title

SIGN_PERMISSION = "journal.sign_ordination"
DOCUMENTED_SOURCES = (DoseSource.BHV, DoseSource.ABROAD, DoseSource.EARLIER_SCHOOL)
# No series in the programme comes near it; a larger number is a typing error, and past 32767
# the database column (a small integer) refuses it with an error instead of a message.
MAX_DOSE_NUMBER = 10
# Fields a correction may change; the rest (student, organisation, session) stay the original's.
CORRECTABLE = (
    "outcome",
    "given_at",
    "series",
    "vaccine",
    "lot",
    "dose_number",
    "ordination",
    "consent",
    "consent_override_reason",
    "site",
    "route",
    "source",
    "source_documentation",
    "lot_number",
    "lot_expires_on",
    "reason",
)


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _clinician(user) -> StaffMember:
    staff = StaffMember.objects.filter(user_id=user.pk).first()
    if staff is None or Profession(staff.profession).area != Area.EMI:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("Vaccinationer dokumenteras av skolsköterska eller skolläkare.")]}
        )
    return staff


# --- Consent -----------------------------------------------------------------------------------


def consent_for(
    student: Student, series: str, *, on: datetime.date | None = None
) -> Consent | None:
    """The granted vaccination consent in force on ``on`` whose scope is ``series`` (newest)."""
    return (
        granted_consents([student.pk], ConsentKind.VACCINATION, on=on)
        .filter(scope_code__iexact=(series or "").strip())
        .order_by("-valid_from", "-pk")
        .first()
    )


# --- Ordinations -------------------------------------------------------------------------------


def may_sign_ordination(user) -> bool:
    """A school doctor, or a school nurse with the permission ``journal.sign_ordination``."""
    staff = StaffMember.objects.filter(user_id=user.pk).first()
    if staff is None:
        return False
    if staff.profession == Profession.SCHOOL_DOCTOR:
        return True
    return staff.profession == Profession.SCHOOL_NURSE and user.has_perm(SIGN_PERMISSION)


@transaction.atomic
def create_ordination(
    *,
    by,
    kind: str,
    vaccine: Vaccine,
    strength: str,
    dose: str,
    route: str,
    valid_from: datetime.date,
    valid_until: datetime.date,
    student: Student | None = None,
    schools=(),
    covers: str = "",
    grade_from: int | None = None,
    grade_to: int | None = None,
    instructions: str = "",
) -> Ordination:
    """A draft ordination of the author's organisation; it is signed (by a doctor or an
    authorised nurse) before any dose rests on it, and never edited after that."""
    staff = _clinician(by)
    errors = _Errors()
    if kind not in Ordination.Kind.values:
        errors.add("kind", _("Välj typ av ordination."))
    if kind == Ordination.Kind.INDIVIDUAL and student is None:
        errors.add("student", _("En individuell ordination gäller en elev."))
    if kind == Ordination.Kind.GENERAL:
        if student is not None:
            errors.add("student", _("Ett generellt direktiv gäller inte en enskild elev."))
        if not schools:
            errors.add("schools", _("Välj de skolor direktivet gäller."))
    if vaccine is None:
        errors.add("vaccine", _("Välj vaccin."))
    for field, value, message in (
        ("strength", strength, _("Ange styrka.")),
        ("dose", dose, _("Ange dos.")),
        ("route", route, _("Ange administrationssätt.")),
    ):
        if not (value or "").strip():
            errors.add(field, message)
    if valid_from and valid_until and valid_until < valid_from:
        errors.add("valid_until", _("Slutdatum kan inte vara före startdatum."))
    if grade_from is not None and grade_to is not None and grade_to < grade_from:
        errors.add("grade_to", _("Till årskurs kan inte vara lägre än från årskurs."))
    if any(school.organisation_id != staff.organisation_id for school in schools):
        errors.add("schools", _("Välj skolor hos din egen huvudman."))
    errors.raise_if_any()
    ordination = Ordination(
        organisation_id=staff.organisation_id,
        kind=kind,
        vaccine=vaccine,
        strength=strength.strip(),
        dose=dose.strip(),
        route=route.strip(),
        student=student if kind == Ordination.Kind.INDIVIDUAL else None,
        covers=(covers or "").strip(),
        grade_from=grade_from,
        grade_to=grade_to,
        valid_from=valid_from,
        valid_until=valid_until,
        instructions=(instructions or "").strip(),
        issued_by=by,
        issued_by_name=_name(by),
        issued_by_title=author_title(staff),
    )
    ordination._history_user = by
    ordination.save()
    if kind == Ordination.Kind.GENERAL:
        ordination.schools.set(list(schools))
    return ordination


@transaction.atomic
def sign_ordination(*, ordination: Ordination, by) -> Ordination:
    """Sign a draft: the signer becomes the ordinator (name and title kept as they are today)."""
    ordination = Ordination.objects.select_for_update().get(pk=ordination.pk)
    if ordination.is_signed:
        raise ValidationError({NON_FIELD_ERRORS: [_("Ordinationen är redan signerad.")]})
    if not may_sign_ordination(by):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _(
                        "Ordinationer signeras av skolläkare eller av skolsköterska med "
                        "behörighet att ordinera."
                    )
                ]
            }
        )
    staff = StaffMember.objects.get(user_id=by.pk)
    if staff.organisation_id != ordination.organisation_id:
        raise ValidationError({NON_FIELD_ERRORS: [_("Ordinationen hör till en annan huvudman.")]})
    ordination.issued_by = by
    ordination.issued_by_name = _name(by)
    ordination.issued_by_title = author_title(staff)
    ordination.status = EntryStatus.SIGNED
    ordination.signed_at = timezone.now()
    ordination._history_user = by
    ordination.save()
    return ordination


def _current_class(student: Student, on: datetime.date):
    membership = (
        ClassMembership.objects.current(on)
        .filter(student=student)
        .select_related("school_class")
        .order_by("-start_date", "-pk")
        .first()
    )
    return membership.school_class if membership is not None else None


def ordination_errors(
    ordination: Ordination, *, student: Student, vaccine: Vaccine | None, on: datetime.date
) -> list[str]:
    """Why a dose of ``vaccine`` to ``student`` on ``on`` does not rest on ``ordination``."""
    errors = []
    if not ordination.is_signed:
        errors.append(_("Ordinationen är inte signerad: ingen dos får ges på den."))
    if vaccine is not None and vaccine.pk != ordination.vaccine_id:
        errors.append(
            _("Ordinationen gäller %(ordered)s, inte %(vaccine)s.")
            % {"ordered": ordination.vaccine, "vaccine": vaccine}
        )
    if not ordination.valid_from <= on <= ordination.valid_until:
        errors.append(
            _("Ordinationen gäller %(start)s–%(end)s, inte %(day)s.")
            % {"start": ordination.valid_from, "end": ordination.valid_until, "day": on}
        )
    if ordination.kind == Ordination.Kind.INDIVIDUAL:
        if ordination.student_id != student.pk:
            errors.append(_("Ordinationen gäller en annan elev."))
        return errors
    school_class = _current_class(student, on)
    if school_class is None:
        errors.append(_("Eleven går inte i någon klass som direktivet omfattar."))
        return errors
    school_ids = {school.pk for school in ordination.schools.all()}
    if school_ids and school_class.school_id not in school_ids:
        errors.append(_("Direktivet gäller inte elevens skola."))
    grade = school_class.grade
    low, high = ordination.grade_from, ordination.grade_to
    if (low is not None or high is not None) and (
        grade is None or (low is not None and grade < low) or (high is not None and grade > high)
    ):
        errors.append(_("Direktivet gäller inte elevens årskurs."))
    return errors


# --- Recording ---------------------------------------------------------------------------------


def _vaccinating_unit(student: Student, organisation_id: int, session, on: datetime.date):
    """The school that vaccinates: the session's, else her health-responsible school here."""
    if session is not None:
        return session.school
    enrolment = (
        Enrolment.objects.current(on)
        .filter(student=student, school__organisation_id=organisation_id)
        .select_related("school")
        .order_by("-is_health_responsible", "-start_date")
        .first()
    )
    return enrolment.school if enrolment is not None else None


def _current_given(student: Student, series: str, *, exclude_pk=None) -> dict[int, Vaccination]:
    rows = [
        row
        for row in status.current_vaccinations([student.pk]).get(student.pk, [])
        if row.series == series and row.outcome == VaccinationOutcome.GIVEN and row.pk != exclude_pk
    ]
    return status._assign_dose_numbers(rows)


def _programme_dose(student, series, dose_number, *, organisation_id, on) -> ProgrammeDose | None:
    """Her programme dose of ``series`` number ``dose_number`` (the alternative that applies)."""
    for row in status.student_status(student, organisation=organisation_id, on=on):
        if row.dose.series == series and row.dose.dose_number == dose_number:
            return row.dose
    return None


def _correction_dose_errors(
    original: Vaccination, *, student, series, dose_number, given_on, vaccine, organisation_id
) -> list[str]:
    """``dose_errors`` without the dose being corrected (it still counts as given there)."""
    given = _current_given(student, series, exclude_pk=original.pk)
    errors = []
    if dose_number in given:
        errors.append(_("Dos %(number)s är redan given.") % {"number": dose_number})
    doses = [
        dose
        for dose in status.programme_doses_for(organisation_id)
        if dose.series == series and dose.dose_number == dose_number
    ]
    if not doses:
        errors.append(
            _("Dos %(number)s av %(series)s finns inte i vaccinationsprogrammet.")
            % {"number": dose_number, "series": series}
        )
        return errors
    dose = doses[0]
    previous = given.get(dose_number - 1) if dose_number > 1 else None
    if dose_number > 1:
        if previous is None or status._given_on(previous) > given_on:
            errors.append(
                _("Dos %(previous)s måste ges före dos %(number)s.")
                % {"previous": dose_number - 1, "number": dose_number}
            )
        elif (given_on - status._given_on(previous)).days < dose.min_interval_days:
            errors.append(
                _("För tidigt: dos %(number)s ska ges minst %(days)s dagar efter dos %(previous)s.")
                % {
                    "number": dose_number,
                    "days": dose.min_interval_days,
                    "previous": dose_number - 1,
                }
            )
    accepted = {v.pk for d in doses for v in d.vaccines.all()}
    if vaccine is not None and accepted and vaccine.pk not in accepted:
        errors.append(
            _("%(vaccine)s är inte godkänt för %(dose)s.") % {"vaccine": vaccine, "dose": dose.name}
        )
    return errors


def _check(
    errors: _Errors,
    *,
    staff: StaffMember,
    student: Student,
    outcome: str,
    given_at,
    series: str,
    vaccine,
    lot,
    dose_number,
    ordination,
    consent,
    consent_override_reason: str,
    source: str,
    source_documentation: str,
    reason: str,
    original: Vaccination | None = None,
) -> int | None:
    """Every rule of one vaccination; returns the dose number to store."""
    now = timezone.now()
    if outcome not in VaccinationOutcome.values:
        errors.add("outcome", _("Välj utfall."))
        return dose_number
    if source not in DoseSource.values:
        errors.add("source", _("Välj källa."))
        return dose_number
    if not series:
        errors.add("series", _("Ange vaccinationsserie."))
    if given_at is None:
        errors.add("given_at", _("Ange datum och tid."))
        return dose_number
    if given_at > now:
        errors.add("given_at", _("Datum och tid kan inte ligga i framtiden."))
    given_on = timezone.localtime(given_at).date()
    if student.birth_date and given_on < student.birth_date:
        errors.add("given_at", _("Datumet ligger före elevens födelsedatum."))
    if dose_number is not None and dose_number < 1:
        errors.add("dose_number", _("Dosnumret börjar på 1."))
    elif dose_number is not None and dose_number > MAX_DOSE_NUMBER:
        errors.add("dose_number", _("Dosnumret får vara högst %(max)s.") % {"max": MAX_DOSE_NUMBER})
    if errors or not series:
        return dose_number

    if outcome != VaccinationOutcome.GIVEN:
        # A refusal or contraindication: a reason, no lot; which dose it concerns if known.
        if not reason:
            errors.add("reason", _("Ange skäl."))
        if lot is not None or source != DoseSource.HERE:
            errors.add("lot", _("En avböjd dos eller kontraindikation har ingen sats."))
        if dose_number is None:
            upcoming = status.next_dose(student, series, organisation=staff.organisation_id)
            dose_number = upcoming.dose_number if upcoming is not None else None
        return dose_number

    if vaccine is None:
        errors.add("vaccine", _("Ange vaccin för en given dos."))
    elif vaccine.series and vaccine.series != series:
        errors.add(
            "vaccine",
            _("%(vaccine)s ger doser i serien %(own)s, inte %(series)s.")
            % {"vaccine": vaccine, "own": vaccine.series, "series": series},
        )
    given = _current_given(student, series, exclude_pk=original.pk if original else None)
    if dose_number is None:
        dose_number = next(n for n in range(1, len(given) + 2) if n not in given)

    if source in DOCUMENTED_SOURCES:
        # A dose given elsewhere: the documentation it rests on; its giver reports it.
        if not source_documentation:
            errors.add(
                "source_documentation",
                _("Beskriv underlaget, t.ex. BVC-journal, vaccinationskort eller intyg."),
            )
        if dose_number in given:
            errors.add("dose_number", _("Dos %(number)s är redan given.") % {"number": dose_number})
        return dose_number

    # Given here: a lot that has not expired on the day, the ordination, consent, the programme.
    if lot is None:
        errors.add("lot", _("Välj satsnummer."))
    else:
        if vaccine is not None and lot.vaccine_id != vaccine.pk:
            errors.add("lot", _("Satsen hör till ett annat vaccin."))
        if lot.expires_on < given_on:
            errors.add(
                "lot",
                _("Satsen gick ut %(date)s: den får inte användas.") % {"date": lot.expires_on},
            )
    if ordination is None:
        errors.add("ordination", _("En dos ges bara på en signerad ordination."))
    else:
        if ordination.organisation_id != staff.organisation_id:
            errors.add("ordination", _("Ordinationen hör till en annan huvudman."))
        for message in ordination_errors(ordination, student=student, vaccine=vaccine, on=given_on):
            errors.add("ordination", message)
    if consent is None:
        if not consent_override_reason:
            errors.add(
                "consent_override_reason",
                _(
                    "Det finns inget lämnat samtycke för %(series)s. Skriv skälet om du ändå "
                    "vaccinerar."
                )
                % {"series": series},
            )
    elif (
        consent.student_id != student.pk
        or consent.kind != ConsentKind.VACCINATION
        or consent.scope_code.strip().upper() != series.upper()
        or not granted_consents([student.pk], ConsentKind.VACCINATION, on=given_on)
        .filter(pk=consent.pk)
        .exists()
    ):
        errors.add("consent", _("Samtycket gäller inte den här dosen eller dagen."))
    if vaccine is None:
        return dose_number
    if original is None:
        problems = status.dose_errors(
            student,
            series=series,
            dose_number=dose_number,
            given_on=given_on,
            vaccine=vaccine,
            organisation=staff.organisation_id,
        )
    else:
        problems = _correction_dose_errors(
            original,
            student=student,
            series=series,
            dose_number=dose_number,
            given_on=given_on,
            vaccine=vaccine,
            organisation_id=staff.organisation_id,
        )
    for message in problems:
        errors.add("dose_number", message)
    return dose_number


def _duplicate(student, series, dose_number, *, exclude_pk=None) -> bool:
    """A second identical given dose (signed, not replaced) of the same number."""
    if dose_number is None:
        return False
    replaced = Vaccination.objects.filter(replaces=OuterRef("pk"), status=EntryStatus.SIGNED)
    return (
        Vaccination.objects.filter(
            student=student,
            series=series,
            dose_number=dose_number,
            outcome=VaccinationOutcome.GIVEN,
            status=EntryStatus.SIGNED,
        )
        .exclude(pk=exclude_pk)
        .exclude(Exists(replaced))
        .exists()
    )


def _build(
    *,
    by,
    staff,
    student,
    outcome,
    given_at,
    series,
    vaccine,
    lot,
    dose_number,
    ordination,
    consent,
    consent_override_reason,
    site,
    route,
    source,
    source_documentation,
    lot_number,
    lot_expires_on,
    reason,
    session,
    organisation_id,
) -> Vaccination:
    given = outcome == VaccinationOutcome.GIVEN
    here = source == DoseSource.HERE
    on = timezone.localtime(given_at).date()
    programme_dose = None
    if dose_number is not None:
        programme_dose = _programme_dose(
            student, series, dose_number, organisation_id=organisation_id, on=on
        )
    if lot is not None:
        lot_number, lot_expires_on = lot.lot_number, lot.expires_on
    return Vaccination(
        student=student,
        area=Area.EMI,
        organisation_id=organisation_id,
        school=_vaccinating_unit(student, organisation_id, session, on) if here else None,
        outcome=outcome,
        series=series,
        dose_number=dose_number,
        programme_dose=programme_dose,
        vaccine=vaccine,
        lot=lot if given else None,
        lot_number=(lot_number or "").strip() if given else "",
        lot_expires_on=lot_expires_on if given else None,
        given_at=given_at,
        site=(site or "").strip(),
        route=(route or (ordination.route if ordination is not None and given else "")).strip(),
        ordination=ordination if given and here else None,
        consent_public_id=consent.public_id if consent is not None and here else None,
        consent_override_reason=consent_override_reason
        if given and here and consent is None
        else "",
        source=source,
        source_documentation=source_documentation if not here else "",
        reason=reason if not given else "",
        session=session,
        vaccinator=by,
        vaccinator_name=_name(by),
        vaccinator_title=author_title(staff),
        status=EntryStatus.SIGNED,
        signed_at=timezone.now(),
    )


@transaction.atomic
def record_vaccination(
    *,
    by,
    student: Student,
    outcome: str,
    given_at: datetime.datetime,
    series: str,
    vaccine: Vaccine | None = None,
    lot: VaccineLot | None = None,
    dose_number: int | None = None,
    ordination: Ordination | None = None,
    consent: Consent | None = None,
    consent_override_reason: str = "",
    site: str = "",
    route: str = "",
    source: str = DoseSource.HERE,
    source_documentation: str = "",
    lot_number: str = "",
    lot_expires_on: datetime.date | None = None,
    reason: str = "",
    session: VaccinationSession | None = None,
) -> Vaccination:
    """Validate, record and sign one vaccination outcome; queue a given dose done here for the
    register. ValidationError (field → messages) writes nothing."""
    from ..register import queue_report

    staff = _clinician(by)
    series = (series or "").strip().upper()
    consent_override_reason = (consent_override_reason or "").strip()
    source_documentation = (source_documentation or "").strip()
    reason = (reason or "").strip()
    # Two clicks at once for one student: the second waits and then sees the first.
    Student.objects.select_for_update().filter(pk=student.pk).first()
    errors = _Errors()
    dose_number = _check(
        errors,
        staff=staff,
        student=student,
        outcome=outcome,
        given_at=given_at,
        series=series,
        vaccine=vaccine,
        lot=lot,
        dose_number=dose_number,
        ordination=ordination,
        consent=consent,
        consent_override_reason=consent_override_reason,
        source=source,
        source_documentation=source_documentation,
        reason=reason,
    )
    if (
        not errors
        and outcome == VaccinationOutcome.GIVEN
        and _duplicate(student, series, dose_number)
    ):
        errors.add(
            "dose_number",
            _("Dos %(number)s av %(series)s är redan registrerad: den registreras inte två gånger.")
            % {"number": dose_number, "series": series},
        )
    errors.raise_if_any()
    vaccination = _build(
        by=by,
        staff=staff,
        student=student,
        outcome=outcome,
        given_at=given_at,
        series=series,
        vaccine=vaccine,
        lot=lot,
        dose_number=dose_number,
        ordination=ordination,
        consent=consent,
        consent_override_reason=consent_override_reason,
        site=site,
        route=route,
        source=source,
        source_documentation=source_documentation,
        lot_number=lot_number,
        lot_expires_on=lot_expires_on,
        reason=reason,
        session=session,
        organisation_id=staff.organisation_id,
    )
    vaccination._history_user = by
    vaccination.save()
    queue_report(vaccination, by=by)
    return vaccination


def is_replaced(vaccination: Vaccination) -> bool:
    return Vaccination.objects.filter(replaces=vaccination, status=EntryStatus.SIGNED).exists()


@transaction.atomic
def correct_vaccination(*, original: Vaccination, by, reason: str, **changes) -> Vaccination:
    """A signed correction that replaces ``original`` (which stays, struck through).
    ``changes`` are the fields that differ (``CORRECTABLE``; a refusal's own reason as
    ``outcome_reason``). The register report of the dose is updated (same reference, next
    revision, pending again), never duplicated."""
    from ..register import queue_report

    # ``reason`` is the correction's; a refusal's own reason comes as ``outcome_reason``.
    if "outcome_reason" in changes:
        changes["reason"] = changes.pop("outcome_reason")
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise TypeError(f"Not correctable: {sorted(unknown)}")
    original = Vaccination.objects.select_for_update().get(pk=original.pk)
    if not original.is_signed:
        raise ValidationError({NON_FIELD_ERRORS: [_("Bara signerade vaccinationer rättas.")]})
    if is_replaced(original):
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("Vaccinationen är redan rättad: rätta den senaste versionen.")]}
        )
    staff = _clinician(by)
    errors = _Errors()
    reason = (reason or "").strip()
    if not reason:
        errors.add("change_reason", _("Skriv varför uppgiften rättas."))
    consent = changes.pop("consent", None) if "consent" in changes else None
    if consent is None and original.consent_public_id:
        consent = Consent.objects.filter(public_id=original.consent_public_id).first()
    values = {name: getattr(original, name) for name in CORRECTABLE if name != "consent"}
    values.update(changes)
    values["series"] = (values["series"] or "").strip().upper()
    for name in ("consent_override_reason", "source_documentation", "reason"):
        values[name] = (values[name] or "").strip()
    if values["outcome"] != VaccinationOutcome.GIVEN:
        values["lot"] = None
    # Only what changed is checked against the programme again (a corrected site or lot is
    # not a new dose); everything else is checked as for a new record.
    dose_fields = ("outcome", "given_at", "series", "vaccine", "dose_number", "source")
    dose_changed = any(values[name] != getattr(original, name) for name in dose_fields)
    dose_number = values["dose_number"]
    check_errors = _Errors()
    dose_number = _check(
        check_errors,
        staff=staff,
        student=original.student,
        outcome=values["outcome"],
        given_at=values["given_at"],
        series=values["series"],
        vaccine=values["vaccine"],
        lot=values["lot"],
        dose_number=dose_number,
        ordination=values["ordination"],
        consent=consent,
        consent_override_reason=values["consent_override_reason"],
        source=values["source"],
        source_documentation=values["source_documentation"],
        reason=values["reason"],
        original=original,
    )
    if not dose_changed:
        check_errors.pop("dose_number", None)
    # The ordination and consent are judged on the day of the dose, as they were.
    for name, messages in check_errors.items():
        for message in messages:
            errors.add(name, message)
    if (
        not errors
        and values["outcome"] == VaccinationOutcome.GIVEN
        and _duplicate(original.student, values["series"], dose_number, exclude_pk=original.pk)
    ):
        errors.add("dose_number", _("Dos %(number)s är redan given.") % {"number": dose_number})
    errors.raise_if_any()
    values["dose_number"] = dose_number
    correction = _build(
        by=by,
        staff=staff,
        student=original.student,
        consent=consent,
        session=original.session,
        organisation_id=original.organisation_id,
        **values,
    )
    correction.replaces = original
    correction.change_reason = reason
    correction._history_user = by
    correction.save()
    queue_report(correction, by=by)
    return correction


def versions(vaccination: Vaccination) -> list[Vaccination]:
    """The chain of versions from the first to this one (corrections point backwards)."""
    chain = [vaccination]
    while chain[-1].replaces_id is not None:
        chain.append(Vaccination.objects.select_related("vaccine").get(pk=chain[-1].replaces_id))
    return list(reversed(chain))
