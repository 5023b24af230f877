"""Health-visit programmes: a change is a new draft copied from a programme (national or the
organisation's own) with its points; publishing a draft retires the organisation's previously
published one. The rule is shared with the vaccination programmes
(``journal.services.versioned_programmes``); these are its health-visit names."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from schools.models import Organisation

from ..models.visits import HealthProgramme, ProgrammePoint
from . import versioned_programmes as versioned

# Copied from a point into its copy in the new draft: everything but identity and programme.
POINT_FIELDS = [
    field.name
    for field in ProgrammePoint._meta.concrete_fields
    if field.name not in {"id", "programme"}
]


def _copy_points(source: HealthProgramme, draft: HealthProgramme, by) -> None:
    copies = [
        ProgrammePoint(programme=draft, **{name: getattr(point, name) for name in POINT_FIELDS})
        for point in source.points.order_by("order")
    ]
    if copies:
        bulk_create_with_history(copies, ProgrammePoint, default_user=by)


HEALTH_PROGRAMME = versioned.ProgrammeKind(
    model=HealthProgramme,
    copied_fields=("name",),
    children="points",
    no_children_error=_("Programmet har inga programpunkter."),
    copy_children=_copy_points,
)


def programme_create_draft(
    *, source: HealthProgramme, organisation: Organisation | None, by=None
) -> HealthProgramme:
    """A draft programme of ``organisation`` (None: a national one) with ``source``'s points,
    numbered after the organisation's newest programme."""
    return versioned.create_draft(HEALTH_PROGRAMME, source=source, organisation=organisation, by=by)


def publish_errors(programme: HealthProgramme) -> list[str]:
    """Why ``programme`` cannot be published; [] when it can."""
    return versioned.publish_errors(HEALTH_PROGRAMME, programme)


def programme_publish(*, programme: HealthProgramme, by) -> HealthProgramme:
    """Publish a draft; the organisation's programme published before it is retired (visits
    keep pointing to its points). From now on the programme and its points never change."""
    return versioned.publish(HEALTH_PROGRAMME, programme=programme, by=by)
