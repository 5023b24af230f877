"""A vaccination note's dose (issue 8): the vaccine, batch number, dose number and injection
site keywords (``binds_to`` vaccination.*, journal.bindings) write ONE draft ``Vaccination`` per
note, signed with the note in the same transaction.

Saving the draft note never fails on the dose's rules: the nurse may write the note first and
look up the batch later. The draft holds what can be resolved (a vaccine that is not found yet
leaves the earlier draft as it was). Signing reads the note's values again and checks every rule
of a dose given here (``vaccinations._check``: lot and expiry, the ordination, consent, the
programme's sequence and interval) with the ordination and consent found on the contact day;
any problem refuses signing with a message on the keyword it concerns or above the form.

A draft dose whose keywords are emptied in the draft note is deleted (its history keeps what it
held, with who emptied it), like growth's bound measurement; filling them again makes a new
draft. That is the only vaccination row ever deleted: a signed dose, a dose of a signed note, one
without a note or one queued for the register never is (the model, migration 0021's trigger).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Area, Student

from ..bindings import BindingKey
from ..models import EntryStatus, JournalEntry
from ..models.vaccination import (
    DoseSource,
    Ordination,
    RegisterReport,
    Vaccination,
    VaccinationOutcome,
    Vaccine,
    VaccineLot,
)
from . import vaccinations as doses
from .binding import BoundValue, register_writer

VACCINE = BindingKey.VACCINATION_VACCINE.value
LOT = BindingKey.VACCINATION_LOT.value
DOSE_NUMBER = BindingKey.VACCINATION_DOSE_NUMBER.value
SITE = BindingKey.VACCINATION_SITE.value
# Where a rule's message lands: the dose service's field → the binding key of its keyword.
FIELD_KEYS = {
    "vaccine": VACCINE,
    "series": VACCINE,
    "lot": LOT,
    "dose_number": DOSE_NUMBER,
    "site": SITE,
}


@dataclass
class TypedDose:
    """What the note says about the dose, and which keyword (code) says each part."""

    vaccine: str = ""
    lot: str = ""
    dose_number: int | None = None
    site: str = ""
    fractional_dose_number: bool = False  # 1,5 typed: refused at signing
    dose_number_out_of_range: bool = False  # 0 or 40000 typed: refused at signing
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (
            self.vaccine
            or self.lot
            or self.dose_number is not None
            or self.fractional_dose_number
            or self.dose_number_out_of_range
            or self.site
        )


def _typed(pairs) -> TypedDose:
    """``pairs``: (binding key, keyword code, value) for the note's bound keywords."""
    typed = TypedDose()
    for key, code, value in pairs:
        typed.codes[key] = code
        if value is None or value == "":
            continue
        if key == VACCINE:
            typed.vaccine = str(value).strip()
        elif key == LOT:
            typed.lot = str(value).strip()
        elif key == DOSE_NUMBER:
            number = Decimal(value)
            if number != number.to_integral_value():
                typed.fractional_dose_number = True
            elif not 1 <= number <= doses.MAX_DOSE_NUMBER:
                # Kept out of the draft row too: the column is a small integer.
                typed.dose_number_out_of_range = True
            else:
                typed.dose_number = int(number)
        elif key == SITE:
            typed.site = str(value).strip()
    return typed


def _typed_from_entry(entry: JournalEntry) -> TypedDose:
    """The stored values of the note's vaccination keywords (signing reads them again)."""
    keywords = [
        keyword
        for keyword in entry.template_version.keywords.all()
        if keyword.binds_to in VaccinationWriter.keys
    ]
    stored = {
        value.keyword_id: value.value
        for value in entry.values.filter(keyword__in=[keyword.pk for keyword in keywords])
    }
    return _typed((kw.binds_to, kw.code, stored.get(kw.pk)) for kw in keywords)


def find_vaccine(name: str) -> Vaccine | None:
    """An active product by its name (any case) or NPL id."""
    if not name:
        return None
    return (
        Vaccine.objects.filter(active=True)
        .filter(Q(name__iexact=name) | Q(npl_id=name))
        .order_by("pk")
        .first()
    )


