"""Vaccination status per student and programme dose, computed at request time (issue 8, 4).

Status is never stored: it depends on today's date (a dose becomes due, then overdue) and on the
signed vaccinations, read in a fixed number of queries for a whole class or school:

* the programme's doses (the organisation's published programme, else the national one; two
  queries with their accepted vaccines), ``programme_doses_for``;
* every signed, current vaccination of the students (a corrected one counts through the row that
  replaces it), one query;
* the students' current classes (for the grade timeline), one query.

The rules for one dose (``DoseStatus.state``):

* ``given``: a signed, current vaccination with outcome given of its series and dose number
  (documented doses from BHV, abroad or an earlier school count as given);
* ``declined`` / ``contraindicated``: the latest such outcome for the dose (a refusal without a
  dose number applies to the next dose of the series not given);
* ``not_applicable``: the birth-cohort or sex rule excludes the student, or she has turned the
  dose's maximum age (18 years) without it;
* ``not_yet_due``: before the dose's window (its first grade's school year, its minimum age, or
  the minimum interval after the previous dose; a later dose waits for the previous one);
* ``due``: in the window; ``overdue``: past its end (the end of the last grade's school year, or
  later when the minimum interval pushed the start past it), until the maximum age.

A series' schedule may depend on the age at its first dose (HPV: three doses when started at 15
years or later): rows with ``first_dose_age_from/until_months`` apply by the age at the first
given dose, or, before any, by the student's age today. Where the cohort rule is split into one
row per sex (HPV girls/boys), the rows of one series, dose and schedule are alternatives: the
first that applies to the student is hers.

The grade timeline comes from the student's current class (its school year and grade, in the same
school-form track as the dose); without one, from her birth year (åk 1 in the autumn of the year
she turns 7).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.models import ClassMembership, Organisation, SchoolClass, SchoolType, Student

from ..models import EntryStatus
from ..models.vaccination import (
    ProgrammeDose,
    Vaccination,
    VaccinationOutcome,
    VaccinationProgramme,
)

STATES = ("given", "due", "overdue", "not_yet_due", "declined", "contraindicated", "not_applicable")
STATE_NAMES = {
    "given": gettext_lazy("Given"),
    "due": gettext_lazy("Aktuell"),
    "overdue": gettext_lazy("Försenad"),
    "not_yet_due": gettext_lazy("Inte aktuell än"),
    "declined": gettext_lazy("Avböjd"),
    "contraindicated": gettext_lazy("Kontraindikation"),
    "not_applicable": gettext_lazy("Ingår inte"),
}
BADGES = {
    "given": "text-bg-success",
    "due": "text-bg-warning",
    "overdue": "text-bg-danger",
    "declined": "text-bg-secondary",
    "contraindicated": "text-bg-secondary",
}
STATUS_FIELDS = (
    "student_id",
    "organisation_id",
    "outcome",
    "series",
    "dose_number",
    "given_at",
    "source",
    "status",
    "vaccine__name",
)
# A school year in the programme's sense: from the first of August to the last of June.
WINDOW_START = (8, 1)
WINDOW_END = (6, 30)
# When the minimum interval pushes a dose past its grade window, it is due for this long.
LATE_WINDOW_DAYS = 240
# School forms on the grundskola track: their grades count as GR grades (förskoleklass = 0).
GR_TRACK = {SchoolType.FKLASS, SchoolType.GR, SchoolType.GRS, SchoolType.SP, SchoolType.SAM}


@dataclass
class DoseStatus:
    dose: ProgrammeDose
    state: str
    vaccination: Vaccination | None = None
    due_from: datetime.date | None = None
    due_until: datetime.date | None = None
    label: str = ""

    @property
    def state_display(self) -> str:
        return str(STATE_NAMES[self.state])

    @property
    def badge(self) -> str:
        """A Bootstrap badge class for the state (the text says it too: never colour alone)."""
        return BADGES.get(self.state, "text-bg-light")

    @property
    def is_open(self) -> bool:
        """Due or overdue: on the due lists."""
        return self.state in ("due", "overdue")


# --- The programme ---------------------------------------------------------------------------


def programme_for(organisation: Organisation | int | None) -> VaccinationProgramme | None:
    """The organisation's published programme, else the national one (one query)."""
    organisation_id = getattr(organisation, "pk", organisation)
    return (
        VaccinationProgramme.objects.filter(
            Q(organisation_id=organisation_id) | Q(organisation__isnull=True),
            status=VaccinationProgramme.Status.PUBLISHED,
        )
        .order_by(F("organisation_id").asc(nulls_last=True))
        .first()
    )


