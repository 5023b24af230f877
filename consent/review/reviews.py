"""Documented checks (LogReview), the reviewer's findings, and the review queue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.models import (
    AccessLogEntry,
    BlockReveal,
    EmergencyAccess,
    FindingOutcome,
    LogReview,
    RecordsOfficerAccess,
    ReviewFinding,
    ReviewOutcome,
)

from .checks import CHECKS
from .samples import sample_rows
from .scope import period_bounds, reviewed_log

__all__ = [
    "QUEUES",
    "close_queue_item",
    "close_review",
    "create_review",
    "queue_items",
    "record_finding",
    "review_rows",
    "with_latest_finding",
]


def create_review(
    *,
    organisation,
    reviewer,
    kind: str,
    period_from: datetime.date,
    period_to: datetime.date,
    check_name: str = "",
    parameters: dict | None = None,
) -> LogReview:
    if kind == LogReview.Kind.SUSPICION and check_name not in CHECKS:
        raise ValidationError({"check_name": _("Välj en kontroll.")})
    return LogReview.objects.create(
        organisation=organisation,
        reviewer=reviewer,
        kind=kind,
        check_name=check_name if kind == LogReview.Kind.SUSPICION else "",
        period_from=period_from,
        period_to=period_to,
        parameters=parameters or {},
    )


def review_rows(review: LogReview) -> QuerySet[AccessLogEntry]:
    """The log rows the check covers, re-run from its stored name, period and parameters; rows
    with findings stay in it even if the check would no longer flag them."""
    organisation = review.organisation
    if review.kind == LogReview.Kind.SUSPICION:
        rows = CHECKS[review.check_name].run(organisation, review.period_from, review.period_to)
    elif review.kind == LogReview.Kind.SAMPLE:
        rows = sample_rows(
            organisation,
            review.period_from,
            review.period_to,
            seed=int(review.parameters.get("seed", 0)),
            per_unit=int(review.parameters.get("per_unit", 10)),
        )
    else:
        start, end = period_bounds(review.period_from, review.period_to)
        rows = reviewed_log(organisation).filter(at__gte=start, at__lt=end)
        filters = review.parameters or {}
        for field in ("user_id", "student_id", "school_id"):
            if filters.get(field):
                rows = rows.filter(**{field: filters[field]})
        if filters.get("action"):
            rows = rows.filter(action=filters["action"])
    found = ReviewFinding.objects.filter(review=review).values("log_entry_id")
    return AccessLogEntry.objects.filter(Q(pk__in=rows.values("pk")) | Q(pk__in=found))


def with_latest_finding(rows: QuerySet[AccessLogEntry], review: LogReview) -> QuerySet:
    """Annotate the newest finding's outcome and comment (append-only: the newest counts)."""
    latest = ReviewFinding.objects.filter(review=review, log_entry_id=OuterRef("pk")).order_by(
        "-at", "-pk"
    )
    return rows.annotate(
        finding_outcome=Subquery(latest.values("outcome")[:1]),
        finding_comment=Subquery(latest.values("comment")[:1]),
    )


def record_finding(
    *, review: LogReview, entry: AccessLogEntry, outcome: str, comment: str, reviewer
) -> ReviewFinding:
    if outcome not in FindingOutcome.values:
        raise ValidationError({"outcome": _("Ogiltig bedömning.")})
    if review.closed_at is not None:
        raise ValidationError(_("Kontrollen är avslutad."))
    return ReviewFinding.objects.create(
        review=review, log_entry=entry, outcome=outcome, comment=comment, reviewer=reviewer
    )


def close_review(*, review: LogReview, conclusion: str) -> LogReview:
    with transaction.atomic():
        review = LogReview.objects.select_for_update().get(pk=review.pk)
        if review.closed_at is not None:
            raise ValidationError(_("Kontrollen är redan avslutad."))
        review.conclusion = conclusion
        review.closed_at = timezone.now()
        review.save(update_fields=["conclusion", "closed_at"])
    return review


# --- The queue: emergency and records-officer accesses, and block reveals, until reviewed -------


@dataclass(frozen=True)
class Queue:
    name: str  # in URLs
    model: type
    has_outcome: bool


QUEUES: dict[str, Queue] = {
    "nodatkomst": Queue("nodatkomst", EmergencyAccess, True),
    "arkivansvarig": Queue("arkivansvarig", RecordsOfficerAccess, True),
    "sparr": Queue("sparr", BlockReveal, False),
}


def queue_items(organisation, queue: Queue) -> QuerySet:
    """Unreviewed items of the organisation: accesses opened in it; reveals by its staff or of
    its blocks."""
    if queue.model is BlockReveal:
        return (
            BlockReveal.objects.filter(reviewed_at__isnull=True)
            .filter(
                Q(block__organisation=organisation)
                | Q(user__staff_member__organisation=organisation)
            )
            .select_related("user", "block__student", "block__school")
            .order_by("at", "pk")
        )
    return (
        queue.model.objects.pending_review()
        .filter(organisation=organisation)
        .select_related("user", "student")
    )


def close_queue_item(*, item, reviewer, outcome: str, comment: str) -> None:
    """Close one queued item; a reveal has no outcome field, only ``reviewed_at``."""
    with transaction.atomic():
        item = type(item).objects.select_for_update().get(pk=item.pk)
        if item.reviewed_at is not None:
            raise ValidationError(_("Redan granskad."))
        item.reviewed_at = timezone.now()
        if isinstance(item, BlockReveal):
            item.save(update_fields=["reviewed_at"])
            return
        if outcome not in ReviewOutcome.values:
            raise ValidationError({"outcome": _("Ogiltigt granskningsresultat.")})
        item.reviewed_by = reviewer
        item.review_outcome = outcome
        item.review_comment = comment
        item.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_comment"])
