"""Consents, issue 5 part 1, 5 and 6: parties from the guardian relations, requests for one student
and a class, the multi-party state machine, notices, maturity and mandates (consent.consents)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent import consents as services
from consent.models import (
    AnswerChannel,
    Consent,
    ConsentAnswer,
    ConsentKind,
    ConsentMandate,
    ConsentParty,
    ConsentStatus,
    GuardianAccount,
    MaturityDecision,
    PartyKind,
)
from consent.notices import portal_url
from schools.models import GuardianRelation, ProtectedIdentity
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    GuardianFactory,
    GuardianRelationFactory,
    StudentFactory,
    UserFactory,
)

AGREE, DECLINE, WITHDRAW = "agree", "decline", "withdraw"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TODAY = timezone.localdate


def guardian_of(student, *, relation=GuardianRelation.Type.CUSTODIAN, **fields):
    fields.setdefault("email", f"vh{GuardianFactory._meta.model.objects.count()}@example.invalid")
    guardian = GuardianFactory(**fields)
    GuardianRelationFactory(student=student, guardian=guardian, relation_type=relation)
    return guardian


def member(school_class, **fields):
    student = StudentFactory(**fields)
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    return student


def account(guardian):
    """The guardian's e-ID account (tests may bind users to guardians in factories only)."""
    existing = GuardianAccount.objects.filter(guardian=guardian).first()
    if existing is None:
        existing = GuardianAccount.objects.create(
            user=UserFactory(), guardian=guardian, issuer="demo"
        )
    return existing.user


def hpv(student, by, **extra):
    return services.request_consent(
        student=student, by=by, kind=ConsentKind.VACCINATION, scope_code="HPV", **extra
    )


def party_of(consent, guardian=None, kind=PartyKind.GUARDIAN):
    if guardian is not None:
        return consent.parties.get(guardian=guardian)
    return consent.parties.get(kind=kind)


def portal_answer(consent, guardian, value):
    return services.answer(
        party_of(consent, guardian), value, channel=AnswerChannel.PORTAL, by_user=account(guardian)
    )


def oral(party, value, by, note="Mamma ringde skolsköterskan."):
    return services.answer(party, value, channel=AnswerChannel.ORAL, by_user=by, note=note)


@pytest.fixture
def mother(student_a):
    return guardian_of(student_a, given_name="Maria", family_name="Mammasson")


@pytest.fixture
def father(student_a):
    return guardian_of(student_a, given_name="Fredrik", family_name="Pappasson")


@pytest.fixture
def two_guardians(mother, father):
    return mother, father


# --- Parties ----------------------------------------------------------------------------------


def test_every_custodian_is_a_party(student_a, two_guardians):
    parties = services.parties_for(student_a, ConsentKind.VACCINATION)
    assert {p.guardian for p in parties} == set(two_guardians)
    assert {p.kind for p in parties} == {PartyKind.GUARDIAN}


def test_an_ended_relation_is_not_a_party(student_a, mother):
    former = GuardianFactory()
    GuardianRelationFactory(
        student=student_a, guardian=former, end_date=TODAY() - datetime.timedelta(days=1)
    )
    assert [p.guardian for p in services.parties_for(student_a, ConsentKind.VACCINATION)] == [
        mother
    ]


def test_annan_ansvarig_never_answers(student_a, mother):
    guardian_of(student_a, relation=GuardianRelation.Type.OTHER_RESPONSIBLE)
    assert [p.guardian for p in services.parties_for(student_a, ConsentKind.VACCINATION)] == [
        mother
    ]


