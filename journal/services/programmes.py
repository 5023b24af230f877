"""Health-visit programmes: a change is a new draft copied from a programme (national or the
organisation's own); publishing a draft retires the organisation's previously published one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from schools.models import Organisation

from ..models.visits import HealthProgramme, ProgrammePoint

# Copied from a point into its copy in the new draft: everything but identity and programme.
POINT_FIELDS = [
    field.name
    for field in ProgrammePoint._meta.concrete_fields
    if field.name not in {"id", "programme"}
]


def _lock_programmes(organisation_id: int | None) -> None:
    """Serialise numbering and publishing within one organisation (or the national ones)."""
    if organisation_id is None:
        # order_by: the default ordering joins Organisation, which FOR UPDATE refuses.
        national = HealthProgramme.objects.filter(organisation__isnull=True).order_by("pk")
        list(national.select_for_update())
    else:
        Organisation.objects.select_for_update().get(pk=organisation_id)


@transaction.atomic
def programme_create_draft(
    *, source: HealthProgramme, organisation: Organisation | None, by=None
) -> HealthProgramme:
    """A draft programme of ``organisation`` (None: a national one) with ``source``'s points,
    numbered after the organisation's newest programme."""
    organisation_id = getattr(organisation, "pk", organisation)
    if source.organisation_id is not None and source.organisation_id != organisation_id:
        raise ValidationError(
            _("Programmet hör till en annan huvudman."), code="other_organisation"
        )
    _lock_programmes(organisation_id)
    own = HealthProgramme.objects.filter(organisation_id=organisation_id)
    if organisation_id is None:
        own = HealthProgramme.objects.filter(organisation__isnull=True)
    number = (own.aggregate(Max("number"))["number__max"] or 0) + 1
    draft = HealthProgramme(
        organisation_id=organisation_id,
        number=number,
        name=source.name,
        status=HealthProgramme.Status.DRAFT,
    )
    draft._history_user = by
    draft.full_clean()
    draft.save()
    copies = [
        ProgrammePoint(programme=draft, **{name: getattr(point, name) for name in POINT_FIELDS})
        for point in source.points.order_by("order")
    ]
    if copies:
        bulk_create_with_history(copies, ProgrammePoint, default_user=by)
    return draft


def publish_errors(programme: HealthProgramme) -> list[str]:
    """Why ``programme`` cannot be published; [] when it can."""
    if programme.status != HealthProgramme.Status.DRAFT:
        return [_("Bara ett utkast kan publiceras.")]
    if not programme.points.exists():
        return [_("Programmet har inga programpunkter.")]
    return []


@transaction.atomic
def programme_publish(*, programme: HealthProgramme, by) -> HealthProgramme:
    """Publish a draft; the organisation's programme published before it is retired (visits
    keep pointing to its points). From now on the programme and its points never change."""
    _lock_programmes(programme.organisation_id)
    programme = HealthProgramme.objects.get(pk=programme.pk)
    errors = publish_errors(programme)
    if errors:
        raise ValidationError(errors, code="not_publishable")
    previous_published = HealthProgramme.objects.filter(status=HealthProgramme.Status.PUBLISHED)
    if programme.organisation_id is None:
        previous_published = previous_published.filter(organisation__isnull=True)
    else:
        previous_published = previous_published.filter(organisation_id=programme.organisation_id)
    for previous in previous_published:
        previous.status = HealthProgramme.Status.RETIRED
        previous._history_user = by
        previous.save(update_fields=["status"])
    programme.status = HealthProgramme.Status.PUBLISHED
    programme.published_at = timezone.now()
    programme._history_user = by
    programme.save(update_fields=["status", "published_at"])
    return programme
