"""Code lists: KVÅ (procedures) and ICD-10-SE (diagnoses), loaded from Socialstyrelsen's files.

A loaded file is a ``CodeListVersion`` with its ``Code`` rows; both are immutable once loaded (a
new file is a new version). Exactly one version per system is active: entries choose and validate
their codes against it (``active_codes``, ``code_lookup``). Loading and activation are services
in ``journal.services.codes``; the file format is in docs/code-lists.md.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CodeSystem(models.TextChoices):
    KVA = "kva", _("KVÅ")
    ICD10SE = "icd10se", _("ICD-10-SE")


# KVÅ has two code shapes: KKÅ (surgical) 3 letters + 2 digits (e.g. "ZXA10"), KMÅ (medical)
# 2 letters + 3 digits (e.g. "DV112"). Codes use A–Z only.
KVA_PATTERN = re.compile(r"^(?:[A-Z]{3}[0-9]{2}|[A-Z]{2}[0-9]{3})$")
# ICD-10-SE: a letter, two digits (the category, e.g. "J45"), then optionally a dot and one to
# four more characters (subcategory and Swedish extensions, e.g. "J45.9", "S72.00", "F32.9A").
# Lenient on purpose: Socialstyrelsen's files are the authority on what exists; this only stops
# typos and misaligned columns. The dot is optional on input ("J459" is read as "J45.9").
ICD10SE_PATTERN = re.compile(r"^[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?$")


def normalise_code(system: str, raw: str) -> str:
    """The stored form of a code: upper case, no spaces; ICD-10-SE with its dot after three
    characters (Socialstyrelsen's text files often leave the dot out)."""
    code = "".join(raw.split()).upper()
    if system == CodeSystem.ICD10SE and len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    return code


def validate_code_shape(system: str, code: str) -> None:
    """Raise ``ValidationError`` when ``code`` (already normalised) has the wrong shape."""
    if system == CodeSystem.KVA:
        if not KVA_PATTERN.match(code):
            raise ValidationError(
                _(
                    "%(code)s är ingen KVÅ-kod: tre bokstäver och två siffror (KKÅ) eller två "
                    "bokstäver och tre siffror (KMÅ)."
                ),
                code="code_shape",
                params={"code": code},
            )
    elif system == CodeSystem.ICD10SE:
        if not ICD10SE_PATTERN.match(code):
            raise ValidationError(
                _(
                    "%(code)s är ingen ICD-10-SE-kod: en bokstav och två siffror, ev. punkt och "
                    "upp till fyra tecken till (t.ex. J45.9)."
                ),
                code="code_shape",
                params={"code": code},
            )
    else:
        raise ValidationError(_("Okänt kodverk: %(system)s"), params={"system": system})


class ImmutableRowError(Exception):
    """A loaded code list row was about to change."""


class CodeListVersion(models.Model):
    """One loaded file of one code system. Only ``is_active`` ever changes after loading (by
    ``journal.services.codes.code_list_activate``); its history says who switched it when."""

    system = models.CharField(_("kodverk"), max_length=10, choices=CodeSystem.choices)
    label = models.CharField(_("version"), max_length=60, help_text=_("T.ex. ”KVÅ 2026”."))
    source_name = models.CharField(_("källfil"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    loaded_at = models.DateTimeField(_("inläst"), auto_now_add=True)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inläst av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("aktiv"), default=False)
    code_count = models.PositiveIntegerField(_("antal koder"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kodlisteversion")
        verbose_name_plural = _("kodlisteversioner")
        ordering = ["system", "-loaded_at", "-pk"]
        permissions = [("activate_codelistversion", _("Kan aktivera en kodlisteversion"))]
        constraints = [
            models.UniqueConstraint(
                fields=["system"],
                condition=models.Q(is_active=True),
                name="codelistversion_one_active_per_system",
            ),
            models.UniqueConstraint(
                fields=["system", "sha256"], name="codelistversion_file_loaded_once"
            ),
            models.UniqueConstraint(
                fields=["system", "label"], name="codelistversion_label_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        if self.pk is not None and set(kwargs.get("update_fields") or ()) != {"is_active"}:
            raise ImmutableRowError("A loaded code list version changes only its is_active.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("Code list versions are never deleted.")


class Code(models.Model):
    """One code of one version; written once by the loader (in bulk), never changed."""

    version = models.ForeignKey(
        CodeListVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="codes",
    )
    code = models.CharField(_("kod"), max_length=10, db_index=True)
    title = models.CharField(_("benämning"), max_length=500)
    group = models.CharField(_("grupp/kapitel"), max_length=255, blank=True)
    is_selectable = models.BooleanField(
        _("valbar"),
        default=True,
        help_text=_("En kod utan underkoder (ICD-10-SE: J45.9 är valbar, J45 är det inte)."),
    )

    class Meta:
        verbose_name = _("kod")
        verbose_name_plural = _("koder")
        ordering = ["version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="code_unique_in_version"),
        ]
        # Title search: a plain index here; on PostgreSQL migration 0002's trigram GIN index on
        # UPPER(title) is what serves "title__icontains".
        indexes = [models.Index(fields=["title"], name="code_title_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRowError("Loaded codes never change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRowError("Loaded codes are never deleted.")

    @property
    def system(self) -> str:
        return self.version.system


def active_codes(system: str) -> models.QuerySet[Code]:
    """The selectable codes of the system's active version (empty if none is active), for
    choosing a code on an entry."""
    return (
        Code.objects.filter(version__system=system, version__is_active=True, is_selectable=True)
        .select_related("version")
        .order_by("code")
    )


def code_lookup(system: str, code: str) -> Code | None:
    """The code in the system's active version, or None: an entry may only carry codes that
    exist there. The input is normalised first ("j459" finds J45.9). Non-selectable codes
    (headings with subcodes) are returned too: the caller decides (``is_selectable``)."""
    return (
        Code.objects.filter(
            version__system=system,
            version__is_active=True,
            code=normalise_code(system, code),
        )
        .select_related("version")
        .first()
    )
