"""Students, guardians, and the periods that tie students to schools, classes and guardians."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..fields import IdentityNumberField
from ..identity import IdentityKind, LegalSex, normalise_reserve_number, parse_identity_number
from .organisations import School, SchoolClass
from .periods import Period, end_after_start


class ProtectedIdentity(models.TextChoices):
    NONE = "", _("Ingen")
    SECRECY_MARKING = "sekretessmarkering", _("Sekretessmarkering")
    PROTECTED_REGISTRATION = "skyddad_folkbokforing", _("Skyddad folkbokföring")
    FICTITIOUS = "fingerade", _("Fingerade personuppgifter")


class IdentifiedPerson(models.Model):
    """A person identified by personnummer, samordningsnummer, or a local reserve number."""

    identity_number = IdentityNumberField(
        _("person- eller samordningsnummer"), unique=True, null=True, blank=True
    )
    reserve_number = models.CharField(
        _("reservnummer"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Lokalt nummer för den som saknar personnummer, t.ex. 20130101TF01."),
    )
    identity_kind = models.CharField(
        _("typ av identitet"), max_length=10, choices=IdentityKind.choices, editable=False
    )
    given_name = models.CharField(_("förnamn"), max_length=100)
    family_name = models.CharField(_("efternamn"), max_length=100)
    birth_date = models.DateField(
        _("födelsedatum"),
        null=True,
        blank=True,
        help_text=_("Härleds ur personnumret; anges bara för den som har reservnummer."),
    )
    legal_sex = models.CharField(
        _("juridiskt kön"), max_length=1, choices=LegalSex.choices, default=LegalSex.UNKNOWN
    )
    street_address = models.CharField(_("gatuadress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=10, blank=True)
    city = models.CharField(_("postort"), max_length=100, blank=True)
    protected_identity = models.CharField(
        _("skyddade personuppgifter"),
        max_length=30,
        choices=ProtectedIdentity.choices,
        default=ProtectedIdentity.NONE,
        blank=True,
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.derive_from_identity()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.reserve_number:
            self.reserve_number = normalise_reserve_number(self.reserve_number)
        if not self.identity_number and not self.reserve_number:
            raise ValidationError(_("Ange personnummer, samordningsnummer eller ett reservnummer."))
        if not self.identity_number and not self.birth_date:
            raise ValidationError(
                {"birth_date": _("Ange födelsedatum för den som saknar personnummer.")}
            )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def identity_display(self) -> str:
        """The number as people write it (YYYYMMDD-NNNN), for pages only: never URLs or logs."""
        if self.identity_number:
            return f"{self.identity_number[:8]}-{self.identity_number[8:]}"
        return self.reserve_number or ""

    @property
    def is_protected(self) -> bool:
        return bool(self.protected_identity)

    def derive_from_identity(self) -> None:
        """Birth date, legal sex and kind follow from the number; never typed twice."""
        if self.identity_number:
            parsed = parse_identity_number(self.identity_number)
            self.identity_kind = parsed.kind
            self.birth_date = parsed.birth_date
            self.legal_sex = parsed.legal_sex
        else:
            self.identity_kind = IdentityKind.RESERVE

    def age(self, on: datetime.date | None = None) -> int | None:
        if not self.birth_date:
            return None
        on = on or timezone.localdate()
        before_birthday = (on.month, on.day) < (self.birth_date.month, self.birth_date.day)
        return on.year - self.birth_date.year - before_birthday


def identity_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(identity_number__isnull=False) | Q(reserve_number__isnull=False),
            name=f"{prefix}_has_identity",
            violation_error_message=_("Ange personnummer, samordningsnummer eller reservnummer."),
        ),
    ]


class Student(IdentifiedPerson):
    """An elev: the patient. Known in URLs only by ``public_id``, never by identity number."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    history = HistoricalRecords(excluded_fields=["public_id"])

    class Meta:
        verbose_name = _("elev")
        verbose_name_plural = _("elever")
        ordering = ["family_name", "given_name"]
        constraints = identity_constraints("student")
        indexes = [models.Index(fields=["family_name", "given_name"], name="student_name")]
        permissions = [("view_protected_identity", _("Får se skyddade personuppgifter"))]

    def get_absolute_url(self) -> str:
        return reverse("schools:student-detail", args=[self.public_id])


