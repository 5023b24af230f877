"""Consents, staff pages (consent.views_consents): a student's consents, a new request, recording
a paper or oral answer, a scanned answer, maturity and mandates, and the class page — who may,
what is logged, bad input that keeps what was typed, and a constant query count for a class."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consent import consents as services
from consent.models import (
    AccessAction,
    AccessLogEntry,
    AnswerChannel,
    Consent,
    ConsentAnswer,
    ConsentKind,
    ConsentMandate,
    ConsentStatus,
    MaturityDecision,
)
from schools.models import GuardianRelation, ProtectedIdentity
from tests.helpers import assert_constant_queries, visible_text
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    GuardianFactory,
    GuardianRelationFactory,
    StudentFactory,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def guardian_of(student, relation=GuardianRelation.Type.CUSTODIAN, **fields):
    fields.setdefault("email", "vh@example.invalid")
    guardian = GuardianFactory(**fields)
    GuardianRelationFactory(student=student, guardian=guardian, relation_type=relation)
    return guardian


def member(school_class):
    student = StudentFactory()
    EnrolmentFactory(student=student, school=school_class.school)
    ClassMembershipFactory(student=student, school_class=school_class)
    guardian_of(student)
    return student


@pytest.fixture
def mother(student_a):
    return guardian_of(student_a, given_name="Maria", family_name="Mammasson")


@pytest.fixture
def hpv(student_a, mother, nurse_a):
    return services.request_consent(
        student=student_a, by=nurse_a, kind=ConsentKind.VACCINATION, scope_code="HPV"
    )


def list_url(student):
    return reverse("consent:consent-list", args=[student.public_id])


def answer_url(consent, party=None):
    party = party or consent.parties.get()
    return reverse("consent:answer-record", args=[consent.public_id, party.pk])


def class_url(school_class):
    return reverse("consent:class-consents", args=[school_class.pk])


# --- A student's consents --------------------------------------------------------------------


def test_the_nurse_sees_the_consents_with_parties_and_answers(client, nurse_a, student_a, hpv):
    services.answer(
        hpv.parties.get(),
        "agree",
        channel=AnswerChannel.ORAL,
        by_user=nurse_a,
        note="Mamma i telefon.",
    )
    client.force_login(nurse_a)
    response = client.get(list_url(student_a))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Vaccination: HPV" in text
    assert "Maria Mammasson" in text
    assert "Samtycker" in text and "Muntligt" in text
    assert "Lämnat" in text
    row = AccessLogEntry.objects.filter(student=student_a, user=nurse_a).latest("pk")
    assert row.action == AccessAction.VIEW and row.reason == "care_relation"


def test_the_psychologist_sees_and_asks_too(client, psychologist_a, student_a, hpv):
    client.force_login(psychologist_a)
    response = client.get(list_url(student_a))
    assert response.status_code == 200
    assert "Ny begäran om samtycke" in visible_text(response)


@pytest.mark.parametrize("view", ["consent:consent-list", "consent:consent-new"])
def test_a_nurse_of_another_organisation_gets_404_and_a_refused_row(
    client, nurse_b, student_a, hpv, view
):
    client.force_login(nurse_b)
    assert client.get(reverse(view, args=[student_a.public_id])).status_code == 404
    assert AccessLogEntry.objects.filter(user=nurse_b, action=AccessAction.REFUSED).exists()


def test_the_consent_tab_is_in_the_student_nav(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.get(reverse("schools:student-detail", args=[student_a.public_id]))
    assert list_url(student_a) in response.content.decode()


def test_paper_needed_is_shown_for_protected_identity(client, nurse_a, student_a, mother):
    mother.protected_identity = ProtectedIdentity.SECRECY_MARKING
    mother.save()
    services.request_consent(
        student=student_a, by=nurse_a, kind=ConsentKind.VACCINATION, scope_code="HPV"
    )
    client.force_login(nurse_a)
    assert "Papper behövs" in visible_text(client.get(list_url(student_a)))


# --- A new request -----------------------------------------------------------------------------


def test_a_new_request_is_registered_and_mailed_after_commit(
    client, nurse_a, student_a, mother, django_capture_on_commit_callbacks
):
    client.force_login(nurse_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("consent:consent-new", args=[student_a.public_id]),
            {
                "kind": "vaccination",
                "scope_code": "HPV",
                "school_year": "2026/27",
                "valid_from": "2026-08-20",
                "description": "Två doser under läsåret.",
            },
        )
    assert response.status_code == 302 and response["Location"] == list_url(student_a)
    consent = Consent.objects.get()
    assert (consent.kind, consent.scope_code, consent.requested_by) == (
        "vaccination",
        "HPV",
        nurse_a,
    )
    assert [m.to for m in mail.outbox] == [[mother.email]]
    assert AccessLogEntry.objects.filter(
        user=nurse_a, student=student_a, action=AccessAction.CONSENT_CHANGE
    ).exists()


def test_a_request_with_bad_input_keeps_what_was_typed(client, nurse_a, student_a, mother):
    client.force_login(nurse_a)
    response = client.post(
        reverse("consent:consent-new", args=[student_a.public_id]),
        {
            "kind": "transfer",
            "scope_organisation_number": "1234567890",
            "valid_from": "2026-08-20",
            "valid_until": "2026-08-01",
            "description": "Till friskolan i höst.",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "scope_organisation_number" in form.errors
    assert "valid_until" in form.errors
    html = response.content.decode()
    assert "Till friskolan i höst." in html and 'value="1234567890"' in html
    assert not Consent.objects.exists()


def test_a_request_for_a_student_without_guardians_says_why(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.post(
        reverse("consent:consent-new", args=[student_a.public_id]),
        {"kind": "bhv_record", "valid_from": "2026-08-20", "description": "BVC-journalen."},
    )
    assert response.status_code == 200
    assert "Eleven har ingen vårdnadshavare som kan svara" in visible_text(response)
    assert "BVC-journalen." in response.content.decode()


def test_a_second_open_request_is_refused_on_the_form(client, nurse_a, student_a, hpv):
    client.force_login(nurse_a)
    response = client.post(
        reverse("consent:consent-new", args=[student_a.public_id]),
        {"kind": "vaccination", "scope_code": "HPV", "valid_from": hpv.valid_from.isoformat()},
    )
    assert response.status_code == 200
    assert "redan en öppen begäran" in visible_text(response)
    assert Consent.objects.count() == 1


def test_socialtjansten_from_the_form(client, nurse_a, student_a, mother):
    client.force_login(nurse_a)
    client.post(
        reverse("consent:consent-new", args=[student_a.public_id]),
        {
            "kind": "vaccination",
            "scope_code": "MPR",
            "valid_from": "2026-08-20",
            "social_services": "on",
        },
    )
    consent = Consent.objects.get()
    assert [p.kind for p in consent.parties.all()] == ["social_services"]
    response = client.get(answer_url(consent))
    assert 'value="social_services"' in response.content.decode()


# --- Recording answers -------------------------------------------------------------------------


def test_a_paper_answer_without_a_scan_keeps_the_note(client, nurse_a, hpv):
    client.force_login(nurse_a)
    response = client.post(
        answer_url(hpv), {"answer": "agree", "channel": "paper", "note": "Lämnat i receptionen."}
    )
    assert response.status_code == 200
    assert "inskannade svaret" in response.context["form"].errors["scan"][0]
    assert "Lämnat i receptionen." in response.content.decode()
    assert not ConsentAnswer.objects.exists()


def test_a_scan_of_a_bad_file_type_is_refused_and_the_note_kept(client, nurse_a, hpv):
    client.force_login(nurse_a)
    response = client.post(
        answer_url(hpv),
        {
            "answer": "agree",
            "channel": "paper",
            "note": "Lapp från mamma.",
            "scan": SimpleUploadedFile("svar.docx", b"PK\x03\x04 word", content_type="image/png"),
        },
    )
    assert response.status_code == 200
    assert "Filtypen" in response.context["form"].errors["scan"][0]
    assert "välj filen igen" in visible_text(response)
    assert "Lapp från mamma." in response.content.decode()
    assert not ConsentAnswer.objects.exists()


def test_a_too_large_scan_is_refused_while_uploading(client, nurse_a, hpv, settings):
    settings.CONSENT_SCAN_MAX_BYTES = 40
    client.force_login(nurse_a)
    response = client.post(
        answer_url(hpv),
        {"answer": "agree", "channel": "paper", "scan": SimpleUploadedFile("s.png", PNG)},
    )
    assert response.status_code == 200
    assert "för stor" in response.context["form"].errors["scan"][0]


def test_a_paper_answer_with_a_scan_is_recorded_and_the_scan_downloaded(
    client, nurse_a, nurse_b, hpv, student_a
):
    client.force_login(nurse_a)
    response = client.post(
        answer_url(hpv),
        {"answer": "agree", "channel": "paper", "scan": SimpleUploadedFile("Maria.png", PNG)},
    )
    assert response.status_code == 302
    hpv.refresh_from_db()
    assert hpv.status == ConsentStatus.GRANTED
    answer = ConsentAnswer.objects.get()
    assert answer.answered_by == nurse_a and answer.channel == "paper"

    page = client.get(list_url(student_a)).content.decode()
    scan_url = reverse("consent:answer-scan", args=[hpv.public_id, answer.pk])
    assert scan_url in page

    response = client.get(scan_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Maria" not in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PNG
    row = AccessLogEntry.objects.filter(user=nurse_a, record_type="consent.consentanswer").get()
    assert row.record_id == str(answer.pk) and row.student == student_a

    client.force_login(nurse_b)
    assert client.get(scan_url).status_code == 404
    guessed = reverse("consent:answer-scan", args=[hpv.public_id, answer.pk + 99])
    client.force_login(nurse_a)
    assert client.get(guessed).status_code == 404


def test_an_oral_answer_needs_a_note(client, nurse_a, hpv):
    client.force_login(nurse_a)
    response = client.post(answer_url(hpv), {"answer": "decline", "channel": "oral"})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    response = client.post(
        answer_url(hpv), {"answer": "decline", "channel": "oral", "note": "Pappa i telefon."}
    )
    assert response.status_code == 302
    hpv.refresh_from_db()
    assert hpv.status == ConsentStatus.DECLINED


def test_answering_a_withdrawn_request_is_a_clear_message(client, nurse_a, hpv):
    services.answer(
        hpv.parties.get(), "withdraw", channel=AnswerChannel.ORAL, by_user=nurse_a, note="Ringde."
    )
    client.force_login(nurse_a)
    response = client.post(
        answer_url(hpv), {"answer": "agree", "channel": "oral", "note": "Ångrade sig."}
    )
    assert response.status_code == 200
    assert "återkallat" in visible_text(response)
    assert "Ångrade sig." in response.content.decode()


def test_the_withdraw_link_preselects_the_answer(client, nurse_a, hpv):
    client.force_login(nurse_a)
    response = client.get(answer_url(hpv) + "?svar=withdraw")
    assert response.context["form"]["answer"].value() == "withdraw"


def test_a_party_of_another_consent_is_404(client, nurse_a, student_a, hpv):
    other = services.request_consent(
        student=student_a, by=nurse_a, kind=ConsentKind.VACCINATION, scope_code="MPR"
    )
    client.force_login(nurse_a)
    assert client.get(answer_url(hpv, other.parties.get())).status_code == 404


def test_another_organisation_cannot_record_answers(client, nurse_b, hpv):
    client.force_login(nurse_b)
    response = client.post(answer_url(hpv), {"answer": "agree", "channel": "oral", "note": "x"})
    assert response.status_code == 404
    assert not ConsentAnswer.objects.exists()


# --- Maturity and mandates -----------------------------------------------------------------------


def test_a_maturity_decision_needs_a_reason_and_can_be_ended(client, nurse_a, student_a):
    client.force_login(nurse_a)
    url = reverse("consent:maturity-new", args=[student_a.public_id])
    response = client.post(url, {"kind": "transfer", "reason": "  "})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    response = client.post(url, {"kind": "transfer", "reason": "Förstår vad det innebär."})
    assert response.status_code == 302
    decision = MaturityDecision.objects.get()
    assert decision.decided_by == nurse_a
    assert "Förstår vad det innebär." in visible_text(client.get(list_url(student_a)))

    response = client.post(reverse("consent:maturity-end", args=[decision.pk]))
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.ended_at is not None and decision.ended_by == nurse_a
    # Twice: a message, not an error page.
    response = client.post(reverse("consent:maturity-end", args=[decision.pk]), follow=True)
    assert "redan avslutad" in visible_text(response)


def test_a_mandate_for_a_god_man(client, nurse_a, nurse_b, student_a):
    trustee = guardian_of(student_a, GuardianRelation.Type.TRUSTEE, family_name="Godmansson")
    relation = GuardianRelation.objects.get(guardian=trustee)
    client.force_login(nurse_a)
    url = reverse("consent:mandate-new", args=[student_a.public_id])
    assert "Godmansson" in visible_text(client.get(url))
    response = client.post(url, {"relation": relation.pk, "kind": "vaccination", "basis": ""})
    assert response.status_code == 200 and "basis" in response.context["form"].errors
    response = client.post(
        url, {"relation": relation.pk, "kind": "vaccination", "basis": "Förordnande 2026-01-10"}
    )
    assert response.status_code == 302
    mandate = ConsentMandate.objects.get()
    assert mandate.recorded_by == nurse_a

    client.force_login(nurse_b)
    assert client.post(reverse("consent:mandate-end", args=[mandate.pk])).status_code == 404
    client.force_login(nurse_a)
    assert client.post(reverse("consent:mandate-end", args=[mandate.pk])).status_code == 302
    mandate.refresh_from_db()
    assert mandate.ended_at is not None


def test_a_custodian_cannot_be_chosen_for_a_mandate(client, nurse_a, student_a, mother):
    client.force_login(nurse_a)
    relation = GuardianRelation.objects.get(guardian=mother)
    response = client.post(
        reverse("consent:mandate-new", args=[student_a.public_id]),
        {"relation": relation.pk, "kind": "vaccination", "basis": "x"},
    )
    assert response.status_code == 200 and "relation" in response.context["form"].errors


# --- The class page ------------------------------------------------------------------------------


def test_a_request_for_the_whole_class_in_one_form(
    client, nurse_a, class_a, student_a, mother, django_capture_on_commit_callbacks
):
    others = [member(class_a) for _ in range(2)]
    lonely = StudentFactory(family_name="Ensamsson")
    EnrolmentFactory(student=lonely, school=class_a.school)
    ClassMembershipFactory(student=lonely, school_class=class_a)
    client.force_login(nurse_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            class_url(class_a),
            {"kind": "vaccination", "scope_code": "HPV", "valid_from": "2026-08-20"},
            follow=True,
        )
    assert response.status_code == 200
    consents = Consent.objects.all()
    assert {c.student for c in consents} == {student_a, *others}
    assert len({c.batch for c in consents}) == 1
    text = visible_text(response)
    assert "Begäran är registrerad för 3 elever" in text
    assert "Ensamsson" in text  # told who got none
    assert "0 av 1" in text
    assert len(mail.outbox) == 1  # the same address for every guardian here: one notice


def test_the_class_form_with_bad_input_keeps_what_was_typed(client, nurse_a, class_a, student_a):
    client.force_login(nurse_a)
    response = client.post(
        class_url(class_a),
        {"kind": "vaccination", "valid_from": "2026-08-20", "description": "Dos 1 i oktober."},
    )
    assert response.status_code == 200
    assert "scope_code" in response.context["form"].errors
    assert "Dos 1 i oktober." in response.content.decode()
    assert not Consent.objects.exists()


def test_the_class_page_logs_every_student_it_shows_answers_for(
    client, nurse_a, class_a, student_a, mother
):
    other = member(class_a)
    result = services.request_for_class(
        school_class=class_a, by=nurse_a, kind="vaccination", scope_code="HPV"
    )
    client.force_login(nurse_a)
    response = client.get(class_url(class_a) + f"?utskick={result.batch}")
    assert response.status_code == 200
    logged = set(
        AccessLogEntry.objects.filter(user=nurse_a, action=AccessAction.LIST).values_list(
            "student_id", flat=True
        )
    )
    assert logged == {student_a.pk, other.pk}


def test_the_class_page_is_404_outside_the_users_schools(client, nurse_b, class_a):
    client.force_login(nurse_b)
    assert client.get(class_url(class_a)).status_code == 404


def test_the_class_page_link_is_on_the_class(client, nurse_a, class_a, student_a):
    client.force_login(nurse_a)
    response = client.get(reverse("schools:class-detail", args=[class_a.pk]))
    assert class_url(class_a) in response.content.decode()


def test_the_class_page_takes_the_same_queries_for_5_and_30(
    client, nurse_a, class_a, django_assert_max_num_queries, django_assert_num_queries
):
    for _ in range(5):
        member(class_a)
    result = services.request_for_class(
        school_class=class_a, by=nurse_a, kind="vaccination", scope_code="HPV"
    )

    def grow():
        students = [member(class_a) for _ in range(25)]
        for student in students:
            guardian_of(student)  # two parties each
        services.request_for_class(
            school_class=class_a, by=nurse_a, kind="vaccination", scope_code="HPV"
        )
        for consent in Consent.objects.filter(batch=result.batch)[:3]:
            services.answer(
                consent.parties.first(),
                "agree",
                channel=AnswerChannel.ORAL,
                by_user=nurse_a,
                note="Telefon.",
            )

    client.force_login(nurse_a)
    url = class_url(class_a) + f"?utskick={result.batch}"
    assert_constant_queries(
        client, url, grow, django_assert_max_num_queries, django_assert_num_queries
    )
    assert len(client.get(url).context["students"]) == 30


def test_the_student_page_takes_the_same_queries_for_1_and_6_consents(
    client, nurse_a, student_a, mother, django_assert_max_num_queries, django_assert_num_queries
):
    services.request_consent(student=student_a, by=nurse_a, kind="vaccination", scope_code="A")

    def grow():
        guardian_of(student_a)
        for code in "BCDEF":
            consent = services.request_consent(
                student=student_a, by=nurse_a, kind="vaccination", scope_code=code
            )
            services.answer(
                consent.parties.first(), "agree", channel="oral", by_user=nurse_a, note="Tel."
            )

    client.force_login(nurse_a)
    assert_constant_queries(
        client, list_url(student_a), grow, django_assert_max_num_queries, django_assert_num_queries
    )


# --- The admin -----------------------------------------------------------------------------------


def test_the_admin_shows_consents_read_only_and_logs_the_student(
    client, registry_admin_a, registry_admin_b, hpv, student_a, nurse_a
):
    services.answer(hpv.parties.get(), "agree", channel="oral", by_user=nurse_a, note="Tel.")
    url = reverse("admin:consent_consent_change", args=[hpv.pk])
    client.force_login(registry_admin_a)
    response = client.get(url)
    assert response.status_code == 200
    text = visible_text(response)
    assert student_a.family_name in text and "Mammasson" in text and "Samtycker" in text
    assert 'name="_save"' not in response.content.decode()  # nothing to save
    # Not only protected students: a consent tells what care is asked for.
    assert AccessLogEntry.objects.filter(
        user=registry_admin_a, student=student_a, reason="registry_admin"
    ).exists()
    assert client.get(reverse("admin:consent_consent_add")).status_code == 403
    assert client.get(reverse("admin:consent_consent_delete", args=[hpv.pk])).status_code == 403

    client.force_login(registry_admin_b)
    assert client.get(url).status_code == 302  # "does not exist" for another organisation


def test_the_registry_admin_edits_her_organisations_portal_settings(
    client, registry_admin_a, org_a
):
    from consent.models import PortalSettings

    client.force_login(registry_admin_a)
    response = client.post(
        reverse("admin:consent_portalsettings_add"),
        {"organisation": org_a.pk, "guardians_read_until_age": 13, "student_reads_from_age": 16},
    )
    assert response.status_code == 302
    settings = PortalSettings.objects.get()
    response = client.post(
        reverse("admin:consent_portalsettings_change", args=[settings.pk]),
        {"guardians_read_until_age": 12, "student_reads_from_age": 16},
    )
    assert response.status_code == 302
    settings.refresh_from_db()
    assert settings.guardians_read_until_age == 12
