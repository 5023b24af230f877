"""Class vaccination sessions (issue 8, R-VAC-5): planning under a signed general ordination,
consent requests for the class, the session page (consents, status, marks) and one click per
student through the dose service."""

from __future__ import annotations

import datetime
import importlib.util

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.models import AccessLogEntry, Consent, ConsentStatus
from journal.models import (
    Ordination,
    RegisterReport,
    Vaccination,
    VaccinationSession,
    Vaccine,
    VaccineLot,
)
from journal.services import vaccination_sessions as services
from schools.models import ProtectedIdentity
from tests.helpers import visible_text
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    GuardianRelationFactory,
    SchoolClassFactory,
    StudentFactory,
)

TODAY = timezone.localdate


def _days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


@pytest.fixture
def hpv():
    """The national programme's HPV product (migration 0017)."""
    return Vaccine.objects.get(name="Gardasil 9")


@pytest.fixture
def class_5(school_a):
    return SchoolClassFactory(school=school_a, name="5A", grade=5)


def add_student(school_class, *, guardian=True, **kwargs):
    student = StudentFactory(**kwargs)
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    if guardian:
        GuardianRelationFactory(student=student)
    return student


def make_ordination(doctor, vaccine, schools, **kwargs) -> Ordination:
    fields = {
        "organisation": schools[0].organisation,
        "kind": Ordination.Kind.GENERAL,
        "vaccine": vaccine,
        "strength": "0,5 ml",
        "dose": "0,5 ml",
        "route": "intramuskulärt",
        "grade_from": 5,
        "grade_to": 5,
        "covers": "Elever i åk 5",
        "valid_from": _days(-30),
        "valid_until": _days(300),
        "issued_by": doctor,
        "issued_by_name": "Dora Doktorsson",
        "issued_by_title": "Skolläkare",
        "status": "signed",
        "signed_at": timezone.now() - datetime.timedelta(days=30),
    }
    fields.update(kwargs)
    signed = {key: fields.pop(key) for key in ("status", "signed_at")}
    # Schools first, then signed: a signed ordination's schools are frozen (migration 0018).
    ordination = Ordination.objects.create(**fields)
    ordination.schools.set(schools)
    Ordination.objects.filter(pk=ordination.pk).update(**signed)
    ordination.refresh_from_db()
    return ordination


@pytest.fixture
def ordination(doctor_a, hpv, school_a):
    return make_ordination(doctor_a, hpv, [school_a])


@pytest.fixture
def lot(hpv):
    return VaccineLot.objects.create(vaccine=hpv, lot_number="T123AB", expires_on=_days(200))


@pytest.fixture
def session(class_5, hpv, ordination, nurse_a):
    return services.session_create(
        by=nurse_a, school_class=class_5, vaccine=hpv, ordination=ordination, planned_on=TODAY()
    )


def grant(
    student, nurse, series="HPV", status=ConsentStatus.GRANTED, school_year="2026/27"
) -> Consent:
    return Consent.objects.create(
        student=student,
        organisation=nurse.staff_member.organisation,
        kind="vaccination",
        scope_code=series,
        school_year=school_year,
        valid_from=_days(-10),
        status=status,
        requested_by=nurse,
    )


def session_url(session, **params) -> str:
    url = reverse("journal:vaccination-session", args=[session.public_id])
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


# --- Ordinations and planning ------------------------------------------------------------------


def test_only_signed_valid_general_ordinations_for_the_class_school_and_grade(
    doctor_a, hpv, school_a, school_a2, class_5, ordination
):
    make_ordination(doctor_a, hpv, [school_a], status="draft", signed_at=None)
    make_ordination(doctor_a, hpv, [school_a2])
    make_ordination(doctor_a, hpv, [school_a], grade_from=8, grade_to=9)
    make_ordination(doctor_a, hpv, [school_a], valid_from=_days(-400), valid_until=_days(-1))
    assert list(services.ordinations_for_class(class_5)) == [ordination]


