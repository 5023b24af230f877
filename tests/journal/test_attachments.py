"""Scanned attachments (R-DOC-7): only the author adds them to her own draft; type decided by the
file's first bytes; size limited; stored under a random name outside the web root; frozen with
the signed entry; served only through the policy, with one access-log row per download."""

import hashlib
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from consent.models import AccessAction, AccessLogEntry
from journal.models import Attachment, AttachmentType, ImmutableRecordError
from journal.services.attachments import attachment_add
from journal.services.entries import entry_sign
from schools.models import Profession
from tests.journal.factories import age_draft, make_entry
from tests.schools.factories import AssignmentFactory, StaffMemberFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
TIFF = b"II*\x00" + b"\x00" * 32


def upload(content=PDF, name="samtycke Alva 20160314-1234.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> set[str]:
    root = Path(settings.JOURNAL_ATTACHMENT_ROOT)
    return {str(path) for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def colleague_a(school_a):
    """Another nurse at school A: a care relation to student A, not the author."""
    member = StaffMemberFactory(
        organisation=school_a.organisation,
        profession=Profession.SCHOOL_NURSE,
        user__username="colleague_a",
    )
    AssignmentFactory(staff_member=member, school=school_a)
    return member.user


@pytest.fixture
def draft(nurse_a, student_a):
    return make_entry(nurse_a, student_a)


@pytest.fixture
def attachment(draft, nurse_a):
    return attachment_add(
        entry=draft, by=nurse_a, uploaded_file=upload(), document_type=AttachmentType.CONSENT
    )


def add_url(entry):
    return reverse("journal:attachment-add", args=[entry.public_id])


def download_url(attachment):
    return reverse("journal:attachment-download", args=[attachment.public_id])


def post_data(**overrides):
    data = {
        "file": upload(),
        "document_type": AttachmentType.CONSENT,
        "description": "Samtycke till vaccination",
        "scanned": "on",
    }
    data.update(overrides)
    return data


# --- The service ------------------------------------------------------------------------------


def test_author_attaches_a_scan_to_her_draft(draft, nurse_a):
    content = PDF + b"scan"
    attachment = attachment_add(
        entry=draft,
        by=nurse_a,
        uploaded_file=upload(content),
        document_type=AttachmentType.CONSENT,
        description="Samtycke",
    )
    attachment.refresh_from_db()
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.scanned is True
    assert attachment.uploaded_by == nurse_a
    assert attachment.uploaded_by_name == nurse_a.get_full_name()
    path = Path(attachment.file.path)
    root = Path(settings.JOURNAL_ATTACHMENT_ROOT).resolve()
    assert path.resolve().is_relative_to(root)
    # A random name: nothing of the uploaded name (a name, an identity number) is kept.
    assert "Alva" not in attachment.file.name and "20160314" not in attachment.file.name
    assert path.suffix == ".pdf"
    assert path.read_bytes() == content
    assert attachment.history.get().history_user == nurse_a


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (TIFF, "image/tiff"),
        (b"MM\x00*" + PDF, "image/tiff"),
    ],
)
def test_the_first_bytes_decide_the_type(draft, nurse_a, content, content_type):
    # The browser's content type and the name say PDF; the bytes win.
    attachment = attachment_add(
        entry=draft, by=nurse_a, uploaded_file=upload(content), document_type=AttachmentType.OTHER
    )
    assert attachment.content_type == content_type


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64,  # a Windows program renamed .pdf
        b"<!doctype html><script>alert(1)</script>",  # HTML renamed .pdf
        b" %PDF-1.4 not at the start",
    ],
)
def test_other_kinds_of_file_are_refused_with_the_allowed_types(draft, nurse_a, content):
    with pytest.raises(ValidationError) as caught:
        attachment_add(
            entry=draft,
            by=nurse_a,
            uploaded_file=upload(content),
            document_type=AttachmentType.CONSENT,
        )
    assert "PDF, JPEG, PNG, TIFF" in caught.value.message_dict["file"][0]
    assert not Attachment.objects.exists()


