"""Consents (samtycke): one matter for one student, the parties whose answer it needs, and their
answers.

The parties are derived from the guardian relations when the consent is requested
(``consent.consents.parties_for``); a recorded maturity decision puts the student in the
guardians' place for that kind. Answers are append-only rows; ``Consent.status`` is their
projection, written only by ``consent.consents`` in the same transaction as the answer (so a list
can filter granted consents in SQL). Scope refers to areas and organisations by code, never by a
foreign key into ``journal``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Area

from ..storage import get_scan_storage

__all__ = [
    "AnswerChannel",
    "Consent",
    "ConsentAnswer",
    "ConsentKind",
    "ConsentMandate",
    "ConsentParty",
    "ConsentStatus",
    "MaturityDecision",
    "PartyKind",
    "consent_in_force_q",
]


class ConsentKind(models.TextChoices):
    VACCINATION = "vaccination", _("Vaccination")
    BHV_RECORD = "bhv_record", _("Inhämtning av BVC-journal")
    READ_BY_PROVIDER = "read_by_provider", _("Läsning av annan vårdgivare")
    TRANSFER = "transfer", _("Överföring till annan vårdgivare")
    GUARDIAN_SHARING = "guardian_sharing", _("Delning med vårdnadshavare")


class ConsentStatus(models.TextChoices):
    PENDING = "pending", _("Väntar på svar")
    GRANTED = "granted", _("Lämnat")
    DECLINED = "declined", _("Nekat")
    WITHDRAWN = "withdrawn", _("Återkallat")


class PartyKind(models.TextChoices):
    GUARDIAN = "guardian", _("Vårdnadshavare")
    STUDENT = "student", _("Eleven")
    SOCIAL_SERVICES = "social_services", _("Socialtjänsten")


class AnswerChannel(models.TextChoices):
    PORTAL = "portal", _("I portalen (e-legitimation)")
    PAPER = "paper", _("På papper (inskannat)")
    ORAL = "oral", _("Muntligt")
    SOCIAL_SERVICES = "social_services", _("Via socialtjänsten")


def consent_in_force_q(on, prefix: str = "") -> Q:
    """Consents granted (so neither declined nor withdrawn) and valid on ``on``; ``prefix``
    reaches the consent from another model (``"consent__"``). The one definition the policy and
    the consent services share."""
    return Q(**{f"{prefix}status": ConsentStatus.GRANTED, f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": on})
    )


class Consent(models.Model):
    """One consent matter for one student: what is asked, for what scope and period."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("elev"),
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vårdgivare"),
        help_text=_("Vårdgivaren som begär samtycket."),
    )
    kind = models.CharField(_("typ av samtycke"), max_length=20, choices=ConsentKind.choices)
    # Scope, by code: which area, which other care provider, which vaccine/programme.
    scope_area = models.CharField(
        _("journalområde"),
        max_length=3,
        choices=Area.choices,
        blank=True,
        help_text=_("Tomt betyder båda områdena."),
    )
    scope_organisation_number = models.CharField(
        _("annan vårdgivares organisationsnummer"),
        max_length=10,
        blank=True,
        help_text=_(
            "Den vårdgivare som får läsa eller ta emot journalen, eller vars journal får läsas."
        ),
    )
    scope_code = models.CharField(
        _("vaccin eller program"),
        max_length=50,
        blank=True,
        help_text=_("T.ex. HPV eller MPR, för samtycke till vaccination."),
    )
    school_year = models.CharField(_("läsår"), max_length=9, blank=True)
    description = models.TextField(_("beskrivning"), blank=True)
    valid_from = models.DateField(_("gäller från"))
    valid_until = models.DateField(_("gäller till"), null=True, blank=True)
    school_class = models.ForeignKey(
        "schools.SchoolClass",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("klass"),
        help_text=_("Klassen begäran skickades till, när den gällde en hel klass."),
    )
    batch = models.UUIDField(
        _("utskick"),
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text=_("Begäran som skapades i samma utskick (en hel klass)."),
    )
    paper_only = models.BooleanField(
        _("endast på papper"),
        default=False,
        help_text=_("Skyddade personuppgifter: inga digitala förfrågningar."),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConsentStatus.choices,
        default=ConsentStatus.PENDING,
        editable=False,
    )
    decided_at = models.DateTimeField(_("avgjort"), null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("begärt av"),
    )
    requested_at = models.DateTimeField(_("begärt"), db_default=Now())

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("samtycke")
        verbose_name_plural = _("samtycken")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["student", "kind", "status"], name="consent_student_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="consent_valid_until_after_from",
                violation_error_message=_("Slutdatum kan inte vara före startdatum."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.get_status_display()}"


