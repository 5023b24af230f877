"""Alerts (uppmärksamhetssignaler), issue 9 item 1.

The services' rules (clinicians only, an allergy names its substance, a condition its name, only
active alerts change, inactivating needs a reason, history with who, never deleted — at the
database too); the banner on every page about the student (walking the URL patterns), for EMI
and EPI staff alike, never for another care provider nor the registry admin; the marker in the
class list, which makes the list logged for the marked students, with a constant query count;
and the views with bad input.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from consent.models import AccessAction, AccessLogEntry
from consent.policy import record_filter, student_markers
from journal.access import ALERT_SPEC
from journal.models import Alert, AlertKind, AlertSeverity, ImmutableRecordError
from journal.services.alerts import (
    alert_create,
    alert_inactivate,
    alert_markers,
    alert_update,
    banner_alerts,
    student_alerts,
)
from tests.helpers import as_app_role, assert_constant_queries, visible_text
from tests.schools.factories import ClassMembershipFactory, EnrolmentFactory, StudentFactory

from .factories import make_entry

BANNER_HEADING = 'id="alert-banner-heading"'


def allergy(by, student, substance="Jordnötter", **extra) -> Alert:
    fields = {
        "kind": AlertKind.ALLERGY,
        "substance": substance,
        "reaction": "Anafylaxi",
        "severity": AlertSeverity.SEVERE,
        "condition": "",
        "description": "Adrenalinpenna i sköterskans skåp.",
    } | extra
    return alert_create(by=by, student=student, **fields)


def condition(by, student, name="Diabetes typ 1", **extra) -> Alert:
    fields = {
        "kind": AlertKind.CONDITION,
        "substance": "",
        "reaction": "",
        "severity": AlertSeverity.MODERATE,
        "condition": name,
        "description": "",
    } | extra
    return alert_create(by=by, student=student, **fields)


def banner(response) -> str:
    """The banner's text, or "" when the page has none."""
    html = response.content.decode()
    match = re.search(
        r'<section[^>]*aria-labelledby="alert-banner-heading".*?</section>', html, re.S
    )
    if match is None:
        return ""
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


@pytest.fixture
def peanuts(nurse_a, student_a) -> Alert:
    return allergy(nurse_a, student_a)


# --- Services --------------------------------------------------------------------------------


def test_a_nurse_records_an_allergy_with_her_area_provider_and_name(nurse_a, student_a, org_a):
    alert = allergy(nurse_a, student_a, substance="  Jordnötter ")
    assert alert.is_active
    assert (alert.area, alert.organisation, alert.recorded_by) == ("EMI", org_a, nurse_a)
    assert alert.recorded_by_name == nurse_a.get_full_name()
    assert alert.substance == "Jordnötter"
    (row,) = alert.history.all()
    assert (row.history_type, row.history_user) == ("+", nurse_a)


def test_a_psychologist_records_an_alert_in_her_area(psychologist_a, student_a):
    alert = condition(psychologist_a, student_a, name="Epilepsi")
    assert alert.area == "EPI"


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        (AlertKind.ALLERGY, "substance"),
        (AlertKind.CONDITION, "condition"),
        (AlertKind.CARE_INFO, "description"),
        ("", "kind"),
        ("rumour", "kind"),
    ],
)
def test_an_alert_without_what_it_is_about_is_refused_with_a_clear_message(
    nurse_a, student_a, kind, field
):
    with pytest.raises(ValidationError) as caught:
        alert_create(
            by=nurse_a,
            student=student_a,
            kind=kind,
            substance="  ",
            reaction="Utslag",
            severity="",
            condition="",
            description="",
        )
    assert list(caught.value.message_dict) == [field]
    assert not Alert.objects.exists()


def test_an_allergy_without_substance_says_so(nurse_a, student_a):
    with pytest.raises(ValidationError) as caught:
        allergy(nurse_a, student_a, substance="")
    assert caught.value.message_dict["substance"] == [
        "Ange vad eleven är allergisk eller överkänslig mot."
    ]
    with pytest.raises(ValidationError) as caught:
        condition(nurse_a, student_a, name="")
    assert caught.value.message_dict["condition"] == ["Ange sjukdomen eller tillståndet."]


