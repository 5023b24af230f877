"""Growth (tillväxt): measurements of height and weight, parents' heights, and whether the
nurse shares the growth curve with the guardians.

A measurement is made through a note's bound keywords (a draft with the note, signed with it)
or on its own (the class entry: the nurse's save is her signature). Signed is frozen — here in
``save()``/``delete()`` and the queryset, at the database by a trigger (migration 0014). A
correction is a new signed row that ``replaces`` the old one with a reason; the old one stays
readable, struck through. BMI and age are derived; SD scores are recomputed from the stored
reference when shown (``journal.services.growth``), never stored.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Area, Organisation, Student

from .entries import AppendOnlyQuerySet, EntryStatus, ImmutableRecordError, JournalEntry
from .signed import SignedRecord

__all__ = [
    "HEIGHT_RANGE",
    "WEIGHT_RANGE",
    "GrowthMeasurement",
    "GrowthSharing",
    "HeightSource",
    "MeasurementContext",
    "ParentHeights",
]

# What a school-age measurement may be (issue 7, "Bad input"); the bound keywords use the same.
HEIGHT_RANGE = (Decimal("50.0"), Decimal("230.0"))
WEIGHT_RANGE = (Decimal("10.0"), Decimal("250.0"))


class MeasurementContext(models.TextChoices):
    HEALTH_VISIT = "health_visit", _("Hälsobesök")
    OPEN_VISIT = "open_visit", _("Öppen mottagning")
    BHV = "bhv", _("Från BVC-journalen")
    OTHER = "other", _("Annat")


class GrowthMeasurementQuerySet(models.QuerySet):
    def signed(self):
        return self.filter(status=EntryStatus.SIGNED)

    def with_replaced(self):
        """``is_replaced``: a signed correction replaces the row."""
        newer = GrowthMeasurement.objects.filter(replaces=OuterRef("pk"), status=EntryStatus.SIGNED)
        return self.annotate(is_replaced=Exists(newer))

    def current(self):
        """Signed rows no signed correction replaces: what charts and flags use."""
        newer = GrowthMeasurement.objects.filter(replaces=OuterRef("pk"), status=EntryStatus.SIGNED)
        return self.signed().exclude(Exists(newer))

    def update(self, **kwargs):
        # bulk_update() comes here too.
        if self.filter(Q(status=EntryStatus.SIGNED) | Q(entry__status=EntryStatus.SIGNED)).exists():
            raise ImmutableRecordError()
        return super().update(**kwargs)

    def delete(self):
        # A draft's record emptied in its note is removed (its history keeps it); nothing else.
        frozen = (
            Q(status=EntryStatus.SIGNED)
            | Q(entry__isnull=True)
            | Q(entry__status=EntryStatus.SIGNED)
        )
        if self.filter(frozen).exists():
            raise ImmutableRecordError()
        return super().delete()


class GrowthMeasurement(models.Model):
    """Height and/or weight of one student on one day, in the medical record (EMI)."""

    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        related_name="growth_measurements",
        verbose_name=_("elev"),
    )
    area = models.CharField(_("område"), max_length=3, choices=Area.choices, default=Area.EMI)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    measured_on = models.DateField(_("mätdatum"))
    height_cm = models.DecimalField(
        _("längd (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    weight_kg = models.DecimalField(
        _("vikt (kg)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    measured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("mätt av"),
    )
    # As they were when measured; a later name change leaves them.
    measured_by_name = models.CharField(_("namn"), max_length=200)
    measured_by_title = models.CharField(_("befattning"), max_length=100, blank=True)
    context = models.CharField(
        _("sammanhang"),
        max_length=20,
        choices=MeasurementContext.choices,
        default=MeasurementContext.HEALTH_VISIT,
    )
    entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="growth_measurement",
        verbose_name=_("anteckning"),
    )
    note = models.TextField(_("kommentar"), blank=True)
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
    change_reason = models.TextField(_("skäl till rättelsen"), blank=True)
    created_at = models.DateTimeField(_("registrerad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("senast sparad"), auto_now=True)

    history = HistoricalRecords()
    objects = GrowthMeasurementQuerySet.as_manager()

    class Meta:
        verbose_name = _("tillväxtmätning")
        verbose_name_plural = _("tillväxtmätningar")
        ordering = ["student", "measured_on", "pk"]
        indexes = [
            models.Index(fields=["student", "measured_on"], name="growth_student_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(height_cm__isnull=False) | Q(weight_kg__isnull=False),
                name="growth_has_a_value",
                violation_error_message=_("Ange längd, vikt eller båda."),
            ),
            models.CheckConstraint(
                condition=Q(height_cm__isnull=True)
                | Q(height_cm__gte=HEIGHT_RANGE[0], height_cm__lte=HEIGHT_RANGE[1]),
                name="growth_height_range",
                violation_error_message=_("Längden ska ligga mellan 50 och 230 cm."),
            ),
            models.CheckConstraint(
                condition=Q(weight_kg__isnull=True)
                | Q(weight_kg__gte=WEIGHT_RANGE[0], weight_kg__lte=WEIGHT_RANGE[1]),
                name="growth_weight_range",
                violation_error_message=_("Vikten ska ligga mellan 10 och 250 kg."),
            ),
            models.CheckConstraint(
                condition=Q(status=EntryStatus.DRAFT) | Q(signed_at__isnull=False),
                name="growth_signed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | ~Q(change_reason=""),
                name="growth_correction_has_reason",
                violation_error_message=_("Skriv varför mätningen rättas."),
            ),
        ]

    def __str__(self) -> str:
        parts = [str(self.measured_on)]
        if self.height_cm is not None:
            parts.append(f"{self.height_cm} cm")
        if self.weight_kg is not None:
            parts.append(f"{self.weight_kg} kg")
        return ", ".join(parts)

    def save(self, *args, **kwargs):
        if self.pk is not None and _stored_signed(self.pk):
            raise ImmutableRecordError()
        if self.entry_id is not None and _entry_signed(self.entry_id):
            raise ImmutableRecordError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        # Only a note's draft record, emptied in the note, goes (see the queryset).
        if self.entry_id is None or self.is_signed or _stored_signed(self.pk):
            raise ImmutableRecordError()
        if _entry_signed(self.entry_id):
            raise ImmutableRecordError()
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == EntryStatus.SIGNED

    @property
    def is_bound(self) -> bool:
        """Made through a note's keywords: changed and corrected through the note."""
        return self.entry_id is not None

    @property
    def bmi(self) -> Decimal | None:
        """kg/m², one decimal; None without both values."""
        if self.height_cm is None or self.weight_kg is None:
            return None
        metres = self.height_cm / 100
        return (self.weight_kg / (metres * metres)).quantize(Decimal("0.1"))

    def age_days(self) -> int | None:
        birth = self.student.birth_date
        return None if birth is None else (self.measured_on - birth).days