def programme_doses_for(organisation: Organisation | int | None) -> list[ProgrammeDose]:
    """The doses of the organisation's programme with their accepted vaccines (three queries)."""
    programme = programme_for(organisation)
    if programme is None:
        return []
    return list(
        ProgrammeDose.objects.filter(programme=programme)
        .prefetch_related("vaccines")
        .order_by("order", "series", "dose_number", "pk")
    )


# --- Reading the students' vaccinations ------------------------------------------------------


def current_vaccinations(student_ids) -> dict[int, list[Vaccination]]:
    """Signed vaccinations not replaced by a signed correction, by student (one query)."""
    replaced = Vaccination.objects.filter(replaces=OuterRef("pk"), status=EntryStatus.SIGNED)
    rows = (
        Vaccination.objects.filter(student_id__in=student_ids, status=EntryStatus.SIGNED)
        .filter(~Exists(replaced))
        .select_related("vaccine")
        # What status, due lists and the portal read: a school of 600 builds every row.
        .only(*STATUS_FIELDS)
        .order_by("student_id", "given_at", "pk")
    )
    by_student: dict[int, list[Vaccination]] = defaultdict(list)
    for row in rows:
        by_student[row.student_id].append(row)
    return by_student


def current_classes(student_ids, on: datetime.date) -> dict[int, SchoolClass]:
    """Each student's current class (the newest membership), one query."""
    memberships = (
        ClassMembership.objects.current(on)
        .filter(student_id__in=student_ids)
        .select_related("school_class")
        .order_by("student_id", "-start_date", "-pk")
    )
    classes: dict[int, SchoolClass] = {}
    for membership in memberships:
        classes.setdefault(membership.student_id, membership.school_class)
    return classes


# --- Dates --------------------------------------------------------------------------------------


def add_months(day: datetime.date, months: int) -> datetime.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def age_in_months(birth_date: datetime.date, on: datetime.date) -> int:
    months = (on.year - birth_date.year) * 12 + on.month - birth_date.month
    return months - (on.day < birth_date.day)


def _given_on(vaccination: Vaccination) -> datetime.date:
    return timezone.localtime(vaccination.given_at).date()


def grade_year_start(
    student: Student, school_class: SchoolClass | None, grade: int, school_type: str
) -> int | None:
    """The calendar year in which the student's school year of ``grade`` begins."""
    dose_track_gr = school_type in GR_TRACK or not school_type
    if school_class is not None and (
        school_class.school_type == school_type
        or (dose_track_gr and school_class.school_type in GR_TRACK)
    ):
        first = int(school_class.school_year[:4])
        class_grade = 0 if school_class.school_type == SchoolType.FKLASS else school_class.grade
        return first + grade - class_grade
    if student.birth_date is None:
        return None
    if dose_track_gr:
        return student.birth_date.year + 6 + grade  # åk 1 the autumn she turns 7
    return student.birth_date.year + 15 + grade  # gymnasiet år 1 the autumn she turns 16


# --- One student ------------------------------------------------------------------------------


def _cohort_applies(dose: ProgrammeDose, student: Student) -> bool:
    year = student.birth_date.year if student.birth_date else None
    if year is not None:
        if dose.born_from_year and year < dose.born_from_year:
            return False
        if dose.born_until_year and year > dose.born_until_year:
            return False
    # An unknown legal sex (a reserve number) is offered the dose rather than missed.
    return not dose.sex or student.legal_sex not in ("F", "M") or dose.sex == student.legal_sex