def test_a_bad_severity_is_refused_by_full_clean(nurse_a, student_a):
    with pytest.raises(ValidationError) as caught:
        allergy(nurse_a, student_a, severity="deadly")
    assert "severity" in caught.value.message_dict


def test_staff_without_a_record_area_cannot_record_alerts(registry_admin_a, student_a):
    with pytest.raises(ValidationError, match="Bara vårdpersonal"):
        allergy(registry_admin_a, student_a)
    assert not Alert.objects.exists()


def test_update_changes_an_active_alert_and_history_keeps_who_and_the_old_text(
    peanuts, psychologist_a
):
    alert_update(alert=peanuts, by=psychologist_a, reaction="Svullnad i läpparna")
    peanuts.refresh_from_db()
    assert peanuts.reaction == "Svullnad i läpparna"
    newest, first = peanuts.history.order_by("-history_date", "-history_id")
    assert (newest.history_type, newest.history_user) == ("~", psychologist_a)
    assert first.reaction == "Anafylaxi"


def test_update_keeps_the_rules(peanuts, nurse_a):
    with pytest.raises(ValidationError) as caught:
        alert_update(alert=peanuts, by=nurse_a, substance="")
    assert "substance" in caught.value.message_dict
    peanuts.refresh_from_db()
    assert peanuts.substance == "Jordnötter"
    with pytest.raises(TypeError):
        alert_update(alert=peanuts, by=nurse_a, is_active=False)
    with pytest.raises(TypeError):
        alert_update(alert=peanuts, by=nurse_a, recorded_by_name="Någon annan")


def test_inactivating_needs_a_reason_and_keeps_the_alert(peanuts, nurse_a):
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as caught:
            alert_inactivate(alert=peanuts, by=nurse_a, reason=reason)
        assert "reason" in caught.value.message_dict
    peanuts.refresh_from_db()
    assert peanuts.is_active

    alert_inactivate(alert=peanuts, by=nurse_a, reason="Utredd av allergolog: ingen allergi.")
    peanuts.refresh_from_db()
    assert not peanuts.is_active
    assert peanuts.inactivated_reason == "Utredd av allergolog: ingen allergi."
    newest = peanuts.history.order_by("-history_date", "-history_id").first()
    assert (newest.history_user, newest.is_active) == (nurse_a, False)


def test_an_inactive_alert_is_neither_changed_nor_inactivated_again(peanuts, nurse_a):
    alert_inactivate(alert=peanuts, by=nurse_a, reason="Växt ifrån allergin.")
    with pytest.raises(ValidationError, match="inaktiverad"):
        alert_update(alert=peanuts, by=nurse_a, reaction="Ny reaktion")
    with pytest.raises(ValidationError, match="redan inaktiverad"):
        alert_inactivate(alert=peanuts, by=nurse_a, reason="Igen")
    peanuts.refresh_from_db()
    assert peanuts.reaction == "Anafylaxi"
    assert peanuts.history.count() == 2


def test_student_alerts_are_visible_ones_severe_first(nurse_a, student_a):
    mild = allergy(nurse_a, student_a, substance="Pollen", severity=AlertSeverity.MILD)
    severe = allergy(nurse_a, student_a, substance="Jordnötter")
    diabetes = condition(nurse_a, student_a)
    old = allergy(nurse_a, student_a, substance="Mjölk", severity=AlertSeverity.SEVERE)
    alert_inactivate(alert=old, by=nurse_a, reason="Tål mjölk sedan 2024.")
    other = allergy(nurse_a, StudentFactory(), substance="Ägg")

    assert list(student_alerts(nurse_a, student_a)) == [severe, mild, diabetes]
    everything = list(student_alerts(nurse_a, student_a, active_only=False))
    assert everything == [severe, mild, diabetes, old]
    assert other not in everything


# --- Never deleted ---------------------------------------------------------------------------


def test_an_alert_cannot_be_deleted_through_the_model_or_a_queryset(peanuts):
    with pytest.raises(ImmutableRecordError):
        peanuts.delete()
    with pytest.raises(ImmutableRecordError):
        Alert.objects.filter(pk=peanuts.pk).delete()
    with pytest.raises(ImmutableRecordError):
        Alert.objects.active().delete()
    assert Alert.objects.filter(pk=peanuts.pk).exists()