class Guardian(IdentifiedPerson):
    """A vårdnadshavare or other responsible adult; tied to students by ``GuardianRelation``."""

    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    email = models.EmailField(_("e-post"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vårdnadshavare")
        verbose_name_plural = _("vårdnadshavare")
        ordering = ["family_name", "given_name"]
        constraints = identity_constraints("guardian")


class GuardianRelation(Period):
    """Who is responsible for a student, with SS12000's relation types."""

    class Type(models.TextChoices):
        CUSTODIAN = "vardnadshavare", _("Vårdnadshavare")
        OTHER_RESPONSIBLE = "annan_ansvarig", _("Annan ansvarig")
        TRUSTEE = "god_man", _("God man")
        APPOINTED = "utsedd_behorig", _("Utsedd behörig")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="guardian_relations", verbose_name=_("elev")
    )
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.PROTECT,
        related_name="relations",
        verbose_name=_("vårdnadshavare"),
    )
    relation_type = models.CharField(_("relation"), max_length=20, choices=Type.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vårdnadshavarrelation")
        verbose_name_plural = _("vårdnadshavarrelationer")
        constraints = [end_after_start("guardianrelation_end_after_start")]

    def __str__(self) -> str:
        return f"{self.guardian} – {self.get_relation_type_display()}"


class Enrolment(Period):
    """A student's placement at a school. Enrolments may overlap around a move, as school
    registers send them; exactly one current enrolment is the health-responsible unit."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("elev")
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("skolenhet")
    )
    is_health_responsible = models.BooleanField(
        _("hälsoansvarig enhet"),
        default=True,
        help_text=_("Elevhälsan vid denna skolenhet ansvarar för elevens journal."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inskrivning")
        verbose_name_plural = _("inskrivningar")
        constraints = [
            end_after_start("enrolment_end_after_start"),
            # Portable half of the rule; PostgreSQL also gets an exclusion constraint over the
            # date ranges (migration 0002), and clean() mirrors it for SQLite and forms.
            models.UniqueConstraint(
                fields=["student"],
                condition=Q(is_health_responsible=True, end_date__isnull=True),
                name="enrolment_one_open_health_responsible",
                violation_error_message=_("Eleven har redan en hälsoansvarig inskrivning."),
            ),
        ]
        indexes = [models.Index(fields=["school", "start_date"], name="enrolment_school_start")]

    def __str__(self) -> str:
        return f"{self.student} @ {self.school}"

    def clean(self):
        super().clean()
        if not (self.is_health_responsible and self.student_id and self.start_date):
            return
        others = Enrolment.objects.filter(student_id=self.student_id, is_health_responsible=True)
        if self.pk:
            others = others.exclude(pk=self.pk)
        if any(self.overlaps(other) for other in others):
            raise ValidationError(
                {
                    "is_health_responsible": _(
                        "Eleven har redan en hälsoansvarig inskrivning under perioden. "
                        "Avsluta den först eller markera denna som ej hälsoansvarig."
                    )
                }
            )


class ClassMembership(Period):
    """A student's membership of a class, separate from the enrolment so history is kept."""

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="class_memberships", verbose_name=_("elev")
    )
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("klass")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("klasstillhörighet")
        verbose_name_plural = _("klasstillhörigheter")
        constraints = [end_after_start("classmembership_end_after_start")]
        indexes = [models.Index(fields=["school_class", "start_date"], name="membership_class")]

    def __str__(self) -> str:
        return f"{self.student} i {self.school_class}"
