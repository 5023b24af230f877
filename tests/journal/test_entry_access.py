"""Entries and attachments through the policy (journal.access): the record filter
(``visible_entries``/``visible_attachments``) and the single-entry door (``get_entry_or_404``,
``get_attachment_or_404``), each decision with exactly one access-log row."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import RequestFactory, override_settings

from consent.models import AccessAction, AccessLogEntry, AccessReason
from consent.policy import Action
from journal.access import (
    get_attachment_or_404,
    get_entry_or_404,
    visible_attachments,
    visible_entries,
)
from journal.models import AttachmentType
from journal.services.attachments import attachment_add
from journal.services.entries import entry_sign
from schools.models import Profession
from tests.schools.factories import AssignmentFactory, StaffMemberFactory

from .factories import make_entry

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
PATH = "/journal/anteckningar/"
EPI_VALUES = {"samtalsorsak": "Oro inför provet", "bedomning": "Stöd i skolan räcker."}


@pytest.fixture
def colleague_a(school_a):
    """Another nurse at school A, there for a year: a care relation to student A."""
    member = StaffMemberFactory(
        organisation=school_a.organisation,
        profession=Profession.SCHOOL_NURSE,
        user__username="colleague_a",
    )
    AssignmentFactory(staff_member=member, school=school_a)
    return member.user


@pytest.fixture
def signed(nurse_a, student_a):
    return make_entry(nurse_a, student_a, sign=True)


@pytest.fixture
def draft(nurse_a, student_a):
    return make_entry(nurse_a, student_a)


@pytest.fixture
def epi_entry(psychologist_a, student_a):
    return make_entry(
        psychologist_a, student_a, template="psykologsamtal", values=EPI_VALUES, sign=True
    )


def request_by(user, path=PATH):
    request = RequestFactory().get(path)
    request.user = user
    return request


def new_log_rows(since: int) -> list[AccessLogEntry]:
    return list(AccessLogEntry.objects.filter(pk__gt=since).order_by("pk"))


def last_log_pk() -> int:
    row = AccessLogEntry.objects.order_by("-pk").first()
    return row.pk if row else 0


def ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


# --- get_entry_or_404 -----------------------------------------------------------------------------


def test_a_nurse_with_a_care_relation_opens_the_entry_with_one_log_row(nurse_a, signed, student_a):
    since = last_log_pk()
    path = f"{PATH}{signed.public_id}/"
    entry = get_entry_or_404(request_by(nurse_a, path), signed.public_id)
    assert entry == signed
    assert entry.student == student_a and entry.student.access.allowed
    assert entry.student.access.reason == AccessReason.CARE_RELATION
    (row,) = new_log_rows(since)
    assert (row.user, row.student, row.action, row.reason) == (
        nurse_a,
        student_a,
        AccessAction.VIEW,
        AccessReason.CARE_RELATION,
    )
    assert (row.record_type, row.record_id) == ("journal.journalentry", str(signed.pk))
    assert row.path == path


def test_the_id_may_be_given_as_a_string(nurse_a, signed):
    assert get_entry_or_404(request_by(nurse_a), str(signed.public_id)) == signed


@pytest.mark.parametrize(
    ("action", "logged"),
    [(Action.WRITE, AccessAction.EDIT), (Action.SIGN, AccessAction.SIGN)],
)
def test_the_action_is_what_is_logged(nurse_a, draft, action, logged):
    since = last_log_pk()
    get_entry_or_404(request_by(nurse_a), draft.public_id, action=action)
    (row,) = new_log_rows(since)
    assert row.action == logged


def test_the_other_area_gets_404_and_a_refused_row(psychologist_a, signed, student_a):
    since = last_log_pk()
    with pytest.raises(Http404):
        get_entry_or_404(request_by(psychologist_a), signed.public_id)
    (row,) = new_log_rows(since)
    assert (row.user, row.student, row.action) == (psychologist_a, student_a, "refused")
    assert (row.record_type, row.record_id) == ("journal.journalentry", str(signed.pk))


def test_another_organisation_gets_404_and_a_refused_row(nurse_b, signed, student_a):
    since = last_log_pk()
    with pytest.raises(Http404):
        get_entry_or_404(request_by(nurse_b), signed.public_id, action=Action.READ)
    (row,) = new_log_rows(since)
    assert (row.user, row.student, row.action) == (nurse_b, student_a, AccessAction.REFUSED)


def test_a_nurse_of_another_school_gets_404(nurse_a2, signed):
    since = last_log_pk()
    with pytest.raises(Http404):
        get_entry_or_404(request_by(nurse_a2), signed.public_id)
    assert [row.action for row in new_log_rows(since)] == [AccessAction.REFUSED]


@pytest.mark.parametrize("entry_id", [uuid.uuid4(), "inte-ett-id", "", "1", None])
def test_an_unknown_or_malformed_id_gets_404_and_a_refused_row_without_student(
    nurse_a, signed, entry_id
):
    since = last_log_pk()
    with pytest.raises(Http404):
        get_entry_or_404(request_by(nurse_a), entry_id)
    (row,) = new_log_rows(since)
    assert (row.user, row.student, row.action) == (nurse_a, None, AccessAction.REFUSED)
    assert row.record_type == ""


def test_an_anonymous_request_gets_404_and_a_refused_row(signed):
    since = last_log_pk()
    with pytest.raises(Http404):
        get_entry_or_404(request_by(AnonymousUser()), signed.public_id)
    (row,) = new_log_rows(since)
    assert (row.user, row.student, row.action) == (None, None, AccessAction.REFUSED)


def test_the_psychologist_opens_her_epi_entry_and_the_nurse_does_not(
    psychologist_a, nurse_a, epi_entry
):
    assert get_entry_or_404(request_by(psychologist_a), epi_entry.public_id) == epi_entry
    with pytest.raises(Http404):
        get_entry_or_404(request_by(nurse_a), epi_entry.public_id)


def test_a_given_queryset_narrows_but_never_widens(nurse_a, draft, signed):
    from journal.models import JournalEntry

    request = request_by(nurse_a)
    only_signed = JournalEntry.objects.signed()
    assert get_entry_or_404(request, signed.public_id, queryset=only_signed) == signed
    with pytest.raises(Http404):
        get_entry_or_404(request, draft.public_id, queryset=only_signed)


# --- visible_entries: the record filter ----------------------------------------------------


def test_colleagues_of_the_area_see_drafts_and_signed_entries(
    nurse_a, colleague_a, draft, signed, epi_entry
):
    assert ids(visible_entries(nurse_a)) == {draft.pk, signed.pk}
    assert ids(visible_entries(colleague_a)) == {draft.pk, signed.pk}  # drafts read-only
    assert ids(visible_entries(colleague_a, action=Action.WRITE)) == {draft.pk, signed.pk}


def test_the_epi_wall_and_other_organisations_and_schools(
    psychologist_a, nurse_b, nurse_a2, draft, signed, epi_entry
):
    assert ids(visible_entries(psychologist_a)) == {epi_entry.pk}
    assert ids(visible_entries(psychologist_a, action=Action.WRITE)) == {epi_entry.pk}
    for user in (nurse_b, nurse_a2):
        for action in (Action.READ, Action.WRITE, Action.SIGN, Action.PRINT):
            assert not visible_entries(user, action=action).exists()
    assert not visible_entries(AnonymousUser()).exists()


def test_staff_without_a_care_relation_see_no_entries(registry_admin_a, signed):
    assert not visible_entries(registry_admin_a).exists()
    with pytest.raises(Http404):
        get_entry_or_404(request_by(registry_admin_a), signed.public_id)


def test_an_ended_assignment_ends_the_access(nurse_a_ended, signed):
    assert not visible_entries(nurse_a_ended).exists()


# --- A student who left: own documentation only ----------------------------------------------


@pytest.fixture
def left_entries(nurse_a, colleague_a, student_left_a):
    """Drafts by nurse A and by her colleague about a student who left five days ago, and a
    signed entry by nurse A."""
    return {
        "own": make_entry(nurse_a, student_left_a),
        "colleague": make_entry(colleague_a, student_left_a),
        "signed": make_entry(nurse_a, student_left_a, sign=True),
    }


@override_settings(ACCESS_RECENTLY_LEFT_DAYS=3)  # left five days ago: own documentation only
def test_own_documentation_lets_the_author_finish_her_own_drafts_only(nurse_a, left_entries):
    own, colleague = left_entries["own"], left_entries["colleague"]
    assert not visible_entries(nurse_a).exists()  # the record itself is closed to her
    assert ids(visible_entries(nurse_a, action=Action.WRITE)) == {own.pk, left_entries["signed"].pk}
    assert colleague.pk not in ids(visible_entries(nurse_a, action=Action.SIGN))
    since = last_log_pk()
    opened = get_entry_or_404(request_by(nurse_a), own.public_id, action=Action.SIGN)
    assert opened.student.access.reason == AccessReason.OWN_DOCUMENTATION
    (row,) = new_log_rows(since)
    assert (row.action, row.reason) == (AccessAction.SIGN, AccessReason.OWN_DOCUMENTATION)
    assert entry_sign(entry=opened, by=nurse_a).is_signed
    for action in (Action.READ, Action.WRITE, Action.SIGN):
        with pytest.raises(Http404):
            get_entry_or_404(request_by(nurse_a), colleague.public_id, action=action)


def test_a_student_who_just_left_is_documented_but_not_read(nurse_a, left_entries):
    own, colleague = left_entries["own"], left_entries["colleague"]
    assert not visible_entries(nurse_a).exists()
    assert not visible_entries(nurse_a, action=Action.PRINT).exists()
    assert ids(visible_entries(nurse_a, action=Action.SIGN)) == {own.pk, left_entries["signed"].pk}
    with pytest.raises(Http404):
        get_entry_or_404(request_by(nurse_a), colleague.public_id, action=Action.SIGN)
    with pytest.raises(Http404):
        get_entry_or_404(request_by(nurse_a), own.public_id, action=Action.READ)


def test_writing_without_reading_opens_no_one_elses_entry(nurse_a, colleague_a, left_entries):
    """Recently left gives WRITE (a new note) but not READ: the colleague's entries stay closed
    to every action that would show them (correcting, marking), her own stay hers."""
    colleague_signed = make_entry(colleague_a, left_entries["own"].student, sign=True)
    for action in (Action.WRITE, Action.SIGN):
        with pytest.raises(Http404):
            get_entry_or_404(request_by(nurse_a), colleague_signed.public_id, action=action)
    opened = get_entry_or_404(
        request_by(nurse_a), left_entries["signed"].public_id, action=Action.WRITE
    )
    assert opened.pk == left_entries["signed"].pk


def test_the_correction_page_does_not_show_a_colleagues_entry_after_the_student_left(
    client, nurse_a, colleague_a, left_entries
):
    colleague_signed = make_entry(colleague_a, left_entries["own"].student, sign=True)
    client.force_login(nurse_a)
    response = client.get(f"{PATH}{colleague_signed.public_id}/rattelse/")
    assert response.status_code == 404


@override_settings(ACCESS_RECENTLY_LEFT_DAYS=3, ACCESS_OWN_DOCUMENTATION_DAYS=4)
def test_after_the_window_nothing_is_open(nurse_a, left_entries):
    for action in (Action.READ, Action.WRITE, Action.SIGN):
        assert not visible_entries(nurse_a, action=action).exists()


# --- Attachments ---------------------------------------------------------------------------------


@pytest.fixture
def attachment(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a)
    return attachment_add(
        entry=entry,
        by=nurse_a,
        uploaded_file=SimpleUploadedFile("samtycke.png", PNG, content_type="image/png"),
        document_type=AttachmentType.CONSENT,
    )


def test_attachments_are_visible_as_their_entries_are(
    nurse_a, colleague_a, psychologist_a, nurse_b, attachment
):
    assert ids(visible_attachments(nurse_a)) == {attachment.pk}
    assert ids(visible_attachments(colleague_a)) == {attachment.pk}
    assert not visible_attachments(psychologist_a).exists()
    assert not visible_attachments(nurse_b).exists()


def test_an_attachment_is_opened_with_one_log_row(nurse_a, attachment, student_a):
    since = last_log_pk()
    assert get_attachment_or_404(request_by(nurse_a), attachment.public_id) == attachment
    (row,) = new_log_rows(since)
    assert (row.student, row.action) == (student_a, AccessAction.VIEW)
    assert (row.record_type, row.record_id) == ("journal.attachment", str(attachment.pk))


@pytest.mark.parametrize("who", ["psychologist_a", "nurse_b", "nurse_a2"])
def test_an_attachment_outside_the_filter_is_404_with_a_refused_row(
    request, who, attachment, student_a
):
    user = request.getfixturevalue(who)
    since = last_log_pk()
    with pytest.raises(Http404):
        get_attachment_or_404(request_by(user), attachment.public_id)
    (row,) = new_log_rows(since)
    assert (row.student, row.action, row.record_type) == (
        student_a,
        AccessAction.REFUSED,
        "journal.attachment",
    )


@pytest.mark.parametrize("attachment_id", [uuid.uuid4(), "inte-ett-id"])
def test_an_unknown_attachment_is_404_with_a_refused_row(nurse_a, attachment, attachment_id):
    since = last_log_pk()
    with pytest.raises(Http404):
        get_attachment_or_404(request_by(nurse_a), attachment_id)
    (row,) = new_log_rows(since)
    assert (row.student, row.action) == (None, AccessAction.REFUSED)


@override_settings(ACCESS_RECENTLY_LEFT_DAYS=3)
def test_attachments_of_a_student_who_left_are_closed(nurse_a, student_left_a):
    entry = make_entry(nurse_a, student_left_a)
    attachment = attachment_add(
        entry=entry,
        by=nurse_a,
        uploaded_file=SimpleUploadedFile("samtycke.png", PNG, content_type="image/png"),
        document_type=AttachmentType.CONSENT,
    )
    assert not visible_attachments(nurse_a).exists()
    assert ids(visible_attachments(nurse_a, action=Action.WRITE)) == {attachment.pk}
    with pytest.raises(Http404):
        get_attachment_or_404(request_by(nurse_a), attachment.public_id)
