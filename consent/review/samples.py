"""Random samples (stickprov): N log rows per unit (school) and month, reproducible from a seed.

Only ids, units and times are read (a month of a large organisation is a few hundred thousand
small tuples, never whole rows). Each row's rank is SHA-256 of (seed, row id): the same seed over
the same period gives the same rows on any database, in any order the rows come back.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from consent.models import AccessLogEntry

from .scope import period_bounds, reviewed_log

__all__ = ["sample_ids", "sample_rows"]


def _rank(seed: int, pk: int) -> bytes:
    return hashlib.sha256(f"{seed}:{pk}".encode()).digest()


def sample_ids(organisation, period_from, period_to, *, seed: int, per_unit: int) -> list[int]:
    start, end = period_bounds(period_from, period_to)
    rows = (
        reviewed_log(organisation)
        .filter(at__gte=start, at__lt=end)
        .order_by()
        .values_list("pk", "school_id", "at")
    )
    groups: dict[tuple, list[tuple[bytes, int]]] = defaultdict(list)
    zone = timezone.get_current_timezone()
    for pk, school_id, at in rows.iterator(chunk_size=10_000):
        local = at.astimezone(zone)
        groups[(school_id, local.year, local.month)].append((_rank(seed, pk), pk))
    chosen: list[int] = []
    for key in sorted(groups, key=lambda k: (k[0] is None, k[0] or 0, k[1], k[2])):
        chosen.extend(pk for _rank_, pk in heapq.nsmallest(per_unit, groups[key]))
    return sorted(chosen)


def sample_rows(organisation, period_from, period_to, *, seed: int, per_unit: int) -> QuerySet:
    ids = sample_ids(organisation, period_from, period_to, seed=seed, per_unit=per_unit)
    return AccessLogEntry.objects.filter(pk__in=ids)
