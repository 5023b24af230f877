"""The reviewer and her organisation's part of the access log (see the package docstring)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from consent.models import AccessLogEntry
from schools.models import Enrolment, Organisation, OrganisationRole, Student

__all__ = [
    "held_students",
    "max_period_days",
    "period_bounds",
    "require_reviewer",
    "reviewed_log",
    "reviewer_organisation",
]


def reviewer_organisation(user) -> Organisation | None:
    """The organisation in which ``user`` holds the log-reviewer role, or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    role = (
        OrganisationRole.objects.filter(
            staff_member__user_id=user.pk, role=OrganisationRole.Role.LOG_REVIEWER
        )
        .select_related("staff_member__organisation")
        .first()
    )
    return role.staff_member.organisation if role is not None else None


def require_reviewer(request) -> Organisation:
    """The reviewer's organisation, cached on the request; 403 for everyone else."""
    if not hasattr(request, "_log_review_organisation"):
        request._log_review_organisation = reviewer_organisation(request.user)
    if request._log_review_organisation is None:
        raise PermissionDenied
    return request._log_review_organisation


def held_students(organisation: Organisation) -> QuerySet[Student]:
    """Students with a current or past enrolment at one of the organisation's schools."""
    enrolments = Enrolment.objects.filter(
        student_id=OuterRef("pk"), school__organisation_id=organisation.pk
    )
    return Student.objects.filter(Exists(enrolments))


def reviewed_log(organisation: Organisation) -> QuerySet[AccessLogEntry]:
    """Accesses by the organisation's staff, and by anyone to the students it holds."""
    held = Enrolment.objects.filter(
        student_id=OuterRef("student_id"), school__organisation_id=organisation.pk
    )
    return AccessLogEntry.objects.filter(Q(organisation_id=organisation.pk) | Exists(held))


def max_period_days() -> int:
    return settings.LOG_REVIEW_MAX_PERIOD_DAYS


def period_bounds(
    period_from: datetime.date, period_to: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start of the first day, start of the day after the last) in local time."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(period_from, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        period_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end