def test_the_app_role_may_update_an_alert_but_not_delete_it(postgres, peanuts):
    with as_app_role() as cursor:
        cursor.execute("UPDATE journal_alert SET reaction = 'Kraftig' WHERE id = %s", [peanuts.pk])
        assert cursor.rowcount == 1
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            cursor.execute("DELETE FROM journal_alert WHERE id = %s", [peanuts.pk])
        with pytest.raises(ProgrammingError, match="permission denied"), transaction.atomic():
            cursor.execute("UPDATE journal_historicalalert SET reaction = 'x'")
    assert Alert.objects.filter(pk=peanuts.pk).exists()


def test_not_even_the_table_owner_deletes_an_alert(postgres, peanuts):
    with (
        connection.cursor() as cursor,
        pytest.raises(IntegrityError, match="refused"),
        transaction.atomic(),
    ):
        cursor.execute("DELETE FROM journal_alert WHERE id = %s", [peanuts.pk])
    with pytest.raises(IntegrityError, match="refused"), transaction.atomic():
        Alert._base_manager.filter(pk=peanuts.pk)._raw_delete(connection.alias)
    assert Alert.objects.filter(pk=peanuts.pk).exists()


# --- Who sees an alert: across the EMI/EPI wall, not across care providers -----------------


def test_a_psychologist_sees_an_alert_a_nurse_recorded(client, peanuts, psychologist_a, student_a):
    assert list(student_alerts(psychologist_a, student_a)) == [peanuts]
    client.force_login(psychologist_a)
    response = client.get(reverse("journal:record", args=[student_a.public_id]))
    assert response.status_code == 200
    assert "Jordnötter" in banner(response)


def test_a_nurse_and_a_doctor_see_an_alert_a_psychologist_recorded(
    client, psychologist_a, nurse_a, doctor_a, student_a
):
    epilepsy = condition(psychologist_a, student_a, name="Epilepsi")
    for user in (nurse_a, doctor_a):
        assert list(student_alerts(user, student_a)) == [epilepsy]
        client.force_login(user)
        response = client.get(reverse("schools:student-detail", args=[student_a.public_id]))
        assert "Epilepsi" in banner(response)


def test_another_care_provider_sees_no_alert(client, peanuts, nurse_b, student_a):
    assert not student_alerts(nurse_b, student_a).exists()
    assert banner_alerts(nurse_b, student_a) == []
    client.force_login(nurse_b)
    response = client.get(reverse("journal:alert-list", args=[student_a.public_id]))
    assert response.status_code == 404
    assert "Jordnötter" not in response.content.decode()


def test_after_a_move_to_another_provider_the_old_providers_alert_stays_behind(
    client, nurse_a, nurse_b, school_a, school_b
):
    import datetime

    from django.utils import timezone

    today = timezone.localdate()
    student = StudentFactory(given_name="Mira", family_name="Flyttad")
    EnrolmentFactory(
        student=student,
        school=school_a,
        start_date=today - datetime.timedelta(days=800),
        end_date=today - datetime.timedelta(days=200),
    )
    EnrolmentFactory(
        student=student, school=school_b, start_date=today - datetime.timedelta(days=199)
    )
    allergy(nurse_a, student)
    client.force_login(nurse_b)
    response = client.get(reverse("schools:student-detail", args=[student.public_id]))
    assert response.status_code == 200
    assert banner(response) == ""
    assert "Jordnötter" not in response.content.decode()


def test_a_nurse_without_a_care_relation_sees_no_alert(peanuts, nurse_a2, student_a):
    assert not student_alerts(nurse_a2, student_a).exists()


# --- The banner ------------------------------------------------------------------------------


