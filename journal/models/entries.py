"""Journal entries (journalanteckningar) and their child rows.

An entry is a ``draft`` until its author signs it; then it and every child row (keyword values,
codes, bound records, attachments) are frozen — here in ``save()``/``delete()`` and the
querysets, and at the database by triggers (``journal.immutability``) that no code path avoids.
After signing nothing is written to the entry: a correction is a new entry that ``corrects`` it,
and marks (shared with guardians, disputed) are append-only ``EntryMark`` rows.

A draft older than ``JOURNAL_DRAFT_LOCK_DAYS`` is locked: computed, not stored, so no job has
to run for it and no signed-state trigger needs an exception for it.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Area, Organisation, School, Student

from .codes import Code
from .templates import Keyword, KeywordKind, TemplateVersion

__all__ = [
    "ContactType",
    "EntryCode",
    "EntryMark",
    "EntryStatus",
    "ImmutableRecordError",
    "JournalEntry",
    "KeywordValue",
    "MarkKind",
    "lock_days",
]


class ImmutableRecordError(ValidationError):
    """A signed entry or one of its child rows was about to change, or something was about
    to be deleted. A ValidationError, so a view that lets one through shows a 4xx, not a 500."""

    def __init__(self, message=None):
        super().__init__(
            message or _("En signerad anteckning ändras aldrig, och inget i journalen tas bort."),
            code="immutable",
        )


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Osignerad")
    SIGNED = "signed", _("Signerad")


class ContactType(models.TextChoices):
    VISIT = "visit", _("Besök")
    PHONE = "phone", _("Telefon")
    VIDEO = "video", _("Videomöte")
    MESSAGE = "message", _("Brev eller meddelande")
    GROUP = "group", _("Gruppverksamhet")
    NO_CONTACT = "none", _("Utan elevkontakt")


class MarkKind(models.TextChoices):
    """Append-only marks on a signed entry; a later row for the same kind withdraws one."""

    SHARED_WITH_GUARDIANS = "shared", _("Delad med vårdnadshavare")
    DISPUTED = "disputed", _("Bestrids av eleven eller vårdnadshavaren")


def lock_days() -> int:
    return settings.JOURNAL_DRAFT_LOCK_DAYS


def lock_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Drafts created before this are locked."""
    return (now or timezone.now()) - datetime.timedelta(days=lock_days())


class JournalEntryQuerySet(models.QuerySet):
    def signed(self):
        return self.filter(status=EntryStatus.SIGNED)

    def drafts(self):
        return self.filter(status=EntryStatus.DRAFT)

    def locked(self, now=None):
        return self.drafts().filter(created_at__lt=lock_cutoff(now))

    def with_correction_state(self):
        """``is_corrected``: a signed correction of this entry exists."""
        corrections = JournalEntry.objects.filter(
            corrects=OuterRef("pk"), status=EntryStatus.SIGNED
        )
        return self.annotate(is_corrected=Exists(corrections))

    def update(self, **kwargs):
        # bulk_update() comes here too. Signing goes through here with the row still a draft.
        if self.filter(status=EntryStatus.SIGNED).exists():
            raise ImmutableRecordError()
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableRecordError()


