"""School-time medication orders (läkemedel under skoltid) and self-care plans (egenvård).

Both are information the nurse keeps, not doses given: an order says what an outside doctor
prescribed and what the guardians instructed; a plan says what school staff do and whom they
call. Signed, then frozen; a change is a new version that ``replaces`` the old
(``journal.models.signed``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .attachments import get_attachment_storage
from .signed import SignedRecord

__all__ = ["MedicationOrder", "MedicationRoute", "MedicationStorage", "SelfCarePlan"]


def _instructions_path(instance, filename: str) -> str:
    import uuid

    from django.utils import timezone

    return f"instructions/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class MedicationRoute(models.TextChoices):
    ORAL = "oral", _("Genom munnen")
    INHALED = "inhaled", _("Inhalation")
    INJECTION = "injection", _("Injektion")
    NASAL = "nasal", _("I näsan")
    RECTAL = "rectal", _("Rektalt")
    SKIN = "skin", _("På huden")
    EYE = "eye", _("I ögat")
    OTHER = "other", _("Annat")


class MedicationStorage(models.TextChoices):
    LOCKED = "locked", _("Inlåst på skolan")
    CARRIED = "carried", _("Eleven bär med sig")
    FRIDGE = "fridge", _("Inlåst i kylskåp")
    NOT_AT_SCHOOL = "none", _("Förvaras inte på skolan")


class MedicationOrder(SignedRecord):
    medicine = models.CharField(_("läkemedel"), max_length=200)
    strength = models.CharField(_("styrka"), max_length=100, blank=True)
    form = models.CharField(_("beredningsform"), max_length=100, blank=True)
    atc_code = models.CharField(_("ATC-kod"), max_length=10, blank=True)
    dose = models.CharField(_("dos"), max_length=200)
    route = models.CharField(_("administrationssätt"), max_length=10, choices=MedicationRoute)
    times_of_day = models.CharField(
        _("tider"), max_length=200, blank=True, help_text=_("T.ex. 11.30 till lunch.")
    )
    as_needed = models.BooleanField(_("vid behov"), default=False)
    as_needed_condition = models.CharField(_("vid behov: när"), max_length=300, blank=True)
    start_date = models.DateField(_("från"))
    end_date = models.DateField(_("till och med"), null=True, blank=True)
    prescriber = models.CharField(
        _("förskrivare"), max_length=200, help_text=_("Läkare och vårdenhet utanför skolan.")
    )
    prescribed_on = models.DateField(_("förskriven"), null=True, blank=True)
    instructions_from = models.CharField(
        _("instruktion lämnad av"),
        max_length=200,
        help_text=_("T.ex. vårdnadshavaren Eva Exempel."),
    )
    instructions_received_on = models.DateField(_("instruktion mottagen"))
    instructions_file = models.FileField(
        _("skriftlig instruktion (inskannad)"),
        storage=get_attachment_storage,
        upload_to=_instructions_path,
        max_length=200,
        blank=True,
    )
    storage = models.CharField(_("förvaring"), max_length=10, choices=MedicationStorage)
    school_helper = models.CharField(
        _("hjälper eleven i skolan"),
        max_length=200,
        blank=True,
        help_text=_("T.ex. mentor eller elevassistent."),
    )
    note = models.TextField(_("övrigt"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("läkemedel under skoltid")
        verbose_name_plural = _("läkemedel under skoltid")
        ordering = ["student", "-start_date", "-pk"]
        indexes = [models.Index(fields=["student", "status"], name="medication_student_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="medication_end_not_before_start",
                violation_error_message=_("Slutdatumet ligger före startdatumet."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_at__isnull=False),
                name="medication_signed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.medicine, self.strength, self.form) if part)


class SelfCarePlan(SignedRecord):
    """An egenvård assessment: a clinician judged the measure safe for school staff to do."""

    measure = models.TextField(_("egenvårdsåtgärd"), help_text=_("Vad som ska göras, och när."))
    performed_by = models.CharField(
        _("utförs i skolan av"), max_length=200, help_text=_("Namn och roll.")
    )
    instructions_given = models.TextField(
        _("hur instruktion och utbildning ges"),
        help_text=_("Vem som instruerar, hur och när."),
    )
    on_change = models.TextField(
        _("vid förändring eller skada"),
        help_text=_("Vad personalen gör och vem de kontaktar."),
    )
    follow_up = models.TextField(_("uppföljning"), blank=True)
    reassess_on = models.DateField(_("omprövas senast"))
    valid_from = models.DateField(_("gäller från"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("egenvårdsplan")
        verbose_name_plural = _("egenvårdsplaner")
        ordering = ["student", "-valid_from", "-pk"]
        indexes = [models.Index(fields=["status", "reassess_on"], name="selfcare_reassess")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reassess_on__gte=models.F("valid_from")),
                name="selfcare_reassess_after_start",
                violation_error_message=_("Omprövningen ligger före startdatumet."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_at__isnull=False),
                name="selfcare_signed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.measure[:80]
