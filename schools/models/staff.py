"""Health staff: their profile, organisation roles, and duties (assignments) at schools."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..validators import validate_hsa_id
from .organisations import Organisation, School
from .periods import Period, end_after_start


class Area(models.TextChoices):
    """Record areas, walled apart: medical (EMI) and psychological (EPI)."""

    EMI = "EMI", _("Medicinsk elevhälsa (EMI)")
    EPI = "EPI", _("Psykologisk elevhälsa (EPI)")


class Profession(models.TextChoices):
    SCHOOL_NURSE = "school_nurse", _("Skolsköterska")
    SCHOOL_DOCTOR = "school_doctor", _("Skolläkare")
    PSYCHOLOGIST = "psychologist", _("Skolpsykolog")
    ADMINISTRATOR = "administrator", _("Administratör (ingen journalåtkomst)")

    @property
    def area(self) -> str | None:
        return {
            Profession.SCHOOL_NURSE: Area.EMI,
            Profession.SCHOOL_DOCTOR: Area.EMI,
            Profession.PSYCHOLOGIST: Area.EPI,
        }.get(self)


class StaffMember(models.Model):
    """The profile of a user who works for an organisation. The profession decides the area."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff_member",
        verbose_name=_("användare"),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="staff", verbose_name=_("huvudman")
    )
    profession = models.CharField(_("yrke"), max_length=20, choices=Profession.choices)
    title = models.CharField(_("titel"), max_length=100, blank=True)
    hsa_id = models.CharField(
        _("HSA-id"), max_length=40, unique=True, null=True, blank=True, validators=[validate_hsa_id]
    )
    licence_number = models.CharField(_("legitimationsnummer"), max_length=20, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("personal")
        verbose_name_plural = _("personal")
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_profession_display()})"

    @property
    def area(self) -> str | None:
        return Profession(self.profession).area

    def has_role(self, role: str) -> bool:
        return any(held.role == role for held in self.roles.all())


class OrganisationRole(models.Model):
    """A role held in the staff member's organisation; roles are separate and combinable."""

    class Role(models.TextChoices):
        REGISTRY_ADMIN = "registry_admin", _("Registeradministratör")
        LOG_REVIEWER = "log_reviewer", _("Logggranskare")
        RECORDS_OFFICER = "records_officer", _("Arkivansvarig / registrator")

    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="roles", verbose_name=_("personal")
    )
    role = models.CharField(_("roll"), max_length=20, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisationsroll")
        verbose_name_plural = _("organisationsroller")
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member", "role"],
                name="organisationrole_unique",
                violation_error_message=_("Personen har redan den rollen."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.staff_member.user}"


class Assignment(Period):
    """A tjänstgöring: a staff member's duty at a school over a period."""

    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("personal"),
    )
    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("skolenhet")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tjänstgöring")
        verbose_name_plural = _("tjänstgöringar")
        constraints = [end_after_start("assignment_end_after_start")]
        indexes = [models.Index(fields=["staff_member", "start_date"], name="assignment_staff")]

    def __str__(self) -> str:
        return f"{self.staff_member.user} @ {self.school}"

    def clean(self):
        super().clean()
        if (
            self.staff_member_id
            and self.school_id
            and self.school.organisation_id != self.staff_member.organisation_id
        ):
            raise ValidationError(
                {"school": _("Skolenheten tillhör en annan huvudman än personen.")}
            )
