"""Reading the record: the timeline page, one entry's full view and its history.

Who sees what (the record filter, drafts of colleagues read-only, EMI and EPI apart, 404 for
another care provider), one access-log row per page, the filters, corrections shown struck
through, and a constant number of queries however long the record is.
"""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consent.models import AccessAction, AccessLogEntry
from journal.models import (
    Code,
    DocumentTemplate,
    EntryCode,
    EntryMark,
    EntryStatus,
    JournalEntry,
    KeywordValue,
    MarkKind,
)
from journal.services.attachments import attachment_add
from journal.services.entries import (
    entry_save_draft,
    entry_sign,
    entry_start_correction,
    mark_set,
)
from schools.models import Profession
from tests.helpers import visible_text
from tests.schools.factories import AssignmentFactory, StaffMemberFactory

from .codes_helpers import load
from .factories import AK4_VALUES, FKLASS_VALUES, age_draft, make_entry, published

PHONE_VALUES = {
    "kontakt-med": "Mamma",
    "kontaktorsak": "Huvudvärk sedan två veckor",
    "bedomning": "Råd om vätska och sömn.",
}
DOCTOR_VALUES = {"remissorsak": "Trötthet", "bedomning": "Frisk, följs upp vid behov."}
TALK_VALUES = {"samtalsorsak": "Oro inför prov", "bedomning": "Stödsamtal fortsätter."}


def at(day: str, hour: int = 10) -> datetime.datetime:
    """A contact time in the past on ``day`` (YYYY-MM-DD), in the current time zone."""
    date = datetime.date.fromisoformat(day)
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour)))


def record_url(student) -> str:
    return reverse("journal:record", args=[student.public_id])


def detail_url(entry) -> str:
    return reverse("journal:entry-detail", args=[entry.public_id])


def history_url(entry) -> str:
    return reverse("journal:entry-history", args=[entry.public_id])


def shown(response) -> list[JournalEntry]:
    return list(response.context["page"].object_list)


@pytest.fixture
def nurse_a3(school_a):
    """A second nurse at school A: a colleague of nurse_a with a care relation to student_a."""
    member = StaffMemberFactory(
        organisation=school_a.organisation,
        profession=Profession.SCHOOL_NURSE,
        user__username="nurse_a3",
        user__first_name="Kerstin",
        user__last_name="Kollega",
    )
    AssignmentFactory(staff_member=member, school=school_a)
    return member.user


# --- Who sees what ------------------------------------------------------------------------------


def test_nurse_sees_her_signed_entry_and_a_colleagues_draft_marked_osignerad(
    client, nurse_a, nurse_a3, student_a
):
    signed = make_entry(nurse_a, student_a, sign=True, contact_at=at("2024-03-10"))
    draft = make_entry(
        nurse_a3,
        student_a,
        template="telefonkontakt",
        values=PHONE_VALUES,
        contact_at=at("2024-04-01"),
    )
    client.force_login(nurse_a)

    response = client.get(record_url(student_a))

    assert response.status_code == 200
    assert shown(response) == [draft, signed]  # newest contact first
    text = visible_text(response)
    assert "Hälsobesök åk 4 Signerad" in text
    assert "Telefonkontakt Osignerad" in text
    assert "Huvudvärk sedan två veckor" in text
    assert "Mår bra, trivs i klassen." in text
    # No way to change a colleague's draft from the record.
    assert reverse("journal:entry-edit", args=[draft.public_id]) not in response.content.decode()


def test_a_draft_older_than_the_lock_days_is_shown_as_locked(client, nurse_a, student_a):
    draft = make_entry(nurse_a, student_a)
    age_draft(draft, 20)
    client.force_login(nurse_a)

    text = visible_text(client.get(record_url(student_a)))

    assert "Osignerad – låst" in text


