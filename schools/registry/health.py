"""Which enrolment is health-responsible when a student's enrolments overlap (around a move).

School registers send overlapping enrolments: the new school's starts before the old one ends.
The journal needs exactly one health-responsible unit at a time (the database forbids two
health-responsible enrolments that overlap: a partial unique index for open ones everywhere,
an exclusion constraint over the date ranges on PostgreSQL). The rule, applied by the import
to every student whose enrolments the batch touched:

1. **The enrolment current on ``as_of`` with the latest start date is health-responsible.**
   Ties: the one at a school of the batch's organisation, then the lowest source id, then the
   oldest row.
2. Every other enrolment of the student that overlaps it loses the flag (nothing is deleted;
   the change is in the history).
3. The other enrolments, latest start first, keep the flag they have (a new one gets it) unless
   that would overlap an enrolment already kept as health-responsible.
4. A student with no enrolment current on ``as_of`` (all future, or all ended) gets only step 3.

So during a move the old school stays responsible until the new enrolment starts; from the
first import on or after that date the new school is, and the old school's nurse loses the care
relation (the access policy's "recently left" window still applies to her).
"""

from __future__ import annotations

import datetime

from ..models import Enrolment


def health_responsible_choose(
    *,
    enrolments: list[Enrolment],
    as_of: datetime.date,
    organisation_id: int,
    school_organisations: dict[int, int],
    source_ids: dict[int, str],
) -> None:
    """Set ``is_health_responsible`` on one student's enrolments in place (not saved).
    ``source_ids`` maps ``id(enrolment)`` to its source id; ``school_organisations`` maps a
    school's pk to its organisation's."""

    def priority(enrolment: Enrolment):
        return (
            -enrolment.start_date.toordinal(),
            school_organisations.get(enrolment.school_id) != organisation_id,
            source_ids.get(id(enrolment), "\uffff"),
            enrolment.pk or float("inf"),
        )

    current = [enrolment for enrolment in enrolments if enrolment.is_current(as_of)]
    kept: list[Enrolment] = []
    if current:
        chosen = min(current, key=priority)
        chosen.is_health_responsible = True
        kept.append(chosen)
    for enrolment in sorted(enrolments, key=priority):
        if kept and enrolment is kept[0]:
            continue
        wanted = enrolment.is_health_responsible or enrolment.pk is None
        if wanted and any(enrolment.overlaps(other) for other in kept):
            wanted = False
        enrolment.is_health_responsible = wanted
        if wanted:
            kept.append(enrolment)
