"""Prefetches that student pages and lists need, so their query count stays constant.

These only shape a queryset; which students a user may see is decided in ``consent.policy``.
"""

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import ClassMembership, Enrolment, GuardianRelation, Student


def placement_prefetches(on: datetime.date | None = None) -> list[Prefetch]:
    """``current_health_enrolments`` (with school) and ``current_class_memberships`` (with
    class): what a list row or the page header shows of where the student is."""
    on = on or timezone.localdate()
    return [
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.current(on)
            .filter(is_health_responsible=True)
            .select_related("school"),
            to_attr="current_health_enrolments",
        ),
        Prefetch(
            "class_memberships",
            queryset=ClassMembership.objects.current(on)
            .select_related("school_class")
            .order_by("-school_class__school_year", "school_class__name"),
            to_attr="current_class_memberships",
        ),
    ]


def header_prefetches(on: datetime.date | None = None) -> list[Prefetch]:
    """Everything the student page header shows: placement plus current guardians. For
    ``prefetch_related_objects`` on a student the access policy has already fetched."""
    on = on or timezone.localdate()
    return [
        *placement_prefetches(on),
        Prefetch(
            "guardian_relations",
            queryset=GuardianRelation.objects.current(on)
            .select_related("guardian")
            .order_by("guardian__family_name", "guardian__given_name"),
            to_attr="current_guardian_relations",
        ),
    ]


def with_current_placement(
    students: QuerySet[Student], on: datetime.date | None = None
) -> QuerySet[Student]:
    return students.prefetch_related(*placement_prefetches(on))


def with_header(students: QuerySet[Student], on: datetime.date | None = None) -> QuerySet[Student]:
    return students.prefetch_related(*header_prefetches(on))