def test_entry_card_shows_author_unit_contact_codes_marks_flags_and_attachments(
    client, nurse_a, student_a, school_a
):
    kva = load("kva")
    entry = make_entry(
        nurse_a,
        student_a,
        template="halsobesok-fklass",
        school=school_a,
        contact_at=at("2024-02-01"),
    )
    entry = entry_save_draft(
        entry=entry,
        by=nurse_a,
        lock_version=entry.lock_version,
        values=FKLASS_VALUES,
        codes=[Code.objects.get(version=kva, code="DV112")],
    )
    attachment_add(
        entry=entry,
        by=nurse_a,
        uploaded_file=SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        document_type="consent",
        description="Samtycke till vaccination",
    )
    entry = entry_sign(entry=entry, by=nurse_a)
    mark_set(entry=entry, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse_a)
    mark_set(entry=entry, kind=MarkKind.DISPUTED, by=nurse_a, reason="Eleven håller inte med")
    client.force_login(nurse_a)

    text = visible_text(client.get(record_url(student_a)))

    assert "Hälsobesök förskoleklass Signerad" in text
    assert "2024-02-01 10:00, besök" in text
    assert f"{nurse_a.get_full_name()}, Skolsköterska" in text
    assert "Vårdenhet Skola A" in text
    # Keyword values in template order, with labels; the low acuity has a text marker.
    assert text.index("Synskärpa vänster öga 1") < text.index("Synskärpa höger öga 0,6")
    assert "Synskärpa höger öga 0,6 (avvikande: under 0,8)" in text
    assert "Synskärpa vänster öga 1 (avvikande" not in text
    assert "DV112 Rådgivande samtal om tobaksbruk (KVÅ)" in text
    assert "Delad med vårdnadshavare" in text
    assert "Skäl: Eleven håller inte med" in text
    assert "1 bilaga" in text


def test_psychologists_epi_entry_is_not_shown_to_the_nurse_and_vice_versa(
    client, nurse_a, psychologist_a, student_a
):
    emi = make_entry(nurse_a, student_a, sign=True)
    epi = make_entry(
        psychologist_a, student_a, template="psykologsamtal", values=TALK_VALUES, sign=True
    )

    client.force_login(nurse_a)
    assert shown(client.get(record_url(student_a))) == [emi]
    assert client.get(detail_url(epi)).status_code == 404

    client.force_login(psychologist_a)
    response = client.get(record_url(student_a))
    assert shown(response) == [epi]
    assert "Oro inför prov" in visible_text(response)
    assert client.get(detail_url(emi)).status_code == 404


def test_nurse_of_another_organisation_gets_404_and_a_refused_log_row(
    client, nurse_a, nurse_b, student_a
):
    entry = make_entry(nurse_a, student_a, sign=True)
    client.force_login(nurse_b)

    for url in (record_url(student_a), detail_url(entry), history_url(entry)):
        before = AccessLogEntry.objects.count()
        assert client.get(url).status_code == 404
        rows = list(
            AccessLogEntry.objects.order_by("-pk")[: AccessLogEntry.objects.count() - before]
        )
        assert [(row.action, row.student_id) for row in rows] == [
            (AccessAction.REFUSED, student_a.pk)
        ]


def test_unknown_entry_is_404_not_500(client, nurse_a):
    client.force_login(nurse_a)
    assert (
        client.get("/journal/anteckningar/00000000-0000-0000-0000-000000000000/").status_code == 404
    )


@pytest.mark.parametrize("page", ["record", "detail", "history"])
def test_each_page_view_writes_one_view_row_in_the_access_log(client, nurse_a, student_a, page):
    entry = make_entry(nurse_a, student_a, sign=True)
    url = {
        "record": record_url(student_a),
        "detail": detail_url(entry),
        "history": history_url(entry),
    }
    client.force_login(nurse_a)
    before = AccessLogEntry.objects.count()

    assert client.get(url[page]).status_code == 200

    rows = AccessLogEntry.objects.order_by("pk")[before:]
    assert [(row.action, row.student_id, row.user_id) for row in rows] == [
        (AccessAction.VIEW, student_a.pk, nurse_a.pk)
    ]


def test_student_page_links_to_the_record(client, nurse_a, student_a):
    client.force_login(nurse_a)
    content = client.get(reverse("schools:student-detail", args=[student_a.public_id])).content
    assert record_url(student_a).encode() in content
    assert reverse("journal:entry-new", args=[student_a.public_id]).encode() in content


# --- Filters ------------------------------------------------------------------------------------


@pytest.fixture
def three_entries(nurse_a, doctor_a, student_a):
    kva = load("kva")
    health = make_entry(nurse_a, student_a, sign=True, contact_at=at("2024-03-10"))
    phone = make_entry(
        nurse_a, student_a, template="telefonkontakt", values={}, contact_at=at("2024-05-02")
    )
    phone = entry_save_draft(
        entry=phone,
        by=nurse_a,
        lock_version=phone.lock_version,
        values=PHONE_VALUES,
        codes=[Code.objects.get(version=kva, code="DV112")],
    )
    entry_sign(entry=phone, by=nurse_a)
    doctor = make_entry(
        doctor_a,
        student_a,
        template="skollakarbedomning",
        values=DOCTOR_VALUES,
        sign=True,
        contact_at=at("2024-06-01"),
    )
    return health, phone, doctor


