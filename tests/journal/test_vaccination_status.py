"""The national vaccination programme as data (migration 0017) and the status engine
(journal.services.vaccination_status): status per dose across birth cohorts and edge cases."""

from __future__ import annotations

import datetime
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from journal.models import EntryStatus
from journal.models.vaccination import ProgrammeDose, Vaccination, VaccinationProgramme, Vaccine
from journal.services import vaccination_status as status
from schools.identity import generate_identity_number
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    SchoolClassFactory,
    StudentFactory,
    UserFactory,
)

ON = datetime.date(2026, 11, 23)  # in school year 2026/27
_serial = iter(range(100, 900))


def make_student(birth: datetime.date, *, female: bool = True, school_class=None, **fields):
    student = StudentFactory(
        identity_number=generate_identity_number(birth, next(_serial), female=female), **fields
    )
    if school_class is not None:
        EnrolmentFactory(student=student, school=school_class.school)
        ClassMembershipFactory(
            student=student, school_class=school_class, start_date=datetime.date(2026, 8, 1)
        )
    return student


def vaccine(series: str) -> Vaccine:
    return Vaccine.objects.filter(series=series).order_by("pk").first()


def record(
    student,
    series: str,
    dose_number: int | None,
    day: datetime.date,
    *,
    organisation,
    outcome: str = "given",
    source: str = "here",
    status_: str = EntryStatus.SIGNED,
    replaces=None,
    by=None,
) -> Vaccination:
    """A vaccination row as the DOSES helper's service leaves it (signed at once)."""
    by = by or UserFactory()
    given_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    return Vaccination.objects.create(
        student=student,
        organisation=organisation,
        outcome=outcome,
        series=series,
        dose_number=dose_number,
        vaccine=vaccine(series) if outcome == "given" else None,
        given_at=given_at,
        source=source,
        reason="" if outcome == "given" else "Vårdnadshavare avböjer.",
        vaccinator=by,
        vaccinator_name=by.get_full_name() or by.username,
        status=status_,
        signed_at=given_at if status_ == EntryStatus.SIGNED else None,
        replaces=replaces,
        change_reason="Fel dosnummer." if replaces is not None else "",
    )


def states(student, organisation, on=ON) -> dict[str, str]:
    """{dose name: state}."""
    return {
        s.dose.name: s.state
        for s in status.student_status(student, organisation=organisation, on=on)
    }


def by_series(student, organisation, series, on=ON) -> list[status.DoseStatus]:
    rows = status.student_status(student, organisation=organisation, on=on)
    return sorted((s for s in rows if s.dose.series == series), key=lambda s: s.dose.dose_number)


@pytest.fixture
def class_of(school_a):
    def make(grade: int, school_type: str = "GR"):
        return SchoolClassFactory(
            school=school_a, grade=grade, school_type=school_type, school_year="2026/27"
        )

    return make


# --- The programme as data ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_national_programme_ships_published_with_its_doses():
    programme = VaccinationProgramme.objects.get(organisation=None)
    assert programme.status == "published" and programme.number == 1
    assert "HSLF-FS 2016:51" in programme.source
    doses = ProgrammeDose.objects.filter(programme=programme)
    mpr = doses.get(series="MPR")
    assert (mpr.dose_number, mpr.grade_from, mpr.grade_to, mpr.max_age_months) == (2, 1, 2, 216)
    dtp = doses.get(series="DTP")
    assert (dtp.dose_number, dtp.grade_from, dtp.grade_to) == (5, 8, 9)
    girls_2 = doses.get(series="HPV", dose_number=2, sex="F", first_dose_age_until_months=180)
    assert (girls_2.min_interval_days, girls_2.born_from_year) == (150, 1999)
    assert (
        doses.get(
            series="HPV", dose_number=3, sex="M", first_dose_age_from_months=180
        ).born_from_year
        == 2009
    )
    assert set(mpr.vaccines.values_list("name", flat=True)) == {"M-M-RVAXPRO", "Priorix"}
    gardasil = Vaccine.objects.get(name="Gardasil 9")
    assert (gardasil.atc_code, gardasil.npl_id) == ("J07BM03", "20140314000069")
    # No invented identifiers: only the NPL-id a cited source gives.
    assert Vaccine.objects.exclude(npl_id=None).count() == 1