def test_nurse_plans_a_session_under_a_signed_ordination(client, nurse_a, class_5, hpv, ordination):
    client.force_login(nurse_a)
    url = reverse("journal:vaccination-session-new", args=[class_5.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Dora Doktorsson" in page.content.decode()
    response = client.post(
        url, {"vaccine": hpv.pk, "ordination": ordination.pk, "planned_on": _days(3).isoformat()}
    )
    session = VaccinationSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:vaccination-session", args=[session.public_id])
    assert (session.school_class, session.school, session.ordination) == (
        class_5,
        class_5.school,
        ordination,
    )
    assert session.organisation == class_5.school.organisation
    assert session.created_by == nurse_a
    assert session.history.count() == 1


def test_a_session_outside_the_ordination_is_refused_and_the_form_kept(
    client, nurse_a, class_5, hpv, doctor_a, school_a
):
    ordination = make_ordination(doctor_a, hpv, [school_a], valid_until=_days(5))
    client.force_login(nurse_a)
    url = reverse("journal:vaccination-session-new", args=[class_5.pk])
    late = _days(10).isoformat()
    response = client.post(
        url, {"vaccine": hpv.pk, "ordination": ordination.pk, "planned_on": late}
    )
    assert response.status_code == 200
    assert "välj ett datum inom den tiden" in response.content.decode()
    assert late in response.content.decode()
    assert not VaccinationSession.objects.exists()
    past = client.post(
        url,
        {"vaccine": hpv.pk, "ordination": ordination.pk, "planned_on": _days(-1).isoformat()},
    )
    assert "Datumet har redan varit." in past.content.decode()
    assert not VaccinationSession.objects.exists()


def test_an_ordination_of_another_vaccine_or_class_is_not_offered(
    client, nurse_a, class_5, hpv, doctor_a, school_a
):
    other = make_ordination(doctor_a, hpv, [school_a], grade_from=8, grade_to=9)
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:vaccination-session-new", args=[class_5.pk]),
        {"vaccine": hpv.pk, "ordination": other.pk, "planned_on": TODAY().isoformat()},
    )
    assert "Välj en ordination i listan." in response.content.decode()
    assert not VaccinationSession.objects.exists()


def test_session_list_shows_the_class_sessions(client, nurse_a, session, class_5):
    client.force_login(nurse_a)
    response = client.get(reverse("journal:vaccination-session-list", args=[class_5.pk]))
    assert response.status_code == 200
    assert reverse("journal:vaccination-session", args=[session.public_id]) in (
        response.content.decode()
    )
    class_page = client.get(class_5.get_absolute_url())
    assert reverse("journal:vaccination-session-list", args=[class_5.pk]) in (
        class_page.content.decode()
    )


@pytest.mark.parametrize("who", ["psychologist_a", "nurse_a2", "nurse_b"])
def test_others_than_the_schools_emi_staff_get_404(request, client, session, class_5, who):
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("journal:vaccination-session-list", args=[class_5.pk]),
        reverse("journal:vaccination-session-new", args=[class_5.pk]),
        session_url(session),
    ):
        assert client.get(url).status_code == 404, url
    consents = reverse("journal:vaccination-session-consents", args=[session.public_id])
    assert client.post(consents).status_code == 404
    assert not Consent.objects.exists()


# --- Consent requests for the class ------------------------------------------------------------


