"""Growth measurements (issue 7, part B): recording with its bad input, the note's binding
(draft with the note, signed with it, corrected with it), corrections, immutability down to the
database, parents' heights and the mid-parental range, sharing with guardians, SD scores and
weight classes recomputed from the stored reference, flags, and set-based summaries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from journal.growth.reference import default_reference, load_reference
from journal.models import (
    EntryStatus,
    GrowthMeasure,
    GrowthMeasurement,
    GrowthSettings,
    GrowthSharing,
    ImmutableRecordError,
    KeywordValue,
    MeasurementContext,
    ParentHeights,
    TemplateVersion,
)
from journal.services import growth as services
from journal.services import growth_rows as rows_services
from journal.services.entries import entry_save_draft, entry_sign, entry_start_correction
from tests.helpers import as_app_role
from tests.schools.factories import ClassMembershipFactory, EnrolmentFactory, StudentFactory

from .factories import AK4_VALUES, make_entry, published

HEALTH_VISITS = [
    "halsobesok-fklass",
    "halsobesok-ak2",
    "halsobesok-ak4",
    "halsobesok-ak7-8",
    "halsobesok-gy1",
]


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def record(nurse, student, *, on=None, height="140.0", weight="35.0", **extra):
    return services.record_measurement(
        by=nurse,
        student=student,
        measured_on=on or today(),
        height_cm=Decimal(height) if height is not None else None,
        weight_kg=Decimal(weight) if weight is not None else None,
        **extra,
    )


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# --- Input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("142,5", Decimal("142.5")),
        ("142.5", Decimal("142.5")),
        (" 142,5 ", Decimal("142.5")),
        ("142", Decimal("142.0")),
        ("", None),
        (None, None),
    ],
)
def test_a_decimal_comma_or_point_is_accepted(typed, expected):
    assert services.parse_decimal(typed, label="Längd") == expected


@pytest.mark.parametrize(("typed", "message"), [("abc", "ange ett tal"), ("142,55", "en decimal")])
def test_a_bad_number_gets_a_message_naming_the_field(typed, message):
    with pytest.raises(ValidationError) as excinfo:
        services.parse_decimal(typed, label="Längd")
    assert "Längd" in excinfo.value.messages[0]
    assert message in excinfo.value.messages[0]


def test_a_measurement_is_signed_when_saved_with_history(nurse_a, student_a):
    measurement = record(nurse_a, student_a, height="142.5", weight="35.2", note=" Utan skor ")
    measurement.refresh_from_db()
    assert measurement.status == EntryStatus.SIGNED
    assert measurement.signed_at is not None
    assert measurement.entry is None
    assert (measurement.height_cm, measurement.weight_kg) == (Decimal("142.5"), Decimal("35.2"))
    assert measurement.bmi == Decimal("17.3")
    assert measurement.note == "Utan skor"
    assert measurement.measured_by == nurse_a
    assert measurement.measured_by_title  # the profession, as at the time
    assert [(h.history_type, h.history_user) for h in measurement.history.all()] == [("+", nurse_a)]


@pytest.mark.parametrize(
    ("height", "weight", "field"),
    [
        ("49.9", None, "height_cm"),
        ("230.1", None, "height_cm"),
        (None, "9.9", "weight_kg"),
        (None, "250.1", "weight_kg"),
        (None, None, "height_cm"),
    ],
)
def test_values_outside_the_ranges_are_refused_on_their_field(
    nurse_a, student_a, height, weight, field
):
    with pytest.raises(ValidationError) as excinfo:
        record(nurse_a, student_a, height=height, weight=weight)
    assert field in errors_of(excinfo)
    assert not GrowthMeasurement.objects.exists()


@pytest.mark.parametrize(("height", "weight"), [("50.0", None), ("230.0", "250.0"), (None, "10.0")])
def test_the_range_limits_themselves_are_accepted(nurse_a, student_a, height, weight):
    assert record(nurse_a, student_a, height=height, weight=weight).pk


def test_a_date_in_the_future_is_refused(nurse_a, student_a):
    with pytest.raises(ValidationError) as excinfo:
        record(nurse_a, student_a, on=days(1))
    assert "framtiden" in errors_of(excinfo)["measured_on"][0]


def test_a_date_before_birth_is_refused(nurse_a, student_a):
    with pytest.raises(ValidationError) as excinfo:
        record(nurse_a, student_a, on=student_a.birth_date - datetime.timedelta(days=1))
    assert "födelsedatum" in errors_of(excinfo)["measured_on"][0]


def test_a_height_over_2_cm_below_an_earlier_one_needs_a_confirmation(nurse_a, student_a):
    record(nurse_a, student_a, on=days(-30), height="140.0")
    with pytest.raises(ValidationError) as excinfo:
        record(nurse_a, student_a, height="137.9")
    assert "confirm_drop" in errors_of(excinfo)
    assert "140,0" in errors_of(excinfo)["confirm_drop"][0]
    assert GrowthMeasurement.objects.count() == 1
    # Exactly 2 cm lower is not "more than 2 cm"; a confirmed drop is saved.
    assert record(nurse_a, student_a, on=days(-1), height="138.0").pk
    confirmed = record(nurse_a, student_a, height="137.0", confirm_drop=True)
    assert confirmed.height_cm == Decimal("137.0")


def test_a_later_measurement_does_not_count_as_earlier(nurse_a, student_a):
    record(nurse_a, student_a, on=days(-10), height="140.0")
    assert record(nurse_a, student_a, on=days(-400), height="130.0").pk


def test_only_the_medical_record_records_growth(psychologist_a, student_a):
    with pytest.raises(ValidationError, match="skolsköterska"):
        record(psychologist_a, student_a)


def test_class_rows_are_recorded_together_with_history(nurse_a, class_a, student_a):
    other = _member(class_a, "Bo")
    rows = [
        services.MeasurementInput(student_a, today(), Decimal("140.0"), Decimal("33.0")),
        services.MeasurementInput(other, today(), None, Decimal("30.0")),
    ]
    saved = services.record_measurements(by=nurse_a, rows=rows)
    assert [m.student for m in saved] == [student_a, other]
    assert all(m.is_signed and m.signed_at for m in GrowthMeasurement.objects.all())
    assert GrowthMeasurement.history.filter(history_user=nurse_a).count() == 2


def test_class_rows_with_an_error_write_nothing(nurse_a, class_a, student_a):
    rows = [
        services.MeasurementInput(student_a, today(), Decimal("140.0"), None),
        services.MeasurementInput(_member(class_a, "Bo"), today(), Decimal("300.0"), None),
    ]
    with pytest.raises(ValidationError) as excinfo:
        services.record_measurements(by=nurse_a, rows=rows)
    assert list(errors_of(excinfo)) == ["row-1"]
    assert not GrowthMeasurement.objects.exists()


def _member(school_class, given_name: str, **student):
    student = StudentFactory(given_name=given_name, **student)
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    return student


# --- Correction ----------------------------------------------------------------------------------


def test_a_correction_replaces_the_original_which_stays(nurse_a, student_a):
    original = record(nurse_a, student_a, weight="43.0")
    correction = services.correct_measurement(
        original=original,
        by=nurse_a,
        reason="Fel vikt: 34,0 kg.",
        measured_on=original.measured_on,
        height_cm=original.height_cm,
        weight_kg=Decimal("34.0"),
    )
    assert correction.replaces == original
    assert correction.is_signed
    original.refresh_from_db()
    assert original.weight_kg == Decimal("43.0")  # unchanged
    assert list(GrowthMeasurement.objects.current()) == [correction]
    assert GrowthMeasurement.objects.with_replaced().get(pk=original.pk).is_replaced


def test_a_correction_needs_a_reason_and_corrects_the_newest_version_only(nurse_a, student_a):
    original = record(nurse_a, student_a)
    arguments = {
        "by": nurse_a,
        "measured_on": original.measured_on,
        "height_cm": Decimal("141.0"),
        "weight_kg": None,
    }
    with pytest.raises(ValidationError) as excinfo:
        services.correct_measurement(original=original, reason=" ", **arguments)
    assert "reason" in errors_of(excinfo)
    services.correct_measurement(original=original, reason="Fel längd.", **arguments)
    with pytest.raises(ValidationError, match="redan rättad"):
        services.correct_measurement(original=original, reason="Igen.", **arguments)


def test_a_correction_is_checked_like_a_new_measurement(nurse_a, student_a):
    original = record(nurse_a, student_a)
    with pytest.raises(ValidationError) as excinfo:
        services.correct_measurement(
            original=original,
            by=nurse_a,
            reason="Fel.",
            measured_on=days(2),
            height_cm=Decimal("300.0"),
            weight_kg=None,
        )
    assert {"measured_on", "height_cm"} <= set(errors_of(excinfo))


def test_correcting_a_height_downwards_compares_with_other_measurements_only(nurse_a, student_a):
    original = record(nurse_a, student_a, height="150.0")
    correction = services.correct_measurement(
        original=original,
        by=nurse_a,
        reason="Felskrivning: 140,0 cm.",
        measured_on=original.measured_on,
        height_cm=Decimal("140.0"),
        weight_kg=original.weight_kg,
    )
    assert correction.height_cm == Decimal("140.0")


# --- The note's binding --------------------------------------------------------------------------


def test_the_health_visit_templates_have_a_version_binding_height_and_weight(db):
    for code in HEALTH_VISITS:
        version = published(code)
        assert version.number == 2, code
        bound = {k.code: k for k in version.keywords.all() if k.binds_to}
        assert bound["langd"].binds_to == "growth.height"
        assert bound["vikt"].binds_to == "growth.weight"
        assert (bound["langd"].min_value, bound["langd"].max_value) == (50, 230)
        assert (bound["vikt"].min_value, bound["vikt"].max_value) == (10, 250)
        old = TemplateVersion.objects.get(template=version.template, number=1)
        assert old.status == TemplateVersion.Status.RETIRED
        # Everything else is copied as it was.
        assert [k.code for k in old.keywords.all()] == [k.code for k in version.keywords.all()]


def test_saving_a_note_makes_one_draft_measurement_and_signing_signs_it(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    measurement = GrowthMeasurement.objects.get(entry=entry)
    assert measurement.status == EntryStatus.DRAFT
    assert (measurement.height_cm, measurement.weight_kg) == (Decimal("142.5"), Decimal("35.2"))
    assert measurement.measured_on == timezone.localdate(entry.contact_at)
    assert measurement.context == MeasurementContext.HEALTH_VISIT
    assert measurement.organisation_id == entry.organisation_id

    entry = entry_save_draft(
        entry=entry, by=nurse_a, lock_version=entry.lock_version, values={**AK4_VALUES, "vikt": ""}
    )
    measurement.refresh_from_db()
    assert measurement.weight_kg is None
    assert GrowthMeasurement.objects.count() == 1

    entry_sign(entry=entry, by=nurse_a)
    measurement.refresh_from_db()
    assert measurement.status == EntryStatus.SIGNED
    assert measurement.signed_at is not None
    assert measurement.history.latest().history_user == nurse_a


def test_emptying_both_keywords_removes_the_draft_measurement(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    entry_save_draft(
        entry=entry,
        by=nurse_a,
        lock_version=entry.lock_version,
        values={**AK4_VALUES, "langd": "", "vikt": ""},
    )
    assert not GrowthMeasurement.objects.exists()
    assert GrowthMeasurement.history.filter(history_type="-").count() == 1


def test_a_value_outside_a_measurements_range_is_refused_on_the_keyword(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, values={})
    with pytest.raises(ValidationError) as excinfo:
        entry_save_draft(
            entry=entry,
            by=nurse_a,
            lock_version=entry.lock_version,
            values={**AK4_VALUES, "langd": "45"},
        )
    assert "langd" in errors_of(excinfo)
    assert not GrowthMeasurement.objects.exists()
    assert not KeywordValue.objects.filter(entry=entry).exists()


def test_correcting_the_note_corrects_its_measurement(nurse_a, student_a):
    original = make_entry(nurse_a, student_a, values={**AK4_VALUES, "vikt": "43.0"}, sign=True)
    first = GrowthMeasurement.objects.get(entry=original)
    correction = entry_start_correction(original=original, by=nurse_a, reason="Fel vikt.")
    correction = entry_save_draft(
        entry=correction,
        by=nurse_a,
        lock_version=correction.lock_version,
        values={**AK4_VALUES, "vikt": "34.0"},
    )
    second = GrowthMeasurement.objects.get(entry=correction)
    assert second.replaces == first
    assert second.change_reason == "Fel vikt."
    assert list(GrowthMeasurement.objects.current()) == [first]  # until the correction is signed
    entry_sign(entry=correction, by=nurse_a)
    assert list(GrowthMeasurement.objects.current()) == [second]
    first.refresh_from_db()
    assert first.weight_kg == Decimal("43.0")


# --- Immutability --------------------------------------------------------------------------------


def test_a_signed_measurement_is_not_saved_nor_deleted(nurse_a, student_a):
    measurement = record(nurse_a, student_a)
    measurement.height_cm = Decimal("150.0")
    with pytest.raises(ImmutableRecordError):
        measurement.save()
    with pytest.raises(ImmutableRecordError):
        measurement.delete()
    with pytest.raises(ImmutableRecordError):
        GrowthMeasurement.objects.filter(pk=measurement.pk).update(height_cm=Decimal("150.0"))
    with pytest.raises(ImmutableRecordError):
        GrowthMeasurement.objects.filter(pk=measurement.pk).delete()
    measurement.refresh_from_db()
    assert measurement.height_cm == Decimal("140.0")


def test_a_measurement_of_a_signed_note_is_frozen_with_it(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    measurement = GrowthMeasurement.objects.get(entry=entry)
    measurement.note = "Ändrad"
    with pytest.raises(ImmutableRecordError):
        measurement.save()
    with pytest.raises(ImmutableRecordError):
        GrowthMeasurement.objects.filter(entry=entry).delete()


def test_the_owner_cannot_change_or_delete_a_signed_measurement(postgres, nurse_a, student_a):
    measurement = record(nurse_a, student_a)
    with connection.cursor() as cursor:
        for sql in (
            "UPDATE journal_growthmeasurement SET height_cm = 150 WHERE id = %s",
            "DELETE FROM journal_growthmeasurement WHERE id = %s",
        ):
            with pytest.raises(IntegrityError, match="signed"), transaction.atomic():
                cursor.execute(sql, [measurement.pk])
    measurement.refresh_from_db()
    assert measurement.height_cm == Decimal("140.0")


def test_the_database_refuses_changes_to_parents_heights_and_sharing(postgres, nurse_a, student_a):
    parents = _parents(nurse_a, student_a)
    share = services.growth_share(by=nurse_a, student=student_a, shared=True)
    with connection.cursor() as cursor:
        for sql, pk in (
            ("UPDATE journal_parentheights SET mother_cm = 150 WHERE id = %s", parents.pk),
            ("DELETE FROM journal_parentheights WHERE id = %s", parents.pk),
            ("UPDATE journal_growthsharing SET shared = false WHERE id = %s", share.pk),
        ):
            with pytest.raises(IntegrityError), transaction.atomic():
                cursor.execute(sql, [pk])
    with (
        as_app_role() as cursor,
        pytest.raises(ProgrammingError, match="permission denied"),
        transaction.atomic(),
    ):
        cursor.execute("DELETE FROM journal_growthsharing")


# --- Parents' heights and the mid-parental range ----------------------------------------------


def _parents(nurse, student, mother="165.0", father="180.0", **extra):
    return services.parent_heights_save(
        by=nurse,
        student=student,
        mother_cm=Decimal(mother) if mother else None,
        mother_source="measured",
        father_cm=Decimal(father) if father else None,
        father_source="reported",
        **extra,
    )


def test_parents_heights_are_signed_and_a_change_is_a_new_version(nurse_a, student_a):
    first = _parents(nurse_a, student_a)
    assert first.is_signed
    with pytest.raises(ValidationError) as excinfo:
        _parents(nurse_a, student_a, father="182.0", current=first)
    assert "reason" in errors_of(excinfo)
    second = _parents(nurse_a, student_a, father="182.0", current=first, reason="Uppmätt.")
    assert second.replaces == first
    current = services.current_parent_heights(ParentHeights.objects.all())
    assert current == second
    with pytest.raises(ImmutableRecordError):
        first.delete()


@pytest.mark.parametrize(("mother", "father"), [("99.0", "180.0"), (None, None)])
def test_parents_heights_bad_input(nurse_a, student_a, mother, father):
    with pytest.raises(ValidationError):
        _parents(nurse_a, student_a, mother=mother, father=father)


def test_the_mid_parental_range_follows_tanner(nurse_a, student_a):
    parents = _parents(nurse_a, student_a)  # (165 + 180) / 2 = 172.5
    girl = services.mid_parental_range(parents, "F")
    assert (girl.target, girl.low, girl.high) == (Decimal("166.0"), Decimal("156.0"), 176)
    assert services.mid_parental_range(parents, "M").target == Decimal("179.0")
    assert services.mid_parental_range(parents, "U") is None
    only_mother = _parents(nurse_a, student_a, father=None, current=parents, reason="Okänd.")
    assert services.mid_parental_range(only_mother, "F") is None


# --- Sharing with guardians ---------------------------------------------------------------------


def test_sharing_is_a_row_per_decision_and_withdrawing_needs_a_reason(nurse_a, student_a):
    services.growth_share(by=nurse_a, student=student_a, shared=True)
    with pytest.raises(ValidationError, match="redan delad"):
        services.growth_share(by=nurse_a, student=student_a, shared=True)
    with pytest.raises(ValidationError):
        services.growth_share(by=nurse_a, student=student_a, shared=False)
    services.growth_share(by=nurse_a, student=student_a, shared=False, reason="Eleven vill inte.")
    state = services.sharing_state(student_a, nurse_a.staff_member.organisation_id)
    assert not state.shared
    assert GrowthSharing.objects.count() == 2
    with pytest.raises(ImmutableRecordError):
        state.save()


# --- SD scores, weight classes and flags ---------------------------------------------------------


@pytest.fixture
def who():
    return load_reference(default_reference())


def _age(student, on) -> int:
    return (on - student.birth_date).days


def _value(who, measure, student, on, z) -> Decimal:
    value = who.value_at(measure, student.legal_sex, _age(student, on), z)
    return Decimal(str(round(value, 1)))


def test_rows_have_age_bmi_and_sd_scores_from_the_stored_reference(nurse_a, student_a, who):
    on = today()
    height = _value(who, GrowthMeasure.HEIGHT, student_a, on, 1.0)
    record(nurse_a, student_a, on=on, height=str(height), weight="35.0")
    references = rows_services.references_for(nurse_a.staff_member.organisation_id)
    [row] = rows_services.growth_rows(
        GrowthMeasurement.objects.all(), student=student_a, references=references
    )
    assert row.age_days == _age(student_a, on)
    assert row.height_z == pytest.approx(1.0, abs=0.02)
    assert row.height_sds == "+1,0"
    assert row.bmi_z == pytest.approx(
        who.z(GrowthMeasure.BMI, "F", row.age_days, row.bmi), abs=1e-9
    )
    assert row.weight_z is None  # WHO 2007 weight-for-age ends at 10 years
    assert row.weight_class == "normal"


def test_an_age_outside_the_reference_has_no_sd_score(nurse_a, student_a):
    on = student_a.birth_date + datetime.timedelta(days=4 * 365)  # 4 years: before WHO 2007
    record(nurse_a, student_a, on=on, height="100.0", weight="16.0")
    references = rows_services.references_for(None)
    [row] = rows_services.growth_rows(
        GrowthMeasurement.objects.all(), student=student_a, references=references
    )
    assert row.height_z is None and row.bmi_z is None and row.weight_class is None


@pytest.fixture
def flags_on(nurse_a):
    return GrowthSettings.objects.create(
        organisation_id=nurse_a.staff_member.organisation_id,
        reference=default_reference(),
        flags_enabled=True,
    )


def _flagged_history(nurse, student, who):
    """A year ago on the mean; today +1.5 SD in height and BMI (normal → overweight)."""
    before, now = days(-365), today()
    for on, z in ((before, 0.0), (now, 1.5)):
        height = _value(who, GrowthMeasure.HEIGHT, student, on, z)
        bmi = who.value_at(GrowthMeasure.BMI, student.legal_sex, _age(student, on), z)
        weight = Decimal(str(round(bmi * float(height / 100) ** 2, 1)))
        record(nurse, student, on=on, height=str(height), weight=str(weight))


def test_flags_for_a_channel_change_and_a_weight_class_change(nurse_a, student_a, who, flags_on):
    _flagged_history(nurse_a, student_a, who)
    references = rows_services.references_for(flags_on.organisation_id)
    rows = rows_services.growth_rows(
        GrowthMeasurement.objects.all(), student=student_a, references=references
    )
    assert rows[0].flags == []
    text = " | ".join(rows[1].flags)
    assert "Längd: ändring +1,5 SD" in text
    assert "BMI: ändring +1,5 SD" in text
    assert "Viktklass: Normalvikt → Övervikt" in text


def test_flags_only_when_the_organisation_turned_them_on(nurse_a, student_a, who, flags_on):
    _flagged_history(nurse_a, student_a, who)
    flags_on.flags_enabled = False
    flags_on.save()
    references = rows_services.references_for(flags_on.organisation_id)
    rows = rows_services.growth_rows(
        GrowthMeasurement.objects.all(), student=student_a, references=references
    )
    assert all(row.flags == [] for row in rows)


def test_a_weight_loss_over_the_threshold_is_flagged(nurse_a, student_a, flags_on):
    record(nurse_a, student_a, on=days(-60), height=None, weight="35.0")
    record(nurse_a, student_a, on=days(-30), height=None, weight="33.0")  # 2,0 kg: not more
    record(nurse_a, student_a, height=None, weight="30.5")
    references = rows_services.references_for(flags_on.organisation_id)
    rows = rows_services.growth_rows(
        GrowthMeasurement.objects.all(), student=student_a, references=references
    )
    assert [row.flags for row in rows[:2]] == [[], []]
    assert rows[2].flags == [f"Viktnedgång 2,5 kg sedan {days(-30).isoformat()}"]


def test_a_replaced_measurement_is_not_compared(nurse_a, student_a, flags_on):
    record(nurse_a, student_a, on=days(-30), height=None, weight="35.0")
    wrong = record(nurse_a, student_a, height=None, weight="25.0")
    services.correct_measurement(
        original=wrong,
        by=nurse_a,
        reason="Felskrivning.",
        measured_on=wrong.measured_on,
        height_cm=None,
        weight_kg=Decimal("35.5"),
    )
    flags = rows_services.flags_for(
        [student_a.pk],
        organisation_id=flags_on.organisation_id,
        measurements=GrowthMeasurement.objects.all(),
    )
    assert flags == {}


def test_summaries_and_flags_for_a_class_take_constant_queries(
    nurse_a, class_a, student_a, who, flags_on, django_assert_num_queries
):
    from django.test.utils import CaptureQueriesContext

    _flagged_history(nurse_a, student_a, who)
    organisation_id = flags_on.organisation_id

    def summaries(students):
        return rows_services.growth_summaries(
            students, organisation_id=organisation_id, measurements=GrowthMeasurement.objects
        )

    summaries([student_a])  # warm the reference cache
    with CaptureQueriesContext(connection) as one:
        result = summaries([student_a])
    assert result[student_a.pk].measured_on == today()
    assert result[student_a.pk].weight_class == "overweight"
    assert result[student_a.pk].flags
    students = [student_a]
    for index in range(29):
        student = _member(class_a, f"Elev{index}")
        _flagged_history(nurse_a, student, who)
        students.append(student)
    with django_assert_num_queries(len(one)):
        result = summaries(students)
    assert len(result) == 30
    flagged = rows_services.flags_for(
        [s.pk for s in students],
        organisation_id=organisation_id,
        measurements=GrowthMeasurement.objects,
    )
    assert len(flagged) == 30


# --- Demo ----------------------------------------------------------------------------------------


def test_the_demo_gives_curves_and_one_flagged_student(nurse_a, class_a, student_a):
    from journal.demo import create_demo_growth

    fourth = [student_a, *(_member(class_a, name) for name in ("Bo", "Cia", "Dan"))]
    first = [
        _member(
            class_a,
            "Eva",
            identity_number=None,
            reserve_number="20200101TF01",
            birth_date=days(-5 * 366 - 200),
        )
    ]
    create_demo_growth(nurse_a, fourth=fourth, first=first)
    assert GrowthMeasurement.objects.filter(student=student_a).count() == 2
    assert GrowthMeasurement.objects.filter(student=fourth[3]).count() == 3
    flags = rows_services.flags_for(
        fourth,
        organisation_id=nurse_a.staff_member.organisation_id,
        measurements=GrowthMeasurement.objects.all(),
    )
    assert set(flags) == {fourth[3].pk}
    assert services.sharing_state(student_a, nurse_a.staff_member.organisation_id).shared
    assert ParentHeights.objects.filter(student=student_a).exists()
