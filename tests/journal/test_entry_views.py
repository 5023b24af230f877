"""The pages that write the journal: start a note, edit and sign a draft, correct, mark, and
the author's unsigned notes (issue 4, items 3, 4, 10 and "Bad input")."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from consent.models import AccessLogEntry
from journal.forms import EntryForm, keyword_field
from journal.models import (
    EntryMark,
    EntryStatus,
    JournalEntry,
    Keyword,
    KeywordKind,
    MarkKind,
)
from schools.models import Profession
from tests.helpers import visible_text
from tests.journal import codes_helpers
from tests.journal.factories import AK4_VALUES, age_draft, make_entry, published
from tests.schools.factories import AssignmentFactory, StaffMemberFactory, StudentFactory

# --- helpers -----------------------------------------------------------------------------------


def edit_url(entry):
    return reverse("journal:entry-edit", args=[entry.public_id])


def detail_url(entry):
    return reverse("journal:entry-detail", args=[entry.public_id])


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form_data(entry, values=None, *, action="save", lock_version=None, **extra):
    """What the edit page posts: every keyword field, contact, codes and the lock version."""
    data = {
        "contact_type": entry.contact_type,
        "contact_at": local(entry.contact_at),
        "codes": "",
        "lock_version": entry.lock_version if lock_version is None else lock_version,
        "action": action,
    }
    for code, value in (values or {}).items():
        data[f"kw-{code}"] = value
    data.update(extra)
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def stored(entry) -> dict[str, object]:
    return {value.keyword.code: value.value for value in entry.values.select_related("keyword")}


@pytest.fixture
def nurse_a3(school_a):
    """Another nurse at school A: a colleague with the same care relation to student A."""
    member = StaffMemberFactory(
        organisation=school_a.organisation,
        profession=Profession.SCHOOL_NURSE,
        user__username="nurse_a3",
    )
    AssignmentFactory(staff_member=member, school=school_a)
    return member.user


@pytest.fixture
def draft(nurse_a, student_a):
    """An empty åk 4 draft by nurse A."""
    return make_entry(nurse_a, student_a, values={})


@pytest.fixture
def kva(db):
    return codes_helpers.load("kva")


@pytest.fixture
def icd(db):
    return codes_helpers.load("icd10se")


# --- starting a note ---------------------------------------------------------------------------


def test_nurse_starts_edits_and_signs_a_health_visit(client, nurse_a, student_a, school_a):
    client.force_login(nurse_a)
    new_url = reverse("journal:entry-new", args=[student_a.public_id])

    page = client.get(new_url, {"mall": "halsobesok-ak4"})
    assert page.status_code == 200
    assert page.context["form"]["template_version"].value() == published().pk
    assert "Hälsobesök åk 4" in visible_text(page)
    assert "Psykologsamtal" not in visible_text(page)  # EPI templates are not hers

    contact = timezone.now() - datetime.timedelta(hours=2)
    response = client.post(
        new_url,
        {"template_version": published().pk, "contact_type": "visit", "contact_at": local(contact)},
    )
    entry = JournalEntry.objects.get(student=student_a)
    assert response.status_code == 302
    assert response.url == edit_url(entry)
    assert entry.status == EntryStatus.DRAFT
    assert entry.author == nurse_a
    assert entry.school == school_a
    assert entry.contact_at.replace(second=0, microsecond=0) == contact.replace(
        second=0, microsecond=0
    )

    page = client.get(edit_url(entry))
    assert page.status_code == 200
    html = page.content.decode()
    # Keywords in template order, each labelled; the first one has the focus.
    keywords = list(published().keywords.order_by("order"))
    positions = [html.index(f'for="id_kw-{keyword.code}"') for keyword in keywords]
    assert positions == sorted(positions)
    assert all(keyword.label in html for keyword in keywords)
    assert 'name="kw-halsoformular"' in html
    assert html.index("autofocus") < html.index('name="kw-anamnes"')
    assert 'value="sign"' in html and 'value="save"' in html

    saved = client.post(edit_url(entry), form_data(entry, AK4_VALUES))
    assert saved.status_code == 302
    assert saved.url == edit_url(entry)
    assert "Utkastet sparades." in messages_of(saved)
    entry.refresh_from_db()
    assert entry.lock_version == 2
    assert stored(entry)["bedomning"] == AK4_VALUES["bedomning"]

    signed = client.post(edit_url(entry), form_data(entry, AK4_VALUES, action="sign"))
    assert signed.status_code == 302
    assert signed.url == detail_url(entry)
    assert "Anteckningen signerades." in messages_of(signed)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SIGNED
    assert entry.signed_at is not None

    # One access-log row per request: the new-note page twice, then three times the entry.
    rows = AccessLogEntry.objects.filter(user=nurse_a, student=student_a)
    assert rows.count() == 5
    assert rows.filter(action="edit", reason="care_relation").count() == 5
    assert rows.filter(record_id=str(entry.pk)).count() == 3


def test_new_note_with_a_future_contact_time_is_refused(client, nurse_a, student_a):
    client.force_login(nurse_a)
    future = timezone.now() + datetime.timedelta(days=2)
    response = client.post(
        reverse("journal:entry-new", args=[student_a.public_id]),
        {"template_version": published().pk, "contact_type": "visit", "contact_at": local(future)},
    )
    assert response.status_code == 200
    assert "Kontakttiden kan inte ligga i framtiden." in visible_text(response)
    assert not JournalEntry.objects.exists()


def test_new_note_with_another_areas_template_is_refused(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:entry-new", args=[student_a.public_id]),
        {
            "template_version": published("psykologsamtal").pk,
            "contact_type": "visit",
            "contact_at": local(timezone.now()),
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["template_version"]
    assert not JournalEntry.objects.exists()


def test_nurse_at_another_school_cannot_start_a_note(client, nurse_a2, student_a):
    client.force_login(nurse_a2)
    response = client.get(reverse("journal:entry-new", args=[student_a.public_id]))
    assert response.status_code == 404


# --- editing: values, codes, contact time ------------------------------------------------------


def test_comma_is_accepted_as_decimal_separator(client, nurse_a, draft):
    client.force_login(nurse_a)
    response = client.post(edit_url(draft), form_data(draft, {"langd": "142,5", "vikt": "35"}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert stored(draft) == {"langd": Decimal("142.5"), "vikt": Decimal("35")}
    # Shown again the Swedish way.
    page = client.get(edit_url(draft))
    assert 'value="142,5"' in page.content.decode()


def test_out_of_range_value_keeps_what_was_typed_and_saves_nothing(client, nurse_a, draft):
    client.force_login(nurse_a)
    typed = {"anamnes": "Trött på morgnarna, går och lägger sig sent.", "vikt": "400"}
    response = client.post(edit_url(draft), form_data(draft, typed))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vikt: värdet ska ligga mellan 10 och 250 kg." in visible_text(response)
    assert 'value="400"' in html
    assert typed["anamnes"] in html
    draft.refresh_from_db()
    assert draft.lock_version == 1
    assert stored(draft) == {}


def test_not_a_number_is_a_form_error(client, nurse_a, draft):
    client.force_login(nurse_a)
    response = client.post(edit_url(draft), form_data(draft, {"langd": "lång"}))
    assert response.status_code == 200
    assert response.context["form"].errors["kw-langd"]
    assert 'value="lång"' in response.content.decode()
    assert stored(draft) == {}


def test_choice_outside_the_keywords_choices_is_refused(client, nurse_a, draft):
    client.force_login(nurse_a)
    response = client.post(edit_url(draft), form_data(draft, {"rygg": "Rak som en pinne"}))
    assert response.status_code == 200
    assert response.context["form"].errors["kw-rygg"]
    assert stored(draft) == {}


def test_future_contact_time_on_edit_saves_nothing(client, nurse_a, draft):
    client.force_login(nurse_a)
    future = local(timezone.now() + datetime.timedelta(days=1))
    response = client.post(
        edit_url(draft), form_data(draft, {"anamnes": "Text"}, contact_at=future)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["contact_at"] == [
        "Kontakttiden kan inte ligga i framtiden."
    ]
    assert f'value="{future}"' in response.content.decode()
    draft.refresh_from_db()
    assert draft.lock_version == 1
    assert stored(draft) == {}


def test_known_kva_code_is_saved(client, nurse_a, draft, kva):
    client.force_login(nurse_a)
    response = client.post(edit_url(draft), form_data(draft, codes="dv112, DV111"))
    assert response.status_code == 302
    assert sorted(draft.codes.values_list("code", flat=True)) == ["DV111", "DV112"]
    assert 'value="DV111, DV112"' in client.get(edit_url(draft)).content.decode()


def test_unknown_kva_code_is_named_and_nothing_saved(client, nurse_a, draft, kva):
    client.force_login(nurse_a)
    response = client.post(
        edit_url(draft), form_data(draft, {"anamnes": "Text"}, codes="DV112 XY999")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["codes"] == ["XY999 finns inte i den aktiva kodlistan."]
    assert 'value="DV112 XY999"' in response.content.decode()
    assert not draft.codes.exists()
    assert stored(draft) == {}


def test_icd_code_by_a_nurse_is_refused(client, nurse_a, draft, kva, icd):
    client.force_login(nurse_a)
    response = client.post(edit_url(draft), form_data(draft, codes="J45.9"))
    assert response.status_code == 200
    assert "Diagnoskoder (ICD-10-SE) sätts av skolläkaren." in visible_text(response)
    assert not draft.codes.exists()


def test_icd_heading_code_is_not_selectable(client, doctor_a, student_a, icd):
    entry = make_entry(doctor_a, student_a, template="skollakarbedomning", values={})
    client.force_login(doctor_a)
    response = client.post(edit_url(entry), form_data(entry, codes="J45"))
    assert response.status_code == 200
    assert "J45" in response.context["form"].errors["codes"][0]
    assert not entry.codes.exists()


def test_icd_code_by_the_doctor_is_accepted(client, doctor_a, student_a, kva, icd):
    entry = make_entry(doctor_a, student_a, template="skollakarbedomning", values={})
    client.force_login(doctor_a)
    response = client.post(edit_url(entry), form_data(entry, codes="j459, DV112"))
    assert response.status_code == 302
    assert sorted(entry.codes.values_list("code", flat=True)) == ["DV112", "J45.9"]


# --- signing -----------------------------------------------------------------------------------


def test_missing_required_keyword_at_signing_saves_the_draft_but_does_not_sign(
    client, nurse_a, draft
):
    client.force_login(nurse_a)
    values = {**AK4_VALUES, "bedomning": ""}
    response = client.post(edit_url(draft), form_data(draft, values, action="sign"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["kw-bedomning"] == ["Bedömning måste fyllas i innan anteckningen signeras."]
    assert "Utkastet sparades men signerades inte" in visible_text(response)
    assert form.fields["kw-bedomning"].widget.attrs.get("autofocus")  # the focus goes there
    assert AK4_VALUES["anamnes"] in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == EntryStatus.DRAFT
    assert stored(draft)["anamnes"] == AK4_VALUES["anamnes"]
    # The page carries the new version number: saving again is no conflict.
    assert form["lock_version"].value() == str(draft.lock_version)
    again = client.post(
        edit_url(draft),
        form_data(draft, {**values, "bedomning": "Frisk."}, action="sign", lock_version=2),
    )
    assert again.status_code == 302
    draft.refresh_from_db()
    assert draft.status == EntryStatus.SIGNED


def test_sign_view_with_missing_keywords_goes_back_to_edit_with_a_message(client, nurse_a, draft):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:entry-sign", args=[draft.public_id]),
        {"lock_version": draft.lock_version},
    )
    assert response.status_code == 302
    assert response.url == edit_url(draft)
    assert any("Bedömning måste fyllas i" in message for message in messages_of(response))
    draft.refresh_from_db()
    assert draft.status == EntryStatus.DRAFT


def test_sign_view_signs_a_complete_draft(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:entry-sign", args=[entry.public_id]), {"lock_version": entry.lock_version}
    )
    assert response.status_code == 302
    assert response.url == detail_url(entry)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SIGNED
    assert AccessLogEntry.objects.filter(
        user=nurse_a, action="sign", record_id=str(entry.pk)
    ).exists()


def test_sign_view_with_a_stale_lock_version_does_not_sign(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:entry-sign", args=[entry.public_id]), {"lock_version": 1}
    )
    assert response.status_code == 302
    assert response.url == detail_url(entry)
    assert any("har ändrats" in message for message in messages_of(response))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT


def test_sign_view_without_lock_version_does_not_sign(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    client.force_login(nurse_a)
    response = client.post(reverse("journal:entry-sign", args=[entry.public_id]), {})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT


def test_colleague_cannot_sign_someone_elses_draft(client, nurse_a, nurse_a3, student_a):
    entry = make_entry(nurse_a, student_a)
    client.force_login(nurse_a3)
    response = client.post(
        reverse("journal:entry-sign", args=[entry.public_id]), {"lock_version": entry.lock_version}
    )
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT


def test_sign_view_refuses_get(client, nurse_a, draft):
    client.force_login(nurse_a)
    assert client.get(reverse("journal:entry-sign", args=[draft.public_id])).status_code == 405


# --- who may edit ------------------------------------------------------------------------------


def test_colleague_cannot_edit_someone_elses_draft(client, nurse_a3, draft):
    client.force_login(nurse_a3)
    assert client.get(edit_url(draft)).status_code == 403
    response = client.post(edit_url(draft), form_data(draft, {"anamnes": "Inskjuten text"}))
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.lock_version == 1
    assert stored(draft) == {}


def test_crafted_post_to_a_signed_entry_is_refused_and_changes_nothing(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    client.force_login(nurse_a)
    before = stored(entry)
    assert client.get(edit_url(entry)).status_code == 403
    for action in ("save", "sign"):
        response = client.post(
            edit_url(entry), form_data(entry, {"anamnes": "Ändrad i efterhand"}, action=action)
        )
        assert response.status_code == 403
    entry.refresh_from_db()
    assert stored(entry) == before
    assert entry.lock_version == 2


def test_psychologist_cannot_open_a_nurses_draft(client, psychologist_a, draft):
    client.force_login(psychologist_a)
    assert client.get(edit_url(draft)).status_code == 404
    assert client.post(edit_url(draft), form_data(draft, {"anamnes": "x"})).status_code == 404
    assert stored(draft) == {}


def test_nurse_at_another_school_gets_404_for_the_draft(client, nurse_a2, draft):
    client.force_login(nurse_a2)
    assert client.get(edit_url(draft)).status_code == 404


def test_locked_draft_cannot_be_edited_but_can_be_signed(client, nurse_a, student_a):
    entry = age_draft(make_entry(nurse_a, student_a), days=20)
    client.force_login(nurse_a)

    page = client.get(edit_url(entry))
    assert page.status_code == 302
    assert page.url == detail_url(entry)
    assert any("låst" in message for message in messages_of(page))

    post = client.post(edit_url(entry), form_data(entry, {**AK4_VALUES, "anamnes": "Ny text"}))
    assert post.status_code == 302
    entry.refresh_from_db()
    assert stored(entry)["anamnes"] == AK4_VALUES["anamnes"]

    signed = client.post(
        reverse("journal:entry-sign", args=[entry.public_id]), {"lock_version": entry.lock_version}
    )
    assert signed.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SIGNED


# --- concurrent editing ------------------------------------------------------------------------


def test_second_save_with_the_same_lock_version_gets_the_conflict_page(client, nurse_a, draft):
    client.force_login(nurse_a)
    first_text = "Skrivet i första fliken."
    second_text = "Skrivet i andra fliken."
    first = client.post(edit_url(draft), form_data(draft, {"anamnes": first_text}, lock_version=1))
    assert first.status_code == 302

    second = client.post(
        edit_url(draft), form_data(draft, {"anamnes": second_text}, lock_version=1)
    )
    assert second.status_code == 409
    html = second.content.decode()
    assert first_text in html and second_text in html
    form = second.context["form"]
    assert form["kw-anamnes"].value() == second_text
    assert "autofocus" not in html  # the page opens on the comparison
    assert form["lock_version"].value() == "2"
    draft.refresh_from_db()
    assert stored(draft) == {"anamnes": first_text}

    merged = f"{first_text} {second_text}"
    third = client.post(edit_url(draft), form_data(draft, {"anamnes": merged}, lock_version=2))
    assert third.status_code == 302
    draft.refresh_from_db()
    assert stored(draft) == {"anamnes": merged}
    assert draft.lock_version == 3


# --- corrections -------------------------------------------------------------------------------


def test_correction_starts_a_draft_with_the_original_text(client, nurse_a, student_a):
    original = make_entry(nurse_a, student_a, sign=True)
    client.force_login(nurse_a)
    url = reverse("journal:entry-correct", args=[original.public_id])

    page = client.get(url)
    assert page.status_code == 200
    assert AK4_VALUES["anamnes"] in visible_text(page)

    empty = client.post(url, {"reason": "  "})
    assert empty.status_code == 200
    assert empty.context["form"].errors["reason"]
    assert not original.corrections.exists()

    response = client.post(url, {"reason": "Fel vikt antecknad."})
    correction = original.corrections.get()
    assert response.status_code == 302
    assert response.url == edit_url(correction)
    assert correction.status == EntryStatus.DRAFT
    assert correction.correction_reason == "Fel vikt antecknad."
    assert stored(correction) == stored(original)

    page = client.get(edit_url(correction))
    assert "Fel vikt antecknad." in visible_text(page)
    assert AK4_VALUES["anamnes"] in page.content.decode()


def test_correction_already_pending_by_a_colleague_is_refused(client, nurse_a, nurse_a3, student_a):
    original = make_entry(nurse_a, student_a, sign=True)
    client.force_login(nurse_a)
    client.post(reverse("journal:entry-correct", args=[original.public_id]), {"reason": "Fel."})
    client.force_login(nurse_a3)
    response = client.post(
        reverse("journal:entry-correct", args=[original.public_id]), {"reason": "Också fel."}
    )
    assert response.status_code == 400
    assert "håller redan på att rätta anteckningen" in visible_text(response)
    assert original.corrections.count() == 1


def test_a_draft_is_not_corrected(client, nurse_a, draft):
    client.force_login(nurse_a)
    url = reverse("journal:entry-correct", args=[draft.public_id])
    assert "ett utkast ändras direkt" in visible_text(client.get(url))
    response = client.post(url, {"reason": "Fel."})
    assert response.status_code == 400
    assert not JournalEntry.objects.filter(corrects=draft).exists()


# --- marks -------------------------------------------------------------------------------------


def test_marks_are_set_and_withdrawn_as_new_rows(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    client.force_login(nurse_a)
    url = reverse("journal:entry-mark", args=[entry.public_id])

    response = client.post(url, {"kind": "shared", "active": "1", "reason": ""})
    assert response.status_code == 302
    assert response.url == detail_url(entry)
    assert EntryMark.objects.filter(entry=entry, kind=MarkKind.SHARED_WITH_GUARDIANS).count() == 1

    refused = client.post(url, {"kind": "shared", "active": "0", "reason": ""})
    assert refused.status_code == 302
    assert any("Skriv ett skäl." in message for message in messages_of(refused))
    assert EntryMark.objects.filter(entry=entry).count() == 1

    client.post(url, {"kind": "shared", "active": "0", "reason": "Delad av misstag."})
    marks = list(EntryMark.objects.filter(entry=entry).order_by("pk"))
    assert [mark.active for mark in marks] == [True, False]
    assert marks[1].created_by == nurse_a


def test_bad_mark_input_is_a_message_not_an_error(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:entry-mark", args=[entry.public_id]), {"kind": "hemlig", "active": "x"}
    )
    assert response.status_code == 302
    assert messages_of(response)
    assert not EntryMark.objects.exists()


def test_epi_entry_cannot_be_shared_with_guardians(client, psychologist_a, student_a):
    entry = make_entry(
        psychologist_a,
        student_a,
        template="psykologsamtal",
        values={"samtalsorsak": "Oro inför prov.", "bedomning": "Samtal om oro."},
        sign=True,
    )
    client.force_login(psychologist_a)
    response = client.post(
        reverse("journal:entry-mark", args=[entry.public_id]),
        {"kind": "shared", "active": "1", "reason": ""},
    )
    assert response.status_code == 302
    assert any("delas med vårdnadshavare" in message for message in messages_of(response))
    assert not EntryMark.objects.exists()


def test_mark_on_a_draft_is_refused(client, nurse_a, draft):
    client.force_login(nurse_a)
    response = client.post(
        reverse("journal:entry-mark", args=[draft.public_id]),
        {"kind": "disputed", "active": "1", "reason": "Eleven håller inte med."},
    )
    assert response.status_code == 302
    assert not EntryMark.objects.exists()


# --- my unsigned notes -------------------------------------------------------------------------


def test_my_drafts_lists_own_drafts_only_with_locked_marker(
    client, nurse_a, nurse_a3, student_a, class_a
):
    mine = make_entry(nurse_a, student_a, values={})
    locked = age_draft(make_entry(nurse_a, student_a, template="telefonkontakt", values={}), 20)
    make_entry(nurse_a, student_a, sign=True)
    make_entry(nurse_a3, student_a, values={})
    client.force_login(nurse_a)

    response = client.get(reverse("journal:my-drafts"))
    assert response.status_code == 200
    assert response.context["entries"] == [mine, locked]
    html = response.content.decode()
    assert edit_url(mine) in html
    assert detail_url(locked) in html and edit_url(locked) not in html
    assert "Osignerad – låst" in visible_text(response)
    # One log row per student shown.
    rows = AccessLogEntry.objects.filter(user=nurse_a, action="list")
    assert list(rows.values_list("student", flat=True)) == [student_a.pk]


def test_my_drafts_query_count_is_constant(
    client, nurse_a, student_a, class_a, django_assert_max_num_queries, django_assert_num_queries
):
    from tests.helpers import assert_constant_queries
    from tests.schools.factories import ClassMembershipFactory, EnrolmentFactory

    make_entry(nurse_a, student_a, values={})

    def grow():
        for _ in range(6):
            student = StudentFactory()
            EnrolmentFactory(student=student, school=class_a.school)
            ClassMembershipFactory(student=student, school_class=class_a)
            make_entry(nurse_a, student, values={})

    client.force_login(nurse_a)
    assert_constant_queries(
        client,
        reverse("journal:my-drafts"),
        grow,
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


def test_home_shows_my_unsigned_notes(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, values={})
    client.force_login(nurse_a)
    response = client.get(reverse("home"))
    text = visible_text(response)
    assert "Mina osignerade anteckningar" in text
    assert student_a.full_name in text
    assert edit_url(entry) in response.content.decode()
    assert reverse("journal:my-drafts") in response.content.decode()
    assert AccessLogEntry.objects.filter(user=nurse_a, action="list", student=student_a).exists()


def test_home_without_drafts_says_so_and_logs_nothing(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.get(reverse("home"))
    assert "Du har inga osignerade anteckningar." in visible_text(response)
    assert not AccessLogEntry.objects.filter(action="list").exists()


def test_home_has_no_drafts_section_for_a_registry_admin(client, registry_admin_a):
    client.force_login(registry_admin_a)
    assert "osignerade" not in visible_text(client.get(reverse("home")))


def test_home_query_count_is_constant_in_drafts(
    client, nurse_a, student_a, class_a, django_assert_max_num_queries, django_assert_num_queries
):
    from tests.helpers import assert_constant_queries
    from tests.schools.factories import EnrolmentFactory

    make_entry(nurse_a, student_a, values={})

    def grow():
        for _ in range(12):
            student = StudentFactory()
            EnrolmentFactory(student=student, school=class_a.school)
            make_entry(nurse_a, student, values={})

    client.force_login(nurse_a)
    assert_constant_queries(
        client, reverse("home"), grow, django_assert_max_num_queries, django_assert_num_queries
    )


# --- the form's fields -------------------------------------------------------------------------


def test_yes_no_and_date_keywords_map_to_python_values():
    yes_no = keyword_field(Keyword(code="dos", label="Dos given", kind=KeywordKind.YES_NO))
    assert yes_no.clean("1") is True
    assert yes_no.clean("0") is False
    assert yes_no.clean("") is None
    date = keyword_field(Keyword(code="nasta", label="Nästa kontroll", kind=KeywordKind.DATE))
    assert date.clean("2024-09-01") == datetime.date(2024, 9, 1)
    assert date.clean("") is None


def test_entry_form_groups_keywords_under_vips_headings(nurse_a, draft):
    form = EntryForm(entry=draft)
    names = list(form.fields)
    assert names[0] == "kw-halsoformular"
    assert names[-4:] == ["contact_type", "contact_at", "codes", "lock_version"]
    assert form.fields["kw-vikt"].label == "Vikt (kg)"
    assert "10–250 kg" in form.fields["kw-vikt"].help_text  # version 2 (issue 7)


def test_number_keyword_accepts_comma_and_refuses_what_the_column_cannot_hold():
    from django.core.exceptions import ValidationError

    field = keyword_field(Keyword(code="tal", label="Tal", kind=KeywordKind.NUMBER))
    assert field.clean(" 1,25 ") == Decimal("1.25")
    for bad in ("2000000", "1,2345", "NaN", "ett"):
        with pytest.raises(ValidationError):
            field.clean(bad)
