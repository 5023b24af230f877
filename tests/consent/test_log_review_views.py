"""Log review pages (issue 11): role and organisation scope, filters and the period limit,
findings (forged outcome, foreign row), closing, the queue, the overview and its CSV."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.models import (
    AccessAction,
    AccessLogEntry,
    AccessReason,
    EmergencyAccess,
    LogReview,
    ReviewFinding,
)
from schools.models import ProtectedIdentity
from tests.schools.factories import EnrolmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


def entry(user, student, *, school=None, hours_ago=1, **fields):
    return AccessLogEntry.objects.create(
        at=timezone.now() - datetime.timedelta(hours=hours_ago),
        user=user,
        username=user.username,
        student=student,
        action=fields.pop("action", AccessAction.VIEW),
        reason=fields.pop("reason", AccessReason.CARE_RELATION),
        organisation=user.staff_member.organisation,
        school=school,
        protected=bool(student.protected_identity),
    )


@pytest.fixture
def reviewer(client, log_reviewer_a):
    client.force_login(log_reviewer_a)
    return client


URLS = [
    "consent:review-log",
    "consent:review-list",
    "consent:review-queue",
    "consent:review-permissions",
    "consent:review-permissions-csv",
]


@pytest.mark.parametrize("name", URLS)
def test_pages_only_for_log_reviewers(client, registry_admin_a, nurse_a, log_reviewer_a, name):
    client.force_login(nurse_a)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(registry_admin_a)
    assert client.get(reverse(name)).status_code == 403
    client.force_login(log_reviewer_a)
    assert client.get(reverse(name)).status_code == 200


def test_log_filters_by_student_chosen_by_name(reviewer, nurse_a, nurse_b, student_a, school_a):
    other = StudentFactory(family_name="Annandotter")
    EnrolmentFactory(student=other, school=school_a)
    mine = entry(nurse_a, student_a, school=school_a)
    entry(nurse_a, other, school=school_a)
    outsider = StudentFactory(family_name="Utomdotter")
    entry(nurse_b, outsider)
    response = reviewer.get(reverse("consent:review-log"), {"name": student_a.family_name[:4]})
    assert response.status_code == 200
    assert str(student_a.public_id) in response.content.decode()
    response = reviewer.get(reverse("consent:review-log"), {"student": student_a.public_id})
    assert [row.pk for row in response.context["rows"]] == [mine.pk]
    assert "Utomdotter" not in reviewer.get(reverse("consent:review-log")).content.decode()
    # a student the organisation does not hold: 404
    response = reviewer.get(reverse("consent:review-log"), {"student": outsider.public_id})
    assert response.status_code == 404


def test_log_period_limit_is_a_clear_400(reviewer):
    response = reviewer.get(
        reverse("consent:review-log"), {"period_from": "2020-01-01", "period_to": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "högst" in response.content.decode()


def test_log_keyset_pages_and_constant_queries(
    reviewer, nurse_a, student_a, school_a, django_assert_max_num_queries
):
    for hour in range(60):
        entry(nurse_a, student_a, school=school_a, hours_ago=hour + 1)
    url = reverse("consent:review-log")
    first = reviewer.get(url)
    assert len(first.context["rows"]) == 50 and first.context["next_after"]
    second = reviewer.get(url, {"efter": first.context["next_after"]})
    assert len(second.context["rows"]) == 10
    assert not {r.pk for r in first.context["rows"]} & {r.pk for r in second.context["rows"]}
    with django_assert_max_num_queries(15):
        reviewer.get(url)


def test_protected_student_shown_in_log_is_logged(reviewer, nurse_a, school_a, log_reviewer_a):
    hidden = StudentFactory(protected_identity=ProtectedIdentity.SECRECY_MARKING)
    EnrolmentFactory(student=hidden, school=school_a)
    entry(nurse_a, hidden, school=school_a)
    reviewer.get(reverse("consent:review-log"))
    assert AccessLogEntry.objects.filter(
        user=log_reviewer_a, student=hidden, record_type="accesslog"
    ).exists()


def _new_check(reviewer, **data):
    today = timezone.localdate()
    payload = {
        "kind": "suspicion",
        "check_name": "emergency",
        "period_from": (today - datetime.timedelta(days=5)).isoformat(),
        "period_to": today.isoformat(),
        **data,
    }
    return reviewer.post(reverse("consent:review-list"), payload)


def test_check_finding_and_close(reviewer, nurse_a, student_a, school_a, log_reviewer_a):
    planted = entry(nurse_a, student_a, reason=AccessReason.EMERGENCY)
    response = _new_check(reviewer)
    review = LogReview.objects.get()
    assert response.url == reverse("consent:review-detail", args=[review.pk])
    page = reviewer.get(response.url)
    assert [row.pk for row in page.context["page"]] == [planted.pk]
    url = reverse("consent:review-finding", args=[review.pk])
    forged = reviewer.post(url, {"log_entry": planted.pk, "outcome": "excellent"})
    assert forged.status_code == 400
    foreign = entry(nurse_a, student_a)  # not flagged by this check
    assert reviewer.post(url, {"log_entry": foreign.pk, "outcome": "ok"}).status_code == 404
    ok = reviewer.post(url, {"log_entry": planted.pk, "outcome": "reported", "comment": "Anmäld"})
    assert ok.status_code == 302
    assert ReviewFinding.objects.get().outcome == "reported"
    close = reverse("consent:review-close", args=[review.pk])
    assert reviewer.post(close, {"conclusion": ""}).status_code == 400
    assert reviewer.post(close, {"conclusion": "Klart."}).status_code == 302
    review.refresh_from_db()
    assert review.closed_at and review.conclusion == "Klart."
    assert "Avslutad" in reviewer.get(reverse("consent:review-list")).content.decode()


def test_sample_check_stores_its_seed(reviewer):
    _new_check(reviewer, kind="sample", check_name="", seed="42", per_unit="5")
    assert LogReview.objects.get().parameters == {"seed": 42, "per_unit": 5}


def test_other_organisations_check_is_404(client, reviewer, org_b, nurse_b, log_reviewer_a):
    review = LogReview.objects.create(
        organisation=org_b,
        kind="suspicion",
        check_name="emergency",
        period_from=datetime.date(2026, 1, 1),
        period_to=datetime.date(2026, 1, 31),
        reviewer=nurse_b,
    )
    assert reviewer.get(reverse("consent:review-detail", args=[review.pk])).status_code == 404
    url = reverse("consent:review-close", args=[review.pk])
    assert reviewer.post(url, {"conclusion": "x"}).status_code == 404


def test_queue_closes_emergency_access(reviewer, emergency_nurse_a2, log_reviewer_a):
    access = EmergencyAccess.objects.get()
    page = reviewer.get(reverse("consent:review-queue"))
    assert access in page.context["sections"][0][1]
    url = reverse("consent:review-queue-close", args=["nodatkomst", access.pk])
    assert reviewer.post(url, {"outcome": "forged"}).status_code == 400
    assert (
        reviewer.post(reverse("consent:review-queue-close", args=["x", access.pk])).status_code
        == 404
    )
    assert reviewer.post(url, {"outcome": "justified", "comment": "Ok"}).status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == log_reviewer_a and access.review_outcome == "justified"
    assert reviewer.post(url, {"outcome": "justified"}).status_code == 404  # no longer queued


def test_permissions_csv_counts_protected_only(reviewer, school_a, student_a):
    hidden = StudentFactory(
        family_name="Dolkdotter", protected_identity=ProtectedIdentity.SECRECY_MARKING
    )
    EnrolmentFactory(student=hidden, school=school_a)
    page = reviewer.get(reverse("consent:review-permissions"))
    assert "Dolkdotter" not in page.content.decode()
    csv = reviewer.get(reverse("consent:review-permissions-csv"))
    assert csv["Content-Type"].startswith("text/csv")
    assert "Dolkdotter" not in csv.content.decode()


def test_mark_reviewed_refuses_foreign_subject(reviewer, nurse_b, nurse_a):
    url = reverse("consent:review-permissions-reviewed")
    foreign = nurse_b.staff_member.assignments.get()
    assert (
        reviewer.post(url, {"subject": "assignment", "subject_id": foreign.pk}).status_code == 404
    )
    assert reviewer.post(url, {"subject": "forged", "subject_id": 1}).status_code == 400
    own = nurse_a.staff_member.assignments.get()
    response = reviewer.post(url, {"subject": "assignment", "subject_id": own.pk})
    assert response.status_code == 302