def test_a_god_man_answers_only_the_kinds_of_the_mandate(student_a, nurse_a):
    trustee = guardian_of(student_a, relation=GuardianRelation.Type.TRUSTEE)
    with pytest.raises(ValidationError, match="ingen vårdnadshavare som kan svara"):
        services.parties_for(student_a, ConsentKind.VACCINATION)

    relation = GuardianRelation.objects.get(guardian=trustee)
    mandate = services.mandate_record(
        relation=relation, kind=ConsentKind.VACCINATION, basis="Förordnande 2026-01-10", by=nurse_a
    )
    parties = services.parties_for(student_a, ConsentKind.VACCINATION)
    assert [(p.guardian, p.relation_type) for p in parties] == [(trustee, "god_man")]
    with pytest.raises(ValidationError):
        services.parties_for(student_a, ConsentKind.BHV_RECORD)  # not in the mandate

    services.mandate_end(mandate=mandate, by=nurse_a)
    with pytest.raises(ValidationError):
        services.parties_for(student_a, ConsentKind.VACCINATION)
    assert mandate.history.count() == 2  # recorded and ended, with who


def test_an_utsedd_behorig_with_a_mandate_answers_beside_the_custodian(student_a, mother, nurse_a):
    appointed = guardian_of(student_a, relation=GuardianRelation.Type.APPOINTED)
    services.mandate_record(
        relation=GuardianRelation.objects.get(guardian=appointed),
        kind=ConsentKind.VACCINATION,
        basis="Beslut från Migrationsverket",
        by=nurse_a,
    )
    consent = hpv(student_a, nurse_a)
    portal_answer(consent, mother, AGREE)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.PENDING
    portal_answer(consent, appointed, AGREE)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.GRANTED


def test_a_mandate_is_only_for_god_man_or_utsedd_behorig(student_a, mother, nurse_a):
    with pytest.raises(ValidationError, match="god man och utsedd behörig"):
        services.mandate_record(
            relation=GuardianRelation.objects.get(guardian=mother),
            kind=ConsentKind.VACCINATION,
            basis="x",
            by=nurse_a,
        )


def test_a_mature_student_replaces_the_guardians(student_a, two_guardians, nurse_a):
    decision = services.maturity_record(
        student=student_a,
        kind=ConsentKind.TRANSFER,
        reason="Eleven förstår vad överföringen innebär (samtal 2026-02-01).",
        by=nurse_a,
    )
    parties = services.parties_for(student_a, ConsentKind.TRANSFER)
    assert [p.kind for p in parties] == [PartyKind.STUDENT]
    # Only for that kind.
    assert {p.kind for p in services.parties_for(student_a, ConsentKind.VACCINATION)} == {
        PartyKind.GUARDIAN
    }
    consent = services.request_consent(
        student=student_a,
        by=nurse_a,
        kind=ConsentKind.TRANSFER,
        scope_organisation_number="2120000142",
    )
    oral(party_of(consent, kind=PartyKind.STUDENT), AGREE, nurse_a, note="Eleven själv.")
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.GRANTED

    services.maturity_end(decision=decision, by=nurse_a)
    assert {p.kind for p in services.parties_for(student_a, ConsentKind.TRANSFER)} == {
        PartyKind.GUARDIAN
    }


def test_maturity_needs_a_reason_and_a_clinician_of_the_student(student_a, nurse_a, nurse_b):
    with pytest.raises(ValidationError, match="bedömningen"):
        services.maturity_record(student=student_a, kind="transfer", reason=" ", by=nurse_a)
    with pytest.raises(PermissionDenied):
        services.maturity_record(student=student_a, kind="transfer", reason="Mogen.", by=nurse_b)
    assert not MaturityDecision.objects.exists()


def test_socialtjansten_replaces_the_guardians_for_a_placed_child(
    student_a, two_guardians, nurse_a
):
    consent = hpv(student_a, nurse_a, social_services=True)
    assert [(p.kind, p.guardian) for p in consent.parties.all()] == [
        (PartyKind.SOCIAL_SERVICES, None)
    ]
    assert "eleven är placerad" in consent.description
    assert not mail.outbox

    social = party_of(consent, kind=PartyKind.SOCIAL_SERVICES)
    services.answer(
        social,
        AGREE,
        channel=AnswerChannel.SOCIAL_SERVICES,
        by_user=nurse_a,
        note="Beslut från socialsekreteraren.",
    )
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.GRANTED