def find_lot(vaccine: Vaccine | None, number: str) -> VaccineLot | None:
    if vaccine is None or not number:
        return None
    return VaccineLot.objects.filter(vaccine=vaccine, lot_number__iexact=number).first()


def covering_ordination(student: Student, vaccine: Vaccine, *, organisation_id: int, on):
    """A signed ordination of the organisation that covers the student, vaccine and day (an
    individual one before a general directive), or None."""
    candidates = (
        Ordination.objects.filter(
            organisation_id=organisation_id,
            vaccine=vaccine,
            status=EntryStatus.SIGNED,
            valid_from__lte=on,
            valid_until__gte=on,
        )
        .filter(Q(student=student) | Q(kind=Ordination.Kind.GENERAL))
        .prefetch_related("schools")
        .order_by("-kind", "-valid_from", "-pk")  # "individual" sorts after "general"
    )
    for ordination in candidates:
        if not doses.ordination_errors(ordination, student=student, vaccine=vaccine, on=on):
            return ordination
    return None


def _fill(dose: Vaccination, entry: JournalEntry, typed: TypedDose, vaccine, lot) -> Vaccination:
    """The draft's fields from the note (the rules are checked at signing)."""
    on = timezone.localdate(entry.contact_at)
    dose.student_id = entry.student_id
    dose.organisation_id = entry.organisation_id
    dose.area = Area.EMI
    dose.school = doses._vaccinating_unit(entry.student, entry.organisation_id, None, on)
    dose.outcome = VaccinationOutcome.GIVEN
    dose.source = DoseSource.HERE
    dose.series = vaccine.series
    dose.dose_number = typed.dose_number
    dose.vaccine = vaccine
    dose.lot = lot
    dose.lot_number = lot.lot_number if lot is not None else typed.lot
    dose.lot_expires_on = lot.expires_on if lot is not None else None
    dose.given_at = entry.contact_at
    dose.site = typed.site
    dose.route = vaccine.route
    dose.vaccinator_id = entry.author_id
    dose.vaccinator_name = entry.author_name
    dose.vaccinator_title = entry.author_title
    dose._history_user = getattr(entry, "_history_user", None)
    return dose


def _original(entry: JournalEntry) -> Vaccination | None:
    """The dose of the note this note corrects (its correction replaces it when signed)."""
    if not entry.corrects_id:
        return None
    return Vaccination.objects.filter(entry_id=entry.corrects_id).first()


