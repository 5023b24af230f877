"""Finding a student without a care relation, and the two-step emergency and records-officer
accesses: scope, steps, duration, review queue and log rows."""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.models import (
    AccessAction,
    AccessLogEntry,
    AccessReason,
    EmergencyAccess,
    RecordsOfficerAccess,
)
from tests.helpers import visible_text
from tests.schools.factories import EnrolmentFactory, StudentFactory

LOOKUP_URL = reverse("consent:student-lookup")
REASON = "Eleven har svår allergisk reaktion, behöver se uppmärksamhetssignaler."


def start_url(student, flow="emergency"):
    return reverse(f"consent:{flow}-start", args=[student.public_id])


def confirm_url(student, flow="emergency"):
    return reverse(f"consent:{flow}-confirm", args=[student.public_id])


def actions():
    return list(AccessLogEntry.objects.order_by("pk").values_list("action", "reason"))


@pytest.fixture
def client_a2(client, nurse_a2):
    client.force_login(nurse_a2)
    return client


# --- Lookup by identity number -------------------------------------------------------------------


def test_lookup_finds_a_stub_of_an_own_organisation_student_and_logs_a_search_hit(
    client_a2, student_a, caplog
):
    caplog.set_level(logging.DEBUG)
    response = client_a2.post(LOOKUP_URL, {"identity_number": student_a.identity_number})
    assert response.status_code == 200  # rendered: no URL carries the number
    text = visible_text(response)
    assert "Alva Exempelsson" in text
    assert f"Född {student_a.birth_date.year}" in text
    assert student_a.street_address not in text
    assert student_a.identity_number not in response.content.decode()
    assert start_url(student_a) in response.content.decode()
    assert actions() == [(AccessAction.SEARCH_HIT, AccessReason.NONE)]
    assert student_a.identity_number not in caplog.text
    assert response.wsgi_request.sensitive_post_parameters == ("identity_number",)


def test_lookup_finds_a_former_student(client_a2, student_left_a):
    response = client_a2.post(LOOKUP_URL, {"identity_number": student_left_a.identity_number})
    assert response.context["hit"] == student_left_a


def test_lookup_does_not_find_another_organisations_student(client_a2, school_b):
    stranger = StudentFactory()
    EnrolmentFactory(student=stranger, school=school_b)
    response = client_a2.post(LOOKUP_URL, {"identity_number": stranger.identity_number})
    assert response.context["hit"] is None
    assert "Ingen elev hittades." in visible_text(response)
    assert stranger.family_name not in response.content.decode()
    assert not AccessLogEntry.objects.exists()


def test_lookup_ignores_a_number_in_the_query_string(client_a2, student_a):
    response = client_a2.get(LOOKUP_URL, {"identity_number": student_a.identity_number})
    assert response.context["hit"] is None


def test_lookup_offers_records_officer_access_only_to_records_officers(
    client, records_officer_a, student_left_a
):
    client.force_login(records_officer_a)
    response = client.post(LOOKUP_URL, {"identity_number": student_left_a.identity_number})
    content = response.content.decode()
    assert start_url(student_left_a, "records-officer") in content
    assert start_url(student_left_a) not in content  # no clinical area: no emergency access


# --- Emergency access: two steps -----------------------------------------------------------------


def test_emergency_access_in_two_steps_opens_the_student_page(client_a2, nurse_a2, student_a):
    step1 = client_a2.get(start_url(student_a))
    assert step1.status_code == 200
    assert "Steg 1 av 2" in visible_text(step1)

    step2 = client_a2.post(start_url(student_a), {"reason_text": REASON})
    assert "Jag bekräftar nödåtkomst" in visible_text(step2)
    assert not EmergencyAccess.objects.exists()  # nothing opened before the confirmation

    done = client_a2.post(confirm_url(student_a), {"reason_text": REASON, "confirmed": "True"})
    assert done.status_code == 302
    assert done.url == student_a.get_absolute_url()
    access = EmergencyAccess.objects.get()
    assert (access.user, access.student, access.reason_text) == (nurse_a2, student_a, REASON)
    assert access.organisation_id == nurse_a2.staff_member.organisation_id
    assert access.ends_at - access.started_at == datetime.timedelta(hours=4)
    assert list(EmergencyAccess.objects.pending_review()) == [access]

    page = client_a2.get(student_a.get_absolute_url())
    assert page.status_code == 200
    assert "nödåtkomst till" in visible_text(page)
    assert actions() == [
        (AccessAction.SEARCH_HIT, AccessReason.NONE),  # step 1 shows the stub
        (AccessAction.SEARCH_HIT, AccessReason.NONE),  # step 2 too
        (AccessAction.EMERGENCY, AccessReason.EMERGENCY),  # the start
        (AccessAction.VIEW, AccessReason.EMERGENCY),  # each access afterwards
    ]


