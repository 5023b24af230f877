"""The health-visit programme (basprogram) and each student's health visits (hälsobesök).

The programme is data per organisation (national default without one), versioned like templates:
a published version is never edited, a change is a new version. Each point names the school
form, the grade and the template whose signed note *is* the visit. A ``HealthVisit`` holds the
planning (date, invitation, declined, missed, not applicable); **done is never stored**: it is
derived from a signed entry on the point's template (``journal.services.visits``), so the
worklist cannot disagree with the record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Organisation, School, SchoolType, Student

from .entries import ImmutableRecordError
from .templates import DocumentTemplate

__all__ = ["HealthProgramme", "HealthVisit", "ProgrammePoint", "VisitStatus"]


class HealthProgramme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        PUBLISHED = "published", _("Publicerad")
        RETIRED = "retired", _("Ersatt")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="health_programmes",
        verbose_name=_("huvudman"),
        help_text=_("Tom för det nationella basprogrammet."),
    )
    number = models.PositiveSmallIntegerField(_("version"))
    name = models.CharField(_("namn"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("publicerad"), null=True, blank=True)
    change_note = models.TextField(_("ändringar i versionen"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("hälsobesöksprogram")
        verbose_name_plural = _("hälsobesöksprogram")
        ordering = ["organisation", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="programme_unique_number"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(organisation__isnull=True),
                name="programme_unique_national_number",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status="published"),
                name="programme_one_published",
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published", organisation__isnull=True),
                name="programme_one_published_national",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, version {self.number}"


class ProgrammePoint(models.Model):
    """One visit of the programme: school form and grade (with an alternative grade, as in
    "åk 7 or 8"), and the template whose signed note is the visit."""

    programme = models.ForeignKey(
        HealthProgramme,
        on_delete=models.PROTECT,
        related_name="points",
        verbose_name=_("program"),
    )
    order = models.PositiveSmallIntegerField(_("ordning"))
    label = models.CharField(_("benämning"), max_length=100)
    school_type = models.CharField(_("skolform"), max_length=10, choices=SchoolType.choices)
    grade = models.PositiveSmallIntegerField(_("årskurs"), help_text=_("0 för förskoleklass."))
    alternative_grade = models.PositiveSmallIntegerField(_("eller årskurs"), null=True, blank=True)
    template = models.ForeignKey(
        DocumentTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("mall")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programpunkt")
        verbose_name_plural = _("programpunkter")
        ordering = ["programme", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "order"], name="point_unique_order"),
            models.UniqueConstraint(
                fields=["programme", "school_type", "grade"], name="point_unique_grade"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class VisitStatus(models.TextChoices):
    """What planning records; "done" is derived from the signed note, never stored."""

    PLANNED = "planned", _("Planerat")
    INVITED = "invited", _("Kallad")
    DECLINED = "declined", _("Avböjt")
    MISSED = "missed", _("Uteblev")
    NOT_APPLICABLE = "not_applicable", _("Ej aktuellt")


class HealthVisitQuerySet(models.QuerySet):
    def delete(self):
        raise ImmutableRecordError()


class HealthVisit(models.Model):
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="health_visits", verbose_name=_("elev")
    )
    point = models.ForeignKey(
        ProgrammePoint,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("programpunkt"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("skolenhet")
    )
    school_year = models.CharField(_("läsår"), max_length=9)
    status = models.CharField(
        _("status"), max_length=16, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    planned_on = models.DateField(_("planerat datum"), null=True, blank=True)
    invited_on = models.DateField(_("kallelse skickad"), null=True, blank=True)
    declined_by = models.CharField(_("avböjt av"), max_length=200, blank=True)
    reason = models.TextField(_("kommentar"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ändrad av"),
    )
    updated_at = models.DateTimeField(_("senast ändrad"), auto_now=True)

    history = HistoricalRecords()
    objects = HealthVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("hälsobesök")
        verbose_name_plural = _("hälsobesök")
        ordering = ["student", "point__order"]
        indexes = [
            models.Index(fields=["school", "planned_on"], name="visit_school_planned"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "point"],
                name="visit_one_per_point",
                violation_error_message=_("Eleven har redan ett hälsobesök för programpunkten."),
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(declined_by=""),
                name="visit_declined_by_whom",
                violation_error_message=_("Ange vem som avböjde."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point.label} ({self.get_status_display()})"

    def delete(self, *args, **kwargs):
        # A visit that will not happen is "not applicable", with a reason; nothing is deleted.
        raise ImmutableRecordError()