def test_the_social_services_channel_is_only_for_socialtjansten(student_a, mother, nurse_a):
    consent = hpv(student_a, nurse_a)
    with pytest.raises(ValidationError, match="Bara socialtjänsten"):
        services.answer(
            party_of(consent, mother),
            AGREE,
            channel=AnswerChannel.SOCIAL_SERVICES,
            by_user=nurse_a,
        )
    assert not ConsentAnswer.objects.exists()


def test_nobody_to_answer_is_a_clear_error(student_a, nurse_a):
    with pytest.raises(ValidationError, match="Eleven har ingen vårdnadshavare som kan svara"):
        hpv(student_a, nurse_a)
    assert not Consent.objects.exists()


# --- The state machine ------------------------------------------------------------------------


def test_granted_only_when_both_guardians_agree(student_a, two_guardians, nurse_a):
    mother, father = two_guardians
    consent = hpv(student_a, nurse_a)
    assert consent.status == ConsentStatus.PENDING

    portal_answer(consent, mother, AGREE)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.PENDING
    assert consent.decided_at is None
    assert not services.is_in_force(consent)

    portal_answer(consent, father, AGREE)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.GRANTED
    assert consent.decided_at is not None
    assert services.is_in_force(consent)
    assert list(services.granted_consents([student_a.pk], ConsentKind.VACCINATION)) == [consent]
    # The status change is in the history, with the guardian's user.
    assert consent.history.latest().status == ConsentStatus.GRANTED
    assert consent.history.latest().history_user.guardian_account.guardian == father


def test_declined_as_soon_as_one_guardian_declines(student_a, two_guardians, nurse_a):
    mother, father = two_guardians
    consent = hpv(student_a, nurse_a)
    portal_answer(consent, mother, DECLINE)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.DECLINED
    assert consent.decided_at is not None

    with pytest.raises(ValidationError, match="nekat"):
        portal_answer(consent, father, AGREE)
    assert ConsentAnswer.objects.count() == 1


def test_a_guardian_who_agreed_may_decline_while_the_other_has_not_answered(
    student_a, two_guardians, nurse_a
):
    mother, _father = two_guardians
    consent = hpv(student_a, nurse_a)
    portal_answer(consent, mother, AGREE)
    portal_answer(consent, mother, DECLINE)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.DECLINED


def test_one_guardian_withdraws_later_and_it_holds_at_once(student_a, two_guardians, nurse_a):
    mother, father = two_guardians
    consent = hpv(student_a, nurse_a)
    portal_answer(consent, mother, AGREE)
    portal_answer(consent, father, AGREE)
    portal_answer(consent, father, WITHDRAW)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.WITHDRAWN
    assert not services.is_in_force(consent)
    assert not services.granted_consents([student_a.pk], ConsentKind.VACCINATION).exists()
    assert not Consent.objects.filter(services.in_force_q()).exists()


def test_a_pending_request_can_be_withdrawn(student_a, two_guardians, nurse_a):
    mother, _father = two_guardians
    consent = hpv(student_a, nurse_a)
    oral(party_of(consent, mother), WITHDRAW, nurse_a)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.WITHDRAWN


def test_answering_twice_is_a_clear_error(student_a, two_guardians, nurse_a):
    mother, _father = two_guardians
    consent = hpv(student_a, nurse_a)
    portal_answer(consent, mother, AGREE)
    with pytest.raises(ValidationError, match="har redan samtyckt"):
        portal_answer(consent, mother, AGREE)
    assert ConsentAnswer.objects.count() == 1


def test_agreeing_to_a_granted_consent_is_a_clear_error(student_a, mother, nurse_a):
    consent = hpv(student_a, nurse_a)
    portal_answer(consent, mother, AGREE)
    with pytest.raises(ValidationError, match="redan lämnat"):
        portal_answer(consent, mother, DECLINE)


def test_answering_a_withdrawn_request_is_a_clear_error(student_a, two_guardians, nurse_a):
    mother, father = two_guardians
    consent = hpv(student_a, nurse_a)
    portal_answer(consent, mother, WITHDRAW)
    for value in (AGREE, DECLINE, WITHDRAW):
        with pytest.raises(ValidationError, match="återkallat"):
            portal_answer(consent, father, value)
    assert ConsentAnswer.objects.count() == 1


