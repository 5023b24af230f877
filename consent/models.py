"""The access log (loggning) and its seals.

Both tables are append-only: no code path updates or deletes a row, the application's database
role may not (``consent.dbroles``), and on PostgreSQL a trigger refuses it even to the owner.
Rows are written only through ``consent.accesslog``; seals only by ``consent.sealing``.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW = "view", _("Visning")
    LIST = "list", _("Lista")
    SEARCH_HIT = "search_hit", _("Öppnad sökträff")
    CREATE = "create", _("Ny uppgift")
    EDIT = "edit", _("Ändring")
    SIGN = "sign", _("Signering")
    PRINT = "print", _("Utskrift")
    EXPORT = "export", _("Export")
    TRANSFER = "transfer", _("Överföring")
    CONSENT_CHANGE = "consent_change", _("Ändrat samtycke")
    REFUSED = "refused", _("Nekad åtkomst")
    EMERGENCY = "emergency", _("Nödåtkomst")


class AccessReason(models.TextChoices):
    CARE_RELATION = "care_relation", _("Vårdrelation")
    INCOMING = "incoming", _("Inkommande elev")
    OWN_DOCUMENTATION = "own_documentation", _("Egen dokumentation")
    RECENTLY_LEFT = "recently_left", _("Nyligen avslutad elev")
    GRANT = "grant", _("Särskild behörighet")
    EMERGENCY = "emergency", _("Nödåtkomst")
    RECORDS_OFFICER = "records_officer", _("Arkivansvarig / registrator")
    GUARDIAN = "guardian", _("Vårdnadshavare")
    REGISTRY_ADMIN = "registry_admin", _("Registeradministratör")
    NONE = "none", _("Ingen (nekad)")


class AccessLogEntry(models.Model):
    """One access to one student's data, or one refused attempt. Never changed, never deleted."""

    # The database's clock, not the web server's: the sealing horizon compares against it too.
    at = models.DateTimeField(_("tidpunkt"), db_default=Now(), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("användare"),
    )
    username = models.CharField(_("användarnamn"), max_length=150, blank=True)
    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("elev"),
        help_text=_("Tom när försöket inte gällde någon befintlig elev."),
    )
    action = models.CharField(_("händelse"), max_length=20, choices=AccessAction.choices)
    reason = models.CharField(_("skäl"), max_length=20, choices=AccessReason.choices)
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vårdgivare"),
        help_text=_("Användarens vårdgivare (huvudman)."),
    )
    school = models.ForeignKey(
        "schools.School",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vårdenhet"),
    )
    record_type = models.CharField(_("uppgiftstyp"), max_length=100, blank=True)
    record_id = models.CharField(_("uppgifts-id"), max_length=64, blank=True)
    view_name = models.CharField(_("vy"), max_length=200, blank=True)
    path = models.CharField(_("sökväg"), max_length=500, blank=True)
    protected = models.BooleanField(_("skyddade personuppgifter"), default=False)

    class Meta:
        verbose_name = _("loggpost")
        verbose_name_plural = _("åtkomstlogg")
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["student", "at"], name="accesslog_student_at"),
            models.Index(fields=["user", "at"], name="accesslog_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"


class LogSeal(models.Model):
    """One link of the HMAC chain over the access log: the rows with first_id < id <= last_id.

    ``row_count`` and ``rows_hash`` pin the exact set of rows, so a deleted row is a mismatch,
    not a sequence gap; ``head`` = HMAC(key, this seal + ``previous_head``) chains the seals.
    """

    sealed_at = models.DateTimeField(_("förseglad"), db_default=Now())
    format = models.PositiveSmallIntegerField(_("format"), default=1)
    first_id = models.BigIntegerField(_("efter loggpost"), unique=True)
    last_id = models.BigIntegerField(_("till och med loggpost"), unique=True)
    row_count = models.PositiveIntegerField(_("antal rader"))
    rows_hash = models.CharField(_("SHA-256 över raderna"), max_length=64)
    previous_head = models.CharField(_("föregående länk"), max_length=64)
    head = models.CharField(_("länk (HMAC-SHA256)"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("loggsigill")
        verbose_name_plural = _("loggsigill")
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_id__gt=models.F("first_id")),
                name="logseal_nonempty_range",
            ),
        ]

    def __str__(self) -> str:
        return f"({self.first_id}, {self.last_id}] {self.head[:12]}"