@pytest.fixture
def nurse_client(client, nurse_a):
    client.force_login(nurse_a)
    return client


def test_without_filter_the_record_shows_all_three(nurse_client, student_a, three_entries):
    health, phone, doctor = three_entries
    assert shown(nurse_client.get(record_url(student_a))) == [doctor, phone, health]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("keyword=kontakt-med", ["phone"]),
        ("keyword=bedomning", ["doctor", "phone", "health"]),
        ("keyword=anamnes", ["health"]),
        ("code=dv112", ["phone"]),
        ("code=ZXA10", []),
        ("date_from=2024-05-01&date_to=2024-05-31", ["phone"]),
        ("date_from=2024-05-03", ["doctor"]),
        ("date_to=2024-05-02", ["phone", "health"]),
        ("q=huvudvärk", ["phone"]),
        ("q=SAMTAL+OM", ["health"]),
        ("q=ingenting+sådant", []),
    ],
)
def test_each_filter_narrows_the_timeline(nurse_client, student_a, three_entries, query, expected):
    by_name = dict(zip(("health", "phone", "doctor"), three_entries, strict=True))
    response = nurse_client.get(f"{record_url(student_a)}?{query}")
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert shown(response) == [by_name[name] for name in expected]


def test_text_search_ignores_case_of_swedish_letters_on_postgresql(
    postgres, nurse_client, student_a, three_entries
):
    # SQLite's LIKE folds ASCII only; PostgreSQL's UPPER() folds å, ä and ö too.
    health, _phone, _doctor = three_entries
    assert shown(nurse_client.get(record_url(student_a), {"q": "SKÄRMTID"})) == [health]


def test_template_and_author_filters_narrow_the_timeline(
    nurse_client, student_a, doctor_a, three_entries
):
    health, _phone, doctor = three_entries
    template = DocumentTemplate.objects.get(code="halsobesok-ak4", organisation__isnull=True)

    by_template = nurse_client.get(record_url(student_a), {"template": template.pk})
    by_author = nurse_client.get(record_url(student_a), {"author": doctor_a.pk})

    assert shown(by_template) == [health]
    assert shown(by_author) == [doctor]


def test_filter_choices_come_only_from_entries_the_user_may_see(
    client, nurse_a, psychologist_a, student_a
):
    make_entry(nurse_a, student_a, sign=True)
    make_entry(psychologist_a, student_a, template="psykologsamtal", values=TALK_VALUES, sign=True)
    client.force_login(nurse_a)

    form = client.get(record_url(student_a)).context["form"]

    templates = [label for _value, label in form.fields["template"].choices]
    assert templates == ["Alla mallar", "Hälsobesök åk 4"]
    authors = [value for value, _label in form.fields["author"].choices]
    assert psychologist_a.pk not in authors
    keywords = [value for value, _label in form.fields["keyword"].choices]
    assert "samtalsorsak" not in keywords and "anamnes" in keywords


@pytest.mark.parametrize(
    "query",
    [
        "date_from=2024-13-45",
        "date_from=igår",
        "date_from=2024-06-01&date_to=2024-01-01",
        "template=inte-ett-tal",
        "template=999999",
        "author=x",
        "keyword=finns-inte",
        "q=" + "x" * 300,
    ],
)
def test_bad_filter_input_shows_an_error_and_the_unfiltered_list_not_a_500(
    nurse_client, student_a, three_entries, query
):
    response = nurse_client.get(f"{record_url(student_a)}?{query}")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Filtret innehåller fel" in visible_text(response)
    assert len(shown(response)) == 3


def test_pagination_keeps_the_filter(nurse_client, nurse_a, student_a):
    for day in range(1, 28):
        make_entry(
            nurse_a,
            student_a,
            template="telefonkontakt",
            values=PHONE_VALUES,
            contact_at=at(f"2024-02-{day:02d}"),
        )
    response = nurse_client.get(record_url(student_a), {"keyword": "kontakt-med"})
    assert len(shown(response)) == 25
    assert "keyword=kontakt-med&amp;page=2" in response.content.decode()
    second = nurse_client.get(record_url(student_a), {"keyword": "kontakt-med", "page": 2})
    assert len(shown(second)) == 2


# --- Corrections --------------------------------------------------------------------------------


