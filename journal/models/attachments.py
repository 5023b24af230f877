"""Scanned paper attached to an entry (R-DOC-7): stored outside the web root, served only
through the access policy and the log, frozen once the entry is signed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .entries import EntryChild, JournalEntry

__all__ = ["Attachment", "AttachmentType", "attachment_storage"]


class _AttachmentStorage(LazyObject):
    """The folder in ``JOURNAL_ATTACHMENT_ROOT``; no ``base_url``: a file has no URL of its own,
    only the attachment view serves it."""

    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.JOURNAL_ATTACHMENT_ROOT, base_url=None)


attachment_storage = _AttachmentStorage()


def get_attachment_storage():
    """The field's storage as a callable: migrations name this function, not a path that
    differs between machines."""
    return attachment_storage


def _attachment_path(instance, filename: str) -> str:
    # Never the uploaded name (it may hold a name or an identity number): a random one.
    suffix = {
        "application/pdf": ".pdf",
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/tiff": ".tif",
    }.get(instance.content_type, "")
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AttachmentType(models.TextChoices):
    CONSENT = "consent", _("Samtycke")
    OLD_RECORD = "old_record", _("Äldre journal")
    CHILD_CLINIC = "child_clinic", _("Sammanfattning från BHV")
    HEALTH_FORM = "health_form", _("Hälsoformulär")
    REFERRAL_REPLY = "referral_reply", _("Remissvar eller epikris")
    OTHER = "other", _("Annat dokument")


class Attachment(EntryChild):
    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(
        JournalEntry,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("anteckning"),
    )
    document_type = models.CharField(
        _("dokumenttyp"), max_length=20, choices=AttachmentType.choices
    )
    description = models.CharField(_("beskrivning"), max_length=200, blank=True)
    scanned = models.BooleanField(
        _("inskannat"), default=True, help_text=_("Pappersdokument som har skannats in.")
    )
    file = models.FileField(
        _("fil"), storage=get_attachment_storage, upload_to=_attachment_path, max_length=200
    )
    content_type = models.CharField(_("filtyp"), max_length=50)
    size = models.PositiveIntegerField(_("storlek (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uppladdad"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uppladdad av"),
    )
    uploaded_by_name = models.CharField(_("namn"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bilaga")
        verbose_name_plural = _("bilagor")
        ordering = ["entry", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.description or self.get_document_type_display()