def test_consent_requests_for_the_class_skip_students_with_an_open_request(
    client, nurse_a, session, class_5
):
    first, second, third = (add_student(class_5) for _ in range(3))
    grant(first, nurse_a)  # granted already
    grant(second, nurse_a, status=ConsentStatus.PENDING)  # waiting already
    add_student(class_5, guardian=False)  # no one to answer
    client.force_login(nurse_a)
    url = reverse("journal:vaccination-session-consents", args=[session.public_id])
    response = client.post(url, follow=True)
    text = visible_text(response)
    assert "Samtycke begärdes för 1 elev." in text
    assert "3 elever fick ingen ny begäran (2 har redan en öppen eller lämnad" in text
    made = Consent.objects.get(student=third)
    assert (made.kind, made.scope_code, made.school_year) == (
        "vaccination",
        "HPV",
        class_5.school_year,
    )
    assert made.status == ConsentStatus.PENDING
    # Twice is not twice: the second act makes nothing new.
    client.post(url)
    assert Consent.objects.filter(student=third).count() == 1


def test_protected_identity_students_are_asked_on_paper(client, nurse_a, session, class_5):
    hidden = add_student(class_5, protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION)
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:vaccination-session-consents", args=[session.public_id]), follow=True
    )
    assert "1 behöver begäran på papper" in visible_text(response)
    assert Consent.objects.get(student=hidden).paper_only
    page = client.get(session_url(session))
    assert "Samtycke på papper, inga kallelser." in visible_text(page)


# --- The session page --------------------------------------------------------------------------


def test_session_page_shows_each_students_consent_and_logs_every_student(
    client, nurse_a, session, class_5
):
    granted, pending, declined, missing = (add_student(class_5) for _ in range(4))
    grant(granted, nurse_a)
    grant(pending, nurse_a, status=ConsentStatus.PENDING)
    grant(declined, nurse_a, status=ConsentStatus.DECLINED)
    grant(missing, nurse_a, series="MPR")  # another series counts for nothing here
    client.force_login(nurse_a)
    before = AccessLogEntry.objects.count()
    response = client.get(session_url(session))
    assert response.status_code == 200
    rows = {s.pk: s for s in response.context["students"]}
    assert rows[granted.pk].consent_state.state == "granted"
    assert rows[pending.pk].consent_state.state == "pending"
    assert rows[declined.pk].consent_state.state == "declined"
    assert rows[missing.pk].consent_state.state == "missing"
    body = response.content.decode()
    assert body.count('value="given"') == 1 + 3  # the granted one; overrides for the others
    assert body.count('value="no_consent"') == 3
    assert AccessLogEntry.objects.count() - before == 4
    assert set(AccessLogEntry.objects.order_by("-pk")[:4].values_list("student_id", flat=True)) == {
        granted.pk,
        pending.pk,
        declined.pk,
        missing.pk,
    }


def test_session_page_query_count_does_not_grow_with_the_class(
    client, nurse_a, session, class_5, lot
):
    for _ in range(3):
        grant(add_student(class_5), nurse_a)
    client.force_login(nurse_a)
    url = session_url(session, sats=lot.pk)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for index in range(27):
        student = add_student(class_5)
        if index % 2:
            grant(student, nurse_a)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["students"]) == 30
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    assert len(small) <= 22  # measured 22 (auth, policy, class status, log insert)


def test_absent_is_a_mark_only_and_the_page_moves_to_the_next_student(
    client, nurse_a, session, class_5, lot
):
    first = add_student(class_5, family_name="Aaberg")
    add_student(class_5, family_name="Berg")
    client.force_login(nurse_a)
    response = client.post(
        session_url(session),
        {
            "student": first.public_id,
            "outcome": "absent",
            "sats": lot.pk,
            "stalle": "vänster överarm",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#row-2")
    assert f"sats={lot.pk}" in response["Location"]
    assert not Vaccination.objects.exists()
    page = client.get(response["Location"])
    row = next(s for s in page.context["students"] if s.pk == first.pk)
    assert row.mark == "absent"
    assert "Ej närvarande" in visible_text(page)
    assert page.context["counts"]["absent"] == 1
    # The lot chosen at the top stays chosen.
    assert page.context["lot"]["lot"] == lot


def test_a_student_outside_the_class_gets_404(client, nurse_a, session, school_a):
    stranger = StudentFactory()
    EnrolmentFactory(student=stranger, school=school_a)
    client.force_login(nurse_a)
    response = client.post(
        session_url(session), {"student": stranger.public_id, "outcome": "absent"}
    )
    assert response.status_code == 404


# --- One click through the dose service --------------------------------------------------------

# The dose service is another helper's (journal.services.vaccinations); until it exists these
# tests skip.
needs_doses = pytest.mark.skipif(
    importlib.util.find_spec("journal.services.vaccinations") is None,
    reason="needs journal.services.vaccinations",
)


@needs_doses
def test_given_with_consent_records_a_signed_dose_with_the_session_lot_and_ordination(
    client, nurse_a, session, class_5, lot
):
    student = add_student(class_5, family_name="Aaberg")
    add_student(class_5, family_name="Berg")
    consent = grant(student, nurse_a)
    client.force_login(nurse_a)
    response = client.post(
        session_url(session),
        {
            "student": student.public_id,
            "outcome": "given",
            "sats": lot.pk,
            "stalle": "vänster överarm",
        },
    )
    assert response.status_code == 302, visible_text(response)
    assert response["Location"].endswith("#row-2")
    dose = Vaccination.objects.get(student=student)
    assert (dose.outcome, dose.status, dose.series, dose.dose_number) == (
        "given",
        "signed",
        "HPV",
        1,
    )
    assert (dose.lot, dose.ordination, dose.session, dose.vaccinator) == (
        lot,
        session.ordination,
        session,
        nurse_a,
    )
    assert dose.consent_public_id == consent.public_id
    assert dose.site == "vänster överarm"
    assert RegisterReport.objects.filter(vaccination=dose).count() == 1
    page = client.get(response["Location"])
    assert page.context["counts"]["given"] == 1


@needs_doses
def test_given_without_consent_needs_an_override_reason(client, nurse_a, session, class_5, lot):
    student = add_student(class_5)
    client.force_login(nurse_a)
    refused = client.post(
        session_url(session), {"student": student.public_id, "outcome": "given", "sats": lot.pk}
    )
    assert refused.status_code == 200
    assert "Eleven har inget lämnat samtycke" in visible_text(refused)
    assert not Vaccination.objects.exists()
    reason = "Vårdnadshavare gav muntligt samtycke i telefon, dokumenteras på papper."
    response = client.post(
        session_url(session),
        {
            "student": student.public_id,
            "outcome": "given",
            "sats": lot.pk,
            "consent_override_reason": reason,
        },
    )
    assert response.status_code == 302
    dose = Vaccination.objects.get(student=student)
    assert dose.consent_public_id is None
    assert dose.consent_override_reason == reason


@needs_doses
def test_given_without_a_lot_saves_nothing(client, nurse_a, session, class_5):
    student = add_student(class_5)
    grant(student, nurse_a)
    client.force_login(nurse_a)
    response = client.post(session_url(session), {"student": student.public_id, "outcome": "given"})
    assert response.status_code == 200
    assert "Välj sats" in visible_text(response)
    assert not Vaccination.objects.exists()


@needs_doses
def test_declined_needs_a_reason_and_is_recorded_signed(client, nurse_a, session, class_5, lot):
    student = add_student(class_5)
    grant(student, nurse_a)
    client.force_login(nurse_a)
    empty = client.post(
        session_url(session), {"student": student.public_id, "outcome": "declined", "reason": " "}
    )
    assert empty.status_code == 200
    assert "Ange skäl." in visible_text(empty)
    assert not Vaccination.objects.exists()
    response = client.post(
        session_url(session),
        {"student": student.public_id, "outcome": "declined", "reason": "Vill vänta till i vår."},
    )
    assert response.status_code == 302
    row = Vaccination.objects.get(student=student)
    assert (row.outcome, row.status, row.reason, row.session) == (
        "declined",
        "signed",
        "Vill vänta till i vår.",
        session,
    )
    assert not RegisterReport.objects.exists()
