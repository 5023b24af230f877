"""Vaccination programmes as versioned data, like the health-visit programme
(``journal.services.programmes``; the shared rule is ``journal.services.versioned_programmes``):
a change is a new draft copied from a programme (national or the organisation's own) with its
doses and their accepted vaccines; publishing a draft retires the organisation's previously
published one. A published programme never changes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from schools.models import Organisation

from ..models.vaccination import ProgrammeDose, VaccinationProgramme
from . import versioned_programmes as versioned

# Copied from a dose into its copy in the new draft: everything but identity and programme.
DOSE_FIELDS = [
    field.name
    for field in ProgrammeDose._meta.concrete_fields
    if field.name not in {"id", "programme"}
]


def _copy_doses(source: VaccinationProgramme, draft: VaccinationProgramme, by) -> None:
    for dose in source.doses.prefetch_related("vaccines").order_by("order", "pk"):
        copy = ProgrammeDose(programme=draft, **{name: getattr(dose, name) for name in DOSE_FIELDS})
        copy._history_user = by
        copy.save()
        copy.vaccines.set(dose.vaccines.all())


VACCINATION_PROGRAMME = versioned.ProgrammeKind(
    model=VaccinationProgramme,
    copied_fields=("name", "source"),
    children="doses",
    no_children_error=_("Programmet har inga doser."),
    copy_children=_copy_doses,
)


def vaccination_programme_create_draft(
    *, source: VaccinationProgramme, organisation: Organisation | None, by=None
) -> VaccinationProgramme:
    """A draft programme of ``organisation`` (None: a national one) with ``source``'s doses,
    numbered after the organisation's newest programme."""
    return versioned.create_draft(
        VACCINATION_PROGRAMME, source=source, organisation=organisation, by=by
    )


def publish_errors(programme: VaccinationProgramme) -> list[str]:
    """Why ``programme`` cannot be published; [] when it can."""
    return versioned.publish_errors(VACCINATION_PROGRAMME, programme)


def vaccination_programme_publish(*, programme: VaccinationProgramme, by) -> VaccinationProgramme:
    """Publish a draft; the organisation's programme published before it is retired (doses
    given keep pointing to its rows). From now on the programme and its doses never change."""
    return versioned.publish(VACCINATION_PROGRAMME, programme=programme, by=by)
