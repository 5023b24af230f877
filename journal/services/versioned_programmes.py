"""The one rule of versioned programmes (health visits: ``journal.services.programmes``,
vaccinations: ``journal.services.vaccination_programmes``): a change is a new draft copied from a
programme (national or the organisation's own) with its children; publishing a draft retires the
organisation's previously published one. A published programme and its children never change.

What differs between the programmes is described by a ``ProgrammeKind``; the public services of
each programme are thin wrappers around the functions here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import Organisation


@dataclass(frozen=True)
class ProgrammeKind:
    """What one programme model adds to the shared rule."""

    model: type[models.Model]
    # Programme fields a draft takes from its source (besides organisation, number, status).
    copied_fields: tuple[str, ...]
    # Related name of the children (points, doses); a programme without any is not published.
    children: str
    # Why a programme without children cannot be published.
    no_children_error: str
    # copy_children(source, draft, by): the source's children into the saved draft, historied.
    copy_children: Callable[[Any, Any, Any], None]


def _own(kind: ProgrammeKind, organisation_id: int | None) -> models.QuerySet:
    """The organisation's programmes, or the national ones."""
    if organisation_id is None:
        return kind.model.objects.filter(organisation__isnull=True)
    return kind.model.objects.filter(organisation_id=organisation_id)


def lock_programmes(kind: ProgrammeKind, organisation_id: int | None) -> None:
    """Serialise numbering and publishing within one organisation (or the national ones)."""
    if organisation_id is None:
        # order_by: the default ordering joins Organisation, which FOR UPDATE refuses.
        list(_own(kind, None).order_by("pk").select_for_update())
    else:
        Organisation.objects.select_for_update().get(pk=organisation_id)


@transaction.atomic
def create_draft(
    kind: ProgrammeKind, *, source: models.Model, organisation: Organisation | None, by=None
) -> models.Model:
    """A draft programme of ``organisation`` (None: a national one) with ``source``'s
    children, numbered after the organisation's newest programme."""
    organisation_id = getattr(organisation, "pk", organisation)
    if source.organisation_id is not None and source.organisation_id != organisation_id:
        raise ValidationError(
            _("Programmet hör till en annan huvudman."), code="other_organisation"
        )
    lock_programmes(kind, organisation_id)
    number = (_own(kind, organisation_id).aggregate(Max("number"))["number__max"] or 0) + 1
    draft = kind.model(
        organisation_id=organisation_id,
        number=number,
        status=kind.model.Status.DRAFT,
        **{name: getattr(source, name) for name in kind.copied_fields},
    )
    draft._history_user = by
    draft.full_clean()
    draft.save()
    kind.copy_children(source, draft, by)
    return draft


def publish_errors(kind: ProgrammeKind, programme: models.Model) -> list[str]:
    """Why ``programme`` cannot be published; [] when it can."""
    if programme.status != kind.model.Status.DRAFT:
        return [_("Bara ett utkast kan publiceras.")]
    if not getattr(programme, kind.children).exists():
        return [kind.no_children_error]
    return []


@transaction.atomic
def publish(kind: ProgrammeKind, *, programme: models.Model, by) -> models.Model:
    """Publish a draft; the organisation's programme published before it is retired (what was
    documented keeps pointing to its children). From now on the programme never changes."""
    lock_programmes(kind, programme.organisation_id)
    programme = kind.model.objects.get(pk=programme.pk)
    errors = publish_errors(kind, programme)
    if errors:
        raise ValidationError(errors, code="not_publishable")
    published = _own(kind, programme.organisation_id).filter(status=kind.model.Status.PUBLISHED)
    for previous in published:
        previous.status = kind.model.Status.RETIRED
        previous._history_user = by
        previous.save(update_fields=["status"])
    programme.status = kind.model.Status.PUBLISHED
    programme.published_at = timezone.now()
    programme._history_user = by
    programme.save(update_fields=["status", "published_at"])
    return programme
