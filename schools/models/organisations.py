from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..validators import (
    validate_municipality_code,
    validate_organisation_number,
    validate_school_unit_code,
    validate_school_year,
)


class Organisation(models.Model):
    """A huvudman: the school organiser, and the care provider (vårdgivare) under the law."""

    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("Kommunal")
        INDEPENDENT = "independent", _("Enskild (fristående)")
        REGIONAL = "regional", _("Region")
        STATE = "state", _("Statlig")

    name = models.CharField(_("namn"), max_length=200)
    organisation_number = models.CharField(
        _("organisationsnummer"),
        max_length=10,
        unique=True,
        validators=[validate_organisation_number],
        help_text=_("Tio siffror utan bindestreck."),
    )
    kind = models.CharField(_("typ av huvudman"), max_length=20, choices=Kind.choices)
    municipality_code = models.CharField(
        _("kommunkod"), max_length=4, validators=[validate_municipality_code]
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("utloggning efter inaktivitet (minuter)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text=_("Personalen loggas ut efter så här många minuter utan aktivitet (5–240)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("huvudman")
        verbose_name_plural = _("huvudmän")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SchoolType(models.TextChoices):
    """School forms, with SS12000's codes."""

    FKLASS = "FKLASS", _("Förskoleklass")
    GR = "GR", _("Grundskola")
    GRS = "GRS", _("Anpassad grundskola")
    SP = "SP", _("Specialskola")
    SAM = "SAM", _("Sameskola")
    GY = "GY", _("Gymnasieskola")
    GYS = "GYS", _("Anpassad gymnasieskola")


def validate_school_types(value) -> None:
    allowed = set(SchoolType.values)
    if not isinstance(value, list) or not value or not set(value) <= allowed:
        raise ValidationError(_("Välj minst en skolform."), code="invalid_school_types")


class School(models.Model):
    """A skolenhet, identified by Skolverket's eight-digit school unit code."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="schools", verbose_name=_("huvudman")
    )
    name = models.CharField(_("namn"), max_length=200)
    school_unit_code = models.CharField(
        _("skolenhetskod"), max_length=8, unique=True, validators=[validate_school_unit_code]
    )
    school_types = models.JSONField(
        _("skolformer"), default=list, validators=[validate_school_types]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("skolenhet")
        verbose_name_plural = _("skolenheter")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schools:school-detail", args=[self.pk])

    def get_school_types_display(self) -> str:
        labels = dict(SchoolType.choices)
        return ", ".join(str(labels.get(code, code)) for code in self.school_types)


class SchoolClass(models.Model):
    """A class (klass) in one school year; membership is kept in ``ClassMembership``."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="classes", verbose_name=_("skolenhet")
    )
    school_year = models.CharField(
        _("läsår"), max_length=7, validators=[validate_school_year], help_text=_("T.ex. 2026/27")
    )
    school_type = models.CharField(_("skolform"), max_length=10, choices=SchoolType.choices)
    grade = models.PositiveSmallIntegerField(
        _("årskurs"), help_text=_("0 = förskoleklass; gymnasiet 1–4.")
    )
    name = models.CharField(_("namn"), max_length=50)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("klass")
        verbose_name_plural = _("klasser")
        ordering = ["school_year", "grade", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "name"],
                name="schoolclass_unique_name_per_year",
                violation_error_message=_(
                    "Skolenheten har redan en klass med det namnet i läsåret."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(grade__lte=10), name="schoolclass_grade_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.school_year})"

    def get_absolute_url(self) -> str:
        return reverse("schools:class-detail", args=[self.pk])
