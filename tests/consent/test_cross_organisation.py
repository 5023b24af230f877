"""Another care provider's records (issue 5 part 2, DESIGN.md access rule 3, R-ACL-6).

Alva moved from Friskolan B (organisation B, another care provider) to school A. Nurse A has a
care relation to her; organisation B's nurse and psychologist wrote entries there. Nurse A sees
only *that* B holds entries until a granted consent covers them *and* she makes an active choice;
then she reads (never writes or signs) B's EMI entries, for the window only.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from consent.models import (
    AccessAction,
    AccessLogEntry,
    AccessReason,
    ActiveChoice,
    AnswerChannel,
    Consent,
    ConsentAnswer,
    ConsentKind,
    ConsentParty,
    ConsentStatus,
    PartyKind,
)
from consent.policy import Action
from consent.policy.cross import covering_consents
from consent.services_cross import make_active_choice
from journal.access import visible_entries
from journal.models import JournalEntry
from schools.models import Profession
from tests.helpers import visible_text
from tests.journal.factories import make_entry
from tests.schools.factories import (
    AssignmentFactory,
    EnrolmentFactory,
    GuardianFactory,
    OrganisationFactory,
    SchoolFactory,
    StaffMemberFactory,
    StudentFactory,
)

B_MARKER = "B-MARKÖR huvudvärk hos förra vårdgivaren"
B_EPI_MARKER = "B-EPI-MARKÖR samtal hos förra vårdgivaren"
A_MARKER = "A-MARKÖR egen anteckning"
PHONE = {"kontakt-med": "Mamma", "bedomning": "Råd om sömn."}


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _staff(school, profession, username):
    member = StaffMemberFactory(
        organisation=school.organisation, profession=profession, user__username=username
    )
    AssignmentFactory(staff_member=member, school=school)
    return member.user


@pytest.fixture
def moved_student(student_a, school_b):
    """student_a was at school B (organisation B) until she started at school A."""
    EnrolmentFactory(
        student=student_a, school=school_b, start_date=_days(-800), end_date=_days(-401)
    )
    return student_a


@pytest.fixture
def nurse_b_entry(moved_student, school_b):
    nurse = _staff(school_b, Profession.SCHOOL_NURSE, "cross_nurse_b")
    return make_entry(
        nurse,
        moved_student,
        template="telefonkontakt",
        values={"kontakt-med": "Mamma", "bedomning": B_MARKER},
        sign=True,
        school=school_b,
    )


@pytest.fixture
def psychologist_b_entry(moved_student, school_b):
    psychologist = _staff(school_b, Profession.PSYCHOLOGIST, "cross_psych_b")
    return make_entry(
        psychologist,
        moved_student,
        template="psykologsamtal",
        values={"samtalsorsak": "Oro", "bedomning": B_EPI_MARKER},
        sign=True,
        school=school_b,
    )


@pytest.fixture
def own_entry(nurse_a, moved_student, school_a):
    return make_entry(
        nurse_a,
        moved_student,
        template="telefonkontakt",
        values={"kontakt-med": "Pappa", "bedomning": A_MARKER},
        sign=True,
        school=school_a,
    )


def grant_consent(student, requester, scope_organisation, *, area="", **fields) -> Consent:
    """A read_by_provider consent both guardians agreed to (made directly, as staff would see
    it after the multi-party answers)."""
    values = {
        "student": student,
        "organisation": requester.staff_member.organisation,
        "kind": ConsentKind.READ_BY_PROVIDER,
        "scope_organisation_number": scope_organisation.organisation_number,
        "scope_area": area,
        "valid_from": _days(-10),
        "status": ConsentStatus.GRANTED,
        "decided_at": timezone.now(),
        "requested_by": requester,
    }
    consent = Consent.objects.create(**(values | fields))
    for given_name in ("Gunnel", "Göran"):
        guardian = GuardianFactory(given_name=given_name, family_name="Samtyckesson")
        party = ConsentParty.objects.create(
            consent=consent, kind=PartyKind.GUARDIAN, guardian=guardian
        )
        ConsentAnswer.objects.create(
            party=party,
            answer=ConsentAnswer.Answer.AGREE,
            channel=AnswerChannel.PORTAL,
            answered_by=requester,
        )
    return consent


@pytest.fixture
def consent(nurse_a, moved_student, org_b) -> Consent:
    return grant_consent(moved_student, nurse_a, org_b)


def record_url(student) -> str:
    return reverse("journal:record", args=[student.public_id])


def choice_url(student, organisation) -> str:
    return reverse("journal:active-choice", args=[student.public_id, organisation.pk])


def choose(client, student, organisation):
    return client.post(choice_url(student, organisation), {"confirmed": "on"})


def last_log(user) -> AccessLogEntry:
    return AccessLogEntry.objects.filter(user=user).order_by("-pk").first()


# --- Without consent: only that records exist --------------------------------------------------


def test_without_consent_the_nurse_sees_only_that_another_provider_holds_entries(
    client, nurse_a, moved_student, nurse_b_entry, own_entry, org_b
):
    client.force_login(nurse_a)
    response = client.get(record_url(moved_student))
    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(response)
    assert f"Det finns journaluppgifter hos annan vårdgivare: {org_b.name}" in text
    assert "Samtycke saknas" in text
    assert "Läs uppgifterna (aktivt val)" not in text
    assert choice_url(moved_student, org_b) not in html
    assert B_MARKER not in html
    assert A_MARKER in html


def test_the_choice_page_without_consent_is_403_and_logged_refused(
    client, nurse_a, moved_student, nurse_b_entry, org_b
):
    client.force_login(nurse_a)
    response = client.get(choice_url(moved_student, org_b))
    assert response.status_code == 403
    assert "Det finns inget gällande samtycke" in visible_text(response)
    assert moved_student.family_name not in response.content.decode()
    row = last_log(nurse_a)
    assert (row.action, row.reason, row.student) == (
        AccessAction.REFUSED,
        AccessReason.NONE,
        moved_student,
    )
    assert choose(client, moved_student, org_b).status_code == 403
    assert not ActiveChoice.objects.exists()


def test_no_notice_when_no_other_provider_holds_entries(client, nurse_a, moved_student, own_entry):
    client.force_login(nurse_a)
    response = client.get(record_url(moved_student))
    assert "annan vårdgivare" not in visible_text(response)
    assert response.context["other_providers"] == []


# --- With consent: the notice offers the active choice; nothing opens by itself ------------------


def test_with_consent_but_no_choice_only_the_notice_and_the_button(
    client, nurse_a, moved_student, nurse_b_entry, consent, org_b
):
    client.force_login(nurse_a)
    response = client.get(record_url(moved_student))
    html = response.content.decode()
    text = visible_text(response)
    assert f"Det finns journaluppgifter hos annan vårdgivare: {org_b.name}" in text
    assert "Läs uppgifterna (aktivt val)" in text
    assert "Samtycke saknas" not in text
    assert choice_url(moved_student, org_b) in html
    assert B_MARKER not in html


def test_the_choice_page_shows_what_opens_and_the_consent_without_the_entries(
    client, nurse_a, moved_student, nurse_b_entry, consent, org_b
):
    client.force_login(nurse_a)
    response = client.get(choice_url(moved_student, org_b))
    assert response.status_code == 200
    text = visible_text(response)
    assert org_b.name in text
    assert "Gunnel Samtyckesson" in text and "Göran Samtyckesson" in text
    assert "Samtycker" in text
    assert consent.valid_from.isoformat() in text
    assert 'type="checkbox"' in response.content.decode()
    assert B_MARKER not in response.content.decode()
    row = last_log(nurse_a)
    assert (row.action, row.reason) == (AccessAction.VIEW, AccessReason.CARE_RELATION)
    assert not ActiveChoice.objects.exists()


def test_an_unticked_confirmation_shows_the_form_again_and_chooses_nothing(
    client, nurse_a, moved_student, nurse_b_entry, consent, org_b
):
    client.force_login(nurse_a)
    response = client.post(choice_url(moved_student, org_b), {})
    assert response.status_code == 200
    assert "Kryssa i rutan" in visible_text(response)
    assert not ActiveChoice.objects.exists()
    assert not AccessLogEntry.objects.filter(action=AccessAction.ACTIVE_CHOICE).exists()


def test_after_the_active_choice_the_nurse_reads_b_entries_marked_with_the_provider(
    client, nurse_a, moved_student, nurse_b_entry, own_entry, consent, org_b
):
    client.force_login(nurse_a)
    response = choose(client, moved_student, org_b)
    assert response.status_code == 302
    assert response.url == record_url(moved_student)
    choice = ActiveChoice.objects.get()
    assert (choice.user, choice.student, choice.consent) == (nurse_a, moved_student, consent)
    logged = AccessLogEntry.objects.get(action=AccessAction.ACTIVE_CHOICE)
    assert (logged.user, logged.student, logged.reason) == (
        nurse_a,
        moved_student,
        AccessReason.CONSENT,
    )
    assert logged.record_id == str(org_b.pk)

    response = client.get(record_url(moved_student))
    text = visible_text(response)
    assert B_MARKER in text and A_MARKER in text
    assert f"Från annan vårdgivare: {org_b.name}" in text
    assert text.count("Från annan vårdgivare") == 1  # not on her own entry
    assert "Visas efter ditt aktiva val" in text
    # The entry's own page opens too, read-only, and is logged.
    detail = client.get(reverse("journal:entry-detail", args=[nurse_b_entry.public_id]))
    assert detail.status_code == 200
    assert B_MARKER in visible_text(detail)
    assert f"Från annan vårdgivare: {org_b.name}" in visible_text(detail)
    assert last_log(nurse_a).action == AccessAction.VIEW


def test_the_choice_is_the_users_own(
    client, nurse_a, doctor_a, moved_student, nurse_b_entry, consent, org_b
):
    client.force_login(nurse_a)
    choose(client, moved_student, org_b)
    client.force_login(doctor_a)
    assert B_MARKER not in client.get(record_url(moved_student)).content.decode()


# --- Closing again: withdrawal, the window, expiry ----------------------------------------------


def test_withdrawing_the_consent_hides_the_entries_at_once(
    client, nurse_a, moved_student, nurse_b_entry, consent, org_b
):
    client.force_login(nurse_a)
    choose(client, moved_student, org_b)
    assert B_MARKER in client.get(record_url(moved_student)).content.decode()
    Consent.objects.filter(pk=consent.pk).update(status=ConsentStatus.WITHDRAWN)
    response = client.get(record_url(moved_student))
    assert B_MARKER not in response.content.decode()
    assert "Samtycke saknas" in visible_text(response)
    detail = client.get(reverse("journal:entry-detail", args=[nurse_b_entry.public_id]))
    assert detail.status_code == 404
    assert choose(client, moved_student, org_b).status_code == 403
    assert last_log(nurse_a).action == AccessAction.REFUSED


def test_a_choice_older_than_the_window_hides_the_entries_and_a_new_choice_opens_them(
    client, nurse_a, moved_student, nurse_b_entry, consent, org_b
):
    # Active choices are append-only (PostgreSQL refuses an UPDATE): an old one is inserted.
    ago = timezone.now() - datetime.timedelta(minutes=61)
    ActiveChoice.objects.create(user=nurse_a, student=moved_student, consent=consent, chosen_at=ago)
    client.force_login(nurse_a)
    response = client.get(record_url(moved_student))
    assert B_MARKER not in response.content.decode()
    assert "Läs uppgifterna (aktivt val)" in visible_text(response)
    choose(client, moved_student, org_b)
    assert B_MARKER in client.get(record_url(moved_student)).content.decode()


@override_settings(CONSENT_ACTIVE_CHOICE_MINUTES=5)
def test_the_window_is_the_setting(client, nurse_a, moved_student, nurse_b_entry, consent):
    def chosen(minutes_ago):
        ActiveChoice.objects.create(
            user=nurse_a,
            student=moved_student,
            consent=consent,
            chosen_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        )

    client.force_login(nurse_a)
    chosen(6)
    assert B_MARKER not in client.get(record_url(moved_student)).content.decode()
    chosen(4)
    assert B_MARKER in client.get(record_url(moved_student)).content.decode()


def test_an_expired_consent_opens_nothing(
    client, nurse_a, moved_student, nurse_b_entry, consent, org_b
):
    client.force_login(nurse_a)
    choose(client, moved_student, org_b)
    Consent.objects.filter(pk=consent.pk).update(valid_from=_days(-30), valid_until=_days(-1))
    assert B_MARKER not in client.get(record_url(moved_student)).content.decode()
    assert client.get(choice_url(moved_student, org_b)).status_code == 403


def test_a_consent_not_yet_in_force_opens_nothing(
    client, nurse_a, moved_student, nurse_b_entry, org_b
):
    grant_consent(moved_student, nurse_a, org_b, valid_from=_days(1))
    client.force_login(nurse_a)
    assert client.get(choice_url(moved_student, org_b)).status_code == 403


def test_a_pending_consent_opens_nothing(client, nurse_a, moved_student, nurse_b_entry, org_b):
    grant_consent(moved_student, nurse_a, org_b, status=ConsentStatus.PENDING)
    client.force_login(nurse_a)
    assert "Samtycke saknas" in visible_text(client.get(record_url(moved_student)))
    assert client.get(choice_url(moved_student, org_b)).status_code == 403


def test_make_active_choice_refuses_a_consent_withdrawn_meanwhile(nurse_a, moved_student, consent):
    from django.core.exceptions import ValidationError

    Consent.objects.filter(pk=consent.pk).update(status=ConsentStatus.WITHDRAWN)
    with pytest.raises(ValidationError):
        make_active_choice(user=nurse_a, student=moved_student, consent=consent)
    assert not ActiveChoice.objects.exists()


# --- Scope: the organisation, the student, the area ---------------------------------------------


def test_a_consent_for_another_organisation_number_opens_nothing(
    client, nurse_a, moved_student, nurse_b_entry, org_b
):
    elsewhere = OrganisationFactory(name="Tredje vårdgivaren AB")
    other = grant_consent(moved_student, nurse_a, elsewhere)
    client.force_login(nurse_a)
    assert "Samtycke saknas" in visible_text(client.get(record_url(moved_student)))
    assert choose(client, moved_student, org_b).status_code == 403
    # Even a choice resting on it (made behind the page's back) opens nothing of B.
    ActiveChoice.objects.create(user=nurse_a, student=moved_student, consent=other)
    assert B_MARKER not in client.get(record_url(moved_student)).content.decode()


def test_a_consent_about_another_student_opens_nothing(
    client, nurse_a, moved_student, nurse_b_entry, org_b, school_a
):
    sibling = StudentFactory(given_name="Sigge", family_name="Syskonsson")
    EnrolmentFactory(student=sibling, school=school_a)
    other = grant_consent(sibling, nurse_a, org_b)
    ActiveChoice.objects.create(user=nurse_a, student=moved_student, consent=other)
    client.force_login(nurse_a)
    assert choose(client, moved_student, org_b).status_code == 403
    assert B_MARKER not in client.get(record_url(moved_student)).content.decode()


def test_an_epi_entry_of_b_is_never_shown_to_an_emi_nurse_even_with_consent(
    client, nurse_a, moved_student, nurse_b_entry, psychologist_b_entry, consent, org_b
):
    client.force_login(nurse_a)
    choose(client, moved_student, org_b)
    html = client.get(record_url(moved_student)).content.decode()
    assert B_MARKER in html
    assert B_EPI_MARKER not in html
    detail = client.get(reverse("journal:entry-detail", args=[psychologist_b_entry.public_id]))
    assert detail.status_code == 404


def test_an_epi_only_consent_does_not_open_emi_entries_for_the_nurse(
    client, nurse_a, moved_student, nurse_b_entry, org_b
):
    grant_consent(moved_student, nurse_a, org_b, area="EPI")
    client.force_login(nurse_a)
    assert "Samtycke saknas" in visible_text(client.get(record_url(moved_student)))
    assert choose(client, moved_student, org_b).status_code == 403


def test_the_psychologist_reads_b_epi_entries_but_not_b_emi_entries(
    client, psychologist_a, moved_student, nurse_b_entry, psychologist_b_entry, org_b
):
    grant_consent(moved_student, psychologist_a, org_b)
    client.force_login(psychologist_a)
    choose(client, moved_student, org_b)
    html = client.get(record_url(moved_student)).content.decode()
    assert B_EPI_MARKER in html
    assert B_MARKER not in html


# --- Never writing or signing another provider's records ----------------------------------------


def test_write_and_sign_never_reach_another_providers_records(
    client, nurse_a, moved_student, nurse_b_entry, consent, org_b, school_b
):
    draft_b = make_entry(
        nurse_b_entry.author, moved_student, template="telefonkontakt", school=school_b
    )
    client.force_login(nurse_a)
    choose(client, moved_student, org_b)
    # Signed notes only: a colleague's unsigned draft at the other provider stays hers.
    assert set(visible_entries(nurse_a).filter(organisation=org_b)) == {nurse_b_entry}
    for action in (Action.WRITE, Action.SIGN, Action.EXPORT):
        assert not visible_entries(nurse_a, action=action).filter(organisation=org_b).exists()
    assert visible_entries(nurse_a, action=Action.PRINT).filter(pk=nurse_b_entry.pk).exists()
    for name, entry in (
        ("journal:entry-sign", draft_b),
        ("journal:entry-edit", draft_b),
        ("journal:entry-correct", nurse_b_entry),
        ("journal:entry-mark", nurse_b_entry),
    ):
        response = client.post(reverse(name, args=[entry.public_id]), {})
        assert response.status_code == 404, name
    assert JournalEntry.objects.get(pk=draft_b.pk).status == "draft"
    assert not JournalEntry.objects.filter(corrects=nurse_b_entry).exists()


# --- Who may come to the choice at all ----------------------------------------------------------


def test_a_nurse_without_a_care_relation_gets_404(
    client, nurse_a2, moved_student, nurse_b_entry, consent, org_b
):
    client.force_login(nurse_a2)
    assert client.get(choice_url(moved_student, org_b)).status_code == 404
    assert choose(client, moved_student, org_b).status_code == 404
    assert not ActiveChoice.objects.exists()
    assert last_log(nurse_a2).action == AccessAction.REFUSED


def test_the_nurse_of_organisation_b_cannot_choose_for_a_student_who_left(
    client, moved_student, nurse_b_entry, consent, org_a
):
    client.force_login(nurse_b_entry.author)
    assert client.get(choice_url(moved_student, org_a)).status_code == 404


def test_the_own_organisation_and_unknown_ones_are_404(
    client, nurse_a, moved_student, consent, org_a
):
    client.force_login(nurse_a)
    assert client.get(choice_url(moved_student, org_a)).status_code == 404
    unknown = reverse("journal:active-choice", args=[moved_student.public_id, 999999])
    assert client.get(unknown).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, moved_student, org_b):
    response = client.get(choice_url(moved_student, org_b))
    assert response.status_code == 302
    assert reverse("login") in response.url


def test_covering_consents_follow_the_users_area(nurse_a, psychologist_a, moved_student, org_b):
    emi = grant_consent(moved_student, nurse_a, org_b, area="EMI")
    assert list(covering_consents(nurse_a, moved_student, org_b)) == [emi]
    assert not covering_consents(psychologist_a, moved_student, org_b).exists()


def test_attachments_follow_their_entry_through_the_joined_organisation(
    nurse_a, moved_student, school_b, consent
):
    # The attachment spec reaches student, area and organisation through the entry.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from journal.access import visible_attachments
    from journal.services.attachments import attachment_add
    from journal.services.entries import entry_sign

    nurse_b = _staff(school_b, Profession.SCHOOL_NURSE, "attach_nurse_b")
    draft = make_entry(nurse_b, moved_student, school=school_b)  # åk 4 values: signable
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    attachment = attachment_add(
        entry=draft,
        by=nurse_b,
        uploaded_file=SimpleUploadedFile("skanning.png", png, content_type="image/png"),
        document_type="consent",
    )
    assert not visible_attachments(nurse_a).filter(pk=attachment.pk).exists()
    make_active_choice(user=nurse_a, student=moved_student, consent=consent)
    assert not visible_attachments(nurse_a).filter(pk=attachment.pk).exists()  # a draft's
    entry_sign(entry=draft, by=nurse_b)
    assert visible_attachments(nurse_a).filter(pk=attachment.pk).exists()
    assert not visible_attachments(nurse_a, action=Action.WRITE).filter(pk=attachment.pk).exists()


# --- Constant queries ---------------------------------------------------------------------------


def test_the_record_page_query_count_is_constant_with_other_provider_records(
    client,
    nurse_a,
    moved_student,
    own_entry,
    school_b,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    client.force_login(nurse_a)

    def grow():
        # Two other providers hold entries; one of them under a consent and an active choice.
        nurse_b = _staff(school_b, Profession.SCHOOL_NURSE, "grow_nurse_b")
        for _ in range(3):
            make_entry(nurse_b, moved_student, template="telefonkontakt", values=PHONE, sign=True)
        other_org = OrganisationFactory(name="Fjärde vårdgivaren")
        other_school = SchoolFactory(organisation=other_org, name="Skola C")
        nurse_c = _staff(other_school, Profession.SCHOOL_NURSE, "grow_nurse_c")
        make_entry(nurse_c, moved_student, template="telefonkontakt", values=PHONE, sign=True)
        consent = grant_consent(moved_student, nurse_a, school_b.organisation)
        make_active_choice(user=nurse_a, student=moved_student, consent=consent)

    url = record_url(moved_student)
    client.get(url)  # warm-up: per-process caches are not growth
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    grow()
    with django_assert_num_queries(len(small)):
        assert client.get(url).status_code == 200
    text = visible_text(client.get(record_url(moved_student)))
    assert text.count("Det finns journaluppgifter hos annan vårdgivare") == 2
    assert text.count("Från annan vårdgivare") == 3