def _student_patterns():
    """(URL name, converters) of every URL pattern of the project with route converters."""

    def walk(patterns, namespace, converters):
        for entry in patterns:
            pattern = entry.pattern
            found = dict(converters)
            if isinstance(pattern, RoutePattern):
                found |= pattern.converters
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}{entry.namespace}:"
                yield from walk(entry.url_patterns, inner, found)
            elif isinstance(entry, URLPattern) and entry.name:
                yield f"{namespace}{entry.name}", found

    return list(walk(get_resolver().url_patterns, "", {}))


# Pages that take a student but show no record: the steps before an emergency or records-officer
# access (a stub: name and birth year). They must not show the banner: whoever starts them has
# no access to the record yet.
ACCESS_STEPS = {
    "consent:emergency-start",
    "consent:emergency-confirm",
    "consent:records-officer-start",
    "consent:records-officer-confirm",
}
# Pages about the student that must answer 200 to a nurse with a care relation (so the walk
# cannot pass by finding nothing); the walk checks every other pattern it can build too.
MUST_SHOW = {
    "schools:student-detail",
    "journal:record",
    "journal:entry-new",
    "journal:record-copy",
    "journal:alert-list",
    "journal:alert-new",
    "journal:alert-edit",
    "journal:care-overview",
    "journal:entry-detail",
    "journal:entry-history",
    "journal:entry-edit",
    "journal:entry-correct",
    "journal:attachment-add",
    "journal:entry-print",
    "journal:order-detail",
    "journal:order-edit",
    "journal:order-revise",
    "journal:plan-detail",
    "journal:plan-revise",
}
# Ids the walk builds: the student's, her alert's, two entries' (a signed one, and the nurse's
# own draft, which opens the pages a signed entry refuses), and a medication order's or a
# self-care plan's (``record_id``: a signed one and a draft, by the pattern's kind).
BUILT = {"public_id", "alert_id", "entry_id", "record_id"}


def _orders_and_plans(nurse, student) -> dict[str, tuple]:
    import datetime

    from django.utils import timezone

    from journal.services.medication import (
        order_create_draft,
        order_sign,
        plan_create_draft,
        plan_sign,
    )

    today = timezone.localdate()
    order = {
        "medicine": "Salbutamol",
        "dose": "2 puffar",
        "route": "inhaled",
        "as_needed": True,
        "as_needed_condition": "Vid andnöd",
        "start_date": today,
        "prescriber": "Vårdcentralen Exempel",
        "instructions_from": "Vårdnadshavare",
        "instructions_received_on": today,
        "storage": "carried",
    }
    plan = {
        "measure": "Astmamedicin vid behov.",
        "performed_by": "Mentor",
        "instructions_given": "Skolsköterskan visar.",
        "on_change": "Ring 112.",
        "reassess_on": today + datetime.timedelta(days=90),
        "valid_from": today,
    }
    return {
        "journal:order": (
            order_sign(order=order_create_draft(by=nurse, student=student, **order), by=nurse),
            order_create_draft(by=nurse, student=student, **order),
        ),
        "journal:plan": (
            plan_sign(plan=plan_create_draft(by=nurse, student=student, **plan), by=nurse),
            plan_create_draft(by=nurse, student=student, **plan),
        ),
    }


def test_every_student_page_shows_the_banner(client, nurse_a, student_a, peanuts):
    signed = make_entry(nurse_a, student_a, sign=True)
    draft = make_entry(nurse_a, student_a)
    client.force_login(nurse_a)
    records = _orders_and_plans(nurse_a, student_a)
    variants = [
        {"public_id": student_a.public_id, "alert_id": peanuts.public_id, "entry_id": entry}
        for entry in (signed.public_id, draft.public_id)
    ]
    shown, walked = set(), set()
    for name, converters in _student_patterns():
        if name.startswith("admin:") or not set(converters) & BUILT:
            continue  # the admin (below), or no student in the URL
        if not set(converters) <= BUILT:
            continue  # another id we do not build here
        walked.add(name)
        for index, ids in enumerate(variants):
            kind = name.split("-", 1)[0]
            if "record_id" in converters:
                ids = {**ids, "record_id": records[kind][index].public_id}
            response = client.get(reverse(name, kwargs={key: ids[key] for key in converters}))
            if name in ACCESS_STEPS:
                assert banner(response) == "", name
                assert "Jordnötter" not in response.content.decode(), name
                continue
            if response.status_code != 200:
                continue  # POST only, a redirect, or not for this entry: shows no page
            text = banner(response)
            assert "Jordnötter" in text, f"{name}: no alert banner"
            assert "Svår – livshotande" in text, name
            assert response.content.decode().count(BANNER_HEADING) == 1, f"{name}: banner twice"
            shown.add(name)
    assert walked >= MUST_SHOW, MUST_SHOW - walked
    assert shown >= MUST_SHOW, MUST_SHOW - shown


