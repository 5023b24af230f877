"""Blocks (spärr, issue 11, R-ACL-4, DESIGN.md access rule 4).

Alva (student_a, school A of organisation A) asks to block what school A's nurse wrote. The
block hides those entries from other units (school A2) and other organisations, also after she
moves to school A2; the nurse at school A still sees them. Others see only "spärrade uppgifter
finns" and may open them in two logged steps, with a consent or emergency access.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.blocks import block_lift, block_record
from consent.models import (
    AccessAction,
    AccessLogEntry,
    AccessReason,
    Block,
    BlockReveal,
    Consent,
    ConsentKind,
    ConsentStatus,
)
from consent.services_cross import make_active_choice
from journal.access import visible_entries
from schools.models import Enrolment
from tests.consent.portal_fakes import guardian_account_for, sign_in_portal_user
from tests.helpers import visible_text
from tests.journal.factories import make_entry
from tests.schools.factories import EnrolmentFactory, GuardianRelationFactory, UserFactory

BLOCKED = "SPÄRR-MARKÖR samtal om hemförhållanden"
NOTICE = "Spärrade uppgifter finns"
PHONE = {"kontakt-med": "Mamma", "bedomning": "Råd om sömn."}
REVEAL_REASON = {"reason": "Eleven behöver akut vård och uppgifterna behövs.", "confirmed": "on"}


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _visible(user, entry) -> bool:
    return visible_entries(user).filter(pk=entry.pk).exists()


@pytest.fixture
def entry_a(nurse_a, student_a, school_a):
    return make_entry(
        nurse_a,
        student_a,
        template="telefonkontakt",
        values={"kontakt-med": "Eleven", "bedomning": BLOCKED},
        sign=True,
        school=school_a,
    )


@pytest.fixture
def unit_block(entry_a, nurse_a, student_a, school_a):
    return block_record(student=student_a, by=nurse_a, school=school_a, reason="Elevens begäran")


def _move_to_a2(student, school_a2):
    Enrolment.objects.filter(student=student).update(end_date=_days(-1))
    EnrolmentFactory(student=student, school=school_a2, start_date=_days(0))


def _consent_for(student, organisation, nurse) -> Consent:
    return Consent.objects.create(
        student=student,
        organisation=nurse.staff_member.organisation,
        kind=ConsentKind.READ_BY_PROVIDER,
        scope_organisation_number=organisation.organisation_number,
        scope_area="EMI",
        valid_from=_days(-30),
        status=ConsentStatus.GRANTED,
        decided_at=timezone.now(),
        requested_by=nurse,
    )


# --- Hiding --------------------------------------------------------------------------------------


def test_unit_block_hides_from_another_unit_in_list_and_detail(
    client, unit_block, entry_a, emergency_nurse_a2, student_a
):
    assert not _visible(emergency_nurse_a2, entry_a)
    client.force_login(emergency_nurse_a2)
    response = client.get(reverse("journal:record", args=[student_a.public_id]))
    text = visible_text(response)
    assert BLOCKED not in text
    assert NOTICE in text
    detail = client.get(reverse("journal:entry-detail", args=[entry_a.public_id]))
    assert detail.status_code == 404


def test_the_blocked_units_own_staff_still_see(client, unit_block, entry_a, nurse_a, student_a):
    assert _visible(nurse_a, entry_a)
    client.force_login(nurse_a)
    text = visible_text(client.get(reverse("journal:record", args=[student_a.public_id])))
    assert BLOCKED in text
    assert NOTICE not in text
    assert client.get(reverse("journal:entry-detail", args=[entry_a.public_id])).status_code == 200


def test_without_a_block_another_unit_sees(entry_a, emergency_nurse_a2):
    assert _visible(emergency_nurse_a2, entry_a)


def test_unit_block_holds_after_a_move_within_the_organisation(
    client, unit_block, entry_a, nurse_a2, student_a, school_a2
):
    _move_to_a2(student_a, school_a2)
    own = make_entry(
        nurse_a2, student_a, template="telefonkontakt", values=PHONE, sign=True, school=school_a2
    )
    assert _visible(nurse_a2, own)
    assert not _visible(nurse_a2, entry_a)
    client.force_login(nurse_a2)
    assert client.get(reverse("journal:entry-detail", args=[entry_a.public_id])).status_code == 404


def test_block_of_another_area_or_period_does_not_hide(entry_a, emergency_nurse_a2, nurse_a):
    student, school = entry_a.student, entry_a.school
    block_record(student=student, by=nurse_a, school=school, area="EPI")
    block_record(student=student, by=nurse_a, school=school, records_until=_days(-10), area="EMI")
    assert _visible(emergency_nurse_a2, entry_a)
    block_record(student=student, by=nurse_a, school=school, records_from=_days(-1))
    assert not _visible(emergency_nurse_a2, entry_a)


def test_organisation_block_wins_over_consent_for_another_organisation(
    nurse_a, nurse_b, student_a, school_b, org_b
):
    EnrolmentFactory(
        student=student_a, school=school_b, start_date=_days(-800), end_date=_days(-401)
    )
    entry_b = make_entry(
        nurse_b, student_a, template="telefonkontakt", values=PHONE, sign=True, school=school_b
    )
    consent = _consent_for(student_a, org_b, nurse_a)
    make_active_choice(user=nurse_a, student=student_a, consent=consent)
    assert _visible(nurse_a, entry_b)
    block_record(student=student_a, by=nurse_a, organisation=org_b)
    assert not _visible(nurse_a, entry_b)
    # organisation B's own staff are not hidden from by an organisation block
    assert Block.objects.count() == 1


def test_organisation_block_does_not_hide_within_the_organisation(
    entry_a, emergency_nurse_a2, nurse_a, org_a
):
    block_record(student=entry_a.student, by=nurse_a, organisation=org_a)
    assert _visible(emergency_nurse_a2, entry_a)


# --- Lifting -------------------------------------------------------------------------------------


def test_lifting_for_good_shows_again_and_keeps_history(
    unit_block, entry_a, emergency_nurse_a2, nurse_a
):
    block_lift(block=unit_block, by=nurse_a, reason="Eleven har ångrat sig.")
    assert _visible(emergency_nurse_a2, entry_a)
    assert unit_block.history.count() == 2
    assert Block.objects.filter(pk=unit_block.pk).exists()


def test_temporary_lift_expires(unit_block, entry_a, emergency_nurse_a2, nurse_a):
    block_lift(
        block=unit_block,
        by=nurse_a,
        reason="Remiss till BUP.",
        until=timezone.now() + datetime.timedelta(hours=1),
    )
    assert _visible(emergency_nurse_a2, entry_a)
    # The time passes: the block holds again by itself.
    Block.objects.filter(pk=unit_block.pk).update(
        lifted_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert not _visible(emergency_nurse_a2, entry_a)


def test_lift_view_logs_a_consent_change(client, unit_block, nurse_a, student_a):
    client.force_login(nurse_a)
    url = reverse("consent:block-lift", args=[student_a.public_id, unit_block.pk])
    response = client.post(url, {"lift_reason": "Eleven har ångrat sig.", "lifted_until": ""})
    assert response.status_code == 302
    unit_block.refresh_from_db()
    assert unit_block.lifted_at is not None and unit_block.lifted_until is None
    assert AccessLogEntry.objects.filter(
        action=AccessAction.CONSENT_CHANGE, record_type="consent.block", student=student_a
    ).exists()


def test_lift_without_reason_keeps_the_block(client, unit_block, nurse_a, student_a):
    client.force_login(nurse_a)
    url = reverse("consent:block-lift", args=[student_a.public_id, unit_block.pk])
    response = client.post(url, {"lift_reason": ""})
    assert response.status_code == 200
    unit_block.refresh_from_db()
    assert unit_block.lifted_at is None


# --- Recording -----------------------------------------------------------------------------------


def test_nurse_records_a_block_at_the_students_request(client, nurse_a, student_a, school_a):
    client.force_login(nurse_a)
    url = reverse("consent:block-new", args=[student_a.public_id])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"requested_by_student": "on", "school": school_a.pk, "area": "EMI", "reason": "x"}
    )
    assert response.status_code == 302
    block = Block.objects.get(student=student_a)
    assert (block.school, block.organisation, block.area) == (
        school_a,
        school_a.organisation,
        "EMI",
    )
    assert block.history.count() == 1
    assert AccessLogEntry.objects.filter(
        action=AccessAction.CONSENT_CHANGE, record_id=str(block.pk)
    ).exists()
    listing = visible_text(client.get(reverse("consent:block-list", args=[student_a.public_id])))
    assert school_a.name in listing


def test_a_block_needs_the_students_own_request(client, nurse_a, student_a, school_a):
    client.force_login(nurse_a)
    url = reverse("consent:block-new", args=[student_a.public_id])
    response = client.post(url, {"school": school_a.pk})
    assert response.status_code == 200
    assert "elevens egen begäran" in visible_text(response)
    assert not Block.objects.exists()


def test_a_guardian_cannot_block(student_a, school_a):
    relation = GuardianRelationFactory(student=student_a)
    user = guardian_account_for(relation.guardian).user
    client = sign_in_portal_user(Client(), user)
    url = reverse("consent:block-new", args=[student_a.public_id])
    response = client.post(url, {"requested_by_student": "on", "school": school_a.pk})
    assert response.status_code == 403
    assert client.get(url).status_code == 302  # sent to the portal
    assert not Block.objects.exists()
    with pytest.raises(PermissionDenied):
        block_record(student=student_a, by=user, school=school_a)
    with pytest.raises(PermissionDenied):
        block_record(student=student_a, by=UserFactory(), school=school_a)


def test_another_organisation_cannot_open_the_block_pages(client, nurse_b, student_a):
    client.force_login(nurse_b)
    assert client.get(reverse("consent:block-list", args=[student_a.public_id])).status_code == 404


# --- Revealing in two steps ----------------------------------------------------------------------


def _reveal_steps(client, student, block):
    step1 = reverse("consent:block-reveal", args=[student.public_id])
    step2 = reverse("consent:block-reveal-content", args=[student.public_id, block.pk])
    return step1, step2


def test_two_step_reveal_with_consent(
    client, unit_block, entry_a, nurse_a2, student_a, school_a2, org_a
):
    _move_to_a2(student_a, school_a2)
    _consent_for(student_a, org_a, nurse_a2)
    client.force_login(nurse_a2)
    step1, step2 = _reveal_steps(client, student_a, unit_block)
    assert client.get(step2).status_code == 404  # step 1 first
    assert "Enheter med spärrade uppgifter" not in visible_text(client.get(step1))

    assert client.post(step1, REVEAL_REASON).status_code == 302
    unit = BlockReveal.objects.get(step=BlockReveal.Step.UNIT)
    assert (unit.basis, unit.user, unit.reviewed_at) == ("consent", nurse_a2, None)
    assert not _visible(nurse_a2, entry_a)  # the unit only
    assert "Enheter med spärrade uppgifter" in visible_text(client.get(step1))

    assert client.post(step2, REVEAL_REASON).status_code == 302
    content = BlockReveal.objects.get(step=BlockReveal.Step.CONTENT)
    assert content.consent is not None and content.reviewed_at is None
    assert _visible(nurse_a2, entry_a)
    rows = AccessLogEntry.objects.filter(
        action=AccessAction.ACTIVE_CHOICE, record_type="consent.blockreveal"
    )
    assert sorted(rows.values_list("record_id", flat=True)) == sorted(
        [str(unit.pk), str(content.pk)]
    )
    assert set(rows.values_list("reason", flat=True)) == {AccessReason.CONSENT}


def test_two_step_reveal_with_emergency(client, unit_block, entry_a, emergency_nurse_a2):
    student = entry_a.student
    client.force_login(emergency_nurse_a2)
    step1, step2 = _reveal_steps(client, student, unit_block)
    assert client.post(step1, REVEAL_REASON).status_code == 302
    assert client.post(step2, REVEAL_REASON).status_code == 302
    reveals = BlockReveal.objects.order_by("pk")
    assert [r.step for r in reveals] == ["unit", "content"]
    assert all(r.basis == "emergency" and r.emergency_access_id for r in reveals)
    assert _visible(emergency_nurse_a2, entry_a)
    assert (
        AccessLogEntry.objects.filter(
            action=AccessAction.ACTIVE_CHOICE, reason=AccessReason.EMERGENCY
        ).count()
        == 2
    )
    # The reveal lasts a short window only.
    BlockReveal.objects.update(at=timezone.now() - datetime.timedelta(hours=3))
    assert not _visible(emergency_nurse_a2, entry_a)


def test_reveal_without_consent_or_emergency_is_refused(
    client, unit_block, entry_a, nurse_a2, student_a, school_a2
):
    _move_to_a2(student_a, school_a2)
    client.force_login(nurse_a2)
    step1, _step2 = _reveal_steps(client, student_a, unit_block)
    assert client.post(step1, REVEAL_REASON).status_code == 403
    assert not BlockReveal.objects.exists()
    assert not _visible(nurse_a2, entry_a)


def test_reveal_needs_a_reason(client, unit_block, emergency_nurse_a2, student_a):
    client.force_login(emergency_nurse_a2)
    step1, _step2 = _reveal_steps(client, student_a, unit_block)
    assert client.post(step1, {"reason": "", "confirmed": "on"}).status_code == 200
    assert not BlockReveal.objects.exists()


# --- Query count ---------------------------------------------------------------------------------


def test_record_page_query_count_is_constant_with_blocks(
    client, entry_a, emergency_nurse_a2, nurse_a, student_a, school_a, org_a
):
    client.force_login(emergency_nurse_a2)
    url = reverse("journal:record", args=[student_a.public_id])
    block_record(student=student_a, by=nurse_a, school=school_a)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for area in ("EMI", "EPI"):
        block_record(student=student_a, by=nurse_a, school=school_a, area=area)
    block_record(student=student_a, by=nurse_a, organisation=org_a)
    make_entry(
        nurse_a, student_a, template="telefonkontakt", values=PHONE, sign=True, school=school_a
    )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)
