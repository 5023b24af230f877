"""Access-log review (loggkontroll), the student's log extract, and blocks (spärr).

* ``LogReview``: one documented check by a log reviewer — a suspicion check, a random sample or a
  queue review — over a period of the organisation's log, with its parameters (a sample's seed)
  so it can be reproduced, and a conclusion. The law wants the checks documented: they are kept.
* ``ReviewFinding``: the reviewer's outcome for one log row in a check (ok / follow-up /
  reported) with a comment. Append-only: a changed outcome is a new row; the newest counts.
* ``PermissionReview``: a documented review of one assignment or grant (behörighetsöversikt);
  a reminder lists those not reviewed for ``ACCESS_REVIEW_REMINDER_DAYS``.
* ``LogExtract``: a student's log extract produced by staff on request; for a protected-identity
  student it starts as a masked draft and is released only after a recorded harm assessment.
* ``Block`` (spärr): records hidden from other units or providers at the student's request, by
  area, unit, organisation and period; lifted temporarily or for good, never deleted.
* ``BlockReveal``: one logged step of revealing blocked data (first which unit holds them, then
  the content), resting on a consent or an emergency access; queued for review.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Area

__all__ = [
    "Block",
    "BlockReveal",
    "FindingOutcome",
    "LogExtract",
    "LogReview",
    "PermissionReview",
    "ReviewFinding",
]


class FindingOutcome(models.TextChoices):
    OK = "ok", _("Utan anmärkning")
    FOLLOW_UP = "follow_up", _("Följs upp")
    REPORTED = "reported", _("Anmäld")


class LogReview(models.Model):
    """One documented log check of an organisation over a period."""

    class Kind(models.TextChoices):
        SUSPICION = "suspicion", _("Riktad kontroll")
        SAMPLE = "sample", _("Stickprov")
        QUEUE = "queue", _("Kö (nödåtkomst, arkivansvarig)")
        FILTERED = "filtered", _("Sökning i loggen")

    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vårdgivare"),
    )
    kind = models.CharField(_("typ av kontroll"), max_length=20, choices=Kind.choices)
    check_name = models.CharField(
        _("kontroll"),
        max_length=50,
        blank=True,
        help_text=_("Vilken riktad kontroll, t.ex. samma efternamn eller utanför arbetstid."),
    )
    period_from = models.DateField(_("period från"))
    period_to = models.DateField(_("period till"))
    parameters = models.JSONField(
        _("parametrar"),
        default=dict,
        blank=True,
        help_text=_("Det som behövs för att upprepa kontrollen, t.ex. stickprovets frö."),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granskare"),
    )
    created_at = models.DateTimeField(_("skapad"), db_default=Now())
    conclusion = models.TextField(_("slutsats"), blank=True)
    closed_at = models.DateTimeField(_("avslutad"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loggkontroll")
        verbose_name_plural = _("loggkontroller")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__gte=models.F("period_from")),
                name="logreview_period_ordered",
                violation_error_message=_("Periodens slut kan inte vara före dess början."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_from}–{self.period_to}"


class ReviewFinding(models.Model):
    """A reviewer's outcome for one log row in a check. Append-only."""

    review = models.ForeignKey(
        LogReview, on_delete=models.PROTECT, related_name="findings", verbose_name=_("kontroll")
    )
    log_entry = models.ForeignKey(
        "consent.AccessLogEntry",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("loggpost"),
    )
    outcome = models.CharField(_("bedömning"), max_length=20, choices=FindingOutcome.choices)
    comment = models.TextField(_("kommentar"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granskare"),
    )
    at = models.DateTimeField(_("tidpunkt"), db_default=Now())

    class Meta:
        verbose_name = _("granskningsresultat")
        verbose_name_plural = _("granskningsresultat")
        ordering = ["review", "log_entry", "at", "pk"]
        indexes = [
            models.Index(fields=["review", "log_entry", "at"], name="finding_lookup"),
        ]

    def __str__(self) -> str:
        return self.get_outcome_display()


class PermissionReview(models.Model):
    """A documented review of one reason for access (an assignment or a grant)."""

    class Subject(models.TextChoices):
        ASSIGNMENT = "assignment", _("Tjänstgöring")
        GRANT = "grant", _("Särskild behörighet")

    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vårdgivare"),
    )
    subject = models.CharField(_("gäller"), max_length=20, choices=Subject.choices)
    subject_id = models.PositiveBigIntegerField(_("id"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granskare"),
    )
    reviewed_at = models.DateTimeField(_("granskad"), db_default=Now())
    comment = models.TextField(_("kommentar"), blank=True)

    class Meta:
        verbose_name = _("granskning av behörighet")
        verbose_name_plural = _("granskningar av behörigheter")
        indexes = [
            models.Index(fields=["subject", "subject_id", "reviewed_at"], name="permreview_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} {self.subject_id}"


class LogExtract(models.Model):
    """A student's log extract (who has read my record?), produced by staff on request."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast (maskerat)")
        RELEASED = "released", _("Utlämnat")

    student = models.ForeignKey(
        "schools.Student", on_delete=models.PROTECT, related_name="+", verbose_name=_("elev")
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vårdgivare"),
        help_text=_("Vårdgivaren som tar fram utdraget."),
    )
    period_from = models.DateField(_("period från"))
    period_to = models.DateField(_("period till"))
    requested_by_text = models.CharField(
        _("begärt av"), max_length=200, help_text=_("T.ex. eleven, vårdnadshavare.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RELEASED
    )
    masked = models.BooleanField(_("maskerat"), default=False)
    harm_assessment = models.TextField(_("menprövning"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("menprövning av"),
    )
    released_at = models.DateTimeField(_("utlämnat"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("framtaget av"),
    )
    created_at = models.DateTimeField(_("framtaget"), db_default=Now())

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("loggutdrag")
        verbose_name_plural = _("loggutdrag")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_to__gte=models.F("period_from")),
                name="logextract_period_ordered",
                violation_error_message=_("Periodens slut kan inte vara före dess början."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(masked=False) | ~Q(harm_assessment=""),
                name="logextract_release_needs_assessment",
                violation_error_message=_("Ett maskerat utdrag lämnas ut först efter menprövning."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_from}–{self.period_to}"


class Block(models.Model):
    """A spärr: the student's records of a scope hidden from other units or care providers.

    Scope: ``area`` (blank: both), ``school`` (the unit whose records are blocked), or
    ``organisation`` (every unit of that provider), and an optional period of the records'
    dates. Recorded by staff at the student's (a mature student's own) request — guardians cannot
    block. Lifted temporarily (``lifted_until``) or for good; never deleted."""

    student = models.ForeignKey(
        "schools.Student", on_delete=models.PROTECT, related_name="blocks", verbose_name=_("elev")
    )
    area = models.CharField(
        _("journalområde"),
        max_length=3,
        choices=Area.choices,
        blank=True,
        help_text=_("Tomt: båda områdena."),
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vårdenhet"),
        help_text=_("Spärra uppgifterna som denna enhet har gjort."),
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vårdgivare"),
        help_text=_("Vårdgivaren vars uppgifter spärras (hela, om ingen enhet anges)."),
    )
    records_from = models.DateField(_("uppgifter från"), null=True, blank=True)
    records_until = models.DateField(_("uppgifter till"), null=True, blank=True)
    requested_by_student = models.BooleanField(
        _("på elevens begäran"),
        default=True,
        help_text=_("En spärr begärs av eleven själv; vårdnadshavare kan inte spärra."),
    )
    reason = models.TextField(_("anteckning"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrerad av"),
    )
    recorded_at = models.DateTimeField(_("registrerad"), db_default=Now())
    lifted_at = models.DateTimeField(_("hävd"), null=True, blank=True)
    lifted_until = models.DateTimeField(
        _("hävd till"), null=True, blank=True, help_text=_("Tomt: hävd för gott.")
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hävd av"),
    )
    lift_reason = models.TextField(_("skäl för hävning"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("spärr")
        verbose_name_plural = _("spärrar")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["student", "lifted_at"], name="block_student")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.school or ''} {self.area}".strip()


class BlockReveal(models.Model):
    """One logged step of revealing blocked data: first the unit, then the content."""

    class Step(models.TextChoices):
        UNIT = "unit", _("Vilken enhet")
        CONTENT = "content", _("Innehållet")

    class Basis(models.TextChoices):
        CONSENT = "consent", _("Samtycke")
        EMERGENCY = "emergency", _("Nödåtkomst")

    block = models.ForeignKey(
        Block, on_delete=models.PROTECT, related_name="reveals", verbose_name=_("spärr")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("användare"),
    )
    step = models.CharField(_("steg"), max_length=10, choices=Step.choices)
    basis = models.CharField(_("grund"), max_length=10, choices=Basis.choices)
    consent = models.ForeignKey(
        "consent.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("samtycke"),
    )
    emergency_access = models.ForeignKey(
        "consent.EmergencyAccess",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nödåtkomst"),
    )
    reason = models.TextField(_("skäl"))
    at = models.DateTimeField(_("tidpunkt"), db_default=Now())
    reviewed_at = models.DateTimeField(_("granskad"), null=True, blank=True)

    class Meta:
        verbose_name = _("röjande av spärrade uppgifter")
        verbose_name_plural = _("röjanden av spärrade uppgifter")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis="consent", consent__isnull=False)
                | Q(basis="emergency", emergency_access__isnull=False),
                name="blockreveal_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} ({self.get_basis_display()})"