def test_entry_pages_show_the_banner_once(client, nurse_a, student_a, peanuts):
    entry = make_entry(nurse_a, student_a, sign=True)
    client.force_login(nurse_a)
    for name in ("journal:entry-detail", "journal:entry-history"):
        response = client.get(reverse(name, args=[entry.public_id]))
        assert response.status_code == 200
        assert "Jordnötter" in banner(response), name
        assert response.content.decode().count(BANNER_HEADING) == 1, name


def test_the_banner_logs_nothing_more_than_the_page(client, nurse_a, student_a, peanuts):
    client.force_login(nurse_a)
    before = AccessLogEntry.objects.count()
    response = client.get(reverse("schools:student-detail", args=[student_a.public_id]))
    assert "Jordnötter" in banner(response)
    assert AccessLogEntry.objects.count() == before + 1


def test_the_banner_shows_active_alerts_only_and_severity_in_words(
    client, nurse_a, student_a, peanuts
):
    condition(nurse_a, student_a, severity=AlertSeverity.MILD)
    old = allergy(nurse_a, student_a, substance="Mjölk")
    alert_inactivate(alert=old, by=nurse_a, reason="Tål mjölk.")
    client.force_login(nurse_a)
    text = banner(client.get(reverse("journal:record", args=[student_a.public_id])))
    assert "Svår – livshotande: Allergi: Jordnötter – Anafylaxi" in text
    assert "Diabetes typ 1 (lindrig)" in text
    assert "Mjölk" not in text
    assert text.index("Jordnötter") < text.index("Diabetes")