def _correct(original, by, reason, **changes):
    correction = entry_start_correction(original=original, by=by, reason=reason)
    values = {
        value.keyword.code: value.value for value in correction.values.select_related("keyword")
    }
    values.update(changes)
    correction = entry_save_draft(
        entry=correction, by=by, lock_version=correction.lock_version, values=values
    )
    return entry_sign(entry=correction, by=by)


def test_a_corrected_entry_is_struck_through_with_who_when_why_beside_its_correction(
    nurse_client, nurse_a, student_a
):
    original = make_entry(nurse_a, student_a, sign=True)
    correction = _correct(
        original, nurse_a, "Fel elev i anamnesen", anamnes="Ont i magen på morgnarna."
    )

    response = nurse_client.get(record_url(student_a))
    content = response.content.decode()

    assert shown(response) == [correction, original]  # the correction above the original
    struck = re.findall(r"<del class=\"d-block entry-struck\">(.*?)</del>", content, re.DOTALL)
    assert len(struck) == 1
    assert "Mår bra, trivs i klassen." in struck[0]
    assert "Ont i magen på morgnarna." not in struck[0]
    assert "Ont i magen på morgnarna." in content
    text = visible_text(response)
    date = timezone.localtime(correction.signed_at).strftime("%Y-%m-%d")
    assert f"Rättad {date} av {nurse_a.get_full_name()}: Fel elev i anamnesen" in text
    # The correction links to the original, and the original to the correction.
    assert detail_url(original) in content
    assert detail_url(correction) in content
    assert "Rättar anteckningen från" in text


def test_entry_page_shows_the_correction_chain_both_ways(nurse_client, nurse_a, student_a):
    original = make_entry(nurse_a, student_a, sign=True)
    correction = _correct(original, nurse_a, "Fel längd", langd="143.5")

    original_page = nurse_client.get(detail_url(original))
    correction_page = nurse_client.get(detail_url(correction))

    original_text = visible_text(original_page)
    assert "Rättelser av den här anteckningen" in original_text
    assert "Fel längd" in original_text
    assert detail_url(correction) in original_page.content.decode()
    assert reverse("journal:entry-correct", args=[original.public_id]) not in (
        original_page.content.decode()
    )
    correction_text = visible_text(correction_page)
    assert "Den här anteckningen rättar en tidigare anteckning" in correction_text
    assert detail_url(original) in correction_page.content.decode()
    assert reverse("journal:entry-correct", args=[correction.public_id]) in (
        correction_page.content.decode()
    )


# --- One entry's page ---------------------------------------------------------------------------


def test_only_the_author_sees_edit_and_sign_on_a_draft(client, nurse_a, nurse_a3, student_a):
    draft = make_entry(nurse_a, student_a)
    sign_url = reverse("journal:entry-sign", args=[draft.public_id])
    edit_url = reverse("journal:entry-edit", args=[draft.public_id])
    attach_url = reverse("journal:attachment-add", args=[draft.public_id])

    client.force_login(nurse_a)
    own = client.get(detail_url(draft)).content.decode()
    assert f'action="{sign_url}"' in own
    assert f'name="lock_version" value="{draft.lock_version}"' in own
    assert edit_url in own and attach_url in own

    client.force_login(nurse_a3)
    response = client.get(detail_url(draft))
    colleague = response.content.decode()
    assert response.status_code == 200
    assert sign_url not in colleague and edit_url not in colleague and attach_url not in colleague
    assert "Osignerad" in visible_text(response)


def test_a_locked_draft_offers_signing_but_not_editing(client, nurse_a, student_a):
    draft = age_draft(make_entry(nurse_a, student_a), 20)
    client.force_login(nurse_a)

    response = client.get(detail_url(draft))
    content = response.content.decode()

    assert "Utkastet är låst: det kan signeras men inte ändras" in visible_text(response)
    assert reverse("journal:entry-sign", args=[draft.public_id]) in content
    assert reverse("journal:entry-edit", args=[draft.public_id]) not in content


def test_signed_emi_entry_offers_correct_print_history_and_both_marks(
    nurse_client, nurse_a, student_a
):
    entry = make_entry(nurse_a, student_a, sign=True)

    response = nurse_client.get(detail_url(entry))
    content = response.content.decode()
    text = visible_text(response)

    assert reverse("journal:entry-sign", args=[entry.public_id]) not in content
    assert reverse("journal:entry-edit", args=[entry.public_id]) not in content
    for name in ("entry-correct", "entry-print", "entry-history", "entry-mark"):
        assert reverse(f"journal:{name}", args=[entry.public_id]) in content
    assert "Dela med vårdnadshavare" in text
    assert "Markera som bestridd" in text
    assert 'name="kind" value="shared"' in content
    assert 'name="kind" value="disputed"' in content


