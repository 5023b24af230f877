"""Registry imports: links to a source's ids, import runs with their reports, and the
assignments a source proposes. Written by ``schools.registry.services``; nothing here is a
care relation (only a confirmed ``Assignment`` is)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .organisations import Organisation, School
from .periods import Period, end_after_start
from .staff import Assignment, StaffMember


class Entity(models.TextChoices):
    """What a source id names. ``row`` and ``batch`` appear only in reports."""

    SCHOOL = "school", _("Skolenhet")
    STUDENT = "student", _("Elev")
    GUARDIAN = "guardian", _("Vårdnadshavare")
    SCHOOL_CLASS = "school_class", _("Klass")
    ENROLMENT = "enrolment", _("Inskrivning")
    CLASS_MEMBERSHIP = "class_membership", _("Klasstillhörighet")
    GUARDIAN_RELATION = "guardian_relation", _("Vårdnadshavarrelation")
    DUTY = "duty", _("Tjänstgöring (förslag)")


class SourceLink(models.Model):
    """Our row ``object_id`` of ``entity`` is the source's ``source_id``. One row may be linked
    from several sources (a student in two municipalities' registers)."""

    source = models.CharField(_("källa"), max_length=200)
    entity = models.CharField(_("typ"), max_length=20, choices=Entity.choices)
    source_id = models.CharField(_("källans id"), max_length=200)
    object_id = models.PositiveBigIntegerField(_("vårt id"))

    class Meta:
        verbose_name = _("källkoppling")
        verbose_name_plural = _("källkopplingar")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "entity", "source_id"], name="sourcelink_unique_source_id"
            )
        ]
        indexes = [models.Index(fields=["entity", "object_id"], name="sourcelink_object")]

    def __str__(self) -> str:
        return f"{self.source} {self.entity} {self.source_id} → {self.object_id}"


class ImportRun(models.Model):
    """One application of a batch of school-register changes, with its report (items)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Pågår")
        OK = "ok", _("Klar")
        FAILED = "failed", _("Misslyckades")

    source = models.CharField(_("källa"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="import_runs",
        null=True,
        blank=True,
        verbose_name=_("huvudman"),
        help_text=_("Tom när organisationsnumret var okänt och hela leveransen avvisades."),
    )
    started_at = models.DateTimeField(_("startad"))
    finished_at = models.DateTimeField(_("klar"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    created = models.PositiveIntegerField(_("skapade"), default=0)
    changed = models.PositiveIntegerField(_("ändrade"), default=0)
    ended = models.PositiveIntegerField(_("avslutade"), default=0)
    refused = models.PositiveIntegerField(_("avvisade"), default=0)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("startad av"),
    )

    class Meta:
        verbose_name = _("registerimport")
        verbose_name_plural = _("registerimporter")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "started_at"], name="importrun_org")]

    def __str__(self) -> str:
        return f"{self.source} {self.started_at:%Y-%m-%d %H:%M}"


class ImportRunItem(models.Model):
    """One line of a run's report: something created, changed, ended or refused (unchanged
    rows get no line). ``message`` never holds an identity number in clear text."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Skapad")
        CHANGED = "changed", _("Ändrad")
        ENDED = "ended", _("Avslutad")
        REFUSED = "refused", _("Avvisad")

    run = models.ForeignKey(
        ImportRun, on_delete=models.CASCADE, related_name="items", verbose_name=_("import")
    )
    kind = models.CharField(_("utfall"), max_length=10, choices=Kind.choices)
    entity = models.CharField(_("typ"), max_length=20)  # an Entity value, "row" or "batch"
    source_id = models.CharField(_("källans id"), max_length=200, blank=True)
    row = models.PositiveIntegerField(_("rad"), null=True, blank=True)
    message = models.TextField(_("meddelande"), blank=True)
    object_id = models.PositiveBigIntegerField(_("vårt id"), null=True, blank=True)

    class Meta:
        verbose_name = _("importrad")
        verbose_name_plural = _("importrader")
        ordering = ["run", "kind", "row", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.entity} {self.source_id}"


class ProposedAssignment(Period):
    """A duty a source reported. Grants nothing until a registry admin confirms it; the
    confirmation creates the ``Assignment``. The end of the duty ends both."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Föreslagen")
        CONFIRMED = "confirmed", _("Bekräftad")
        REJECTED = "rejected", _("Avvisad")
        ENDED = "ended", _("Avslutad")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="proposed_assignments",
        verbose_name=_("huvudman"),
    )
    staff_member = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="proposed_assignments",
        verbose_name=_("personal"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="proposed_assignments",
        verbose_name=_("skolenhet"),
    )
    duty_role = models.CharField(_("befattning i källan"), max_length=50, blank=True)
    source = models.CharField(_("källa"), max_length=200)
    source_id = models.CharField(_("källans id"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    assignment = models.OneToOneField(
        Assignment,
        on_delete=models.PROTECT,
        related_name="proposal",
        null=True,
        blank=True,
        verbose_name=_("tjänstgöring"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("beslutad av"),
    )
    decided_at = models.DateTimeField(_("beslutad"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("föreslagen tjänstgöring")
        verbose_name_plural = _("föreslagna tjänstgöringar")
        ordering = ["status", "start_date", "pk"]
        constraints = [end_after_start("proposedassignment_end_after_start")]

    def __str__(self) -> str:
        return f"{self.staff_member} @ {self.school} ({self.get_status_display()})"