@pytest.mark.django_db
def test_the_loader_is_idempotent():
    migration = import_module("journal.migrations.0017_national_vaccination_programme")
    before = (Vaccine.objects.count(), ProgrammeDose.objects.count())
    migration.load(django_apps, None)
    assert (Vaccine.objects.count(), ProgrammeDose.objects.count()) == before


# --- Status -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mpr_is_due_in_grade_2_and_overdue_after_it(class_of, org_a):
    in_2 = make_student(datetime.date(2019, 4, 1), school_class=class_of(2))
    in_4 = make_student(datetime.date(2017, 4, 1), school_class=class_of(4))
    due = by_series(in_2, org_a, "MPR")[0]
    assert due.state == "due"
    assert due.due_until == datetime.date(2027, 6, 30)
    overdue = by_series(in_4, org_a, "MPR")[0]
    assert overdue.state == "overdue"
    assert overdue.due_until == datetime.date(2025, 6, 30)  # åk 2 was 2024/25
    record(in_4, "MPR", 2, ON - datetime.timedelta(days=2), organisation=org_a)
    assert by_series(in_4, org_a, "MPR")[0].state == "given"


@pytest.mark.django_db
def test_a_dose_ahead_of_its_grade_is_not_yet_due(class_of, org_a):
    student = make_student(datetime.date(2017, 4, 1), school_class=class_of(4))
    hpv = by_series(student, org_a, "HPV")
    assert [s.state for s in hpv] == ["not_yet_due", "not_yet_due"]
    assert hpv[0].due_from == datetime.date(2027, 8, 1)
    assert by_series(student, org_a, "DTP")[0].due_from == datetime.date(2030, 8, 1)


@pytest.mark.django_db
def test_hpv_in_grade_5_two_doses(class_of, org_a):
    girl = make_student(datetime.date(2016, 2, 1), school_class=class_of(5))
    first, second = by_series(girl, org_a, "HPV")
    assert (first.state, second.state) == ("due", "not_yet_due")
    assert "Väntar på dos 1" in second.label
    assert "3" not in {str(s.dose.dose_number) for s in (first, second)}


@pytest.mark.django_db
def test_dose_2_too_early_waits_for_the_minimum_interval(class_of, org_a):
    girl = make_student(datetime.date(2016, 2, 1), school_class=class_of(5))
    record(girl, "HPV", 1, datetime.date(2026, 9, 1), organisation=org_a)
    first, second = by_series(girl, org_a, "HPV")
    assert first.state == "given"
    assert second.state == "not_yet_due"
    assert second.due_from == datetime.date(2027, 1, 29)  # 150 days after dose 1
    assert by_series(girl, org_a, "HPV", on=datetime.date(2027, 1, 29))[1].state == "due"
    errors = status.dose_errors(
        girl, series="HPV", dose_number=2, given_on=ON, vaccine=vaccine("HPV"), organisation=org_a
    )
    assert len(errors) == 1 and "150 dagar" in errors[0] and "2027-01-29" in errors[0]
    assert (
        status.dose_errors(
            girl,
            series="HPV",
            dose_number=2,
            given_on=datetime.date(2027, 2, 1),
            vaccine=vaccine("HPV"),
            organisation=org_a,
        )
        == []
    )


@pytest.mark.django_db
def test_dose_2_pushed_past_the_grade_window_stays_due_for_a_while(class_of, org_a):
    girl = make_student(datetime.date(2016, 2, 1), school_class=class_of(5))
    record(girl, "HPV", 1, datetime.date(2027, 5, 1), organisation=org_a)
    second = by_series(girl, org_a, "HPV", on=datetime.date(2027, 10, 1))[1]
    assert second.state == "due"
    assert second.due_from == datetime.date(2027, 9, 28)


@pytest.mark.django_db
def test_hpv_started_at_15_follows_the_three_dose_schedule(class_of, org_a):
    girl = make_student(datetime.date(2010, 3, 1), school_class=class_of(2, "GY"))
    record(girl, "HPV", 1, datetime.date(2026, 9, 1), organisation=org_a, source="abroad")
    hpv = by_series(girl, org_a, "HPV")
    assert [s.dose.dose_number for s in hpv] == [1, 2, 3]
    assert all(s.dose.first_dose_age_from_months == 180 for s in hpv)
    assert [s.state for s in hpv] == ["given", "due", "not_yet_due"]
    assert hpv[1].due_from == datetime.date(2026, 10, 1)  # one month (30 days) after dose 1
    # Not started at 16: the three-dose schedule as well (the first dose would be at 15+).
    other = make_student(datetime.date(2010, 5, 1), school_class=class_of(2, "GY"))
    assert [s.dose.dose_number for s in by_series(other, org_a, "HPV")] == [1, 2, 3]
    # Started at 12: two doses, even though she is 16 now.
    early = make_student(datetime.date(2010, 6, 1), school_class=class_of(2, "GY"))
    record(early, "HPV", 1, datetime.date(2022, 9, 1), organisation=org_a, source="earlier_school")
    assert [s.dose.dose_number for s in by_series(early, org_a, "HPV")] == [1, 2]


@pytest.mark.django_db
def test_a_student_who_moved_in_with_documented_doses(class_of, org_a):
    student = make_student(datetime.date(2013, 1, 10), school_class=class_of(8))
    record(student, "MPR", 2, datetime.date(2020, 5, 5), organisation=org_a, source="bhv")
    record(student, "HPV", 1, datetime.date(2024, 10, 1), organisation=org_a, source="abroad")
    record(student, "HPV", 2, datetime.date(2025, 4, 1), organisation=org_a, source="abroad")
    result = states(student, org_a)
    assert result["MPR dos 2 (åk 1–2)"] == "given"
    assert result["HPV dos 1 (åk 5, flickor)"] == "given"
    assert result["HPV dos 2 (åk 5, flickor)"] == "given"
    assert result["dTp dos 5 (åk 8–9)"] == "due"


@pytest.mark.django_db
def test_a_boy_born_2008_is_outside_the_hpv_cohort(class_of, org_a):
    boy = make_student(datetime.date(2008, 12, 1), female=False, school_class=class_of(3, "GY"))
    on = datetime.date(2026, 6, 1)  # 17 years
    hpv = by_series(boy, org_a, "HPV", on=on)
    assert {s.state for s in hpv} == {"not_applicable"}
    assert by_series(boy, org_a, "MPR", on=on)[0].state == "overdue"
    errors = status.dose_errors(
        boy, series="HPV", dose_number=1, given_on=on, vaccine=vaccine("HPV"), organisation=org_a
    )
    assert any("födelseår eller kön" in error for error in errors)
    # A girl born the same year is in it (girls from 1999).
    girl = make_student(datetime.date(2008, 12, 1), school_class=class_of(3, "GY"))
    assert by_series(girl, org_a, "HPV", on=on)[0].state == "overdue"
    # A boy born 2009 is in it.
    boy_2009 = make_student(datetime.date(2009, 1, 5), female=False, school_class=class_of(3, "GY"))
    assert by_series(boy_2009, org_a, "HPV", on=on)[0].state == "overdue"


@pytest.mark.django_db
def test_past_18_a_missing_dose_is_not_applicable(class_of, org_a):
    student = make_student(datetime.date(2008, 5, 1), school_class=class_of(3, "GY"))
    assert {s.state for s in status.student_status(student, organisation=org_a, on=ON)} == {
        "not_applicable"
    }


@pytest.mark.django_db
def test_a_declined_dose_and_the_latest_outcome_wins(class_of, org_a):
    girl = make_student(datetime.date(2016, 2, 1), school_class=class_of(5))
    record(girl, "HPV", None, datetime.date(2026, 9, 1), organisation=org_a, outcome="declined")
    first, second = by_series(girl, org_a, "HPV")
    assert first.state == "declined" and first.vaccination is not None
    assert second.state == "not_yet_due"
    record(
        girl, "HPV", 1, datetime.date(2026, 10, 1), organisation=org_a, outcome="contraindicated"
    )
    assert by_series(girl, org_a, "HPV")[0].state == "contraindicated"
    record(girl, "HPV", 1, datetime.date(2026, 11, 1), organisation=org_a)
    assert by_series(girl, org_a, "HPV")[0].state == "given"


@pytest.mark.django_db
def test_drafts_do_not_count_and_a_correction_counts_through_its_replacement(class_of, org_a):
    student = make_student(datetime.date(2019, 4, 1), school_class=class_of(2))
    record(student, "MPR", 2, ON, organisation=org_a, status_=EntryStatus.DRAFT)
    assert by_series(student, org_a, "MPR")[0].state == "due"
    girl = make_student(datetime.date(2016, 2, 1), school_class=class_of(5))
    wrong = record(girl, "HPV", 2, datetime.date(2026, 9, 1), organisation=org_a)
    assert by_series(girl, org_a, "HPV")[1].state == "given"
    fixed = record(girl, "HPV", 1, datetime.date(2026, 9, 1), organisation=org_a, replaces=wrong)
    first, second = by_series(girl, org_a, "HPV")
    assert (first.state, first.vaccination) == ("given", fixed)
    assert second.state == "not_yet_due"


