"""Records that are written, signed and then never changed: a change is a new version.

Medication orders and self-care plans share this shape: a draft its author edits, signing
freezes it (model guards here, the entry trigger function at the database), and a new version
``replaces`` the old one — the old stays readable, the current one is the newest signed version
nothing signed has replaced.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from schools.models import Area, Organisation, Student

from .entries import EntryStatus, ImmutableRecordError

__all__ = ["SignedRecord", "SignedRecordQuerySet"]


class SignedRecordQuerySet(models.QuerySet):
    def signed(self):
        return self.filter(status=EntryStatus.SIGNED)

    def drafts(self):
        return self.filter(status=EntryStatus.DRAFT)

    def not_replaced(self):
        """Signed versions no signed newer version replaces."""
        newer = self.model.objects.filter(replaces=OuterRef("pk"), status=EntryStatus.SIGNED)
        return self.signed().exclude(Exists(newer))

    def update(self, **kwargs):
        if self.filter(status=EntryStatus.SIGNED).exists():
            raise ImmutableRecordError()
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableRecordError()


class SignedRecord(models.Model):
    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("elev")
    )
    area = models.CharField(_("område"), max_length=3, choices=Area.choices, default=Area.EMI)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dokumenterad av"),
    )
    author_name = models.CharField(_("namn"), max_length=200)
    author_title = models.CharField(_("befattning"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("skriven"), auto_now_add=True)
    updated_at = models.DateTimeField(_("senast sparad"), auto_now=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    signed_at = models.DateTimeField(_("signerad"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("ersätter"),
    )
    change_reason = models.TextField(_("skäl till ändringen"), blank=True)

    objects = SignedRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status=EntryStatus.SIGNED).exists()
        ):
            raise ImmutableRecordError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError()

    @property
    def is_signed(self) -> bool:
        return self.status == EntryStatus.SIGNED