def _schedule_applies(dose: ProgrammeDose, months: int | None) -> bool:
    if months is None:
        return dose.first_dose_age_from_months is None
    if dose.first_dose_age_from_months is not None and months < dose.first_dose_age_from_months:
        return False
    until = dose.first_dose_age_until_months
    return until is None or months < until


def _assign_dose_numbers(rows: list[Vaccination]) -> dict[int, Vaccination]:
    """Given doses by dose number; a dose without a number fills the lowest missing one."""
    given: dict[int, Vaccination] = {}
    unnumbered = []
    for row in rows:
        if row.dose_number:
            given.setdefault(row.dose_number, row)
        else:
            unnumbered.append(row)
    for row in unnumbered:
        number = 1
        while number in given:
            number += 1
        given[number] = row
    return given


def _student_doses(
    doses: list[ProgrammeDose],
    student: Student,
    given_by_series: dict[str, dict[int, Vaccination]],
    on: datetime.date,
    schedule_months: dict[str, int | None] | None = None,
) -> list[tuple[ProgrammeDose, bool]]:
    """The rows of the programme for this student: one per (series, dose number, schedule),
    with whether her cohort rule admits it; rows of another schedule are left out."""
    chosen: dict[tuple, tuple[ProgrammeDose, bool]] = {}
    for dose in doses:
        if schedule_months is not None and dose.series in schedule_months:
            months = schedule_months[dose.series]
        else:
            first = given_by_series.get(dose.series, {})
            first_given = min(first.values(), key=lambda v: v.given_at) if first else None
            if student.birth_date is None:
                months = None
            elif first_given is not None:
                months = age_in_months(student.birth_date, _given_on(first_given))
            else:
                months = age_in_months(student.birth_date, on)
        if not _schedule_applies(dose, months):
            continue
        key = (
            dose.series,
            dose.dose_number,
            dose.first_dose_age_from_months,
            dose.first_dose_age_until_months,
        )
        applies = _cohort_applies(dose, student)
        if key not in chosen or (applies and not chosen[key][1]):
            chosen[key] = (dose, applies)
    return list(chosen.values())


def _window(
    dose: ProgrammeDose, student: Student, school_class: SchoolClass | None
) -> tuple[datetime.date | None, datetime.date | None, datetime.date | None]:
    """(start, end, max-age day) of the dose's window, before the interval rule."""
    start = end = max_day = None
    birth = student.birth_date
    if dose.grade_from is not None:
        first_year = grade_year_start(student, school_class, dose.grade_from, dose.school_type)
        last_grade = dose.grade_to if dose.grade_to is not None else dose.grade_from
        last_year = grade_year_start(student, school_class, last_grade, dose.school_type)
        if first_year is not None:
            start = datetime.date(first_year, *WINDOW_START)
            end = datetime.date(last_year + 1, *WINDOW_END)
    if birth is not None:
        if dose.min_age_months:
            at_age = add_months(birth, dose.min_age_months)
            start = max(start, at_age) if start else at_age
        if dose.max_age_months:
            max_day = add_months(birth, dose.max_age_months)
            if end is None:
                end = max_day - datetime.timedelta(days=1)
    return start, end, max_day


def _status_of(
    student: Student,
    rows: list[Vaccination],
    doses: list[ProgrammeDose],
    school_class: SchoolClass | None,
    on: datetime.date,
) -> list[DoseStatus]:
    by_series: dict[str, list[Vaccination]] = defaultdict(list)
    for row in rows:
        by_series[row.series].append(row)
    given_by_series = {
        series: _assign_dose_numbers(
            [row for row in series_rows if row.outcome == VaccinationOutcome.GIVEN]
        )
        for series, series_rows in by_series.items()
    }
    statuses: list[DoseStatus] = []
    schedule = _student_doses(doses, student, given_by_series, on)
    # Doses before the school's (MPR 1, dTp 1–4 at BVC) are not waited for.
    in_schedule = {(dose.series, dose.dose_number) for dose, _applies in schedule}
    for dose, applies in schedule:
        given = given_by_series.get(dose.series, {})
        vaccination = given.get(dose.dose_number)
        if vaccination is not None:
            statuses.append(
                DoseStatus(
                    dose,
                    "given",
                    vaccination,
                    label=_("Given %(date)s") % {"date": _given_on(vaccination).isoformat()},
                )
            )
            continue
        refusal = _latest_refusal(by_series.get(dose.series, []), dose, given)
        if refusal is not None:
            state = refusal.outcome
            label = _("Avböjd") if state == VaccinationOutcome.DECLINED else _("Kontraindikation")
            statuses.append(DoseStatus(dose, state, refusal, label=label))
            continue
        if not applies:
            statuses.append(
                DoseStatus(dose, "not_applicable", label=_("Ingår inte (födelseår eller kön)"))
            )
            continue
        start, end, max_day = _window(dose, student, school_class)
        if max_day is not None and on >= max_day:
            statuses.append(DoseStatus(dose, "not_applicable", label=_("Över åldersgränsen")))
            continue
        previous = given.get(dose.dose_number - 1)
        if previous is None and (dose.series, dose.dose_number - 1) in in_schedule:
            statuses.append(
                DoseStatus(
                    dose,
                    "not_yet_due",
                    due_from=None,
                    label=_("Väntar på dos %(number)s") % {"number": dose.dose_number - 1},
                )
            )
            continue
        if previous is not None:
            after = _given_on(previous) + datetime.timedelta(days=dose.min_interval_days)
            if start is None or after > start:
                start = after
            if end is not None and start > end:
                end = start + datetime.timedelta(days=LATE_WINDOW_DAYS)
        if end is not None and max_day is not None and end >= max_day:
            end = max_day - datetime.timedelta(days=1)
        if start is not None and on < start:
            state, label = "not_yet_due", _("Från %(date)s") % {"date": start.isoformat()}
        elif end is not None and on > end:
            state, label = "overdue", _("Försenad sedan %(date)s") % {"date": end.isoformat()}
        else:
            state, label = "due", _("Aktuell")
            if end is not None:
                label = _("Aktuell till %(date)s") % {"date": end.isoformat()}
        statuses.append(DoseStatus(dose, state, None, due_from=start, due_until=end, label=label))
    return statuses


def _latest_refusal(
    rows: list[Vaccination], dose: ProgrammeDose, given: dict[int, Vaccination]
) -> Vaccination | None:
    """The latest declined/contraindicated outcome for the dose: one naming its number, or one
    without a number when this is the series' next dose not given."""
    next_number = 1
    while next_number in given:
        next_number += 1
    latest = None
    for row in rows:
        if row.outcome == VaccinationOutcome.GIVEN:
            continue
        number = row.dose_number or next_number
        if number == dose.dose_number:
            latest = row  # rows are ordered by given_at: the last one wins
    return latest


def student_status(
    student: Student,
    *,
    organisation,
    on: datetime.date | None = None,
    doses: list[ProgrammeDose] | None = None,
) -> list[DoseStatus]:
    """The status of every programme dose for one student (a constant number of queries)."""
    return class_status([student], organisation=organisation, on=on, doses=doses)[student.pk]


def class_status(
    students: list[Student],
    *,
    organisation,
    on: datetime.date | None = None,
    doses: list[ProgrammeDose] | None = None,
    classes: dict[int, SchoolClass] | None = None,
) -> dict[int, list[DoseStatus]]:
    """Status per student pk for many students in a constant number of queries: the programme
    (unless ``doses`` is given), the vaccinations, and the current classes (unless given)."""
    on = on or timezone.localdate()
    if doses is None:
        doses = programme_doses_for(organisation)
    ids = [student.pk for student in students]
    if not ids:
        return {}
    vaccinations = current_vaccinations(ids)
    if classes is None:
        classes = current_classes(ids, on)
    return {
        student.pk: _status_of(
            student, vaccinations.get(student.pk, []), doses, classes.get(student.pk), on
        )
        for student in students
    }


# --- For a new dose (the DOSES helper's validation) ---------------------------------------------


