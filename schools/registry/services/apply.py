"""The run: one batch in one transaction, its steps in order, the run row and its report."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...identity import mask_identity_numbers
from ...models import Entity, Guardian, ImportRun, ImportRunItem, Organisation, SourceLink, Student
from ..records import Batch
from ..report import Kind, Report
from .base import CHUNK
from .duties import _Duties
from .enrolments import _Enrolments
from .people import _People
from .periods import _Periods
from .schools import _Schools

logger = logging.getLogger(__package__)  # the name it had as one module: schools.registry.services


# --- The run ---------------------------------------------------------------------------------


def registry_apply(*, batch: Batch, triggered_by=None) -> ImportRun:
    """Apply one batch; returns the run with its counts (report lines in ``run.items``)."""
    organisation = Organisation.objects.filter(
        organisation_number=batch.organisation_number
    ).first()
    run = ImportRun.objects.create(
        source=batch.source,
        organisation=organisation,
        started_at=timezone.now(),
        triggered_by=triggered_by,
    )
    report = Report()
    if organisation is None:
        report.refuse(
            "batch",
            batch.organisation_number,
            None,
            _("Okänt organisationsnummer; hela leveransen avvisades."),
        )
        return _finish(run, report, ImportRun.Status.FAILED)
    applier = _Apply(batch=batch, organisation=organisation, report=report, user=triggered_by)
    try:
        with transaction.atomic():
            applier.apply()
    except Exception as error:  # the run row must say what happened, whatever it was
        text = mask_identity_numbers(f"{type(error).__name__}: {error}")
        logger.error("Registry import %s failed: %s", run.pk, text)
        report = report.refusals_only()
        report.refuse("batch", "", None, _("Importen avbröts, inget sparades: %s") % text)
        return _finish(run, report, ImportRun.Status.FAILED)
    return _finish(run, report, ImportRun.Status.OK)


def _finish(run: ImportRun, report: Report, status: str) -> ImportRun:
    ImportRunItem.objects.bulk_create(report.items(run), batch_size=CHUNK)
    run.status = status
    run.finished_at = timezone.now()
    run.created = report.count(Kind.CREATED)
    run.changed = report.count(Kind.CHANGED)
    run.ended = report.count(Kind.ENDED)
    run.refused = report.count(Kind.REFUSED)
    run.save(update_fields=["status", "finished_at", "created", "changed", "ended", "refused"])
    return run


class _Apply(_Schools, _People, _Enrolments, _Periods, _Duties):
    """One batch: ``apply`` runs the steps in order, each from its concept's module."""

    # --- the steps ------------------------------------------------------------------------

    def apply(self) -> None:
        self.links = {
            (entity, source_id): object_id
            for entity, source_id, object_id in SourceLink.objects.filter(
                source=self.batch.source
            ).values_list("entity", "source_id", "object_id")
        }
        self.apply_schools()
        self.students = self.apply_people(Student, Entity.STUDENT, self.batch.students)
        self.guardians = self.apply_people(Guardian, Entity.GUARDIAN, self.batch.guardians)
        self.apply_enrolments()
        self.apply_classes()
        self.apply_memberships()
        self.apply_guardian_relations()
        self.apply_duties()
        self.save_links()

    def save_links(self) -> None:
        creates, moved = {}, {}
        for entity, source_id, obj in self.new_links:
            if (entity, source_id) in self.links:
                moved[(entity, source_id)] = obj.pk  # its row was gone: linked anew
            else:
                creates[(entity, source_id)] = SourceLink(
                    source=self.batch.source, entity=entity, source_id=source_id, object_id=obj.pk
                )
        updates = []
        for entity, source_ids in _group(moved):
            for link in SourceLink.objects.filter(
                source=self.batch.source, entity=entity, source_id__in=source_ids
            ):
                link.object_id = moved[(entity, link.source_id)]
                updates.append(link)
        # SourceLink has no history: plain bulk writes are the right tool.
        SourceLink.objects.bulk_create(creates.values(), batch_size=CHUNK)
        SourceLink.objects.bulk_update(updates, ["object_id"], batch_size=CHUNK)


def _group(keys: Iterable[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for entity, source_id in keys:
        grouped[entity].append(source_id)
    return list(grouped.items())
