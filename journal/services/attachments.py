"""Attaching scanned paper to an entry (R-DOC-7).

Only the author attaches, and only to her own unlocked draft: once the entry is signed its
attachments are frozen with it. What a file *is* is read from its first bytes, never from the
name or the browser's content type (both are the sender's to choose); only PDF and the common
scan formats are kept, under a random name outside the web root (``Attachment.file``).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ..models import Attachment, AttachmentType, ImmutableRecordError, JournalEntry
from ..models.entries import lock_days

# (magic bytes at the start of the file, content type); the only kinds of file we keep.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
)
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/tiff": "tif",
}
ALLOWED_LABEL = "PDF, JPEG, PNG, TIFF"


def max_bytes() -> int:
    return settings.JOURNAL_ATTACHMENT_MAX_BYTES


def sniff_content_type(uploaded_file) -> str | None:
    """The content type the file's first bytes show, or None for anything we do not keep."""
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    return next((kind for magic, kind in SIGNATURES if head.startswith(magic)), None)


def size_error() -> str:
    return _("Filen är för stor: högst %(size)s.") % {"size": filesizeformat(max_bytes())}


def check_upload(uploaded_file: UploadedFile) -> str:
    """The file's content type, or ValidationError({"file": ...}) for a file we do not keep."""
    if uploaded_file is None:
        raise ValidationError({"file": _("Välj en fil.")}, code="required")
    if not uploaded_file.size:
        raise ValidationError({"file": _("Filen är tom.")}, code="empty")
    if uploaded_file.size > max_bytes():
        raise ValidationError({"file": size_error()}, code="too_large")
    content_type = sniff_content_type(uploaded_file)
    if content_type is None:
        raise ValidationError(
            {
                "file": _(
                    "Filtypen kan inte bifogas. Tillåtna filtyper: %(types)s (inskannade dokument)."
                )
                % {"types": ALLOWED_LABEL}
            },
            code="file_type",
        )
    return content_type


def check_may_attach(entry: JournalEntry, by) -> None:
    """Attachments go on the author's own, unlocked draft."""
    if entry.is_signed:
        raise ImmutableRecordError(
            _("Anteckningen är signerad: bilagor läggs bara till på osignerade anteckningar.")
        )
    if entry.author_id != by.pk:
        raise ValidationError(
            _("Bara den som skrev anteckningen kan lägga till bilagor."), code="not_author"
        )
    if entry.is_locked:
        raise ValidationError(
            _("Utkastet är låst (äldre än %(days)s dagar): det kan signeras men inte ändras.")
            % {"days": lock_days()},
            code="locked",
        )


def _sha256(uploaded_file) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def attachment_add(
    *,
    entry: JournalEntry,
    by,
    uploaded_file: UploadedFile,
    document_type: str,
    description: str = "",
    scanned: bool = True,
) -> Attachment:
    """Store ``uploaded_file`` as an attachment of ``by``'s draft ``entry``. Raises
    ValidationError (nothing stored) for a signed, locked or someone else's entry, and for an
    empty, oversized or unknown file."""
    # Locked so that the entry cannot be signed while the file is being written.
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    check_may_attach(entry, by)
    content_type = check_upload(uploaded_file)
    if document_type not in AttachmentType.values:
        raise ValidationError({"document_type": _("Välj en dokumenttyp.")}, code="document_type")
    attachment = Attachment(
        entry=entry,
        document_type=document_type,
        description=description.strip(),
        scanned=scanned,
        content_type=content_type,  # before the file: the random name's suffix follows it
        size=uploaded_file.size,
        sha256=_sha256(uploaded_file),
        uploaded_by=by,
        uploaded_by_name=by.get_full_name() or by.get_username(),
    )
    attachment.file = uploaded_file
    attachment.full_clean(exclude=["file"])
    attachment._history_user = by
    try:
        attachment.save()  # writes the file under a random name, then the row
    except BaseException:
        if attachment.file.name and attachment.file.name != uploaded_file.name:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment
