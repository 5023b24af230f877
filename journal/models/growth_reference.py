"""Growth references as data: LMS tables with provenance, and each organisation's choice.

A reference (WHO 2007, a Swedish one added later) is rows, never code: ``journal.growth``
computes z-scores and values at z from the stored L, M and S. Tables are reference data, kept
with history and never deleted; a new edition is a new ``GrowthReference`` version.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.identity import LegalSex

__all__ = ["GrowthLmsPoint", "GrowthLmsTable", "GrowthMeasure", "GrowthReference", "GrowthSettings"]


class GrowthMeasure(models.TextChoices):
    HEIGHT = "height", _("Längd")
    WEIGHT = "weight", _("Vikt")
    BMI = "bmi", _("BMI")


class GrowthReference(models.Model):
    """One named, versioned growth reference (e.g. "WHO 2007", version "2007")."""

    code = models.SlugField(_("kod"), max_length=50)
    name = models.CharField(_("namn"), max_length=200)
    version = models.CharField(_("version"), max_length=50)
    is_swedish = models.BooleanField(
        _("svensk referens"),
        default=False,
        help_text=_("Ej svensk referens visas på varje kurva."),
    )
    description = models.TextField(_("beskrivning"), blank=True)
    source = models.TextField(_("källa"), help_text=_("Var tabellerna kommer ifrån."))
    licence = models.CharField(_("licens"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tillväxtreferens")
        verbose_name_plural = _("tillväxtreferenser")
        ordering = ["name", "version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="growthreference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.version})"


class GrowthLmsTable(models.Model):
    """The LMS table of one measure and sex in a reference, with its own provenance."""

    reference = models.ForeignKey(
        GrowthReference,
        on_delete=models.PROTECT,
        related_name="tables",
        verbose_name=_("referens"),
    )
    measure = models.CharField(_("mått"), max_length=10, choices=GrowthMeasure.choices)
    sex = models.CharField(
        _("kön"), max_length=1, choices=[c for c in LegalSex.choices if c[0] != "U"]
    )
    provenance = models.TextField(
        _("ursprung"), help_text=_("Tabellens källa: fil, utgåva, licens, kontroll.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("LMS-tabell")
        verbose_name_plural = _("LMS-tabeller")
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "measure", "sex"], name="growthlmstable_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} – {self.get_measure_display()} {self.get_sex_display()}"


class GrowthLmsPoint(models.Model):
    """L, M and S at one age (in whole months since birth)."""

    table = models.ForeignKey(
        GrowthLmsTable, on_delete=models.PROTECT, related_name="points", verbose_name=_("tabell")
    )
    age_months = models.PositiveSmallIntegerField(_("ålder (månader)"))
    l = models.DecimalField("L", max_digits=12, decimal_places=8)  # noqa: E741 (the LMS name)
    m = models.DecimalField("M", max_digits=12, decimal_places=8)
    s = models.DecimalField("S", max_digits=12, decimal_places=8)

    class Meta:
        verbose_name = _("LMS-värde")
        verbose_name_plural = _("LMS-värden")
        ordering = ["table", "age_months"]
        constraints = [
            models.UniqueConstraint(fields=["table", "age_months"], name="growthlmspoint_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.age_months} mån: L={self.l} M={self.m} S={self.s}"


class GrowthSettings(models.Model):
    """An organisation's growth reference and flags (opt-in while the reference is not Swedish)."""

    organisation = models.OneToOneField(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="growth_settings",
        verbose_name=_("huvudman"),
    )
    reference = models.ForeignKey(
        GrowthReference, on_delete=models.PROTECT, related_name="+", verbose_name=_("referens")
    )
    flags_enabled = models.BooleanField(
        _("flaggor påslagna"),
        default=False,
        help_text=_(
            "Flaggor för avvikande tillväxt; kräver ett aktivt val när referensen inte är svensk."
        ),
    )
    channel_change_sd = models.DecimalField(
        _("kanalbyte (SD)"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("1.0"),
        help_text=_("Flagga när längd eller BMI ändras mer än så många SD mellan två mätningar."),
    )
    weight_loss_kg = models.DecimalField(
        _("viktnedgång (kg)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("2.0"),
        help_text=_("Flagga när vikten minskat mer än så mellan två mätningar."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tillväxtinställning")
        verbose_name_plural = _("tillväxtinställningar")

    def __str__(self) -> str:
        return str(self.organisation)