def test_no_banner_without_active_alerts(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.get(reverse("schools:student-detail", args=[student_a.public_id]))
    assert BANNER_HEADING not in response.content.decode()


def test_the_banner_is_one_query(nurse_a, student_a, peanuts, django_assert_num_queries):
    condition(nurse_a, student_a)
    request = RequestFactory().get("/")
    request.user = nurse_a
    record_filter(nurse_a, ALERT_SPEC)  # the policy's per-request profile of the user
    template = Template('{% include "partials/_alert_banner.html" %}')
    with django_assert_num_queries(1):
        html = template.render(Context({"student": student_a, "request": request}))
    assert "Jordnötter" in html and "Diabetes typ 1" in html


def test_the_student_page_query_count_does_not_grow_with_alerts(
    client, nurse_a, student_a, django_assert_max_num_queries, django_assert_num_queries
):
    allergy(nurse_a, student_a)
    client.force_login(nurse_a)

    def grow():
        for n in range(5):
            allergy(nurse_a, student_a, substance=f"Ämne {n}")
            condition(nurse_a, student_a, name=f"Tillstånd {n}")

    assert_constant_queries(
        client,
        reverse("schools:student-detail", args=[student_a.public_id]),
        grow,
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


def test_a_student_who_just_left_shows_her_alerts_where_the_nurse_may_document(
    client, nurse_a, student_left_a
):
    """Documentation only (no reading the record), but a note is not written blind."""
    allergy(nurse_a, student_left_a, substance="Penicillin")
    client.force_login(nurse_a)
    response = client.get(reverse("journal:entry-new", args=[student_left_a.public_id]))
    assert response.status_code == 200
    assert "Penicillin" in banner(response)
    assert not student_alerts(nurse_a, student_left_a).exists()  # not readable as a list


def test_the_registry_admin_never_sees_the_banner(client, registry_admin_a, student_a, peanuts):
    client.force_login(registry_admin_a)
    for name in ("schools:student-detail", "journal:record", "journal:alert-list"):
        response = client.get(reverse(name, args=[student_a.public_id]))
        assert response.status_code == 404, name
    # Her pages about the student are the admin's registry pages: no header, no health data.
    response = client.get(reverse("admin:schools_student_change", args=[student_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Exempelsson" in html
    assert BANNER_HEADING not in html
    assert "Jordnötter" not in html
    assert "_student_header" not in str([t.name for t in response.templates])


# --- The class list marker -------------------------------------------------------------------


def class_url(school_class) -> str:
    return reverse("schools:class-detail", args=[school_class.pk])


def _marker_rows(response) -> list[str]:
    html = response.content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in rows
        if "Uppmärksamhetssignal" in row
    ]


def test_the_class_list_marks_students_with_an_active_alert_and_logs_them(
    client, nurse_a, class_a, student_a, peanuts
):
    plain = StudentFactory(given_name="Bo", family_name="Utan")
    EnrolmentFactory(student=plain, school=class_a.school)
    ClassMembershipFactory(student=plain, school_class=class_a)
    gone = StudentFactory(given_name="Cia", family_name="Inaktiv")
    EnrolmentFactory(student=gone, school=class_a.school)
    ClassMembershipFactory(student=gone, school_class=class_a)
    alert_inactivate(alert=allergy(nurse_a, gone), by=nurse_a, reason="Tål det nu.")

    client.force_login(nurse_a)
    before = set(AccessLogEntry.objects.values_list("pk", flat=True))
    response = client.get(class_url(class_a))
    assert response.status_code == 200
    (row,) = _marker_rows(response)
    assert "Exempelsson" in row and "⚠ Uppmärksamhetssignal" in row
    assert "Jordnötter" not in response.content.decode()  # the marker, not the alert itself
    new = AccessLogEntry.objects.exclude(pk__in=before)
    assert list(new.values_list("student", "action", "school")) == [
        (student_a.pk, AccessAction.LIST, class_a.school_id)
    ]


def test_the_psychologist_sees_the_marker_too(client, psychologist_a, class_a, peanuts):
    client.force_login(psychologist_a)
    assert len(_marker_rows(client.get(class_url(class_a)))) == 1


def test_no_marker_and_no_log_row_without_alerts(client, nurse_a, class_a, student_a):
    client.force_login(nurse_a)
    before = AccessLogEntry.objects.count()
    response = client.get(class_url(class_a))
    assert response.status_code == 200
    assert _marker_rows(response) == []
    assert AccessLogEntry.objects.count() == before


def test_markers_come_from_the_registered_provider_in_one_query(
    nurse_a, student_a, peanuts, django_assert_num_queries
):
    record_filter(nurse_a, ALERT_SPEC)  # the user's profile, cached for the request
    with django_assert_num_queries(1):
        assert student_markers(nurse_a, [student_a]) == {student_a.pk: ["Uppmärksamhetssignal"]}
    assert alert_markers(nurse_a, []) == {}


def test_the_class_list_query_count_is_constant_5_or_30_marked_students(
    client, nurse_a, class_a, django_assert_max_num_queries, django_assert_num_queries
):
    def add(count):
        for n in range(count):
            student = StudentFactory(family_name=f"Elev{n:02d}")
            EnrolmentFactory(student=student, school=class_a.school)
            ClassMembershipFactory(student=student, school_class=class_a)
            allergy(nurse_a, student)

    add(5)
    client.force_login(nurse_a)
    assert_constant_queries(
        client,
        class_url(class_a),
        lambda: add(25),
        django_assert_max_num_queries,
        django_assert_num_queries,
    )
    before = AccessLogEntry.objects.count()
    response = client.get(class_url(class_a))
    assert len(_marker_rows(response)) == 25  # one page
    assert AccessLogEntry.objects.count() == before + 25  # one row per marked student shown


# --- The views -------------------------------------------------------------------------------


def new_url(student) -> str:
    return reverse("journal:alert-new", args=[student.public_id])


def list_url(student) -> str:
    return reverse("journal:alert-list", args=[student.public_id])


def edit_url(alert) -> str:
    return reverse("journal:alert-edit", args=[alert.public_id])


def inactivate_url(alert) -> str:
    return reverse("journal:alert-inactivate", args=[alert.public_id])


ALLERGY_POST = {
    "kind": "allergy",
    "substance": "Jordnötter",
    "reaction": "Anafylaxi",
    "severity": "severe",
    "condition": "",
    "description": "Adrenalinpenna i väskan.",
}


@pytest.mark.parametrize("user", ["nurse_a", "doctor_a", "psychologist_a"])
def test_clinicians_record_an_alert(client, request, student_a, user):
    user = request.getfixturevalue(user)
    client.force_login(user)
    assert client.get(new_url(student_a)).status_code == 200
    response = client.post(new_url(student_a), ALLERGY_POST, follow=True)
    assert response.redirect_chain == [(list_url(student_a), 302)]
    alert = Alert.objects.get()
    assert (alert.recorded_by, alert.substance, alert.severity) == (user, "Jordnötter", "severe")
    assert "är registrerad" in visible_text(response)
    assert "Jordnötter" in banner(response)


def test_the_new_alert_is_logged_as_documentation(client, nurse_a, student_a):
    client.force_login(nurse_a)
    client.post(new_url(student_a), ALLERGY_POST)
    row = AccessLogEntry.objects.filter(path=new_url(student_a)).get()
    assert (row.student_id, row.action) == (student_a.pk, AccessAction.EDIT)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"substance": ""},
            "substance",
            "Ange vad eleven är allergisk eller överkänslig mot.",
        ),
        ({"kind": "condition"}, "condition", "Ange sjukdomen eller tillståndet."),
        ({"kind": ""}, "kind", "Välj typ av uppmärksamhetssignal."),
        ({"kind": "rumour"}, "kind", ""),
        ({"severity": "deadly"}, "severity", ""),
        ({"substance": "x" * 201}, "substance", ""),
    ],
)
def test_bad_input_comes_back_on_the_form_with_what_was_typed(
    client, nurse_a, student_a, data, field, message
):
    client.force_login(nurse_a)
    response = client.post(new_url(student_a), ALLERGY_POST | data)
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    if message:
        assert message in form.errors[field]
        assert message in visible_text(response)
    html = response.content.decode()
    assert 'value="Anafylaxi"' in html
    assert "Adrenalinpenna i väskan." in html
    assert not Alert.objects.exists()


