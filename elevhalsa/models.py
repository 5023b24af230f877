"""Project-wide models: the user account and the record of background job runs."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from schools.identity import IDENTITY_NUMBER_RE


def validate_username_not_identity_number(value: str) -> None:
    # A username appears in logs and the throttling table; it must never be an identity number.
    if IDENTITY_NUMBER_RE.search(value) or sum(ch.isdigit() for ch in value) >= 10:
        raise ValidationError(
            _("Användarnamnet får inte vara ett person- eller samordningsnummer."),
            code="username_is_identity_number",
        )


class User(AbstractUser):
    """Every person who signs in: staff in the browser and admins in the admin.

    Clinical details (profession, HSA-id, organisation) live on ``schools.StaffMember``.
    """

    username = models.CharField(
        _("användarnamn"),
        max_length=150,
        unique=True,
        validators=[UnicodeUsernameValidator(), validate_username_not_identity_number],
        help_text=_("Högst 150 tecken: bokstäver, siffror och @/./+/-/_. Inte ett personnummer."),
        error_messages={"unique": _("Det finns redan en användare med det användarnamnet.")},
    )

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class JobRun(models.Model):
    """One run of a periodic job started by ``run_due_jobs``; the admin lists them."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Pågår")
        OK = "ok", _("Klar")
        FAILED = "failed", _("Misslyckades")

    job = models.CharField(_("jobb"), max_length=100)
    started_at = models.DateTimeField(_("startad"))
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)
    outcome = models.CharField(_("utfall"), max_length=10, choices=Outcome.choices)
    output = models.TextField(_("utdata"), blank=True)

    class Meta:
        verbose_name = _("jobbkörning")
        verbose_name_plural = _("jobbkörningar")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["job", "-started_at"], name="jobrun_job_started")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
