"""The guardian portal's pages (consent.portal.views) and the staff pages for decisions about a
guardian's reading (consent.views_guardian_access).

Who gets in (a portal session only), which children and sections a guardian sees, what is never
shown (unshared, withdrawn, EPI and draft entries: by marker text), one guardian access-log row
per child page, refused rows for another child's URL, answering consents (twice, withdrawn), a
constant number of queries, and the staff decisions a guardian cannot make herself.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.consents import answer, request_consent
from consent.models import (
    AccessAction,
    AccessLogEntry,
    AccessReason,
    AnswerChannel,
    ConsentAnswer,
    ConsentKind,
    ConsentStatus,
    GuardianAccessDecision,
)
from consent.portal.decisions import guardian_access_decide
from consent.portal.rights import turns
from journal.models import EntryMark, MarkKind
from journal.services.entries import entry_save_draft, entry_sign, entry_start_correction, mark_set
from schools.models import GuardianRelation, ProtectedIdentity
from tests.consent.portal_fakes import portal_client
from tests.helpers import assert_constant_queries, visible_text
from tests.journal.factories import make_entry
from tests.schools.factories import (
    EnrolmentFactory,
    GuardianFactory,
    GuardianRelationFactory,
    StudentFactory,
    identity_number_for,
)

Kind = GuardianAccessDecision.Kind
CHILD_PAGE_MAX_QUERIES = 25


@pytest.fixture
def guardian(student_a):
    guardian = GuardianFactory(given_name="Gunnel", family_name="Förälder")
    GuardianRelationFactory(student=student_a, guardian=guardian)
    return guardian


@pytest.fixture
def guardian_client(guardian):
    return portal_client(guardian)


def child_url(student) -> str:
    return reverse("portal:child", args=[student.public_id])


def consent_url(consent) -> str:
    return reverse("portal:consent", args=[consent.student.public_id, consent.public_id])


def log_rows(**filters):
    return list(AccessLogEntry.objects.filter(**filters).order_by("pk"))


def note(nurse, student, text, *, share=True, school=None):
    """A signed telephone note whose assessment is ``text`` (a marker), shared if asked."""
    entry = make_entry(
        nurse,
        student,
        template="telefonkontakt",
        values={"kontakt-med": "Mamma", "kontaktorsak": "Huvudvärk", "bedomning": text},
        sign=True,
        school=school,
    )
    if share:
        mark_set(entry=entry, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse)
    return entry


def hpv(student, nurse, **extra):
    extra.setdefault("school_year", "2026/27")
    return request_consent(
        student=student, by=nurse, kind=ConsentKind.VACCINATION, scope_code="HPV", **extra
    )


# --- Who gets in ----------------------------------------------------------------------------------


def test_anonymous_goes_to_the_portal_sign_in(unverified_client, student_a):
    for url in (reverse("portal:home"), child_url(student_a)):
        response = unverified_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:login"))
        assert "next=" in response["Location"]


def test_a_staff_session_is_not_a_portal_session(client, nurse_a, student_a, guardian):
    client.force_login(nurse_a)
    for url in (reverse("portal:home"), child_url(student_a)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("portal:login"))


def test_a_guardian_user_without_the_e_id_mark_is_not_signed_in(guardian, student_a):
    client = portal_client(guardian)
    session = client.session
    session.clear()
    session.save()
    response = client.get(child_url(student_a))
    assert response.status_code == 302
    assert not log_rows(student=student_a)


# --- The list of children -------------------------------------------------------------------------


def test_home_lists_the_children_with_class_and_waiting_requests_and_logs_nothing(
    guardian, guardian_client, student_a, class_a, nurse_a
):
    hpv(student_a, nurse_a)
    protected = StudentFactory(
        given_name="Skyddad", protected_identity=ProtectedIdentity.SECRECY_MARKING
    )
    GuardianRelationFactory(student=protected, guardian=guardian)
    response = guardian_client.get(reverse("portal:home"))
    assert response.status_code == 200
    text = visible_text(response)
    assert student_a.full_name in text
    assert f"klass {class_a.name}" in text
    assert "1 förfrågan väntar på ditt svar" in text
    assert protected.full_name not in text
    assert protected.family_name not in response.content.decode()
    assert "Gunnel Förälder" in text  # who is signed in
    assert not AccessLogEntry.objects.exists()  # names only (rule 9)


def test_home_with_no_children(guardian_client, guardian):
    GuardianRelation.objects.filter(guardian=guardian).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1),
        start_date=timezone.localdate() - datetime.timedelta(days=10),
    )
    response = guardian_client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "inga barn" in visible_text(response)


# --- One child: rights, sections, log -------------------------------------------------------------


def test_child_page_shows_sections_and_writes_one_guardian_row(
    guardian, guardian_client, student_a, nurse_a, school_a
):
    note(nurse_a, student_a, "DELAD-MARKÖR", school=school_a)
    response = guardian_client.get(child_url(student_a))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Förfrågningar om samtycke" in text
    assert "Delade anteckningar" in text
    assert "DELAD-MARKÖR" in text
    (row,) = log_rows(student=student_a)
    assert row.action == AccessAction.VIEW
    assert row.reason == AccessReason.GUARDIAN
    assert row.user == guardian.account.user
    assert row.organisation_id == school_a.organisation_id
    assert row.view_name == "portal:child"


def test_another_childs_url_is_404_with_a_refused_row(guardian_client, student_a):
    stranger = StudentFactory(given_name="Främling", family_name="Annansdotter")
    GuardianRelationFactory(student=stranger)
    response = guardian_client.get(child_url(stranger))
    assert response.status_code == 404
    assert "Annansdotter" not in response.content.decode()
    (row,) = log_rows(student=stranger)
    assert row.action == AccessAction.REFUSED and row.reason == AccessReason.NONE


def test_a_guessed_id_is_404_with_a_refused_row(guardian_client):
    response = guardian_client.get("/portal/barn/inte-ett-id/")
    # A malformed id never reaches the view (the URL pattern is a UUID): a plain 404.
    assert response.status_code == 404
    url = reverse("portal:child", args=["00000000-0000-4000-8000-000000000000"])
    assert guardian_client.get(url).status_code == 404
    (row,) = log_rows(action=AccessAction.REFUSED)
    assert row.student is None


def test_an_ended_relation_is_404(guardian, guardian_client, student_a):
    GuardianRelation.objects.filter(guardian=guardian).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert guardian_client.get(child_url(student_a)).status_code == 404
    (row,) = log_rows(student=student_a)
    assert row.action == AccessAction.REFUSED


def test_a_protected_child_is_404_and_not_shown(guardian, guardian_client):
    protected = StudentFactory(protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION)
    GuardianRelationFactory(student=protected, guardian=guardian)
    response = guardian_client.get(child_url(protected))
    assert response.status_code == 404
    assert protected.family_name not in response.content.decode()
    (row,) = log_rows(student=protected)
    assert row.action == AccessAction.REFUSED and row.protected


def test_the_portal_shows_exactly_the_shared_entries(
    guardian_client, student_a, nurse_a, psychologist_a
):
    note(nurse_a, student_a, "DELAD-MARKÖR")
    note(nurse_a, student_a, "ODELAD-MARKÖR", share=False)
    withdrawn = note(nurse_a, student_a, "ÅTERTAGEN-MARKÖR")
    mark_set(
        entry=withdrawn,
        kind=MarkKind.SHARED_WITH_GUARDIANS,
        by=nurse_a,
        active=False,
        reason="Delad av misstag.",
    )
    make_entry(
        nurse_a,
        student_a,
        template="telefonkontakt",
        values={"kontakt-med": "Mamma", "bedomning": "UTKAST-MARKÖR"},
    )
    epi = make_entry(
        psychologist_a,
        student_a,
        template="psykologsamtal",
        values={"samtalsorsak": "Oro", "bedomning": "EPI-MARKÖR"},
        sign=True,
    )
    # The service refuses sharing an EPI entry; a row written around it is still never shown.
    EntryMark.objects.create(
        entry=epi,
        kind=MarkKind.SHARED_WITH_GUARDIANS,
        created_by=psychologist_a,
        created_by_name="Psykolog",
    )
    content = guardian_client.get(child_url(student_a)).content.decode()
    assert "DELAD-MARKÖR" in content
    for marker in ("ODELAD-MARKÖR", "ÅTERTAGEN-MARKÖR", "UTKAST-MARKÖR", "EPI-MARKÖR"):
        assert marker not in content, marker
    # No staff actions or staff pages from the portal.
    assert "/journal/" not in content
    assert "Rätta" not in content and "Skriv ut" not in content


def test_another_childs_shared_entry_is_not_shown(guardian_client, student_a, nurse_a, class_a):
    sibling = StudentFactory()
    EnrolmentFactory(student=sibling, school=class_a.school)
    note(nurse_a, sibling, "SYSKONETS-MARKÖR")
    assert "SYSKONETS-MARKÖR" not in guardian_client.get(child_url(student_a)).content.decode()


def test_a_corrected_shared_entry_shows_its_correction(guardian_client, student_a, nurse_a):
    original = note(nurse_a, student_a, "FÖRE-RÄTTELSE")
    correction = entry_start_correction(original=original, by=nurse_a, reason="Fel uppgift.")
    correction = entry_save_draft(
        entry=correction,
        by=nurse_a,
        lock_version=correction.lock_version,
        values={"kontakt-med": "Mamma", "kontaktorsak": "Huvudvärk", "bedomning": "EFTER-RÄTTELSE"},
    )
    text = visible_text(guardian_client.get(child_url(student_a)))
    assert "FÖRE-RÄTTELSE" in text and "EFTER-RÄTTELSE" not in text  # a draft is not shown
    entry_sign(entry=correction, by=nurse_a)
    text = visible_text(guardian_client.get(child_url(student_a)))
    assert "EFTER-RÄTTELSE" in text
    assert "FÖRE-RÄTTELSE" not in text
    assert "rättades" in text
    assert "Fel uppgift." not in text  # the reason is the staff's


def test_a_blocked_guardian_answers_consents_but_reads_nothing(
    guardian, guardian_client, student_a, nurse_a
):
    note(nurse_a, student_a, "DELAD-MARKÖR")
    hpv(student_a, nurse_a)
    guardian_access_decide(
        student=student_a,
        guardian=guardian,
        kind=Kind.BLOCK,
        reason="SKÄLET-TILL-SPÄRR",
        by=nurse_a,
    )
    text = visible_text(guardian_client.get(child_url(student_a)))
    assert "DELAD-MARKÖR" not in text and "Delade anteckningar" not in text
    assert "SKÄLET-TILL-SPÄRR" not in text
    assert "Barnets journal visas inte för dig i portalen" in text
    assert "Förfrågningar om samtycke" in text and "Läs och svara" in text


def test_a_13_year_old_is_not_read_by_guardians(guardian, school_a, nurse_a):
    today = timezone.localdate()
    teen = StudentFactory(identity_number=identity_number_for(turns(today, -13)))
    EnrolmentFactory(student=teen, school=school_a)
    GuardianRelationFactory(student=teen, guardian=guardian)
    note(nurse_a, teen, "TONÅRS-MARKÖR")
    text = visible_text(portal_client(guardian).get(child_url(teen)))
    assert "TONÅRS-MARKÖR" not in text
    assert "Från 13 års ålder visas inte barnets journal för vårdnadshavare" in text


def test_child_page_queries_are_constant(
    guardian_client,
    guardian,
    student_a,
    nurse_a,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    note(nurse_a, student_a, "FÖRSTA")
    hpv(student_a, nurse_a)

    def grow():
        for n in range(4):
            note(nurse_a, student_a, f"FLER-{n}")
        request_consent(
            student=student_a, by=nurse_a, kind=ConsentKind.BHV_RECORD, description="BVC"
        )
        request_consent(
            student=student_a, by=nurse_a, kind=ConsentKind.VACCINATION, scope_code="MPR"
        )

    # The page gathers the sections of several apps (consents, entries, visits, growth, …):
    # a wider cap than a single list's, and the same count however much each section holds.
    assert_constant_queries(
        guardian_client,
        child_url(student_a),
        grow,
        lambda _cap: django_assert_max_num_queries(CHILD_PAGE_MAX_QUERIES),
        django_assert_num_queries,
    )


# --- Answering a consent request ------------------------------------------------------------------


def test_the_request_page_says_what_is_asked_and_logs_it(guardian_client, student_a, nurse_a):
    consent = hpv(student_a, nurse_a, description="Dos 1 ges i skolan vecka 12.")
    response = guardian_client.get(consent_url(consent))
    assert response.status_code == 200
    text = visible_text(response)
    for expected in (
        "Vaccination",
        "HPV",
        "2026/27",
        "Dos 1 ges i skolan vecka 12.",
        "Jag samtycker",
    ):
        assert expected in text, expected
    (row,) = log_rows(student=student_a)
    assert (row.action, row.reason) == (AccessAction.VIEW, AccessReason.GUARDIAN)
    assert row.record_id == str(consent.pk)


def test_a_guardian_agrees_then_answering_twice_changes_nothing(
    guardian, guardian_client, student_a, nurse_a
):
    consent = hpv(student_a, nurse_a)
    response = guardian_client.post(consent_url(consent), {"answer": "agree"}, follow=True)
    assert "Tack! Ditt samtycke är registrerat." in visible_text(response)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.GRANTED
    (row,) = ConsentAnswer.objects.all()
    assert (row.channel, row.answered_by) == (AnswerChannel.PORTAL, guardian.account.user)
    changes = log_rows(student=student_a, action=AccessAction.CONSENT_CHANGE)
    assert len(changes) == 1 and changes[0].reason == AccessReason.GUARDIAN

    response = guardian_client.post(consent_url(consent), {"answer": "agree"}, follow=True)
    assert response.status_code == 200
    assert "redan" in visible_text(response)
    assert ConsentAnswer.objects.count() == 1
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.GRANTED


def test_a_guardian_withdraws_a_granted_consent(guardian_client, student_a, nurse_a):
    consent = hpv(student_a, nurse_a)
    guardian_client.post(consent_url(consent), {"answer": "agree"})
    page = visible_text(guardian_client.get(consent_url(consent)))
    assert "Återkalla samtycket" in page and "Jag samtycker inte" not in page
    response = guardian_client.post(consent_url(consent), {"answer": "withdraw"}, follow=True)
    assert "Samtycket är återkallat." in visible_text(response)
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.WITHDRAWN


def test_answering_a_withdrawn_request_changes_nothing(
    guardian, guardian_client, student_a, nurse_a
):
    other = GuardianFactory()
    GuardianRelationFactory(student=student_a, guardian=other)
    consent = hpv(student_a, nurse_a)
    other_party = consent.parties.get(guardian=other)
    answer(other_party, "withdraw", channel=AnswerChannel.ORAL, by_user=nurse_a, note="Ringde.")
    page = visible_text(guardian_client.get(consent_url(consent)))
    assert "Återkallat" in page and "Jag samtycker" not in page
    response = guardian_client.post(consent_url(consent), {"answer": "agree"}, follow=True)
    assert "återkallat och kan inte besvaras" in visible_text(response)
    assert ConsentAnswer.objects.count() == 1
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.WITHDRAWN


def test_a_bad_answer_value_is_a_message(guardian_client, student_a, nurse_a):
    consent = hpv(student_a, nurse_a)
    response = guardian_client.post(consent_url(consent), {"answer": "maybe"}, follow=True)
    assert "Välj ett svar." in visible_text(response)
    assert not ConsentAnswer.objects.exists()


def test_another_childs_consent_is_404(guardian, guardian_client, student_a, nurse_a, school_a):
    sibling = StudentFactory()
    EnrolmentFactory(student=sibling, school=school_a)
    GuardianRelationFactory(student=sibling)
    foreign = hpv(sibling, nurse_a)
    url = reverse("portal:consent", args=[student_a.public_id, foreign.public_id])
    assert guardian_client.get(url).status_code == 404
    assert guardian_client.post(url, {"answer": "agree"}).status_code == 404
    assert not ConsentAnswer.objects.exists()
    refused = log_rows(action=AccessAction.REFUSED)
    assert len(refused) == 2 and refused[0].student == student_a


def test_a_mature_students_own_consent_is_not_shown_to_guardians(
    guardian_client, student_a, nurse_a
):
    from consent.consents import maturity_record

    maturity_record(
        student=student_a,
        kind=ConsentKind.TRANSFER,
        reason="Mogen att bestämma själv.",
        by=nurse_a,
    )
    own = request_consent(
        student=student_a,
        by=nurse_a,
        kind=ConsentKind.TRANSFER,
        scope_organisation_number="2120000142",
        description="ELEVENS-EGET-SAMTYCKE",
    )
    assert "ELEVENS-EGET-SAMTYCKE" not in guardian_client.get(child_url(student_a)).content.decode()
    assert guardian_client.get(consent_url(own)).status_code == 404


def test_a_trustee_answers_under_her_mandate_and_not_after_it_ended(student_a, nurse_a):
    from consent.consents import mandate_end, mandate_record

    trustee = GuardianFactory()
    relation = GuardianRelationFactory(
        student=student_a, guardian=trustee, relation_type=GuardianRelation.Type.TRUSTEE
    )
    mandate = mandate_record(
        relation=relation, kind=ConsentKind.VACCINATION, basis="Förordnande.", by=nurse_a
    )
    first, second = hpv(student_a, nurse_a), hpv(student_a, nurse_a, school_year="2027/28")
    client = portal_client(trustee)
    assert "Jag samtycker" in visible_text(client.get(consent_url(first)))
    response = client.post(consent_url(first), {"answer": "agree"}, follow=True)
    assert "Tack!" in visible_text(response)

    mandate_end(mandate=mandate, by=nurse_a)
    # Without a mandate the god man has no answering right: no consent section, no answer.
    assert "Förfrågningar om samtycke" not in visible_text(client.get(child_url(student_a)))
    page = visible_text(client.get(consent_url(second)))
    assert "Du kan inte svara på den här typen av samtycke" in page
    response = client.post(consent_url(second), {"answer": "agree"}, follow=True)
    assert "Du kan inte svara på den här typen av samtycke" in visible_text(response)
    assert ConsentAnswer.objects.count() == 1


# --- Staff pages: decisions about a guardian's reading --------------------------------------------


def staff_url(student, name="consent:guardian-access") -> str:
    return reverse(name, args=[student.public_id])


def test_the_nurse_sees_each_guardians_rights_and_a_tab(client, nurse_a, student_a, guardian):
    client.force_login(nurse_a)
    response = client.get(staff_url(student_a))
    assert response.status_code == 200
    text = visible_text(response)
    assert "Gunnel Förälder" in text
    assert "Läser: barnet är under åldersgränsen" in text
    (row,) = log_rows(student=student_a)
    assert (row.action, row.reason) == (AccessAction.VIEW, AccessReason.CARE_RELATION)
    # The tab on the student's other pages.
    alerts = client.get(reverse("journal:alert-list", args=[student_a.public_id]))
    assert f'href="{staff_url(student_a)}"' in alerts.content.decode()


def test_the_nurse_sees_whether_a_guardian_has_signed_in_to_the_portal(
    client, nurse_a, student_a, guardian
):
    client.force_login(nurse_a)
    assert "Har inte loggat in" in visible_text(client.get(staff_url(student_a)))

    portal_client(guardian).get(reverse("portal:home"))
    today = timezone.localdate().isoformat()
    text = visible_text(client.get(staff_url(student_a)))
    assert f"Inloggad med e-legitimation sedan {today}, senast {today}" in text
    assert "Har inte loggat in" not in text


def test_the_nurse_blocks_a_guardian_and_ends_the_block(client, nurse_a, student_a, guardian):
    client.force_login(nurse_a)
    relation = GuardianRelation.objects.get(guardian=guardian)
    response = client.post(
        staff_url(student_a, "consent:guardian-access-new"),
        {
            "relation": relation.pk,
            "kind": Kind.BLOCK,
            "reason": "Betydande men.",
            "valid_until": "",
        },
    )
    assert response.status_code == 302
    decision = GuardianAccessDecision.objects.get()
    assert (decision.kind, decision.decided_by, decision.guardian) == (
        Kind.BLOCK,
        nurse_a,
        guardian,
    )
    assert log_rows(student=student_a, action=AccessAction.EDIT)
    page = visible_text(client.get(staff_url(student_a)))
    assert "Betydande men." in page and "spärr enligt beslut" in page
    assert "Barnets journal visas inte" in visible_text(
        portal_client(guardian).get(child_url(student_a))
    )

    end_url = reverse("consent:guardian-access-end", args=[student_a.public_id, decision.pk])
    refused = client.post(end_url, {"end_reason": "  "})
    assert refused.status_code == 200
    assert "Skriv skälet till att beslutet upphävs." in visible_text(refused)
    decision.refresh_from_db()
    assert decision.ended_at is None
    assert client.post(end_url, {"end_reason": "Läget har ändrats."}).status_code == 302
    decision.refresh_from_db()
    assert decision.ended_at is not None and decision.end_reason == "Läget har ändrats."
    page = visible_text(client.get(staff_url(student_a)))
    assert "Tidigare beslut" in page and "Läget har ändrats." in page


def test_an_extension_without_a_date_comes_back_with_the_text(client, nurse_a, student_a, guardian):
    client.force_login(nurse_a)
    relation = GuardianRelation.objects.get(guardian=guardian)
    response = client.post(
        staff_url(student_a, "consent:guardian-access-new"),
        {"relation": relation.pk, "kind": Kind.EXTEND, "reason": "MIN-TEXT", "valid_until": ""},
    )
    assert response.status_code == 200
    assert "Ange till och med vilket datum" in visible_text(response)
    assert "MIN-TEXT" in response.content.decode()
    assert not GuardianAccessDecision.objects.exists()


def test_another_organisations_nurse_gets_404(client, nurse_b, student_a, guardian):
    client.force_login(nurse_b)
    assert client.get(staff_url(student_a)).status_code == 404
    assert client.get(staff_url(student_a, "consent:guardian-access-new")).status_code == 404


def test_a_guardian_cannot_block_or_open_the_staff_pages(guardian_client, student_a, guardian):
    relation = GuardianRelation.objects.get(guardian=guardian)
    for url in (staff_url(student_a), staff_url(student_a, "consent:guardian-access-new")):
        response = guardian_client.get(url)
        assert response.status_code in (302, 403, 404)
        assert guardian.family_name not in response.content.decode()
    response = guardian_client.post(
        staff_url(student_a, "consent:guardian-access-new"),
        {"relation": relation.pk, "kind": Kind.BLOCK, "reason": "Jag vill spärra."},
    )
    assert response.status_code in (302, 403, 404)
    assert not GuardianAccessDecision.objects.exists()
