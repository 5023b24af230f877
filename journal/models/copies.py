"""Printouts and record copies: who asked for which part of whose record, when and why
(R-PRT-1). Written before the PDF is made, never changed; the access log row points here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.models import Area, Organisation, Student

from .entries import AppendOnlyQuerySet, ImmutableRecordError, JournalEntry

__all__ = ["RecordCopy"]


class RecordCopy(models.Model):
    class Kind(models.TextChoices):
        ENTRY = "entry", _("Utskrift av anteckning")
        RECORD = "record", _("Journalkopia")

    kind = models.CharField(_("typ"), max_length=10, choices=Kind.choices)
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("elev")
    )
    entry = models.ForeignKey(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("anteckning"),
    )
    area = models.CharField(_("område"), max_length=3, choices=Area.choices)
    period_start = models.DateField(_("från"), null=True, blank=True)
    period_end = models.DateField(_("till"), null=True, blank=True)
    reason = models.TextField(_("skäl"), blank=True)
    # Protected identity: address and school are masked unless this assessment says otherwise.
    unmasked = models.BooleanField(_("adress och skola visas"), default=False)
    unmask_assessment = models.TextField(_("bedömning för att visa adress och skola"), blank=True)
    entry_count = models.PositiveIntegerField(_("antal anteckningar"), default=0)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    created_at = models.DateTimeField(_("tidpunkt"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("av"),
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("utskrift eller journalkopia")
        verbose_name_plural = _("utskrifter och journalkopior")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unmasked=False) | ~models.Q(unmask_assessment=""),
                name="recordcopy_unmasked_has_assessment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecordError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError()