def test_a_consent_past_its_last_day_is_not_in_force(student_a, mother, nurse_a):
    today = TODAY()
    consent = hpv(
        student_a,
        nurse_a,
        valid_from=today - datetime.timedelta(days=30),
        valid_until=today + datetime.timedelta(days=1),
    )
    portal_answer(consent, mother, AGREE)
    consent.refresh_from_db()
    assert services.is_in_force(consent)
    later = today + datetime.timedelta(days=2)
    assert not services.is_in_force(consent, later)
    assert not services.granted_consents([student_a.pk], "vaccination", on=later).exists()
    assert services.granted_consents([student_a.pk], "vaccination", on=today).exists()


def test_an_expired_request_cannot_be_agreed_to(student_a, mother, nurse_a):
    consent = hpv(student_a, nurse_a, valid_until=TODAY())
    with pytest.raises(ValidationError, match="gick ut"):
        services.answer(
            party_of(consent, mother),
            AGREE,
            channel=AnswerChannel.PORTAL,
            by_user=account(mother),
            on=TODAY() + datetime.timedelta(days=1),
        )


def test_consents_covering_another_provider(student_a, mother, nurse_a):
    consent = services.request_consent(
        student=student_a,
        by=nurse_a,
        kind=ConsentKind.READ_BY_PROVIDER,
        scope_organisation_number="212000-0142",
    )
    assert consent.scope_organisation_number == "2120000142"
    portal_answer(consent, mother, AGREE)
    assert list(services.consents_covering([student_a.pk], "2120000142")) == [consent]
    assert not services.consents_covering([student_a.pk], "2021005489").exists()


# --- Who may answer, and how -------------------------------------------------------------------


def test_a_portal_answer_only_from_the_partys_own_guardian(student_a, two_guardians, nurse_a):
    mother, father = two_guardians
    consent = hpv(student_a, nurse_a)
    fathers_user = account(father)
    with pytest.raises(PermissionDenied):
        services.answer(
            party_of(consent, mother), AGREE, channel=AnswerChannel.PORTAL, by_user=fathers_user
        )
    with pytest.raises(PermissionDenied):  # staff cannot answer "in the portal" for her
        services.answer(
            party_of(consent, mother), AGREE, channel=AnswerChannel.PORTAL, by_user=nurse_a
        )
    assert not ConsentAnswer.objects.exists()


def test_staff_record_answers_only_for_students_they_may_write(student_a, mother, nurse_a, nurse_b):
    consent = hpv(student_a, nurse_a)
    with pytest.raises(PermissionDenied):
        oral(party_of(consent, mother), AGREE, nurse_b)
    assert not ConsentAnswer.objects.exists()


def test_a_paper_answer_needs_a_scan_of_an_allowed_type(student_a, mother, nurse_a):
    consent = hpv(student_a, nurse_a)
    party = party_of(consent, mother)
    with pytest.raises(ValidationError, match="inskannade svaret"):
        services.answer(party, AGREE, channel=AnswerChannel.PAPER, by_user=nurse_a)
    text = SimpleUploadedFile("svar.pdf", b"Hej, vi samtycker", content_type="application/pdf")
    with pytest.raises(ValidationError, match="Filtypen"):
        services.answer(party, AGREE, channel=AnswerChannel.PAPER, by_user=nurse_a, scan=text)
    assert not ConsentAnswer.objects.exists()

    scan = SimpleUploadedFile("Maria Mammasson.png", PNG, content_type="image/png")
    row = services.answer(party, AGREE, channel=AnswerChannel.PAPER, by_user=nurse_a, scan=scan)
    assert row.scan.name and "Mammasson" not in row.scan.name
    assert row.scan.read() == PNG


def test_a_too_large_scan_is_refused(student_a, mother, nurse_a, settings):
    settings.CONSENT_SCAN_MAX_BYTES = 32
    consent = hpv(student_a, nurse_a)
    scan = SimpleUploadedFile("svar.png", PNG, content_type="image/png")
    with pytest.raises(ValidationError, match="för stor"):
        services.answer(
            party_of(consent, mother),
            AGREE,
            channel=AnswerChannel.PAPER,
            by_user=nurse_a,
            scan=scan,
        )


