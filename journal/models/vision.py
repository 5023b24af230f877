"""Vision results (synundersökning): created from a note's bound keywords, signed with it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Organisation, Student

from .entries import EntryChild, EntryStatus, JournalEntry

__all__ = ["VisionResult"]


class VisionResult(EntryChild):
    """Decimal visual acuity per eye from one note. A draft while the note is; signing the note
    signs it (``journal.services.binding``). The flag threshold is the keyword's at the time."""

    entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        related_name="vision_result",
        verbose_name=_("anteckning"),
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="vision_results", verbose_name=_("elev")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    measured_on = models.DateField(_("undersökt"))
    left = models.DecimalField(
        _("vänster öga"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    right = models.DecimalField(
        _("höger öga"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    flag_below = models.DecimalField(
        _("flagga under"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("synundersökning")
        verbose_name_plural = _("synundersökningar")
        ordering = ["student", "-measured_on"]

    def __str__(self) -> str:
        return _("Syn %(date)s: V %(left)s, H %(right)s") % {
            "date": self.measured_on,
            "left": self.left if self.left is not None else "–",
            "right": self.right if self.right is not None else "–",
        }

    @property
    def flagged_eyes(self) -> list[str]:
        if self.flag_below is None:
            return []
        return [
            str(label)
            for label, value in ((_("vänster"), self.left), (_("höger"), self.right))
            if value is not None and value < self.flag_below
        ]

    @property
    def is_flagged(self) -> bool:
        return bool(self.flagged_eyes)