class ConsentParty(models.Model):
    """One party whose answer the consent needs. Derived when the consent is requested and
    never changed: a later change of guardians is a new request."""

    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, related_name="parties", verbose_name=_("samtycke")
    )
    kind = models.CharField(_("part"), max_length=20, choices=PartyKind.choices)
    guardian = models.ForeignKey(
        "schools.Guardian",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consent_parties",
        verbose_name=_("vårdnadshavare"),
    )
    relation_type = models.CharField(_("relation"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("part i samtycke")
        verbose_name_plural = _("parter i samtycke")
        constraints = [
            models.UniqueConstraint(
                fields=["consent", "guardian"],
                condition=Q(guardian__isnull=False),
                name="consentparty_one_per_guardian",
            ),
            models.CheckConstraint(
                condition=Q(kind="guardian", guardian__isnull=False)
                | (~Q(kind="guardian") & Q(guardian__isnull=True)),
                name="consentparty_guardian_iff_kind",
            ),
        ]

    def __str__(self) -> str:
        return str(self.guardian) if self.guardian_id else self.get_kind_display()


def _scan_path(instance, filename: str) -> str:
    # Never the uploaded name (it may hold a name or an identity number): a random one.
    suffix = ".pdf" if filename.lower().endswith(".pdf") else ""
    return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ConsentAnswer(models.Model):
    """An answer of one party: agree, decline or withdraw. Append-only."""

    class Answer(models.TextChoices):
        AGREE = "agree", _("Samtycker")
        DECLINE = "decline", _("Samtycker inte")
        WITHDRAW = "withdraw", _("Återkallar")

    party = models.ForeignKey(
        ConsentParty, on_delete=models.PROTECT, related_name="answers", verbose_name=_("part")
    )
    answer = models.CharField(_("svar"), max_length=10, choices=Answer.choices)
    channel = models.CharField(_("hur"), max_length=20, choices=AnswerChannel.choices)
    at = models.DateTimeField(_("tidpunkt"), db_default=Now())
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrerat av"),
        help_text=_("Den inloggade som svarade i portalen eller registrerade svaret."),
    )
    note = models.TextField(_("anteckning"), blank=True)
    scan = models.FileField(
        _("inskannat svar"),
        upload_to=_scan_path,
        storage=get_scan_storage,
        blank=True,
    )

    class Meta:
        verbose_name = _("svar på samtycke")
        verbose_name_plural = _("svar på samtycken")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.get_answer_display()


class ConsentMandate(models.Model):
    """Which consent kinds a god man or utsedd behörig may answer (their mandate)."""

    relation = models.ForeignKey(
        "schools.GuardianRelation",
        on_delete=models.PROTECT,
        related_name="consent_mandates",
        verbose_name=_("relation"),
    )
    kind = models.CharField(_("typ av samtycke"), max_length=20, choices=ConsentKind.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrerat av"),
    )
    recorded_at = models.DateTimeField(_("registrerat"), db_default=Now())
    # What the mandate rests on (the förordnande), as staff saw it; required by the form.
    basis = models.TextField(_("underlag"), blank=True)
    # A mandate that no longer holds is ended, never deleted.
    ended_at = models.DateTimeField(_("upphört"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("avslutat av"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("förordnande för samtycke")
        verbose_name_plural = _("förordnanden för samtycke")
        constraints = [
            models.UniqueConstraint(
                fields=["relation", "kind"],
                condition=Q(ended_at__isnull=True),
                name="consentmandate_one_current",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class MaturityDecision(models.Model):
    """A clinician's recorded assessment that the student is mature enough to decide a kind of
    consent herself: she then replaces the guardians as the party. Ended by ``ended_at``."""

    student = models.ForeignKey(
        "schools.Student",
        on_delete=models.PROTECT,
        related_name="maturity_decisions",
        verbose_name=_("elev"),
    )
    kind = models.CharField(_("typ av samtycke"), max_length=20, choices=ConsentKind.choices)
    reason = models.TextField(_("bedömning"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("bedömd av"),
    )
    decided_at = models.DateTimeField(_("bedömd"), db_default=Now())
    ended_at = models.DateTimeField(_("upphörd"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("upphävd av"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mognadsbedömning")
        verbose_name_plural = _("mognadsbedömningar")
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "kind"],
                condition=Q(ended_at__isnull=True),
                name="maturity_one_current_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