def test_an_oral_answer_needs_a_note(student_a, mother, nurse_a):
    consent = hpv(student_a, nurse_a)
    with pytest.raises(ValidationError, match="muntliga svaret"):
        oral(party_of(consent, mother), AGREE, nurse_a, note="  ")
    row = oral(party_of(consent, mother), AGREE, nurse_a)
    assert row.answered_by == nurse_a and row.channel == AnswerChannel.ORAL


# --- Requests ---------------------------------------------------------------------------------


def test_a_second_open_request_of_the_same_scope_is_refused(student_a, mother, nurse_a):
    first = hpv(student_a, nurse_a)
    with pytest.raises(ValidationError, match="redan en öppen begäran"):
        hpv(student_a, nurse_a)
    # Another vaccine is another scope.
    services.request_consent(
        student=student_a, by=nurse_a, kind=ConsentKind.VACCINATION, scope_code="MPR"
    )
    # Once the first is declined, a new one may be asked.
    portal_answer(first, mother, DECLINE)
    assert hpv(student_a, nurse_a).status == ConsentStatus.PENDING


def test_only_staff_who_may_write_for_the_student_request(student_a, mother, nurse_b):
    with pytest.raises(PermissionDenied):
        hpv(student_a, nurse_b)
    assert not Consent.objects.exists()


def test_a_request_checks_its_scope(student_a, mother, nurse_a):
    with pytest.raises(ValidationError) as error:
        services.request_consent(student=student_a, by=nurse_a, kind=ConsentKind.VACCINATION)
    assert "scope_code" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.request_consent(
            student=student_a,
            by=nurse_a,
            kind=ConsentKind.TRANSFER,
            scope_organisation_number="1234567890",
        )
    assert "scope_organisation_number" in error.value.message_dict


def test_protected_identity_means_paper_only_and_no_mail(
    student_a, mother, nurse_a, django_capture_on_commit_callbacks
):
    student_a.protected_identity = ProtectedIdentity.PROTECTED_REGISTRATION
    student_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        consent = hpv(student_a, nurse_a)
    assert consent.paper_only
    assert mail.outbox == []
    with pytest.raises(ValidationError, match="bara på papper"):
        portal_answer(consent, mother, AGREE)


def test_a_guardian_with_protected_identity_makes_the_request_paper_only(
    student_a, mother, nurse_a, django_capture_on_commit_callbacks
):
    guardian_of(student_a, protected_identity=ProtectedIdentity.SECRECY_MARKING)
    with django_capture_on_commit_callbacks(execute=True):
        consent = hpv(student_a, nurse_a)
    assert consent.paper_only
    assert mail.outbox == []


def test_the_notice_names_nobody_and_links_the_portal(
    student_a, two_guardians, nurse_a, django_capture_on_commit_callbacks
):
    mother, father = two_guardians
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        hpv(student_a, nurse_a, description="Första dosen HPV i åk 5.")
        assert mail.outbox == []  # not before the commit
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mother.email, father.email])
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc
        text = f"{message.subject}\n{message.body}"
        for name in (
            student_a.given_name,
            student_a.family_name,
            mother.given_name,
            mother.family_name,
            father.family_name,
            "HPV",
            "vaccin",
            student_a.identity_number[2:8],
        ):
            assert name.lower() not in text.lower()
        assert "Du har en ny förfrågan om samtycke i elevhälsans portal" in text
        assert portal_url() in text


def test_portal_url_falls_back_to_the_setting(settings):
    settings.SITE_URL = "https://elevhalsa.example.invalid"
    assert portal_url().startswith("https://elevhalsa.example.invalid/portal")


def test_a_guardian_without_an_address_gets_no_mail(
    student_a, nurse_a, django_capture_on_commit_callbacks
):
    guardian_of(student_a, email="")
    with django_capture_on_commit_callbacks(execute=True):
        hpv(student_a, nurse_a)
    assert mail.outbox == []