class VaccinationWriter:
    """The note's vaccination keywords into one draft ``Vaccination``; signing the note checks
    and signs it and queues its register report."""

    keys = frozenset({VACCINE, LOT, DOSE_NUMBER, SITE})

    def save_draft(self, entry, values: Mapping[str, BoundValue]):
        typed = _typed((key, bound.keyword.code, bound.value) for key, bound in values.items())
        existing = Vaccination.objects.filter(entry=entry).first()
        if typed.is_empty:
            if existing is not None:
                existing._history_user = getattr(entry, "_history_user", None)
                existing.delete()  # emptied in the draft: the history keeps what it held
            return
        vaccine = find_vaccine(typed.vaccine)
        if vaccine is None:
            return  # nothing a dose row can hold yet; signing says what is missing
        dose = _fill(existing or Vaccination(entry=entry), entry, typed, vaccine, lot=None)
        dose.lot = find_lot(vaccine, typed.lot)
        if dose.lot is not None:
            dose.lot_number, dose.lot_expires_on = dose.lot.lot_number, dose.lot.expires_on
        dose.save()

    def sign(self, entry):
        typed = _typed_from_entry(entry)
        if typed.is_empty:
            return
        by = getattr(entry, "_history_user", None) or entry.author
        student = entry.student
        # Two notes for one student signed at once: the second waits and then sees the first.
        Student.objects.select_for_update().filter(pk=student.pk).first()
        problems: dict[str, list[str]] = {}

        def add(key: str | None, message: str) -> None:
            name = typed.codes.get(key, NON_FIELD_ERRORS) if key else NON_FIELD_ERRORS
            problems.setdefault(name, []).append(message)

        vaccine = find_vaccine(typed.vaccine)
        if vaccine is None:
            add(
                VACCINE,
                _("Okänt vaccin ”%(name)s”: skriv produktnamnet som i vaccinlistan.")
                % {"name": typed.vaccine}
                if typed.vaccine
                else _("Ange vaccin: dosen signeras med anteckningen."),
            )
            raise ValidationError(problems)
        if typed.fractional_dose_number:
            add(DOSE_NUMBER, _("Dosnumret är ett heltal, t.ex. 1 eller 2."))
            raise ValidationError(problems)
        if typed.dose_number_out_of_range:
            add(
                DOSE_NUMBER,
                _("Dosnumret ska vara mellan 1 och %(max)s.") % {"max": doses.MAX_DOSE_NUMBER},
            )
            raise ValidationError(problems)
        lot = find_lot(vaccine, typed.lot)
        if lot is None and typed.lot:
            add(
                LOT,
                _("Satsnummer %(lot)s finns inte för %(vaccine)s.")
                % {"lot": typed.lot, "vaccine": vaccine},
            )
        given_on = timezone.localdate(entry.contact_at)
        series = vaccine.series
        consent = doses.consent_for(student, series, on=given_on)
        ordination = covering_ordination(
            student, vaccine, organisation_id=entry.organisation_id, on=given_on
        )
        original = _original(entry)
        staff = doses._clinician(entry.author)
        errors = doses._Errors()
        dose_number = doses._check(
            errors,
            staff=staff,
            student=student,
            outcome=VaccinationOutcome.GIVEN,
            given_at=entry.contact_at,
            series=series,
            vaccine=vaccine,
            lot=lot,
            dose_number=typed.dose_number,
            ordination=ordination,
            consent=consent,
            consent_override_reason="",
            source=DoseSource.HERE,
            source_documentation="",
            reason="",
            original=original,
        )
        for name, messages in errors.items():
            if name == "lot" and lot is None and typed.lot:
                continue  # said above, more precisely
            if name == "ordination" and ordination is None:
                messages = [
                    _(
                        "Ingen signerad ordination omfattar eleven, %(vaccine)s och dagen "
                        "%(day)s: dosen får inte ges."
                    )
                    % {"vaccine": vaccine, "day": given_on.isoformat()}
                ]
            if name in ("consent", "consent_override_reason"):
                messages = [
                    _("Det finns inget lämnat samtycke till %(series)s som gäller %(day)s.")
                    % {"series": series, "day": given_on.isoformat()}
                ]
            for message in messages:
                add(FIELD_KEYS.get(name), message)
        if not problems and doses._duplicate(
            student, series, dose_number, exclude_pk=original.pk if original else None
        ):
            add(
                DOSE_NUMBER,
                _("Dos %(number)s av %(series)s är redan registrerad.")
                % {"number": dose_number, "series": series},
            )
        if problems:
            raise ValidationError(
                {name: list(dict.fromkeys(messages)) for name, messages in problems.items()}
            )
        existing = Vaccination.objects.filter(entry=entry).first()
        dose = _fill(existing or Vaccination(entry=entry), entry, typed, vaccine, lot)
        dose.dose_number = dose_number
        dose.programme_dose = doses._programme_dose(
            student, series, dose_number, organisation_id=entry.organisation_id, on=given_on
        )
        dose.ordination = ordination
        dose.route = dose.route or ordination.route
        dose.consent_public_id = consent.public_id
        if original is not None:
            dose.replaces = original
            dose.change_reason = entry.correction_reason or _("Rättad anteckning.")
        dose.status = EntryStatus.SIGNED
        dose.signed_at = timezone.now()
        dose._history_user = by
        dose.save()
        if not RegisterReport.objects.filter(vaccination=dose).exists():
            from ..register import queue_report

            queue_report(dose, by=by)


_writer = VaccinationWriter()


def register_vaccination_writer() -> None:
    """Called from ``JournalConfig.ready``; once per process."""
    from .binding import _WRITERS

    if _writer not in _WRITERS:
        register_writer(_writer)