def test_emergency_access_needs_a_written_reason(client_a2, student_a):
    response = client_a2.post(start_url(student_a), {"reason_text": "kort"})
    assert "Jag bekräftar nödåtkomst" not in visible_text(response)
    assert "Skriv ett skäl på minst 10 tecken." in visible_text(response)


def test_emergency_access_needs_the_confirmation(client_a2, student_a):
    response = client_a2.post(confirm_url(student_a), {"reason_text": REASON})
    assert response.status_code == 200
    assert not EmergencyAccess.objects.exists()


def test_confirmation_is_post_only(client_a2, student_a):
    assert client_a2.get(confirm_url(student_a)).status_code == 405


def test_emergency_access_to_another_organisations_student_is_404_and_logged(
    client, nurse_b, student_a
):
    client.force_login(nurse_b)
    for response in (
        client.get(start_url(student_a)),
        client.post(confirm_url(student_a), {"reason_text": REASON, "confirmed": "True"}),
    ):
        assert response.status_code == 404
        assert student_a.family_name not in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    assert actions() == [(AccessAction.REFUSED, AccessReason.NONE)] * 2


def test_registry_admin_cannot_open_emergency_access(client, registry_admin_a, student_a):
    client.force_login(registry_admin_a)
    assert client.get(start_url(student_a)).status_code == 404
    assert actions() == [(AccessAction.REFUSED, AccessReason.NONE)]


def test_emergency_access_ends_by_itself(client_a2, student_a):
    client_a2.post(confirm_url(student_a), {"reason_text": REASON, "confirmed": "True"})
    EmergencyAccess.objects.update(
        started_at=timezone.now() - datetime.timedelta(hours=5),
        ends_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert client_a2.get(student_a.get_absolute_url()).status_code == 404
    assert actions()[-1] == (AccessAction.REFUSED, AccessReason.NONE)


def test_unknown_student_id_in_the_steps_is_404_with_a_refused_row(client_a2, db):
    response = client_a2.get("/atkomst/nodatkomst/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404
    assert list(AccessLogEntry.objects.values_list("student", "action")) == [
        (None, AccessAction.REFUSED)
    ]


# --- Records officer: same two steps, own reason -------------------------------------------------


def test_records_officer_opens_a_former_student_in_two_steps(
    client, records_officer_a, student_left_a
):
    client.force_login(records_officer_a)
    assert client.get(student_left_a.get_absolute_url()).status_code == 404
    step2 = client.post(start_url(student_left_a, "records-officer"), {"reason_text": REASON})
    assert "Jag bekräftar åtkomst som arkivansvarig" in visible_text(step2)
    client.post(
        confirm_url(student_left_a, "records-officer"),
        {"reason_text": REASON, "confirmed": "True"},
    )
    assert RecordsOfficerAccess.objects.pending_review().count() == 1
    page = client.get(student_left_a.get_absolute_url())
    assert page.status_code == 200
    assert "arkivansvarig till" in visible_text(page)
    assert actions()[-2:] == [
        (AccessAction.VIEW, AccessReason.RECORDS_OFFICER),  # the start
        (AccessAction.VIEW, AccessReason.RECORDS_OFFICER),  # the page
    ]


def test_nurse_cannot_use_the_records_officer_step(client_a2, student_left_a):
    assert client_a2.get(start_url(student_left_a, "records-officer")).status_code == 404
    assert actions() == [(AccessAction.REFUSED, AccessReason.NONE)]


def test_nurse_whose_assignment_ended_may_not_start_emergency_access(client, student_a, nurse_a):
    from schools.models import Assignment

    Assignment.objects.filter(staff_member__user=nurse_a).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(nurse_a)
    url = reverse("consent:emergency-start", args=[student_a.public_id])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"reason_text": "Akut allergisk reaktion på skolgården."}).status_code
        == 404
    )


def test_emergency_access_closes_when_the_assignment_ends(client, student_a, nurse_a2):
    from consent.services import emergency_access_start
    from schools.models import Assignment

    emergency_access_start(
        user=nurse_a2, student=student_a, reason_text="Akut allergisk reaktion på skolgården."
    )
    client.force_login(nurse_a2)
    assert client.get(student_a.get_absolute_url()).status_code == 200
    Assignment.objects.filter(staff_member__user=nurse_a2).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert client.get(student_a.get_absolute_url()).status_code == 404