def _stored_signed(pk) -> bool:
    return GrowthMeasurement.objects.filter(pk=pk, status=EntryStatus.SIGNED).exists()


def _entry_signed(entry_id) -> bool:
    return JournalEntry.objects.filter(pk=entry_id, status=EntryStatus.SIGNED).exists()


class HeightSource(models.TextChoices):
    MEASURED = "measured", _("Uppmätt")
    REPORTED = "reported", _("Uppgiven av förälder")
    UNKNOWN = "unknown", _("Okänd källa")


class ParentHeights(SignedRecord):
    """The biological parents' heights, for the mid-parental target range. Signed when saved;
    a change is a new version that ``replaces`` the old (``journal.models.signed``)."""

    mother_cm = models.DecimalField(
        _("biologisk mammas längd (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    mother_source = models.CharField(
        _("källa, mamma"),
        max_length=10,
        choices=HeightSource.choices,
        default=HeightSource.REPORTED,
    )
    father_cm = models.DecimalField(
        _("biologisk pappas längd (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    father_source = models.CharField(
        _("källa, pappa"),
        max_length=10,
        choices=HeightSource.choices,
        default=HeightSource.REPORTED,
    )
    note = models.TextField(_("kommentar"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("föräldrarnas längd")
        verbose_name_plural = _("föräldrarnas längder")
        ordering = ["student", "-created_at", "-pk"]
        indexes = [models.Index(fields=["student", "status"], name="parentheights_student")]
        constraints = [
            models.CheckConstraint(
                condition=Q(mother_cm__isnull=False) | Q(father_cm__isnull=False),
                name="parentheights_has_a_value",
                violation_error_message=_("Ange minst en förälders längd."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_at__isnull=False),
                name="parentheights_signed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | ~Q(change_reason=""),
                name="parentheights_change_has_reason",
                violation_error_message=_("Skriv varför uppgiften ändras."),
            ),
        ]

    def __str__(self) -> str:
        return _("Mamma %(mother)s cm, pappa %(father)s cm") % {
            "mother": self.mother_cm if self.mother_cm is not None else "–",
            "father": self.father_cm if self.father_cm is not None else "–",
        }


class GrowthSharing(models.Model):
    """The nurse's decision to show (``shared``) or no longer show the student's growth values
    and curve to the guardians in the portal. Never changed: the latest row per student and
    organisation is the state, and every row says who decided, when and why."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="+", verbose_name=_("elev")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    area = models.CharField(_("område"), max_length=3, choices=Area.choices, default=Area.EMI)
    shared = models.BooleanField(_("delad med vårdnadshavare"))
    reason = models.TextField(_("skäl"), blank=True)
    created_at = models.DateTimeField(_("tidpunkt"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("av")
    )
    created_by_name = models.CharField(_("namn"), max_length=200)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("delning av tillväxt")
        verbose_name_plural = _("delningar av tillväxt")
        ordering = ["student", "created_at", "pk"]
        indexes = [
            models.Index(
                fields=["student", "organisation", "-created_at"], name="growthshare_latest"
            )
        ]

    def __str__(self) -> str:
        return str(_("Delad") if self.shared else _("Inte delad"))

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecordError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError()
