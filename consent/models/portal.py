"""The guardian portal's facts and the cross-organisation active choice.

* ``GuardianAccount`` binds a user to a ``Guardian`` — made only by the e-ID sign-in from a
  verified personnummer claim (``consent.portal.identity``), never by hand; not in the admin's
  add form.
* ``GuardianAccessDecision``: a clinician's recorded decision (OSL 12:3) to block a guardian from
  reading the shared record, or to extend her reading past the age rules; with reason, logged.
* ``PortalSettings``: the 1177 age rules, configurable per organisation.
* ``ActiveChoice``: a clinician's explicit, logged step to read another care provider's records
  under a granted consent; holds for ``CONSENT_ACTIVE_CHOICE_MINUTES``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = [
    "ActiveChoice",
    "GuardianAccessDecision",
    "GuardianAccount",
    "PortalSettings",
]


class GuardianAccount(models.Model):
    """The sign-in account of a guardian, bound by a verified e-ID claim."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="guardian_account",
        verbose_name=_("användare"),
    )
    guardian = models.OneToOneField(
        "schools.Guardian",
        on_delete=models.PROTECT,
        related_name="account",
        verbose_name=_("vårdnadshavare"),
    )
    bound_at = models.DateTimeField(_("kopplad"), db_default=Now())
    # Which identity provider verified the claim: the OIDC issuer, or "demo" for the demo e-ID.
    issuer = models.CharField(_("e-legitimation via"), max_length=200)

    class Meta:
        verbose_name = _("vårdnadshavarkonto")
        verbose_name_plural = _("vårdnadshavarkonton")

    def __str__(self) -> str:
        return str(self.guardian)


class GuardianAccessDecision(models.Model):
    """A clinician's decision about one guardian's reading of one student's shared record."""

    class Kind(models.TextChoices):
        BLOCK = "block", _("Spärr mot vårdnadshavaren (OSL 12 kap. 3 §)")
        EXTEND = "extend", _("Utökad läsrätt")

    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.PROTECT,
        related_name="guardian_access_decisions",
        verbose_name=_("elev"),
    )
    guardian = models.ForeignKey(
        "schools.Guardian",
        on_delete=models.PROTECT,
        related_name="access_decisions",
        verbose_name=_("vårdnadshavare"),
    )
    kind = models.CharField(_("beslut"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("skäl"))
    valid_until = models.DateField(
        _("gäller till"),
        null=True,
        blank=True,
        help_text=_("En utökad läsrätt gäller längst till detta datum."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("beslutat av"),
    )
    decided_at = models.DateTimeField(_("beslutat"), db_default=Now())
    ended_at = models.DateTimeField(_("upphävt"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("upphävt av"),
    )
    end_reason = models.TextField(_("skäl för upphävande"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("beslut om vårdnadshavares läsrätt")
        verbose_name_plural = _("beslut om vårdnadshavares läsrätt")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "guardian", "kind"],
                condition=Q(ended_at__isnull=True),
                name="guardianaccess_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.guardian}"


class PortalSettings(models.Model):
    """The 1177 age rules for one organisation; without a row the defaults apply."""

    organisation = models.OneToOneField(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="portal_settings",
        verbose_name=_("huvudman"),
    )
    guardians_read_until_age = models.PositiveSmallIntegerField(
        _("vårdnadshavare läser till åldern"),
        default=13,
        validators=[MinValueValidator(0), MaxValueValidator(18)],
        help_text=_(
            "Vårdnadshavare läser den delade journalen tills barnet fyller så här många år."
        ),
    )
    student_reads_from_age = models.PositiveSmallIntegerField(
        _("eleven läser från åldern"),
        default=16,
        validators=[MinValueValidator(0), MaxValueValidator(18)],
        help_text=_("Eleven själv läser från denna ålder (elevportalen kommer senare)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("portalinställning")
        verbose_name_plural = _("portalinställningar")
        constraints = [
            models.CheckConstraint(
                condition=Q(student_reads_from_age__gte=models.F("guardians_read_until_age")),
                name="portalsettings_ages_ordered",
                violation_error_message=_(
                    "Elevens ålder kan inte vara lägre än vårdnadshavarnas gräns."
                ),
            ),
        ]

    def __str__(self) -> str:
        return str(self.organisation)


class ActiveChoice(models.Model):
    """The explicit step a clinician takes to read another provider's records under a consent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("användare"),
    )
    student = models.ForeignKey(
        "schools.Student", on_delete=models.PROTECT, related_name="+", verbose_name=_("elev")
    )
    consent = models.ForeignKey(
        "consent.Consent",
        on_delete=models.PROTECT,
        related_name="active_choices",
        verbose_name=_("samtycke"),
    )
    chosen_at = models.DateTimeField(_("valt"), db_default=Now())

    class Meta:
        verbose_name = _("aktivt val")
        verbose_name_plural = _("aktiva val")
        indexes = [
            models.Index(fields=["user", "student", "chosen_at"], name="activechoice_user"),
        ]

    def __str__(self) -> str:
        return f"{self.chosen_at:%Y-%m-%d %H:%M}"