def test_a_class_request_is_one_act(
    class_a, student_a, mother, nurse_a, django_capture_on_commit_callbacks
):
    others = [member(class_a) for _ in range(3)]
    for student in others[:2]:
        guardian_of(student)
    guardian_of(others[0])  # two guardians
    protected = others[1]
    protected.protected_identity = ProtectedIdentity.FICTITIOUS
    protected.save()
    # others[2] has no guardian; one former member is not asked.
    former = member(class_a)
    guardian_of(former)
    former.class_memberships.update(end_date=TODAY() - datetime.timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        result = services.request_for_class(
            school_class=class_a, by=nurse_a, kind=ConsentKind.VACCINATION, scope_code="HPV"
        )
    assert {c.student for c in result.created} == {student_a, others[0], protected}
    assert [student for student, _why in result.skipped] == [others[2]]
    assert "ingen vårdnadshavare" in result.skipped[0][1]
    consents = Consent.objects.filter(batch=result.batch)
    assert consents.count() == 3
    assert {c.school_class for c in consents} == {class_a}
    assert {c.school_year for c in consents} == {class_a.school_year}
    assert consents.get(student=protected).paper_only
    assert ConsentParty.objects.filter(consent__batch=result.batch).count() == 4
    assert len(mail.outbox) == 3  # mother, others[0]'s two; none for the protected student
    assert all(c.history.count() == 1 for c in consents)

    # Again: everyone already has an open request.
    again = services.request_for_class(
        school_class=class_a, by=nurse_a, kind=ConsentKind.VACCINATION, scope_code="HPV"
    )
    assert again.created == [] and len(again.skipped) == 4


def test_a_class_request_takes_the_same_queries_for_5_and_30(class_a, nurse_a):
    def request(kind_code):
        with CaptureQueriesContext(connection) as queries:
            services.request_for_class(
                school_class=class_a, by=nurse_a, kind=ConsentKind.VACCINATION, scope_code=kind_code
            )
        return len(queries)

    for _ in range(5):
        guardian_of(member(class_a))
    small = request("HPV")
    for _ in range(25):
        student = member(class_a)
        guardian_of(student)
        guardian_of(student)
    assert request("MPR") == small
    assert Consent.objects.filter(scope_code="MPR").count() == 30


def test_a_class_request_is_only_for_members_the_user_may_write_for(class_a, student_a, nurse_b):
    guardian_of(student_a)
    with pytest.raises(ValidationError, match="inga elever"):
        services.request_for_class(
            school_class=class_a, by=nurse_b, kind=ConsentKind.VACCINATION, scope_code="HPV"
        )


def test_a_mandate_cannot_be_recorded_twice(student_a, nurse_a):
    trustee = guardian_of(student_a, relation=GuardianRelation.Type.TRUSTEE)
    relation = GuardianRelation.objects.get(guardian=trustee)
    services.mandate_record(relation=relation, kind="vaccination", basis="Förordnande", by=nurse_a)
    with pytest.raises(ValidationError, match="finns redan"):
        services.mandate_record(relation=relation, kind="vaccination", basis="Igen", by=nurse_a)
    assert ConsentMandate.objects.count() == 1


def test_the_demo_makes_a_pending_class_request_and_one_granted(db):
    from consent.demo import create_demo_consents
    from schools.models import Profession
    from tests.schools.factories import (
        AssignmentFactory,
        SchoolClassFactory,
        SchoolFactory,
        StaffMemberFactory,
    )

    school = SchoolFactory(name="Björkskolan")
    fifth = SchoolClassFactory(school=school, grade=5, name="5A")
    nurse = StaffMemberFactory(
        organisation=school.organisation,
        profession=Profession.SCHOOL_NURSE,
        user__username="skolskoterska.bjork",
    )
    AssignmentFactory(staff_member=nurse, school=school)
    for _ in range(3):
        guardian_of(member(fifth))
    assert create_demo_consents() == 3
    statuses = sorted(Consent.objects.values_list("status", flat=True))
    assert statuses == ["granted", "pending", "pending"]
    assert create_demo_consents() == 0  # once