class JournalEntry(models.Model):
    """One note about one student, written with one template version (R-DOC-1)."""

    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        related_name="journal_entries",
        verbose_name=_("elev"),
    )
    area = models.CharField(_("område"), max_length=3, choices=Area.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="journal_entries",
        verbose_name=_("vårdgivare"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vårdenhet"),
    )
    template_version = models.ForeignKey(
        TemplateVersion,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("mall"),
    )
    contact_type = models.CharField(
        _("kontakttyp"), max_length=10, choices=ContactType.choices, default=ContactType.VISIT
    )
    contact_at = models.DateTimeField(_("kontakttid"))
    created_at = models.DateTimeField(_("skriven"), auto_now_add=True)
    updated_at = models.DateTimeField(_("senast sparad"), auto_now=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="journal_entries",
        verbose_name=_("författare"),
    )
    # Name and title as they were when written and signed; a later name change leaves them.
    author_name = models.CharField(_("namn"), max_length=200)
    author_title = models.CharField(_("befattning"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    signed_at = models.DateTimeField(_("signerad"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("rättar"),
    )
    correction_reason = models.TextField(_("skäl till rättelsen"), blank=True)
    # Optimistic locking: every save of a draft bumps it; a save with an old number conflicts.
    lock_version = models.PositiveIntegerField(_("version"), default=1)
    codes = models.ManyToManyField(
        Code, through="EntryCode", related_name="+", verbose_name=_("koder")
    )

    history = HistoricalRecords()
    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("journalanteckning")
        verbose_name_plural = _("journalanteckningar")
        ordering = ["-contact_at", "-pk"]
        indexes = [
            models.Index(fields=["student", "-contact_at"], name="entry_student_contact"),
            models.Index(fields=["author", "status"], name="entry_author_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=EntryStatus.DRAFT) | Q(signed_at__isnull=False),
                name="entry_signed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="entry_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.template_version.template.name} {timezone.localtime(self.contact_at):%Y-%m-%d}"
        )

    # --- immutability ---------------------------------------------------------------------------

    def save(self, *args, **kwargs):
        if self.pk is not None and _stored_signed(JournalEntry, self.pk):
            raise ImmutableRecordError()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("journal:entry-detail", args=[self.public_id])

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError()

    # --- state ----------------------------------------------------------------------------------

    @property
    def is_signed(self) -> bool:
        return self.status == EntryStatus.SIGNED

    @property
    def is_locked(self) -> bool:
        return (
            not self.is_signed and self.created_at is not None and (self.created_at < lock_cutoff())
        )

    @property
    def state_label(self) -> str:
        if self.is_signed:
            return str(EntryStatus.SIGNED.label)
        if self.is_locked:
            return str(_("Osignerad – låst"))
        return str(EntryStatus.DRAFT.label)


def _stored_signed(model, pk) -> bool:
    """Is the row with ``pk`` signed in the database? (An object in memory may be stale.)"""
    return model.objects.filter(pk=pk, status=EntryStatus.SIGNED).exists()


def _entry_signed(entry_id) -> bool:
    return JournalEntry.objects.filter(pk=entry_id, status=EntryStatus.SIGNED).exists()


class EntryChildQuerySet(models.QuerySet):
    """Child rows of an entry: no change and no delete once the entry is signed."""

    def bulk_create(self, objs, *args, **kwargs):
        # Bypasses save(): a new row for a signed entry is refused here too.
        objs = list(objs)
        entry_ids = {obj.entry_id for obj in objs}
        if JournalEntry.objects.filter(pk__in=entry_ids, status=EntryStatus.SIGNED).exists():
            raise ImmutableRecordError()
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        if self.filter(entry__status=EntryStatus.SIGNED).exists():
            raise ImmutableRecordError()
        return super().update(**kwargs)

    def delete(self):
        if self.filter(entry__status=EntryStatus.SIGNED).exists():
            raise ImmutableRecordError()
        return super().delete()


class EntryChild(models.Model):
    """A row that belongs to one entry and freezes with it."""

    objects = EntryChildQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if _entry_signed(self.entry_id):
            raise ImmutableRecordError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if _entry_signed(self.entry_id):
            raise ImmutableRecordError()
        return super().delete(*args, **kwargs)


class KeywordValue(EntryChild):
    """What was written under one keyword; one column per kind, the keyword's kind decides."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="values", verbose_name=_("anteckning")
    )
    keyword = models.ForeignKey(
        Keyword, on_delete=models.PROTECT, related_name="+", verbose_name=_("sökord")
    )
    text = models.TextField(_("text"), blank=True)
    number = models.DecimalField(_("tal"), max_digits=9, decimal_places=3, null=True, blank=True)
    choice = models.CharField(_("val"), max_length=200, blank=True)
    yes_no = models.BooleanField(_("ja/nej"), null=True, blank=True)
    date = models.DateField(_("datum"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sökordsvärde")
        verbose_name_plural = _("sökordsvärden")
        ordering = ["entry", "keyword__order"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "keyword"], name="keywordvalue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.keyword.label}: {self.display}"

    @property
    def value(self):
        return {
            KeywordKind.TEXT: self.text,
            KeywordKind.NUMBER: self.number,
            KeywordKind.CHOICE: self.choice,
            KeywordKind.YES_NO: self.yes_no,
            KeywordKind.DATE: self.date,
        }[self.keyword.kind]

    @property
    def display(self) -> str:
        from django.utils import formats

        value = self.value
        if value is None or value == "":
            return ""
        if self.keyword.kind == KeywordKind.YES_NO:
            return str(_("Ja") if value else _("Nej"))
        if self.keyword.kind == KeywordKind.NUMBER:
            # The column keeps three decimals (142.500): shown without trailing zeros (142,5).
            shown = formats.number_format(value.normalize())
            return f"{shown} {self.keyword.unit}".strip()
        if self.keyword.kind == KeywordKind.DATE:
            return value.isoformat()
        return str(value)

    @property
    def is_flagged(self) -> bool:
        """A number under the keyword's flag threshold (e.g. visual acuity under 0.8)."""
        threshold = self.keyword.flag_below
        return (
            self.keyword.kind == KeywordKind.NUMBER
            and threshold is not None
            and self.number is not None
            and self.number < threshold
        )


class EntryCode(EntryChild):
    """A KVÅ or ICD-10-SE code on an entry (the through table of ``JournalEntry.codes``)."""

    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="entry_codes")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kod på anteckning")
        verbose_name_plural = _("koder på anteckningar")
        ordering = ["entry", "code__code"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "code"], name="entrycode_unique"),
        ]

    def __str__(self) -> str:
        return str(self.code)


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError()

    def delete(self):
        raise ImmutableRecordError()


class EntryMark(models.Model):
    """A mark set on (``active``) or withdrawn from (``not active``) a signed entry, with who,
    when and why. Never changed: the latest row per entry and kind is the mark's state."""

    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="marks", verbose_name=_("anteckning")
    )
    kind = models.CharField(_("markering"), max_length=10, choices=MarkKind.choices)
    active = models.BooleanField(_("gäller"), default=True)
    reason = models.TextField(_("skäl"), blank=True)
    created_at = models.DateTimeField(_("tidpunkt"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("av"),
    )
    created_by_name = models.CharField(_("namn"), max_length=200)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("markering")
        verbose_name_plural = _("markeringar")
        ordering = ["entry", "created_at", "pk"]
        indexes = [models.Index(fields=["entry", "kind", "-created_at"], name="mark_entry_kind")]

    def __str__(self) -> str:
        state = _("satt") if self.active else _("återtagen")
        return f"{self.get_kind_display()} ({state})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecordError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError()
