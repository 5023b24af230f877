"""Growth pages (issue 7, part B): the student's growth page (table, SDS with the reference,
charts, flags, mid-parental range), a new measurement and a correction with their bad input,
parents' heights, sharing with the guardians and the portal section, the class entry (a row
with an error keeps what was typed, the others are saved), the worklist's growth column and the
overview's summary; access (EMI only) and log rows; constant query counts."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.models import AccessAction, AccessLogEntry
from journal.growth.reference import default_reference
from journal.models import GrowthMeasurement, GrowthSettings, GrowthSharing, ParentHeights
from journal.portal.growth import growth_context
from journal.services import growth as services
from schools.schoolyear import current_school_year
from tests.helpers import assert_constant_queries, visible_text
from tests.schools.factories import ClassMembershipFactory, EnrolmentFactory, StudentFactory

from .factories import make_entry


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


def growth_url(student) -> str:
    return reverse("journal:growth", args=[student.public_id])


def member(school_class, given_name="Elev", **fields):
    student = StudentFactory(given_name=given_name, **fields)
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    return student


@pytest.fixture
def flags_on(nurse_a):
    return GrowthSettings.objects.create(
        organisation_id=nurse_a.staff_member.organisation_id,
        reference=default_reference(),
        flags_enabled=True,
    )


# --- The student's growth page -------------------------------------------------------------------


def test_the_nurse_sees_measurements_with_sds_named_by_the_reference_and_charts(
    client, nurse_a, student_a
):
    record(nurse_a, student_a, height="141.0", weight="34.0")  # she is 10 years 8 months
    client.force_login(nurse_a)
    response = client.get(growth_url(student_a))
    assert response.status_code == 200
    text = visible_text(response)
    assert "141,0" in text and "34,0" in text
    assert "WHO 2007, version 2007" in text
    assert "ej svensk referens" in text
    assert "Normalvikt" in text
    body = response.content.decode()
    assert body.count('<svg xmlns="http://www.w3.org/2000/svg" class="growth-chart"') == 2
    assert "growth-height" in body and "growth-bmi" in body
    assert "growth-weight" not in body  # WHO 2007 weight-for-age ends at 10 years
    assert " style=" not in body and "<script" not in body
    assert AccessLogEntry.objects.filter(student=student_a, action=AccessAction.VIEW).exists()


def test_the_weight_chart_is_drawn_when_a_weight_falls_in_its_ages(client, nurse_a, student_a):
    record(nurse_a, student_a, on=days(-365), height="135.0", weight="30.0")  # 9 years 8 months
    client.force_login(nurse_a)
    body = client.get(growth_url(student_a)).content.decode()
    assert body.count('class="growth-chart"') == 3
    assert 'id="growth-weight-title"' in body


def test_the_page_shows_flags_and_the_mid_parental_range(client, nurse_a, student_a, flags_on):
    record(nurse_a, student_a, on=days(-60), height=None, weight="35.0")
    record(nurse_a, student_a, height="141.0", weight="31.0")
    services.parent_heights_save(
        by=nurse_a,
        student=student_a,
        mother_cm=Decimal("165.0"),
        mother_source="measured",
        father_cm=Decimal("180.0"),
        father_source="reported",
    )
    client.force_login(nurse_a)
    response = client.get(growth_url(student_a))
    text = visible_text(response)
    assert "Viktnedgång 4,0 kg" in text
    assert "166,0 cm (intervall 156,0–176,0 cm)" in text
    assert "growth-chart-target" in response.content.decode()


def test_a_psychologist_sees_the_page_without_growth_data(
    client, nurse_a, psychologist_a, student_a
):
    record(nurse_a, student_a, height="141.3", weight="34.7")
    client.force_login(psychologist_a)
    response = client.get(growth_url(student_a))
    assert response.status_code == 200
    text = visible_text(response)
    assert "141,3" not in text and "34,7" not in text
    assert "visas bara för skolsköterska och skolläkare" in text
    assert client.get(reverse("journal:growth-new", args=[student_a.public_id])).status_code == 403


def test_a_nurse_at_another_school_gets_404(client, nurse_a2, student_a):
    client.force_login(nurse_a2)
    assert client.get(growth_url(student_a)).status_code == 404
    assert AccessLogEntry.objects.filter(action=AccessAction.REFUSED).exists()


def test_the_growth_page_query_count_is_constant(
    client, nurse_a, student_a, flags_on, django_assert_max_num_queries, django_assert_num_queries
):
    record(nurse_a, student_a, on=days(-400), height="130.0")

    def grow():
        for n in range(1, 10):
            record(nurse_a, student_a, on=days(-400 + 40 * n), height=str(130 + n), weight="33.0")
        make_entry(nurse_a, student_a)

    client.force_login(nurse_a)
    assert_constant_queries(
        client,
        growth_url(student_a),
        grow,
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


# --- A new measurement and a correction ----------------------------------------------------------


def post_new(client, student, **data):
    fields = {"measured_on": today().isoformat(), "context": "health_visit"} | data
    return client.post(reverse("journal:growth-new", args=[student.public_id]), fields)


def test_a_measurement_typed_with_a_decimal_comma_is_saved(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = post_new(client, student_a, height_cm="142,5", weight_kg="35,2")
    assert response.status_code == 302
    assert response.url == growth_url(student_a)
    measurement = GrowthMeasurement.objects.get()
    assert (measurement.height_cm, measurement.weight_kg) == (Decimal("142.5"), Decimal("35.2"))
    assert measurement.is_signed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"height_cm": "300"}, "mellan 50 och 230 cm"),
        ({"weight_kg": "8,5"}, "mellan 10 och 250 kg"),
        ({"height_cm": "tolv"}, "ange ett tal"),
        ({"height_cm": "", "weight_kg": ""}, "Ange längd, vikt eller båda"),
        ({"height_cm": "140", "measured_on": "2999-01-01"}, "framtiden"),
        ({"height_cm": "140", "measured_on": "2000-01-01"}, "födelsedatum"),
        ({"height_cm": "140", "measured_on": "igår"}, "Ange ett datum"),
    ],
)
def test_bad_input_gets_a_message_and_keeps_what_was_typed(
    client, nurse_a, student_a, data, message
):
    client.force_login(nurse_a)
    response = post_new(client, student_a, note="Mätt på morgonen", **data)
    assert response.status_code == 200
    assert message in visible_text(response)
    assert "Mätt på morgonen" in response.content.decode()
    for value in data.values():
        assert f'value="{value}"' in response.content.decode() or not value
    assert not GrowthMeasurement.objects.exists()


def test_a_lower_height_asks_for_a_confirmation_then_saves(client, nurse_a, student_a):
    record(nurse_a, student_a, on=days(-30), height="140.0")
    client.force_login(nurse_a)
    response = post_new(client, student_a, height_cm="136,0")
    assert response.status_code == 200
    assert "Jag har kontrollerat längden" in visible_text(response)
    assert GrowthMeasurement.objects.count() == 1
    response = post_new(client, student_a, height_cm="136,0", confirm_drop="on")
    assert response.status_code == 302
    assert GrowthMeasurement.objects.count() == 2


def test_the_new_page_has_no_confirmation_box_until_needed(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.get(reverse("journal:growth-new", args=[student_a.public_id]))
    assert response.status_code == 200
    assert "confirm_drop" not in response.content.decode()


def test_a_correction_through_the_page_strikes_the_original(client, nurse_a, student_a):
    original = record(nurse_a, student_a, weight="43.0")
    url = reverse("journal:growth-correct", args=[original.public_id])
    client.force_login(nurse_a)
    response = client.get(url)
    assert 'value="43,0"' in response.content.decode()
    response = client.post(
        url,
        {
            "measured_on": original.measured_on.isoformat(),
            "height_cm": "140,0",
            "weight_kg": "34,0",
            "reason": "",
        },
    )
    assert response.status_code == 200
    assert "Skriv varför mätningen rättas" in visible_text(response)
    response = client.post(
        url,
        {
            "measured_on": original.measured_on.isoformat(),
            "height_cm": "140,0",
            "weight_kg": "34,0",
            "reason": "Fel vikt.",
        },
    )
    assert response.status_code == 302
    page = client.get(growth_url(student_a)).content.decode()
    assert "<del>43,0</del>" in page
    assert "Fel vikt." in page


def test_a_notes_measurement_is_corrected_through_the_note(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    measurement = GrowthMeasurement.objects.get(entry=entry)
    client.force_login(nurse_a)
    response = client.get(reverse("journal:growth-correct", args=[measurement.public_id]))
    assert response.status_code == 302
    assert response.url == reverse("journal:entry-detail", args=[entry.public_id])
    page = client.get(growth_url(student_a)).content.decode()
    assert reverse("journal:entry-correct", args=[entry.public_id]) in page


def test_a_psychologist_cannot_open_a_measurements_correction(
    client, nurse_a, psychologist_a, student_a
):
    measurement = record(nurse_a, student_a)
    client.force_login(psychologist_a)
    url = reverse("journal:growth-correct", args=[measurement.public_id])
    assert client.get(url).status_code == 404


def test_an_unsigned_notes_measurement_is_marked_unsigned(client, nurse_a, student_a):
    make_entry(nurse_a, student_a)
    client.force_login(nurse_a)
    assert "Osignerad" in visible_text(client.get(growth_url(student_a)))


# --- Parents' heights and sharing ----------------------------------------------------------------


def test_parents_heights_are_saved_and_changed_with_a_reason(client, nurse_a, student_a):
    url = reverse("journal:growth-parents", args=[student_a.public_id])
    client.force_login(nurse_a)
    data = {"mother_cm": "165,0", "mother_source": "measured", "father_source": "unknown"}
    data["father_cm"] = "180"
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "father_cm": "182"})
    assert response.status_code == 200
    assert "Skriv varför uppgiften ändras" in visible_text(response)
    assert client.post(url, {**data, "father_cm": "182", "reason": "Mätt."}).status_code == 302
    assert ParentHeights.objects.count() == 2
    assert services.current_parent_heights(ParentHeights.objects).father_cm == Decimal("182.0")


def test_sharing_with_guardians_is_logged_and_withdrawn_with_a_reason(client, nurse_a, student_a):
    url = reverse("journal:growth-share", args=[student_a.public_id])
    client.force_login(nurse_a)
    assert client.get(url).status_code == 405
    assert client.post(url, {"shared": "1"}).status_code == 302
    assert AccessLogEntry.objects.filter(student=student_a, action=AccessAction.EDIT).exists()
    response = client.post(url, {"shared": "0", "reason": ""})
    assert response.status_code == 200
    assert "Skriv varför delningen tas tillbaka" in visible_text(response)
    assert client.post(url, {"shared": "0", "reason": "Eleven vill inte."}).status_code == 302
    assert list(GrowthSharing.objects.values_list("shared", flat=True)) == [True, False]


# --- The portal section --------------------------------------------------------------------------


class _Child:
    def __init__(self, student, organisation):
        self.student = student
        self.organisation = organisation


def test_the_portal_shows_growth_only_when_shared_and_only_signed_current_values(
    nurse_a, student_a, school_a, flags_on, django_assert_max_num_queries
):
    child = _Child(student_a, school_a.organisation)
    record(nurse_a, student_a, on=days(-60), height="138.8", weight="35.0")
    wrong = record(nurse_a, student_a, height="141.1", weight="40.4")
    services.correct_measurement(
        original=wrong,
        by=nurse_a,
        reason="Fel.",
        measured_on=wrong.measured_on,
        height_cm=Decimal("141.1"),
        weight_kg=Decimal("31.3"),
    )
    make_entry(nurse_a, student_a, values={"langd": "142.7", "bedomning": "Bra."})  # a draft
    assert growth_context(child) == {"shared": False}
    services.growth_share(by=nurse_a, student=student_a, shared=True)
    with django_assert_max_num_queries(6):
        context = growth_context(child)
    html = render_to_string("journal/growth/_portal.html", context)
    assert "138,8" in html and "31,3" in html
    assert "40,4" not in html  # the corrected value
    assert "142,7" not in html  # the unsigned note's
    assert "Viktnedgång" not in html and "Normalvikt" not in html  # no flags or classes
    assert "growth-chart" in html
    services.growth_share(by=nurse_a, student=student_a, shared=False, reason="Stopp.")
    assert growth_context(child) == {"shared": False}


def test_a_guardian_sees_the_shared_growth_on_the_portal_page(nurse_a, student_a):
    from tests.consent.portal_fakes import portal_client
    from tests.schools.factories import GuardianFactory, GuardianRelationFactory

    guardian = GuardianFactory(given_name="Gunnel", family_name="Förälder")
    GuardianRelationFactory(student=student_a, guardian=guardian)
    record(nurse_a, student_a, height="141.3", weight="34.7")
    guardian_client = portal_client(guardian)
    url = reverse("portal:child", args=[student_a.public_id])
    text = visible_text(guardian_client.get(url))
    assert "Tillväxt" in text and "inte delat tillväxtkurvan" in text
    assert "141,3" not in text
    services.growth_share(by=nurse_a, student=student_a, shared=True)
    response = guardian_client.get(url)
    assert response.status_code == 200
    assert "141,3" in visible_text(response)
    assert "growth-chart" in response.content.decode()


# --- The class entry -----------------------------------------------------------------------------


def class_url(school_class) -> str:
    return reverse("journal:class-growth", args=[school_class.pk])


def row(student, name: str) -> str:
    return f"s-{student.public_id}-{name}"


def test_the_class_entry_saves_good_rows_and_keeps_a_bad_one_with_its_error(
    client, nurse_a, class_a, student_a
):
    bo = member(class_a, "Bo")
    cia = member(class_a, "Cia")
    dan = member(class_a, "Dan")
    client.force_login(nurse_a)
    response = client.post(
        class_url(class_a),
        {
            "measured_on": today().isoformat(),
            "context": "health_visit",
            row(student_a, "height_cm"): "142,5",
            row(student_a, "weight_kg"): "35,2",
            row(bo, "height_cm"): "300",  # the bad row
            row(bo, "weight_kg"): "33,3",
            row(cia, "weight_kg"): "29,9",
            # Dan: empty, skipped
        },
    )
    assert response.status_code == 200
    saved = {m.student_id: m for m in GrowthMeasurement.objects.all()}
    assert set(saved) == {student_a.pk, cia.pk}
    assert saved[student_a.pk].height_cm == Decimal("142.5")
    assert saved[cia.pk].height_cm is None and saved[cia.pk].weight_kg == Decimal("29.9")
    body = response.content.decode()
    assert "Längden ska ligga mellan 50 och 230 cm." in body
    assert f'name="{row(bo, "height_cm")}" id="id_{row(bo, "height_cm")}" value="300"' in body
    assert f'id="id_{row(bo, "weight_kg")}" value="33,3"' in body
    # Saved rows start empty again; their values show as the newest measurement.
    assert f'id="id_{row(student_a, "height_cm")}" value=""' in body
    assert "2 mätningar sparades" in visible_text(response)
    assert "1 rad sparades inte" in visible_text(response)
    assert not GrowthMeasurement.objects.filter(student=dan).exists()
    created = AccessLogEntry.objects.filter(action=AccessAction.CREATE)
    assert set(created.values_list("student_id", flat=True)) == {student_a.pk, cia.pk}


def test_the_class_entry_redirects_when_every_row_was_saved(client, nurse_a, class_a, student_a):
    client.force_login(nurse_a)
    response = client.post(
        class_url(class_a),
        {
            "measured_on": today().isoformat(),
            "context": "health_visit",
            row(student_a, "height_cm"): "142.5",
        },
    )
    assert response.status_code == 302
    assert response.url == class_url(class_a)
    assert GrowthMeasurement.objects.get().context == "health_visit"


def test_a_bad_common_date_saves_nothing_and_keeps_every_value(client, nurse_a, class_a, student_a):
    client.force_login(nurse_a)
    response = client.post(
        class_url(class_a),
        {
            "measured_on": days(3).isoformat(),
            "context": "health_visit",
            row(student_a, "height_cm"): "142,5",
        },
    )
    assert response.status_code == 200
    assert "framtiden" in visible_text(response)
    assert 'value="142,5"' in response.content.decode()
    assert not GrowthMeasurement.objects.exists()


def test_a_lower_height_in_the_class_entry_needs_its_rows_confirmation(
    client, nurse_a, class_a, student_a
):
    record(nurse_a, student_a, on=days(-30), height="140.0")
    client.force_login(nurse_a)
    data = {
        "measured_on": today().isoformat(),
        "context": "health_visit",
        row(student_a, "height_cm"): "135,0",
    }
    response = client.post(class_url(class_a), data)
    assert "Jag har kontrollerat längden" in visible_text(response)
    assert GrowthMeasurement.objects.count() == 1
    response = client.post(class_url(class_a), data | {row(student_a, "confirm_drop"): "on"})
    assert response.status_code == 302
    assert GrowthMeasurement.objects.count() == 2


def test_the_class_entry_is_for_the_medical_record_only(
    client, psychologist_a, nurse_b, class_a, student_a
):
    for user in (psychologist_a, nurse_b):
        client.force_login(user)
        assert client.get(class_url(class_a)).status_code == 404


def test_the_class_entry_logs_every_student_shown(client, nurse_a, class_a, student_a):
    member(class_a, "Bo")
    client.force_login(nurse_a)
    response = client.get(class_url(class_a))
    assert response.status_code == 200
    assert AccessLogEntry.objects.filter(action=AccessAction.LIST).count() == 2


def test_the_class_entry_takes_constant_queries_for_a_class_of_30(
    client, nurse_a, class_a, student_a, django_assert_max_num_queries, django_assert_num_queries
):
    def grow():
        for index in range(29):
            student = member(class_a, f"Elev{index}")
            record(nurse_a, student, on=days(-100), height="130.0", weight="30.0")

    client.force_login(nurse_a)
    assert_constant_queries(
        client, class_url(class_a), grow, django_assert_max_num_queries, django_assert_num_queries
    )


def test_saving_a_class_of_30_takes_as_many_queries_as_saving_2(
    client, nurse_a, class_a, student_a
):
    from django.db import connection

    students = [student_a, *(member(class_a, f"Elev{index}") for index in range(31))]
    client.force_login(nurse_a)

    def post(chosen) -> int:
        data = {"measured_on": today().isoformat(), "context": "health_visit"}
        for student in chosen:
            data[row(student, "height_cm")] = "140,0"
        with CaptureQueriesContext(connection) as queries:
            assert client.post(class_url(class_a), data).status_code == 302
        return len(queries)

    post(students[:1])  # warm-up: per-process caches
    few = post(students[1:3])
    many = post(students[3:])
    assert few == many
    assert GrowthMeasurement.objects.count() == 32


# --- The worklist column and the overview summary ------------------------------------------------


def test_the_worklist_shows_the_newest_measurement_and_flags(
    client, nurse_a, class_a, student_a, flags_on
):
    class_a.school_year = current_school_year()
    class_a.save()
    record(nurse_a, student_a, on=days(-60), height=None, weight="35.0")
    record(nurse_a, student_a, height="141.0", weight="31.0")
    client.force_login(nurse_a)
    response = client.get(reverse("journal:class-worklist", args=[class_a.pk]))
    text = visible_text(response)
    assert today().isoformat() in text
    assert "Viktnedgång 4,0 kg" in text


def test_the_worklist_query_count_is_constant_with_growth(
    client,
    nurse_a,
    class_a,
    student_a,
    flags_on,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    class_a.school_year = current_school_year()
    class_a.save()
    record(nurse_a, student_a, height="141.0", weight="31.0")

    def grow():
        for index in range(29):
            student = member(class_a, f"Elev{index}")
            record(nurse_a, student, on=days(-100), height="130.0", weight="35.0")
            record(nurse_a, student, height="131.0", weight="30.0")

    client.force_login(nurse_a)
    url = reverse("journal:class-worklist", args=[class_a.pk])
    assert_constant_queries(
        client, url, grow, django_assert_max_num_queries, django_assert_num_queries
    )
    assert visible_text(client.get(url)).count("Viktnedgång") == 29


def test_the_overview_shows_a_growth_summary_to_emi_only(
    client, nurse_a, psychologist_a, student_a
):
    record(nurse_a, student_a, height="141.3", weight="34.7")
    client.force_login(nurse_a)
    text = visible_text(client.get(student_a.get_absolute_url()))
    assert "Senaste mätning" in text and "141,3 cm, 34,7 kg" in text
    client.force_login(psychologist_a)
    text = visible_text(client.get(student_a.get_absolute_url()))
    assert "141,3" not in text
