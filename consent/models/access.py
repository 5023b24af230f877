"""The access log (loggning) and its seals.

Both tables are append-only: no code path updates or deletes a row, the application's database
role may not (``consent.dbroles``), and on PostgreSQL a trigger refuses it even to the owner.
Rows are written only through ``consent.accesslog``; seals only by ``consent.sealing``.

The other models hold the reasons for access that are not set-based (``consent.policy``):
explicit per-student grants, emergency access and records-officer access.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from schools.models import Area

__all__ = [
    "AccessAction",
    "AccessLogEntry",
    "AccessReason",
    "EmergencyAccess",
    "LogSeal",
    "RecordsOfficerAccess",
    "ReviewOutcome",
    "ReviewedAccess",
    "StudentGrant",
    "StudentUserObjectPermission",
]


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
    ACTIVE_CHOICE = "active_choice", _("Aktivt val")


class AccessReason(models.TextChoices):
    CARE_RELATION = "care_relation", _("Vårdrelation")
    INCOMING = "incoming", _("Inkommande elev")
    OWN_DOCUMENTATION = "own_documentation", _("Egen dokumentation")
    RECENTLY_LEFT = "recently_left", _("Nyligen avslutad elev")
    GRANT = "grant", _("Särskild behörighet")
    EMERGENCY = "emergency", _("Nödåtkomst")
    RECORDS_OFFICER = "records_officer", _("Arkivansvarig / registrator")
    GUARDIAN = "guardian", _("Vårdnadshavare")
    CONSENT = "consent", _("Samtycke (annan vårdgivare)")
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


# --- Reasons for access beyond the care relation (consent.policy reads these in SQL) -----------


class StudentUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct foreign-key table for per-student permissions (explicit grants).

    Only ``read_student_record`` is assigned here, and only through ``consent.services``; the
    policy also requires a valid ``StudentGrant`` for the same user and student, so a grant that
    expired or was revoked opens nothing even while this row remains.
    """

    content_object = models.ForeignKey(
        "schools.Student",
        on_delete=models.PROTECT,
        related_name="direct_user_permissions",
        verbose_name=_("elev"),
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("behörighet för elev")
        verbose_name_plural = _("behörigheter för elever")


class StudentGrantQuerySet(models.QuerySet):
    def valid(self, at: datetime.datetime | None = None):
        at = at or timezone.now()
        return self.filter(valid_from__lte=at, valid_until__gt=at, revoked_at__isnull=True)


class StudentGrant(models.Model):
    """An explicit per-student grant: who granted whom access to which area, why, until when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="student_grants",
        verbose_name=_("användare"),
    )
    student = models.ForeignKey(
        "schools.Student", on_delete=models.PROTECT, related_name="+", verbose_name=_("elev")
    )
    area = models.CharField(
        _("journalområde"),
        max_length=3,
        choices=Area.choices,
        help_text=_("Det område behörigheten öppnar (EMI eller EPI)."),
    )
    reason_text = models.TextField(_("skäl"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("beviljad av"),
    )
    valid_from = models.DateTimeField(_("gäller från"), default=timezone.now)
    valid_until = models.DateTimeField(_("gäller till"))
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("återkallad av"),
    )

    objects = StudentGrantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("särskild behörighet")
        verbose_name_plural = _("särskilda behörigheter")
        indexes = [models.Index(fields=["user", "student", "valid_until"], name="grant_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")),
                name="studentgrant_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.student} ({self.area})"


class ReviewOutcome(models.TextChoices):
    JUSTIFIED = "justified", _("Befogad")
    UNJUSTIFIED = "unjustified", _("Obefogad – åtgärd krävs")


class ReviewedAccessQuerySet(models.QuerySet):
    def active(self, at: datetime.datetime | None = None):
        at = at or timezone.now()
        return self.filter(started_at__lte=at, ends_at__gt=at)

    def pending_review(self):
        """The review queue: every access not yet reviewed, oldest first."""
        return self.filter(reviewed_at__isnull=True).order_by("started_at", "pk")


class ReviewedAccess(models.Model):
    """A time-limited access opened by the user herself with a written reason, always reviewed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("användare"),
    )
    student = models.ForeignKey(
        "schools.Student", on_delete=models.PROTECT, related_name="+", verbose_name=_("elev")
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vårdgivare"),
        help_text=_("Användarens vårdgivare: åtkomsten öppnar bara dess uppgifter."),
    )
    reason_text = models.TextField(_("skäl"))
    started_at = models.DateTimeField(_("startad"), default=timezone.now)
    ends_at = models.DateTimeField(_("upphör"))
    reviewed_at = models.DateTimeField(_("granskad"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granskad av"),
    )
    review_outcome = models.CharField(
        _("granskningsresultat"), max_length=20, choices=ReviewOutcome.choices, blank=True
    )
    review_comment = models.TextField(_("granskningskommentar"), blank=True)

    objects = ReviewedAccessQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.user} → {self.student} {self.started_at:%Y-%m-%d %H:%M}"


class EmergencyAccess(ReviewedAccess):
    """Nödåtkomst: opened in two explicit steps, for a fixed time, flagged for review."""

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("nödåtkomst")
        verbose_name_plural = _("nödåtkomster")
        indexes = [
            models.Index(fields=["user", "student", "ends_at"], name="emergency_lookup"),
            models.Index(fields=["reviewed_at", "started_at"], name="emergency_review"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("started_at")),
                name="emergencyaccess_ends_after_start",
            )
        ]


class RecordsOfficerAccess(ReviewedAccess):
    """A records officer's opening of a (former) student's record to answer a request."""

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("åtkomst som arkivansvarig")
        verbose_name_plural = _("åtkomster som arkivansvarig")
        indexes = [
            models.Index(fields=["user", "student", "ends_at"], name="officer_lookup"),
            models.Index(fields=["reviewed_at", "started_at"], name="officer_review"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("started_at")),
                name="recordsofficeraccess_ends_after_start",
            )
        ]

    @property
    def at(self):
        return self.started_at