@pytest.mark.django_db
def test_dose_errors_out_of_sequence_and_wrong_vaccine(class_of, org_a):
    girl = make_student(datetime.date(2016, 2, 1), school_class=class_of(5))
    errors = status.dose_errors(
        girl, series="HPV", dose_number=2, given_on=ON, vaccine=vaccine("HPV"), organisation=org_a
    )
    assert errors == ["Dos 1 måste ges före dos 2."]
    errors = status.dose_errors(
        girl, series="HPV", dose_number=1, given_on=ON, vaccine=vaccine("MPR"), organisation=org_a
    )
    assert len(errors) == 1 and "inte godkänt" in errors[0]
    record(girl, "HPV", 1, datetime.date(2026, 9, 1), organisation=org_a)
    errors = status.dose_errors(
        girl, series="HPV", dose_number=1, given_on=ON, vaccine=vaccine("HPV"), organisation=org_a
    )
    assert "Dos 1 är redan given." in errors
    assert status.dose_errors(
        girl, series="XYZ", dose_number=1, given_on=ON, organisation=org_a
    ) == ["Serien XYZ finns inte i vaccinationsprogrammet."]


@pytest.mark.django_db
def test_next_dose(class_of, org_a):
    girl = make_student(datetime.date(2016, 2, 1), school_class=class_of(5))
    assert status.next_dose(girl, "HPV", organisation=org_a, on=ON).dose_number == 1
    record(girl, "HPV", 1, datetime.date(2026, 9, 1), organisation=org_a)
    assert status.next_dose(girl, "HPV", organisation=org_a, on=ON).dose_number == 2
    record(girl, "HPV", 2, datetime.date(2027, 2, 1), organisation=org_a)
    assert status.next_dose(girl, "HPV", organisation=org_a, on=ON) is None
    boy = make_student(datetime.date(2008, 12, 1), female=False, school_class=class_of(3, "GY"))
    assert status.next_dose(boy, "HPV", organisation=org_a, on=ON) is None


@pytest.mark.django_db
def test_an_organisations_published_programme_wins(org_a, org_b):
    national = VaccinationProgramme.objects.get(organisation=None)
    own = VaccinationProgramme.objects.create(
        organisation=org_a, number=1, name="Egen", status="published"
    )
    ProgrammeDose.objects.create(programme=own, series="MPR", dose_number=2, name="Egen MPR")
    assert [d.name for d in status.programme_doses_for(org_a)] == ["Egen MPR"]
    assert status.programme_for(org_b) == national


@pytest.mark.django_db
def test_class_status_reads_in_a_constant_number_of_queries(class_of, org_a):
    def count(n: int) -> int:
        school_class = class_of(5)
        students = [
            make_student(datetime.date(2016, 2, 1), school_class=school_class) for _ in range(n)
        ]
        for student in students[::2]:
            record(student, "HPV", 1, datetime.date(2026, 9, 1), organisation=org_a)
        with CaptureQueriesContext(connection) as queries:
            result = status.class_status(students, organisation=org_a, on=ON)
            assert len(result) == n and all(len(rows) == 4 for rows in result.values())
        return len(queries)

    assert count(3) == count(30) == 5


@pytest.mark.django_db
def test_the_demo_vaccinations(class_of, nurse_a, org_a):
    from journal.demo import create_demo_vaccinations

    second, fifth = class_of(2), class_of(5)
    in_2 = [make_student(datetime.date(2019, 4, 1), school_class=second) for _ in range(5)]
    in_5 = [make_student(datetime.date(2016, 2, 1), school_class=fifth) for _ in range(7)]
    assert create_demo_vaccinations(nurse_a, "Skola A") == 2 + 5 + 1
    assert create_demo_vaccinations(nurse_a, "Skola A") == 0  # idempotent
    mpr = [by_series(s, org_a, "MPR", on=timezone.localdate())[0].state for s in in_2]
    assert mpr.count("given") == 2
    hpv = [by_series(s, org_a, "HPV", on=timezone.localdate())[0].state for s in in_5]
    assert hpv.count("given") == 5 and hpv.count("declined") == 1