def test_nothing_posted_is_no_error_page(client, nurse_a, student_a):
    client.force_login(nurse_a)
    assert client.post(new_url(student_a), {}).status_code == 200
    assert client.post(new_url(student_a), {"kind": ["allergy", "x"]}).status_code == 200
    assert not Alert.objects.exists()


def test_the_list_shows_active_and_inactive_alerts_with_who_when_why_and_history(
    client, nurse_a, psychologist_a, student_a, peanuts
):
    alert_update(alert=peanuts, by=psychologist_a, reaction="Svullnad")
    old = condition(nurse_a, student_a, name="Astma")
    alert_inactivate(alert=old, by=psychologist_a, reason="Besvärsfri i tre år.")
    client.force_login(nurse_a)
    response = client.get(list_url(student_a))
    assert response.status_code == 200
    assert response.context["active_alerts"] == [peanuts]
    assert response.context["inactive_alerts"] == [old]
    text = visible_text(response)
    assert "Besvärsfri i tre år." in text
    assert peanuts.recorded_by_name in text
    assert "Reaktion: Anafylaxi → Svullnad" in text
    assert "Inaktiverad: Besvärsfri i tre år." in text
    assert f'href="{edit_url(peanuts)}"' in response.content.decode()
    assert edit_url(old) not in response.content.decode()


def test_the_list_query_count_does_not_grow_with_alerts_and_history(
    client, nurse_a, student_a, django_assert_max_num_queries, django_assert_num_queries
):
    allergy(nurse_a, student_a)
    client.force_login(nurse_a)

    def grow():
        for n in range(4):
            alert = condition(nurse_a, student_a, name=f"Tillstånd {n}")
            alert_update(alert=alert, by=nurse_a, description="Mer text")
            alert_inactivate(alert=alert, by=nurse_a, reason="Inte längre")

    assert_constant_queries(
        client, list_url(student_a), grow, django_assert_max_num_queries, django_assert_num_queries
    )


