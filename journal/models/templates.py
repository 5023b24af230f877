"""Document templates (mallar) and their keywords (sökord), versioned.

A template is a stable name (``halsobesok-ak4``) per area; what it asks for lives in its
versions. A draft version is edited freely; publishing freezes it for good, and a change is a new
version (``journal.services.templates``). Entries will point to the version they were written
with, so a published version and its keywords never change: ``save()`` and ``delete()`` refuse,
and so does the admin. The only change a published version takes is being retired when a newer
one is published.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import Area, Organisation

from ..bindings import BindingKey, KeywordKind, binding_errors

__all__ = ["DocumentTemplate", "Keyword", "KeywordKind", "TemplateVersion", "VipsHeading"]


class VipsHeading(models.TextChoices):
    """The VIPS main keywords (REQUIREMENTS 2.11), with R-DOC-5's structured fields."""

    ANAMNES = "anamnes", _("Anamnes")
    STATUS = "status", _("Status")
    ASSESSMENT = "bedomning", _("Bedömning")
    GOAL = "mal", _("Mål")
    ACTION = "atgard", _("Åtgärd")
    RESULT = "resultat", _("Resultat")
    INFORMATION_GIVEN = "information_given", _("Given information")
    DECLINED_CARE = "declined_care", _("Avböjd vård")
    SUMMARY = "epikris", _("Epikris/sammanfattning")


