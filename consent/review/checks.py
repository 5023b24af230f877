"""Suspicion checks (riktade kontroller): each a function of (organisation, period) returning the
log rows it flags, as a queryset of ``reviewed_log`` (never the whole log in memory).

Thresholds are settings (``LOG_REVIEW_*`` in elevhalsa/settings/base.py). ``CHECKS`` names them
for the review pages; a ``LogReview`` stores the name and the period so the check can be re-run.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, Lower, TruncDate
from django.utils.translation import gettext_lazy as _

from consent.models import AccessAction, AccessLogEntry, AccessReason
from schools.models import Assignment, Organisation

from .scope import period_bounds, reviewed_log

__all__ = ["CHECKS", "Check", "run_check"]


def _in_period(organisation: Organisation, period_from, period_to) -> QuerySet[AccessLogEntry]:
    start, end = period_bounds(period_from, period_to)
    return reviewed_log(organisation).filter(at__gte=start, at__lt=end)


def emergency_accesses(organisation, period_from, period_to):
    return _in_period(organisation, period_from, period_to).filter(
        Q(reason=AccessReason.EMERGENCY) | Q(action=AccessAction.EMERGENCY)
    )


def records_officer_accesses(organisation, period_from, period_to):
    return _in_period(organisation, period_from, period_to).filter(
        reason=AccessReason.RECORDS_OFFICER
    )


def protected_identity(organisation, period_from, period_to):
    return _in_period(organisation, period_from, period_to).filter(protected=True)


def after_assignment_ended(organisation, period_from, period_to):
    """The user had an assignment at the row's unit that ended within the last N days before the
    access, and none at that unit on the day of the access."""
    days = datetime.timedelta(days=settings.LOG_REVIEW_AFTER_ASSIGNMENT_DAYS)
    rows = _in_period(organisation, period_from, period_to).filter(
        user__isnull=False, school__isnull=False
    )
    rows = rows.annotate(
        day=TruncDate("at"),
        window_start=TruncDate(
            ExpressionWrapper(F("at") - Value(days), output_field=DateTimeField())
        ),
    )
    ended = Assignment.objects.filter(
        staff_member__user_id=OuterRef("user_id"),
        school_id=OuterRef("school_id"),
        end_date__lt=OuterRef("day"),
        end_date__gte=OuterRef("window_start"),
    )
    current = Assignment.objects.filter(
        staff_member__user_id=OuterRef("user_id"),
        school_id=OuterRef("school_id"),
        start_date__lte=OuterRef("day"),
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("day")))
    return rows.filter(Exists(ended)).exclude(Exists(current))


def many_students(organisation, period_from, period_to):
    """Rows by a user who had read more than N distinct students within the M minutes up to and
    including the row: a correlated count over the (user, at) index, run only for the users
    with more than N students in the whole period."""
    limit = settings.LOG_REVIEW_BURST_STUDENTS
    window = datetime.timedelta(minutes=settings.LOG_REVIEW_BURST_MINUTES)
    rows = _in_period(organisation, period_from, period_to).filter(
        user__isnull=False, student__isnull=False
    )
    heavy_users = (
        rows.order_by()
        .values("user_id")
        .annotate(students=Count("student_id", distinct=True))
        .filter(students__gt=limit)
        .values("user_id")
    )
    in_window = (
        AccessLogEntry.objects.filter(
            user_id=OuterRef("user_id"),
            student__isnull=False,
            at__lte=OuterRef("at"),
            at__gt=ExpressionWrapper(OuterRef("at") - Value(window), output_field=DateTimeField()),
        )
        .order_by()
        .values("user_id")
        .annotate(students=Count("student_id", distinct=True))
        .values("students")
    )
    return (
        rows.filter(user_id__in=heavy_users)
        .annotate(window_students=Subquery(in_window))
        .filter(window_students__gt=limit)
    )


def same_family_name(organisation, period_from, period_to):
    """Staff reading a student who shares their family name (case-insensitive)."""
    return (
        _in_period(organisation, period_from, period_to)
        .filter(user__isnull=False, student__isnull=False)
        .exclude(user__last_name="")
        .annotate(
            student_family=Lower("student__family_name"), user_family=Lower("user__last_name")
        )
        .filter(student_family=F("user_family"))
    )


def outside_working_hours(organisation, period_from, period_to):
    """Before the start hour, from the end hour, or on a weekend, in local time."""
    return (
        _in_period(organisation, period_from, period_to)
        .annotate(local_hour=ExtractHour("at"), local_weekday=ExtractIsoWeekDay("at"))
        .filter(
            Q(local_hour__lt=settings.LOG_REVIEW_WORK_START_HOUR)
            | Q(local_hour__gte=settings.LOG_REVIEW_WORK_END_HOUR)
            | Q(local_weekday__gte=6)
        )
    )


@dataclass(frozen=True)
class Check:
    name: str
    label: str
    run: Callable[[Organisation, datetime.date, datetime.date], QuerySet[AccessLogEntry]]


CHECKS: dict[str, Check] = {
    check.name: check
    for check in (
        Check("emergency", _("Nödåtkomster"), emergency_accesses),
        Check("records_officer", _("Åtkomster som arkivansvarig"), records_officer_accesses),
        Check("protected", _("Elever med skyddade personuppgifter"), protected_identity),
        Check("after_assignment", _("Åtkomst efter avslutad tjänstgöring"), after_assignment_ended),
        Check("many_students", _("Många elever på kort tid"), many_students),
        Check("family_name", _("Elev med samma efternamn som användaren"), same_family_name),
        Check("outside_hours", _("Utanför arbetstid"), outside_working_hours),
    )
}


def run_check(name: str, organisation, period_from, period_to) -> QuerySet[AccessLogEntry]:
    return CHECKS[name].run(organisation, period_from, period_to)