def test_oversized_and_empty_files_are_refused(draft, nurse_a, settings):
    settings.JOURNAL_ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as caught:
        attachment_add(
            entry=draft,
            by=nurse_a,
            uploaded_file=upload(PDF + b"x" * 100),
            document_type=AttachmentType.CONSENT,
        )
    assert "för stor" in caught.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as caught:
        attachment_add(
            entry=draft, by=nurse_a, uploaded_file=upload(b""), document_type=AttachmentType.CONSENT
        )
    assert caught.value.message_dict["file"] == ["Filen är tom."]
    assert not Attachment.objects.exists()


def test_only_the_author_attaches(draft, colleague_a):
    with pytest.raises(ValidationError) as caught:
        attachment_add(entry=draft, by=colleague_a, uploaded_file=upload(), document_type="consent")
    assert caught.value.code == "not_author"


def test_nothing_is_attached_to_a_signed_entry(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    files = stored_files()
    with pytest.raises(ValidationError) as caught:
        attachment_add(entry=entry, by=nurse_a, uploaded_file=upload(), document_type="consent")
    assert caught.value.code == "immutable"
    assert stored_files() == files
    assert not Attachment.objects.exists()


def test_an_attachment_freezes_with_the_signed_entry(attachment, draft, nurse_a):
    entry_sign(entry=draft, by=nurse_a)
    attachment.description = "Ändrad"
    with pytest.raises(ImmutableRecordError):
        attachment.save()
    with pytest.raises(ImmutableRecordError):
        attachment.delete()
    with pytest.raises(ImmutableRecordError):
        Attachment.objects.filter(pk=attachment.pk).update(description="Ändrad")
    attachment.refresh_from_db()
    assert attachment.description == ""
    assert Path(attachment.file.path).exists()


# --- Adding through the page ------------------------------------------------------------------


def test_author_sees_the_form(client, nurse_a, draft):
    client.force_login(nurse_a)
    response = client.get(add_url(draft))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert "csrfmiddlewaretoken" in content
    assert 'name="scanned"' in content and "checked" in content


def test_author_adds_an_attachment_and_returns_to_the_entry(client, nurse_a, draft):
    client.force_login(nurse_a)
    response = client.post(add_url(draft), post_data())
    assert response.status_code == 302
    assert response.url == reverse("journal:entry-detail", args=[draft.public_id])
    attachment = Attachment.objects.get()
    assert attachment.entry == draft
    assert attachment.description == "Samtycke till vaccination"
    assert attachment.scanned is True
    assert attachment.uploaded_by == nurse_a


def test_unchecked_scanned_box_is_kept(client, nurse_a, draft):
    client.force_login(nurse_a)
    data = post_data()
    del data["scanned"]
    client.post(add_url(draft), data)
    assert Attachment.objects.get().scanned is False


def test_wrong_type_shows_a_message_and_keeps_what_was_typed(client, nurse_a, draft):
    client.force_login(nurse_a)
    fake = upload(b"<html><body>hej</body></html>", name="scan.pdf")
    response = client.post(
        add_url(draft), post_data(file=fake, document_type=AttachmentType.OLD_RECORD)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Tillåtna filtyper: PDF, JPEG, PNG, TIFF" in content
    assert "välj filen igen" in content
    assert "Samtycke till vaccination" in content  # the description is kept
    assert 'value="old_record" selected' in content
    assert not Attachment.objects.exists()


def test_oversized_upload_is_refused_before_it_is_stored(client, nurse_a, draft, settings):
    settings.JOURNAL_ATTACHMENT_MAX_BYTES = 1000
    client.force_login(nurse_a)
    files = stored_files()
    response = client.post(add_url(draft), post_data(file=upload(PDF + b"x" * 5000)))
    assert response.status_code == 200
    assert "Filen är för stor" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files() == files


def test_missing_document_type_keeps_the_description(client, nurse_a, draft):
    client.force_login(nurse_a)
    response = client.post(add_url(draft), post_data(document_type=""))
    assert response.status_code == 200
    assert "Välj en dokumenttyp." in response.content.decode()
    assert "Samtycke till vaccination" in response.content.decode()
    assert not Attachment.objects.exists()


def test_colleague_cannot_add_to_someone_elses_draft(client, colleague_a, draft):
    client.force_login(colleague_a)
    assert client.get(add_url(draft)).status_code == 403
    assert client.post(add_url(draft), post_data()).status_code == 403
    assert not Attachment.objects.exists()


def test_crafted_post_to_a_signed_entry_is_refused_and_stores_nothing(client, nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, sign=True)
    client.force_login(nurse_a)
    files = stored_files()
    assert client.post(add_url(entry), post_data()).status_code == 403
    assert not Attachment.objects.exists()
    assert stored_files() == files


def test_nurse_of_another_organisation_gets_404(client, nurse_b, draft):
    client.force_login(nurse_b)
    assert client.post(add_url(draft), post_data()).status_code == 404
    assert not Attachment.objects.exists()


def test_post_without_csrf_token_is_refused(nurse_a, draft):
    from tests.conftest import VerifiedClient

    client = VerifiedClient(enforce_csrf_checks=True)
    client.force_login(nurse_a)
    assert client.post(add_url(draft), post_data()).status_code == 403
    assert not Attachment.objects.exists()


# --- Downloading ----------------------------------------------------------------------------


def test_colleague_with_care_relation_reads_the_attachment(client, colleague_a, attachment):
    client.force_login(colleague_a)
    response = client.get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")
    assert "bilaga-" in disposition and disposition.endswith('.pdf"')
    assert "Alva" not in disposition and "samtycke" not in disposition


def test_download_writes_one_view_row(client, colleague_a, attachment, student_a):
    client.force_login(colleague_a)
    before = AccessLogEntry.objects.count()
    client.get(download_url(attachment))
    assert AccessLogEntry.objects.count() == before + 1
    row = AccessLogEntry.objects.latest("pk")
    assert row.action == AccessAction.VIEW
    assert row.student == student_a
    assert row.user == colleague_a
    assert row.record_type == "journal.attachment"
    assert row.record_id == str(attachment.pk)


@pytest.mark.parametrize("who", ["nurse_b", "psychologist_a", "nurse_a2"])
def test_others_get_404_and_a_refused_row(client, request, who, attachment, student_a):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(download_url(attachment))
    assert response.status_code == 404
    row = AccessLogEntry.objects.latest("pk")
    assert row.action == AccessAction.REFUSED
    assert row.user == user


def test_unknown_attachment_gets_404(client, nurse_a):
    client.force_login(nurse_a)
    url = reverse("journal:attachment-download", args=["00000000-0000-0000-0000-000000000000"])
    assert client.get(url).status_code == 404


def test_a_file_missing_on_disk_is_404_not_500(client, nurse_a, attachment):
    os.remove(attachment.file.path)
    client.force_login(nurse_a)
    assert client.get(download_url(attachment)).status_code == 404


def test_image_is_served_with_its_own_type(client, nurse_a, draft):
    attachment = attachment_add(
        entry=draft, by=nurse_a, uploaded_file=upload(PNG, name="x.pdf"), document_type="other"
    )
    client.force_login(nurse_a)
    response = client.get(download_url(attachment))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].endswith('.png"')


def test_a_locked_draft_takes_no_attachments(client, nurse_a, draft):
    age_draft(draft, 30)
    client.force_login(nurse_a)
    response = client.post(add_url(draft), post_data())
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    with pytest.raises(ValidationError) as caught:
        attachment_add(entry=draft, by=nurse_a, uploaded_file=upload(), document_type="consent")
    assert caught.value.code == "locked"