def test_editing_an_alert(client, psychologist_a, student_a, peanuts):
    client.force_login(psychologist_a)
    response = client.get(edit_url(peanuts))
    assert response.status_code == 200
    assert 'value="Jordnötter"' in response.content.decode()
    response = client.post(edit_url(peanuts), ALLERGY_POST | {"reaction": "Andningsbesvär"})
    assert response.status_code == 302
    assert response["Location"] == list_url(student_a)
    peanuts.refresh_from_db()
    assert peanuts.reaction == "Andningsbesvär"
    assert peanuts.history.order_by("-history_id").first().history_user == psychologist_a


def test_editing_with_bad_input_keeps_the_alert_and_the_text(client, nurse_a, peanuts):
    client.force_login(nurse_a)
    response = client.post(edit_url(peanuts), ALLERGY_POST | {"substance": "", "reaction": "Ny"})
    assert response.status_code == 200
    assert "substance" in response.context["form"].errors
    assert 'value="Ny"' in response.content.decode()
    peanuts.refresh_from_db()
    assert (peanuts.substance, peanuts.reaction) == ("Jordnötter", "Anafylaxi")


def test_inactivating_an_alert(client, nurse_a, student_a, peanuts):
    client.force_login(nurse_a)
    assert client.get(inactivate_url(peanuts)).status_code == 405
    response = client.post(inactivate_url(peanuts), {"reason": ""})
    assert response.status_code == 200
    assert "Skriv varför signalen inte längre gäller." in visible_text(response)
    peanuts.refresh_from_db()
    assert peanuts.is_active

    response = client.post(inactivate_url(peanuts), {"reason": "Fel elev."}, follow=True)
    assert response.redirect_chain == [(list_url(student_a), 302)]
    assert "är inaktiverad" in visible_text(response)
    assert banner(response) == ""
    peanuts.refresh_from_db()
    assert (peanuts.is_active, peanuts.inactivated_reason) == (False, "Fel elev.")


def test_an_inactive_alert_goes_back_to_the_list(client, nurse_a, student_a, peanuts):
    alert_inactivate(alert=peanuts, by=nurse_a, reason="Fel elev.")
    client.force_login(nurse_a)
    for response in (
        client.get(edit_url(peanuts)),
        client.post(edit_url(peanuts), ALLERGY_POST),
        client.post(inactivate_url(peanuts), {"reason": "Igen"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == list_url(student_a)
    peanuts.refresh_from_db()
    assert peanuts.inactivated_reason == "Fel elev."


@pytest.mark.parametrize("user", ["nurse_b", "nurse_a2", "registry_admin_a"])
def test_outsiders_cannot_open_record_or_change_alerts(client, request, student_a, peanuts, user):
    client.force_login(request.getfixturevalue(user))
    assert client.get(list_url(student_a)).status_code == 404
    assert client.post(new_url(student_a), ALLERGY_POST).status_code == 404
    assert client.get(edit_url(peanuts)).status_code == 404
    assert client.post(inactivate_url(peanuts), {"reason": "Nej"}).status_code == 404
    peanuts.refresh_from_db()
    assert peanuts.is_active
    assert Alert.objects.count() == 1


def test_an_unknown_alert_is_404_with_a_refused_row(client, nurse_a):
    client.force_login(nurse_a)
    response = client.get(
        reverse("journal:alert-edit", args=["00000000-0000-4000-8000-000000000000"])
    )
    assert response.status_code == 404
    assert AccessLogEntry.objects.filter(action=AccessAction.REFUSED).count() == 1


def test_the_records_officer_reads_but_does_not_record(
    client, records_officer_a, student_a, peanuts
):
    from consent.services import records_officer_access_start

    records_officer_access_start(
        user=records_officer_a, student=student_a, reason_text="Begäran om utlämnande."
    )
    client.force_login(records_officer_a)
    response = client.get(list_url(student_a))
    assert response.status_code == 200
    assert "Jordnötter" in banner(response)
    assert new_url(student_a) not in response.content.decode()
    assert client.post(new_url(student_a), ALLERGY_POST).status_code == 403
