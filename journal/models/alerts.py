"""Alerts (uppmärksamhetssignaler): allergies and serious conditions every clinician must see.

Alerts cross the EMI/EPI wall (``consent.policy.CROSSES_WALL`` holds "alert"): everyone with
access to the student sees them, on every page about her. An alert is kept current rather than
signed: it is corrected or made inactive, never deleted, and its history says who did what.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Area, Organisation, Student

from .entries import ImmutableRecordError

__all__ = ["Alert", "AlertKind", "AlertSeverity"]


class AlertKind(models.TextChoices):
    ALLERGY = "allergy", _("Allergi eller överkänslighet")
    CONDITION = "condition", _("Allvarlig sjukdom eller tillstånd")
    CARE_INFO = "care_info", _("Vårdrelaterad information")


class AlertSeverity(models.TextChoices):
    MILD = "mild", _("Lindrig")
    MODERATE = "moderate", _("Måttlig")
    SEVERE = "severe", _("Svår – livshotande")


class AlertQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def delete(self):
        raise ImmutableRecordError()


class Alert(models.Model):
    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("elev")
    )
    # The recorder's area and care provider; the kind crosses the wall, the provider does not.
    area = models.CharField(_("område"), max_length=3, choices=Area.choices, default=Area.EMI)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    kind = models.CharField(_("typ"), max_length=10, choices=AlertKind.choices)
    substance = models.CharField(
        _("ämne"), max_length=200, blank=True, help_text=_("T.ex. jordnötter, penicillin.")
    )
    reaction = models.CharField(_("reaktion"), max_length=300, blank=True)
    severity = models.CharField(
        _("svårighetsgrad"), max_length=10, choices=AlertSeverity.choices, blank=True
    )
    condition = models.CharField(
        _("tillstånd"), max_length=200, blank=True, help_text=_("T.ex. diabetes typ 1, epilepsi.")
    )
    description = models.TextField(_("beskrivning och åtgärd"), blank=True)
    is_active = models.BooleanField(_("aktuell"), default=True)
    inactivated_reason = models.TextField(_("skäl till inaktivering"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrerad av"),
    )
    recorded_by_name = models.CharField(_("namn"), max_length=200)
    recorded_at = models.DateTimeField(_("registrerad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("senast ändrad"), auto_now=True)

    history = HistoricalRecords()
    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("uppmärksamhetssignal")
        verbose_name_plural = _("uppmärksamhetssignaler")
        ordering = ["-is_active", "kind", "-recorded_at"]
        indexes = [models.Index(fields=["student", "is_active"], name="alert_student_active")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=AlertKind.ALLERGY) | ~Q(substance=""),
                name="alert_allergy_has_substance",
                violation_error_message=_("Ange vad eleven är allergisk eller överkänslig mot."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=AlertKind.CONDITION) | ~Q(condition=""),
                name="alert_condition_named",
                violation_error_message=_("Ange sjukdomen eller tillståndet."),
            ),
            models.CheckConstraint(
                condition=Q(is_active=True) | ~Q(inactivated_reason=""),
                name="alert_inactive_has_reason",
                violation_error_message=_("Skriv varför signalen inte längre gäller."),
            ),
        ]

    def __str__(self) -> str:
        return self.headline

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError()

    @property
    def headline(self) -> str:
        if self.kind == AlertKind.ALLERGY:
            return str(_("Allergi: %(substance)s") % {"substance": self.substance})
        if self.kind == AlertKind.CONDITION:
            return self.condition
        return self.description[:80] or str(self.get_kind_display())

    @property
    def is_severe(self) -> bool:
        return self.severity == AlertSeverity.SEVERE
