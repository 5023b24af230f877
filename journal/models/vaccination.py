"""Vaccinations: products and lots, the programme as versioned data, ordinations signed in
advance, the doses given (or refused), class sessions, and the national register's queue.

* ``Vaccine`` / ``VaccineLot``: admin-managed product data (NPL-id, ATC code, diseases; lots
  with expiry), with history.
* ``VaccinationProgramme`` / ``ProgrammeDose``: the national school-age programme (organisation
  None, shipped as a data migration) and local additions, versioned like the health-visit
  programme: a published version is never edited, a change is a new version. Each dose says
  which series and dose number, by grade (school form, grades) or age, the minimum interval after
  the previous dose of the series, and the birth cohorts and sexes it applies to.
* ``Ordination``: a doctor's (or authorised nurse's) order — individual or general
  (generellt direktiv) — signed before any dose rests on it.
* ``Vaccination``: one outcome for one student: a dose given here (or documented from BHV,
  abroad or an earlier school), a refusal or a contraindication. Signed by the vaccinator's click
  (or with its note through the binding), then frozen; a correction is a new row that
  ``replaces`` it with a reason.
* ``VaccinationSession``: a planned class session (school, class, vaccine, ordination, date).
* ``RegisterReport``: the NVR queue: one row per given dose, keyed by a stable unique reference
  (system name + the first dose row's id) so that a correction updates the same report.

Status per student (given, due, overdue, not yet due, declined, contraindicated) is never stored:
it is computed at request time (``journal.services.vaccination``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Area, Organisation, School, SchoolClass, SchoolType, Student

from .entries import EntryStatus, ImmutableRecordError, JournalEntry

__all__ = [
    "DoseSource",
    "Ordination",
    "ProgrammeDose",
    "RegisterReport",
    "Vaccination",
    "VaccinationOutcome",
    "VaccinationProgramme",
    "VaccinationSession",
    "Vaccine",
    "VaccineLot",
]


class Vaccine(models.Model):
    """A vaccine product as Läkemedelsverket lists it."""

    name = models.CharField(_("produktnamn"), max_length=200)
    npl_id = models.CharField(
        _("NPL-id"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Läkemedelsverkets produkt-id (NPL-id); kontrollera mot Läkemedelsverket."),
    )
    atc_code = models.CharField(_("ATC-kod"), max_length=10)
    diseases = models.CharField(
        _("skyddar mot"), max_length=300, help_text=_("T.ex. mässling, påssjuka, röda hund.")
    )
    series = models.CharField(
        _("vaccinationsserie"),
        max_length=20,
        help_text=_("Serien i programmet som produkten ger doser i, t.ex. MPR, HPV, DTP."),
    )
    strength = models.CharField(_("styrka"), max_length=100, blank=True)
    route = models.CharField(_("administrationssätt"), max_length=50, blank=True)
    active = models.BooleanField(_("används"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vaccin")
        verbose_name_plural = _("vacciner")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class VaccineLot(models.Model):
    """A batch (sats) of a vaccine, with its expiry."""

    vaccine = models.ForeignKey(
        Vaccine, on_delete=models.PROTECT, related_name="lots", verbose_name=_("vaccin")
    )
    lot_number = models.CharField(_("satsnummer"), max_length=50)
    expires_on = models.DateField(_("utgångsdatum"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vaccinsats")
        verbose_name_plural = _("vaccinsatser")
        ordering = ["vaccine", "-expires_on"]
        constraints = [
            models.UniqueConstraint(fields=["vaccine", "lot_number"], name="vaccinelot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.vaccine} {self.lot_number} ({self.expires_on})"


class VaccinationProgramme(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        PUBLISHED = "published", _("Publicerad")
        RETIRED = "retired", _("Ersatt")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vaccination_programmes",
        verbose_name=_("huvudman"),
        help_text=_("Tom för det nationella programmet; annars huvudmannens lokala tillägg."),
    )
    number = models.PositiveSmallIntegerField(_("version"))
    name = models.CharField(_("namn"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("publicerad"), null=True, blank=True)
    source = models.TextField(_("källa"), blank=True, help_text=_("Föreskrift, t.ex. HSLF-FS."))
    change_note = models.TextField(_("ändringar i versionen"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vaccinationsprogram")
        verbose_name_plural = _("vaccinationsprogram")
        ordering = ["organisation", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "number"], name="vaccprogramme_unique_number"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(organisation__isnull=True),
                name="vaccprogramme_unique_national_number",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(status="published"),
                name="vaccprogramme_one_published",
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="published", organisation__isnull=True),
                name="vaccprogramme_one_published_national",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, version {self.number}"


class ProgrammeDose(models.Model):
    """One dose of a series in a programme version: when it is offered and to whom."""

    programme = models.ForeignKey(
        VaccinationProgramme,
        on_delete=models.PROTECT,
        related_name="doses",
        verbose_name=_("program"),
    )
    series = models.CharField(_("vaccinationsserie"), max_length=20)  # e.g. "HPV", "MPR", "DTP"
    dose_number = models.PositiveSmallIntegerField(_("dosnummer"))
    name = models.CharField(_("benämning"), max_length=200)  # e.g. "HPV dos 1 (åk 5)"
    # Offered by grade (the school's way), with the age window for catch-up.
    school_type = models.CharField(
        _("skolform"), max_length=10, choices=SchoolType.choices, blank=True
    )
    grade_from = models.PositiveSmallIntegerField(_("från årskurs"), null=True, blank=True)
    grade_to = models.PositiveSmallIntegerField(_("till årskurs"), null=True, blank=True)
    min_age_months = models.PositiveSmallIntegerField(_("lägsta ålder (mån)"), default=0)
    max_age_months = models.PositiveSmallIntegerField(
        _("högsta ålder (mån)"),
        default=216,
        help_text=_("Kompletterande vaccination erbjuds till 18 år (216 månader)."),
    )
    min_interval_days = models.PositiveSmallIntegerField(
        _("minsta intervall (dagar)"),
        default=0,
        help_text=_("Efter föregående dos i serien, t.ex. 150 dagar (5 månader) för HPV dos 2."),
    )
    # Cohort rules: who the dose is for, by birth year and legal sex (blank: everyone).
    born_from_year = models.PositiveSmallIntegerField(_("född från år"), null=True, blank=True)
    born_until_year = models.PositiveSmallIntegerField(_("född till år"), null=True, blank=True)
    sex = models.CharField(
        _("kön"),
        max_length=1,
        blank=True,
        choices=[("F", _("Flickor")), ("M", _("Pojkar"))],
    )
    # A schedule that depends on the age at the first dose (HPV from 15 years: three doses).
    first_dose_age_from_months = models.PositiveSmallIntegerField(
        _("gäller om serien påbörjades från ålder (mån)"), null=True, blank=True
    )
    first_dose_age_until_months = models.PositiveSmallIntegerField(
        _("gäller om serien påbörjades före ålder (mån)"), null=True, blank=True
    )
    vaccines = models.ManyToManyField(
        Vaccine, related_name="programme_doses", verbose_name=_("godtagna vacciner")
    )
    order = models.PositiveSmallIntegerField(_("ordning"), default=0)

    history = HistoricalRecords(m2m_fields=[vaccines])

    class Meta:
        verbose_name = _("programdos")
        verbose_name_plural = _("programdoser")
        ordering = ["programme", "order", "series", "dose_number"]

    def __str__(self) -> str:
        return self.name


class SignedOnceQuerySet(models.QuerySet):
    """Ordinations and vaccinations: a draft may change, a signed row never; nothing is deleted
    (``bulk_update`` comes through ``update`` too). Migration 0018 refuses the same at the
    database."""

    def update(self, **kwargs):
        if self.filter(status=EntryStatus.SIGNED).exists():
            raise ImmutableRecordError()
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableRecordError()


class VaccinationQuerySet(SignedOnceQuerySet):
    """One exception to "nothing is deleted": a note's draft dose, emptied in the draft note, is
    removed (its history keeps it), like growth's. Migration 0021 refuses the rest at the
    database."""

    def frozen(self):
        """The rows that may never be deleted: signed, without a note, of a signed note, or
        already queued for the register."""
        reported = RegisterReport.objects.filter(vaccination=OuterRef("pk"))
        return self.filter(
            Q(status=EntryStatus.SIGNED)
            | Q(entry__isnull=True)
            | Q(entry__status=EntryStatus.SIGNED)
            | Exists(reported)
        )

    def delete(self):
        if self.frozen().exists():
            raise ImmutableRecordError()
        return models.QuerySet.delete(self)  # past SignedOnceQuerySet's blanket refusal


def _refuse_signed_change(instance) -> None:
    if (
        instance.pk is not None
        and type(instance)
        ._default_manager.filter(pk=instance.pk, status=EntryStatus.SIGNED)
        .exists()
    ):
        raise ImmutableRecordError()


class Ordination(models.Model):
    """An order to vaccinate, individual or general (generellt direktiv), signed in advance."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individuell ordination")
        GENERAL = "general", _("Generellt direktiv")

    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    kind = models.CharField(_("typ"), max_length=10, choices=Kind.choices)
    vaccine = models.ForeignKey(
        Vaccine, on_delete=models.PROTECT, related_name="ordinations", verbose_name=_("vaccin")
    )
    strength = models.CharField(_("styrka"), max_length=100)
    dose = models.CharField(_("dos"), max_length=100)
    route = models.CharField(_("administrationssätt"), max_length=50)
    # Who it covers: one student (individual), or by school/grade/series (general).
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("elev"),
    )
    schools = models.ManyToManyField(School, blank=True, related_name="+", verbose_name=_("skolor"))
    covers = models.TextField(
        _("omfattar"),
        blank=True,
        help_text=_("Vilka elever ett generellt direktiv gäller, t.ex. elever i åk 5."),
    )
    grade_from = models.PositiveSmallIntegerField(_("från årskurs"), null=True, blank=True)
    grade_to = models.PositiveSmallIntegerField(_("till årskurs"), null=True, blank=True)
    valid_from = models.DateField(_("gäller från"))
    valid_until = models.DateField(_("gäller till"))
    instructions = models.TextField(_("anvisningar"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ordinerad av"),
    )
    issued_by_name = models.CharField(_("namn"), max_length=200)
    issued_by_title = models.CharField(_("befattning"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    signed_at = models.DateTimeField(_("signerad"), null=True, blank=True)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)

    history = HistoricalRecords()
    objects = SignedOnceQuerySet.as_manager()

    class Meta:
        verbose_name = _("ordination")
        verbose_name_plural = _("ordinationer")
        ordering = ["-valid_from", "-pk"]
        # A nurse signs ordinations only with this permission; a school doctor always may.
        permissions = [("sign_ordination", _("Får signera ordinationer för vaccination"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="ordination_valid_until_after_from",
                violation_error_message=_("Slutdatum kan inte vara före startdatum."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="individual") | Q(student__isnull=False),
                name="ordination_individual_has_student",
                violation_error_message=_("En individuell ordination gäller en elev."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.vaccine} ({self.valid_from}–{self.valid_until})"

    def save(self, *args, **kwargs):
        _refuse_signed_change(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError()

    @property
    def is_signed(self) -> bool:
        return self.status == EntryStatus.SIGNED


class VaccinationOutcome(models.TextChoices):
    GIVEN = "given", _("Given")
    DECLINED = "declined", _("Avböjd")
    CONTRAINDICATED = "contraindicated", _("Kontraindikation")


class DoseSource(models.TextChoices):
    HERE = "here", _("Given här")
    BHV = "bhv", _("Given på BVC")
    ABROAD = "abroad", _("Given utomlands")
    EARLIER_SCHOOL = "earlier_school", _("Given på tidigare skola")


class VaccinationSession(models.Model):
    """A planned vaccination session for a class."""

    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("skola")
    )
    school_class = models.ForeignKey(
        SchoolClass,
        on_delete=models.PROTECT,
        related_name="vaccination_sessions",
        verbose_name=_("klass"),
    )
    vaccine = models.ForeignKey(
        Vaccine, on_delete=models.PROTECT, related_name="+", verbose_name=_("vaccin")
    )
    ordination = models.ForeignKey(
        Ordination, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("ordination")
    )
    planned_on = models.DateField(_("datum"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("planerad av"),
    )
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vaccinationstillfälle")
        verbose_name_plural = _("vaccinationstillfällen")
        ordering = ["-planned_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.school_class} {self.vaccine} {self.planned_on}"


class Vaccination(models.Model):
    """One vaccination outcome for one student (EMI record): a dose, a refusal or a
    contraindication. Signed at once by the vaccinator's click, or with its note (binding)."""

    public_id = models.UUIDField(_("id"), default=uuid.uuid4, unique=True, editable=False)
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="vaccinations", verbose_name=_("elev")
    )
    area = models.CharField(_("område"), max_length=3, choices=Area.choices, default=Area.EMI)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vaccinerande enhet"),
    )
    outcome = models.CharField(
        _("utfall"),
        max_length=20,
        choices=VaccinationOutcome.choices,
        default=VaccinationOutcome.GIVEN,
    )
    series = models.CharField(_("vaccinationsserie"), max_length=20)
    dose_number = models.PositiveSmallIntegerField(_("dosnummer"), null=True, blank=True)
    programme_dose = models.ForeignKey(
        ProgrammeDose,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("programdos"),
    )
    vaccine = models.ForeignKey(
        Vaccine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vaccin"),
    )
    lot = models.ForeignKey(
        VaccineLot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sats"),
    )
    # As documented (BHV, abroad) when no lot row exists here.
    lot_number = models.CharField(_("satsnummer"), max_length=50, blank=True)
    lot_expires_on = models.DateField(_("utgångsdatum"), null=True, blank=True)
    given_at = models.DateTimeField(_("datum och tid"))
    site = models.CharField(_("injektionsställe"), max_length=50, blank=True)
    route = models.CharField(_("administrationssätt"), max_length=50, blank=True)
    ordination = models.ForeignKey(
        Ordination,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vaccinations",
        verbose_name=_("ordination"),
    )
    # The consent it rests on: by public id, not a foreign key (journal asks consent nothing
    # beyond what it is told; consent rows are never deleted).
    consent_public_id = models.UUIDField(_("samtycke"), null=True, blank=True)
    consent_override_reason = models.TextField(
        _("skäl att vaccinera utan registrerat samtycke"), blank=True
    )
    source = models.CharField(
        _("källa"), max_length=20, choices=DoseSource.choices, default=DoseSource.HERE
    )
    source_documentation = models.TextField(_("underlag"), blank=True)
    reason = models.TextField(
        _("skäl"), blank=True, help_text=_("För avböjd eller kontraindikation.")
    )
    session = models.ForeignKey(
        VaccinationSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vaccinations",
        verbose_name=_("vaccinationstillfälle"),
    )
    entry = models.OneToOneField(
        JournalEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vaccination",
        verbose_name=_("anteckning"),
    )
    vaccinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("vaccinatör"),
    )
    vaccinator_name = models.CharField(_("namn"), max_length=200)
    vaccinator_title = models.CharField(_("befattning"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.DRAFT
    )
    signed_at = models.DateTimeField(_("signerad"), null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("ersätter"),
    )
    change_reason = models.TextField(_("skäl till rättelsen"), blank=True)
    created_at = models.DateTimeField(_("registrerad"), auto_now_add=True)

    history = HistoricalRecords()
    objects = VaccinationQuerySet.as_manager()

    class Meta:
        verbose_name = _("vaccination")
        verbose_name_plural = _("vaccinationer")
        ordering = ["student", "given_at", "pk"]
        indexes = [
            models.Index(fields=["student", "series", "given_at"], name="vaccination_student"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="given") | Q(vaccine__isnull=False),
                name="vaccination_given_has_vaccine",
                violation_error_message=_("Ange vaccin för en given dos."),
            ),
            models.CheckConstraint(
                condition=Q(outcome="given") | ~Q(reason=""),
                name="vaccination_refusal_has_reason",
                violation_error_message=_("Ange skäl."),
            ),
            models.CheckConstraint(
                condition=Q(status=EntryStatus.DRAFT) | Q(signed_at__isnull=False),
                name="vaccination_signed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(replaces__isnull=True) | ~Q(change_reason=""),
                name="vaccination_correction_has_reason",
                violation_error_message=_("Skriv varför uppgiften rättas."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.dose_number or ''} {self.get_outcome_display()}".strip()

    def save(self, *args, **kwargs):
        _refuse_signed_change(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        # Only a note's draft dose, emptied in the note, goes (see the queryset); what is
        # stored decides as well as what is in memory.
        if self.entry_id is None or self.is_signed:
            raise ImmutableRecordError()
        if type(self)._default_manager.filter(pk=self.pk).frozen().exists():
            raise ImmutableRecordError()
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == EntryStatus.SIGNED


class RegisterReport(models.Model):
    """The NVR queue: one report per dose series item, keyed by a stable unique reference.

    A correction of the dose points ``vaccination`` at the newest version and sets the status
    back to pending (an update of the same report, never a second one). ``acknowledged`` is set
    only from a receipt (imported or recorded by hand)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Att rapportera")
        SENT = "sent", _("Skickad")
        ACKNOWLEDGED = "acknowledged", _("Kvitterad")
        ERROR = "error", _("Fel")

    unique_reference = models.CharField(_("unik referens"), max_length=100, unique=True)
    vaccination = models.ForeignKey(
        Vaccination,
        on_delete=models.PROTECT,
        related_name="register_reports",
        verbose_name=_("vaccination"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("vårdgivare")
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.PENDING
    )
    revision = models.PositiveSmallIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    sent_at = models.DateTimeField(_("skickad"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skickad av"),
    )
    sent_via = models.CharField(_("kanal"), max_length=30, blank=True)
    acknowledged_at = models.DateTimeField(_("kvitterad"), null=True, blank=True)
    receipt = models.TextField(_("kvittens"), blank=True)
    error = models.TextField(_("felmeddelande"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rapport till vaccinationsregistret")
        verbose_name_plural = _("rapporter till vaccinationsregistret")
        ordering = ["status", "created_at"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="registerreport_org_status"),
        ]

    def __str__(self) -> str:
        return self.unique_reference

    def delete(self, *args, **kwargs):
        # The queue is the record of what was reported: a report is updated, never removed.
        raise ImmutableRecordError()