def test_signed_epi_entry_cannot_be_shared_with_guardians(client, psychologist_a, student_a):
    entry = make_entry(
        psychologist_a, student_a, template="psykologsamtal", values=TALK_VALUES, sign=True
    )
    client.force_login(psychologist_a)

    text = visible_text(client.get(detail_url(entry)))

    assert "Dela med vårdnadshavare" not in text
    assert "Markera som bestridd" in text


def test_entry_page_shows_marks_history_and_withdraw_form(nurse_client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    mark_set(entry=entry, kind=MarkKind.SHARED_WITH_GUARDIANS, by=nurse_a)
    mark_set(
        entry=entry,
        kind=MarkKind.SHARED_WITH_GUARDIANS,
        by=nurse_a,
        active=False,
        reason="Av misstag",
    )
    mark_set(entry=entry, kind=MarkKind.DISPUTED, by=nurse_a, reason="Vårdnadshavaren bestrider")

    response = nurse_client.get(detail_url(entry))
    text = visible_text(response)
    content = response.content.decode()

    assert EntryMark.objects.filter(entry=entry).count() == 3
    assert "Delad med vårdnadshavare Satt" in text
    assert "Delad med vårdnadshavare Tillbakatagen" in text
    assert "Av misstag" in text
    assert "Vårdnadshavaren bestrider" in text
    # The dispute is active: its form withdraws it; sharing is withdrawn: its form sets it again.
    assert "Ta tillbaka markeringen ”Bestrids av eleven eller vårdnadshavaren”" in text
    assert content.count('name="active" value="0"') == 1
    assert content.count('name="active" value="1"') == 1


def test_entry_page_lists_attachments_with_download_links(nurse_client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    attachment = attachment_add(
        entry=entry,
        by=nurse_a,
        uploaded_file=SimpleUploadedFile("x.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        document_type="consent",
        description="Samtycke till vaccination",
    )

    response = nurse_client.get(detail_url(entry))
    text = visible_text(response)

    assert reverse("journal:attachment-download", args=[attachment.public_id]) in (
        response.content.decode()
    )
    assert "Samtycke Inskannat Samtycke till vaccination" in text
    assert nurse_a.get_full_name() in text


# --- History ------------------------------------------------------------------------------------


def test_history_shows_a_changed_value_with_old_and_new_text_and_who(
    nurse_client, nurse_a, student_a
):
    entry = make_entry(nurse_a, student_a)
    values = dict(AK4_VALUES, anamnes="Ont i huvudet ibland.")
    del values["rygg"]
    entry_save_draft(entry=entry, by=nurse_a, lock_version=entry.lock_version, values=values)

    response = nurse_client.get(history_url(entry))
    content = response.content.decode()
    text = visible_text(response)

    assert response.status_code == 200
    assert "<del>Mår bra, trivs i klassen.</del>" in content
    assert "<ins>Ont i huvudet ibland.</ins>" in content
    assert "~ Ändrad Anamnes" in text
    assert "− Borttagen Rygg (skolios) Värde: var: Utan anmärkning" in text
    assert "+ Skapad Anteckningen" in text
    assert nurse_a.get_full_name() in text
    # Newest first: the change comes before the first save.
    assert text.index("Ont i huvudet ibland.") < text.index("+ Skapad Anamnes")


def test_history_shows_signing_and_codes(nurse_client, nurse_a, student_a):
    kva = load("kva")
    entry = make_entry(nurse_a, student_a)
    entry = entry_save_draft(
        entry=entry,
        by=nurse_a,
        lock_version=entry.lock_version,
        values=AK4_VALUES,
        codes=[Code.objects.get(version=kva, code="DV111")],
    )
    entry_sign(entry=entry, by=nurse_a)

    text = visible_text(nurse_client.get(history_url(entry)))

    assert "Status: från: Osignerad → till: Signerad" in text
    assert "+ Skapad KVÅ DV111 Enkla råd om tobaksbruk" in text


# --- Constant query counts ----------------------------------------------------------------------


def _bulk_signed_entries(author, student, count, *, kva, start):
    """``count`` signed åk 4 entries with values, a code and a mark, fast: drafts and child rows
    in bulk, then signed in one update (child rows first, as the immutability rules require)."""
    version = published("halsobesok-ak4")
    keywords = {keyword.code: keyword for keyword in version.keywords.all()}
    entries = JournalEntry.objects.bulk_create(
        [
            JournalEntry(
                student=student,
                area="EMI",
                organisation_id=student.enrolments.first().school.organisation_id,
                template_version=version,
                contact_at=start - datetime.timedelta(hours=n),
                author=author,
                author_name=author.get_full_name(),
                author_title="Skolsköterska",
            )
            for n in range(count)
        ]
    )
    if not all(entry.pk for entry in entries):  # backends without RETURNING
        entries = list(JournalEntry.objects.filter(student=student).order_by("-pk")[:count])
    KeywordValue.objects.bulk_create(
        [
            KeywordValue(entry=entry, keyword=keywords[code], text=text)
            for entry in entries
            for code, text in (("anamnes", "Mår bra."), ("bedomning", "Frisk."))
        ]
        + [
            KeywordValue(entry=entry, keyword=keywords["langd"], number="142.5")
            for entry in entries
        ]
    )
    code = Code.objects.get(version=kva, code="DV112")
    EntryCode.objects.bulk_create([EntryCode(entry=entry, code=code) for entry in entries])
    JournalEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(
        status=EntryStatus.SIGNED, signed_at=timezone.now()
    )
    EntryMark.objects.bulk_create(
        [
            EntryMark(
                entry=entry,
                kind=MarkKind.SHARED_WITH_GUARDIANS,
                created_by=author,
                created_by_name=author.get_full_name(),
            )
            for entry in entries
        ]
    )
    return entries


def _count_queries(client, url, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(40) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("query", ["", "?q=bra&keyword=anamnes&code=DV112"])
def test_record_page_query_count_is_the_same_for_5_and_200_entries(
    nurse_client, nurse_a, nurse_a3, student_a, django_assert_max_num_queries, query
):
    kva = load("kva")
    start = timezone.now() - datetime.timedelta(days=1)
    _bulk_signed_entries(nurse_a, student_a, 4, kva=kva, start=start)
    # Five, one of them corrected, one of them a colleague's draft.
    original = make_entry(nurse_a, student_a, sign=True)
    _correct(original, nurse_a, "Fel längd", langd="143.5")
    url = record_url(student_a) + query
    nurse_client.get(url)  # warm-up: per-process caches are not growth
    small = _count_queries(nurse_client, url, django_assert_max_num_queries)

    more = _bulk_signed_entries(nurse_a, student_a, 195, kva=kva, start=start)
    make_entry(nurse_a3, student_a, template="telefonkontakt", values=PHONE_VALUES)
    for entry in more[:3]:
        _correct(entry, nurse_a, "Fel längd", langd="150")
    assert JournalEntry.objects.filter(student=student_a).count() >= 200

    assert _count_queries(nurse_client, url, django_assert_max_num_queries) == small


def test_entry_page_query_count_does_not_grow_with_marks_corrections_and_attachments(
    nurse_client, nurse_a, student_a, django_assert_max_num_queries
):
    entry = make_entry(nurse_a, student_a, sign=True)
    url = detail_url(entry)
    nurse_client.get(url)
    small = _count_queries(nurse_client, url, django_assert_max_num_queries)

    for _ in range(3):
        mark_set(entry=entry, kind=MarkKind.DISPUTED, by=nurse_a, reason="Bestrids")
        mark_set(entry=entry, kind=MarkKind.DISPUTED, by=nurse_a, active=False, reason="Åter")
    _correct(entry, nurse_a, "Fel längd", langd="143.5")

    assert _count_queries(nurse_client, url, django_assert_max_num_queries) == small


def test_history_page_query_count_does_not_grow_with_the_history(
    nurse_client, nurse_a, student_a, django_assert_max_num_queries, school_a
):
    entry = make_entry(nurse_a, student_a)
    url = history_url(entry)
    nurse_client.get(url)
    small = _count_queries(nurse_client, url, django_assert_max_num_queries)

    for n in range(5):
        entry = entry_save_draft(
            entry=entry,
            by=nurse_a,
            lock_version=entry.lock_version,
            values=dict(AK4_VALUES, anamnes=f"Version {n}", langd=f"14{n}"),
        )
    entry_sign(entry=entry, by=nurse_a)

    assert _count_queries(nurse_client, url, django_assert_max_num_queries) == small