class DocumentTemplate(models.Model):
    """A template's identity; national defaults have no organisation."""

    area = models.CharField(_("område"), max_length=3, choices=Area.choices)
    code = models.SlugField(_("kod"), max_length=60, help_text=_("T.ex. halsobesok-ak4."))
    name = models.CharField(_("namn"), max_length=200)
    description = models.TextField(_("beskrivning"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="document_templates",
        verbose_name=_("huvudman"),
        help_text=_("Tom för nationella standardmallar."),
    )
    is_active = models.BooleanField(_("aktiv"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("journalmall")
        verbose_name_plural = _("journalmallar")
        ordering = ["area", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organisation__isnull=True),
                name="documenttemplate_unique_national_code",
                violation_error_message=_("Det finns redan en standardmall med den koden."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=Q(organisation__isnull=False),
                name="documenttemplate_unique_code_per_organisation",
                violation_error_message=_("Huvudmannen har redan en mall med den koden."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.area})"

    @property
    def is_national(self) -> bool:
        return self.organisation_id is None


class TemplateVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        PUBLISHED = "published", _("Publicerad")
        RETIRED = "retired", _("Ersatt")

    template = models.ForeignKey(
        DocumentTemplate,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("mall"),
    )
    number = models.PositiveSmallIntegerField(_("version"), validators=[MinValueValidator(1)])
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    change_note = models.TextField(_("ändringar i versionen"), blank=True)
    published_at = models.DateTimeField(_("publicerad"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publicerad av"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mallversion")
        verbose_name_plural = _("mallversioner")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"],
                name="templateversion_unique_number",
                violation_error_message=_("Mallen har redan en version med det numret."),
            ),
            # One version in use and one being worked on, at most, per template.
            models.UniqueConstraint(
                fields=["template"],
                condition=Q(status="published"),
                name="templateversion_one_published",
                violation_error_message=_("Mallen har redan en publicerad version."),
            ),
            models.UniqueConstraint(
                fields=["template"],
                condition=Q(status="draft"),
                name="templateversion_one_draft",
                violation_error_message=_("Mallen har redan ett utkast."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="templateversion_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return _("%(template)s, version %(number)s") % {
            "template": self.template.name,
            "number": self.number,
        }

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self._refuse_change_after_publishing()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("En mallversion tas aldrig bort."), code="no_delete")
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def _refuse_change_after_publishing(self) -> None:
        stored = TemplateVersion.objects.filter(pk=self.pk).values().first()
        if stored is None or stored["status"] == self.Status.DRAFT:
            return
        changed = {
            field.attname
            for field in self._meta.concrete_fields
            if stored[field.attname] != getattr(self, field.attname)
        }
        retiring = (
            stored["status"] == self.Status.PUBLISHED
            and self.status == self.Status.RETIRED
            and changed == {"status"}
        )
        if changed and not retiring:
            raise ValidationError(
                _("En publicerad mallversion ändras inte: skapa en ny version."),
                code="published_version_immutable",
            )


class Keyword(models.Model):
    """A sökord: one heading of a template version, free text or structured."""

    version = models.ForeignKey(
        TemplateVersion,
        on_delete=models.PROTECT,
        related_name="keywords",
        verbose_name=_("mallversion"),
    )
    order = models.PositiveSmallIntegerField(_("ordning"), validators=[MinValueValidator(1)])
    code = models.SlugField(_("kod"), max_length=60)
    label = models.CharField(_("rubrik"), max_length=200)
    vips_heading = models.CharField(_("VIPS-huvudsökord"), max_length=20, choices=VipsHeading)
    kind = models.CharField(
        _("typ"), max_length=10, choices=KeywordKind.choices, default=KeywordKind.TEXT
    )
    unit = models.CharField(_("enhet"), max_length=20, blank=True)
    min_value = models.DecimalField(
        _("minsta värde"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("största värde"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    flag_below = models.DecimalField(
        _("flagga under"),
        max_digits=9,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Ett värde under detta markeras, t.ex. synskärpa under 0,8."),
    )
    choices = models.JSONField(
        _("svarsalternativ"),
        default=list,
        blank=True,
        help_text=_('Endast för typen ”Val”: en lista, t.ex. ["Ua", "Avvikande"].'),
    )
    required_at_signing = models.BooleanField(_("obligatoriskt vid signering"), default=False)
    help_text = models.CharField(_("hjälptext"), max_length=300, blank=True)
    binds_to = models.CharField(
        _("kopplas till"),
        max_length=30,
        choices=BindingKey.choices,
        default=BindingKey.NONE,
        blank=True,
        help_text=_("Värdet sparas även som en post av det slaget (t.ex. synundersökning)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sökord")
        verbose_name_plural = _("sökord")
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "order"],
                name="keyword_unique_order",
                violation_error_message=_("Två sökord har samma ordning."),
            ),
            models.UniqueConstraint(
                fields=["version", "code"],
                name="keyword_unique_code",
                violation_error_message=_("Två sökord har samma kod."),
            ),
            models.UniqueConstraint(
                fields=["version", "binds_to"],
                condition=~Q(binds_to=""),
                name="keyword_unique_binding",
                violation_error_message=_("Två sökord har samma koppling."),
            ),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="keyword_min_not_above_max",
                violation_error_message=_("Minsta värdet är större än det största."),
            ),
            models.CheckConstraint(
                condition=(Q(kind=KeywordKind.CHOICE) & ~Q(choices=[]))
                | (~Q(kind=KeywordKind.CHOICE) & Q(choices=[])),
                name="keyword_choices_iff_choice",
                violation_error_message=_("Svarsalternativ hör till typen ”Val”, och bara dit."),
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == KeywordKind.CHOICE:
            if not (
                isinstance(self.choices, list)
                and self.choices
                and all(isinstance(choice, str) and choice.strip() for choice in self.choices)
            ):
                errors["choices"] = _("Ange svarsalternativen som en lista med text.")
            elif len(set(self.choices)) != len(self.choices):
                errors["choices"] = _("Svarsalternativen måste vara olika.")
        elif self.choices:
            errors["choices"] = _("Svarsalternativ hör bara till typen ”Val”.")
        if self.kind != KeywordKind.NUMBER:
            for name in ("unit", "min_value", "max_value", "flag_below"):
                if getattr(self, name) not in ("", None):
                    errors[name] = _("Gäller bara typen ”Tal med enhet”.")
        elif (
            self.min_value is not None
            and self.max_value is not None
            and self.min_value > self.max_value
        ):
            errors["max_value"] = _("Största värdet är mindre än det minsta.")
        for name, message in binding_errors(
            self.binds_to,
            kind=self.kind,
            unit=self.unit,
            min_value=self.min_value,
            max_value=self.max_value,
            flag_below=self.flag_below,
        ).items():
            errors.setdefault(name, message)
        if errors:
            raise ValidationError(errors)

    def _refuse_unless_draft(self) -> None:
        # Ask the database: a version object in memory may be stale.
        status = (
            TemplateVersion.objects.filter(pk=self.version_id)
            .values_list("status", flat=True)
            .first()
        )
        if status is not None and status != TemplateVersion.Status.DRAFT:
            raise ValidationError(
                _("Sökorden i en publicerad mallversion ändras inte: skapa en ny version."),
                code="published_version_immutable",
            )