def next_dose(
    student: Student, series: str, *, organisation, on: datetime.date | None = None
) -> ProgrammeDose | None:
    """The programme dose a new given vaccination of ``series`` would be: the lowest dose not
    given of her schedule; None when every dose is given or none applies to her."""
    statuses = student_status(student, organisation=organisation, on=on)
    for status in sorted(
        (s for s in statuses if s.dose.series == series), key=lambda s: s.dose.dose_number
    ):
        if status.state not in ("given", "not_applicable"):
            return status.dose
    return None


def dose_errors(
    student: Student,
    *,
    series: str,
    dose_number: int | None,
    given_on: datetime.date,
    vaccine=None,
    organisation,
) -> list[str]:
    """Why a given dose of ``series`` number ``dose_number`` on ``given_on`` does not fit the
    programme; [] when it does. Checks: the dose exists in her schedule, it is not given already,
    the previous dose is given before it and at least the minimum interval earlier, the vaccine
    is accepted for the dose, and the cohort, sex and age rules admit her."""
    doses = [dose for dose in programme_doses_for(organisation) if dose.series == series]
    if not doses:
        return [_("Serien %(series)s finns inte i vaccinationsprogrammet.") % {"series": series}]
    rows = [
        row
        for row in current_vaccinations([student.pk]).get(student.pk, [])
        if row.series == series and row.outcome == VaccinationOutcome.GIVEN
    ]
    given = _assign_dose_numbers(rows)
    if dose_number is None:
        dose_number = next(number for number in range(1, len(given) + 2) if number not in given)
    # The schedule follows the age at the first dose: this one, if it is the first.
    first = given.get(1)
    first_day = _given_on(first) if first is not None and dose_number != 1 else given_on
    months = age_in_months(student.birth_date, first_day) if student.birth_date else None
    schedule = _student_doses(
        doses, student, {series: given}, given_on, schedule_months={series: months}
    )
    schedule_numbers = {dose.dose_number for dose, _applies in schedule}
    candidates = [dose for dose, _applies in schedule if dose.dose_number == dose_number]
    if not candidates:
        return [
            _("Dos %(number)s av %(series)s finns inte i elevens vaccinationsschema.")
            % {"number": dose_number, "series": series}
        ]
    applicable = [dose for dose in candidates if _cohort_applies(dose, student)]
    errors: list[str] = []
    if not applicable:
        errors.append(
            _("%(series)s ingår inte i programmet för elevens födelseår eller kön.")
            % {"series": series}
        )
    dose = (applicable or candidates)[0]
    if dose_number in given:
        errors.append(_("Dos %(number)s är redan given.") % {"number": dose_number})
    previous = given.get(dose_number - 1)
    if previous is not None or dose_number - 1 in schedule_numbers:
        if previous is None or _given_on(previous) > given_on:
            errors.append(
                _("Dos %(previous)s måste ges före dos %(number)s.")
                % {"previous": dose_number - 1, "number": dose_number}
            )
        elif (given_on - _given_on(previous)).days < dose.min_interval_days:
            errors.append(
                _(
                    "För tidigt: dos %(number)s ska ges minst %(days)s dagar efter dos "
                    "%(previous)s (tidigast %(date)s)."
                )
                % {
                    "number": dose_number,
                    "days": dose.min_interval_days,
                    "previous": dose_number - 1,
                    "date": (
                        _given_on(previous) + datetime.timedelta(days=dose.min_interval_days)
                    ).isoformat(),
                }
            )
    accepted = list(dose.vaccines.all())
    if vaccine is not None and accepted and vaccine.pk not in {v.pk for v in accepted}:
        errors.append(
            _("%(vaccine)s är inte godkänt för %(dose)s.") % {"vaccine": vaccine, "dose": dose.name}
        )
    if student.birth_date is not None:
        if dose.min_age_months and given_on < add_months(student.birth_date, dose.min_age_months):
            errors.append(_("Eleven är för ung för %(dose)s.") % {"dose": dose.name})
        if dose.max_age_months and given_on >= add_months(student.birth_date, dose.max_age_months):
            errors.append(
                _("%(dose)s erbjuds bara till %(years)s års ålder.")
                % {"dose": dose.name, "years": dose.max_age_months // 12}
            )
    return errors
