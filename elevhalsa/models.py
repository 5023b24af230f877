"""Project-wide models: the user account, its sign-in events, and background job runs."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.identity import IDENTITY_NUMBER_RE, mask_identity_numbers


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
    # "Logga ut överallt" and a reset of the second factor set this; every session that signed
    # in before it ends at its next request (elevhalsa.auth.middleware), no session table scan.
    sessions_valid_after = models.DateTimeField(
        _("sessioner giltiga efter"), null=True, blank=True, editable=False
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


class AuthEvent(models.Model):
    """One sign-in event: append-only (refused UPDATE/DELETE on PostgreSQL, see
    ``consent.dbroles``). Never holds an identity number: failed usernames are stored masked."""

    class Kind(models.TextChoices):
        LOGIN_OK = "login_ok", _("Inloggad")
        LOGIN_FAILED = "login_failed", _("Misslyckad inloggning")
        OTP_FAILED = "otp_failed", _("Fel kod")
        LOCKED_OUT = "locked_out", _("Spärrad efter för många försök")
        ENROLLED = "enrolled", _("Andra faktor registrerad")
        BACKUP_CODES_REGENERATED = "backup_codes_regenerated", _("Nya reservkoder")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Andra faktor återställd")
        LOGOUT_EVERYWHERE = "logout_everywhere", _("Utloggad överallt")
        IDLE_LOGOUT = "idle_logout", _("Utloggad efter inaktivitet")

    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    kind = models.CharField(_("händelse"), max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="auth_events",
        verbose_name=_("användare"),
    )
    actor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("utförd av"),
        help_text=_("Den som gjorde ändringen, när det inte var användaren själv."),
    )
    username = models.CharField(
        _("angivet användarnamn"),
        max_length=150,
        blank=True,
        help_text=_("Vid misslyckade försök, med eventuella personnummer maskerade."),
    )
    reason = models.TextField(_("skäl"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adress"), null=True, blank=True)

    class Meta:
        verbose_name = _("inloggningshändelse")
        verbose_name_plural = _("inloggningshändelser")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="authevent_user_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("AuthEvent rows are append-only.")
        self.username = mask_identity_numbers(self.username)
        self.reason = mask_identity_numbers(self.reason)
        super().save(*args, **kwargs)
