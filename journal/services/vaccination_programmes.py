"""Vaccination programmes as versioned data, like the health-visit programme
(``journal.services.programmes``): a change is a new draft copied from a programme (national or
the organisation's own) with its doses and their accepted vaccines; publishing a draft retires
the organisation's previously published one. A published programme never changes."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Organisation

from ..models.vaccination import ProgrammeDose, VaccinationProgramme

# Copied from a dose into its copy in the new draft: everything but identity and programme.
DOSE_FIELDS = [
    field.name
    for field in ProgrammeDose._meta.concrete_fields
    if field.name not in {"id", "programme"}
]


def _lock_programmes(organisation_id: int | None) -> None:
    """Serialise numbering and publishing within one organisation (or the national ones)."""
    if organisation_id is None:
        national = VaccinationProgramme.objects.filter(organisation__isnull=True).order_by("pk")
        list(national.select_for_update())
    else:
        Organisation.objects.select_for_update().get(pk=organisation_id)


def _own(organisation_id: int | None):
    if organisation_id is None:
        return VaccinationProgramme.objects.filter(organisation__isnull=True)
    return VaccinationProgramme.objects.filter(organisation_id=organisation_id)


@transaction.atomic
def vaccination_programme_create_draft(
    *, source: VaccinationProgramme, organisation: Organisation | None, by=None
) -> VaccinationProgramme:
    """A draft programme of ``organisation`` (None: a national one) with ``source``'s doses,
    numbered after the organisation's newest programme."""
    organisation_id = getattr(organisation, "pk", organisation)
    if source.organisation_id is not None and source.organisation_id != organisation_id:
        raise ValidationError(
            _("Programmet hör till en annan huvudman."), code="other_organisation"
        )
    _lock_programmes(organisation_id)
    number = (_own(organisation_id).aggregate(Max("number"))["number__max"] or 0) + 1
    draft = VaccinationProgramme(
        organisation_id=organisation_id,
        number=number,
        name=source.name,
        source=source.source,
        status=VaccinationProgramme.Status.DRAFT,
    )
    draft._history_user = by
    draft.full_clean()
    draft.save()
    for dose in source.doses.prefetch_related("vaccines").order_by("order", "pk"):
        copy = ProgrammeDose(programme=draft, **{name: getattr(dose, name) for name in DOSE_FIELDS})
        copy._history_user = by
        copy.save()
        copy.vaccines.set(dose.vaccines.all())
    return draft


def publish_errors(programme: VaccinationProgramme) -> list[str]:
    """Why ``programme`` cannot be published; [] when it can."""
    if programme.status != VaccinationProgramme.Status.DRAFT:
        return [_("Bara ett utkast kan publiceras.")]
    if not programme.doses.exists():
        return [_("Programmet har inga doser.")]
    return []


@transaction.atomic
def vaccination_programme_publish(*, programme: VaccinationProgramme, by) -> VaccinationProgramme:
    """Publish a draft; the organisation's programme published before it is retired (doses
    given keep pointing to its rows). From now on the programme and its doses never change."""
    _lock_programmes(programme.organisation_id)
    programme = VaccinationProgramme.objects.get(pk=programme.pk)
    errors = publish_errors(programme)
    if errors:
        raise ValidationError(errors, code="not_publishable")
    for previous in _own(programme.organisation_id).filter(
        status=VaccinationProgramme.Status.PUBLISHED
    ):
        previous.status = VaccinationProgramme.Status.RETIRED
        previous._history_user = by
        previous.save(update_fields=["status"])
    programme.status = VaccinationProgramme.Status.PUBLISHED
    programme.published_at = timezone.now()
    programme._history_user = by
    programme.save(update_fields=["status", "published_at"])
    return programme
