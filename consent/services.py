"""Writes of the access reasons: explicit grants, emergency access, records-officer access.

Callers log the access first (``consent.accesslog``, durable) and then call these; each is its own
atomic block, so a failure here never takes the log row with it.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import OrganisationRole, Student

from .models import EmergencyAccess, RecordsOfficerAccess, StudentGrant, StudentUserObjectPermission
from .policy import READ_STUDENT_RECORD, area_of, may_start_emergency_access


def read_student_record_permission() -> Permission:
    """guardian's object permission behind grants, on Student's content type. Made on demand
    (not by a migration): a test database flush would drop a migration's row."""
    permission, _created = Permission.objects.get_or_create(
        codename=READ_STUDENT_RECORD,
        content_type=ContentType.objects.get_for_model(Student),
        defaults={"name": "Får läsa elevens journal (särskild behörighet)"},
    )
    return permission


@transaction.atomic
def grant_create(
    *,
    user,
    student: Student,
    granted_by,
    reason_text: str,
    valid_until: datetime.datetime,
    area: str | None = None,
    valid_from: datetime.datetime | None = None,
) -> StudentGrant:
    """Grant ``user`` access to ``student``'s records of ``area`` (default: her own area)."""
    area = area or area_of(user)
    grant = StudentGrant(
        user=user,
        student=student,
        area=area or "",
        reason_text=reason_text,
        granted_by=granted_by,
        valid_from=valid_from or timezone.now(),
        valid_until=valid_until,
    )
    grant.full_clean()
    grant.save()
    StudentUserObjectPermission.objects.get_or_create(
        user=user, content_object=student, permission=read_student_record_permission()
    )
    return grant


@transaction.atomic
def grant_revoke(*, grant: StudentGrant, by) -> StudentGrant:
    if grant.revoked_at is not None:
        raise ValidationError(_("Behörigheten är redan återkallad."))
    grant.revoked_at = timezone.now()
    grant.revoked_by = by
    grant.save(update_fields=["revoked_at", "revoked_by"])
    return grant


def _staff_member(user):
    member = getattr(user, "staff_member", None)
    if member is None:
        raise ValidationError(_("Användaren är inte personal hos någon huvudman."))
    return member


@transaction.atomic
def emergency_access_start(*, user, student: Student, reason_text: str) -> EmergencyAccess:
    """Open emergency access for the fixed time; it is queued for review at once."""
    member = _staff_member(user)
    if not may_start_emergency_access(user):
        raise ValidationError(_("Bara vårdpersonal i tjänst kan öppna nödåtkomst."))
    return _reviewed_access_open(
        EmergencyAccess, member, student, reason_text, hours=settings.EMERGENCY_ACCESS_HOURS
    )


@transaction.atomic
def records_officer_access_start(
    *, user, student: Student, reason_text: str
) -> RecordsOfficerAccess:
    """Open a (former) student's record as records officer; queued for review at once."""
    member = _staff_member(user)
    if not member.has_role(OrganisationRole.Role.RECORDS_OFFICER):
        raise ValidationError(_("Användaren är inte arkivansvarig."))
    return _reviewed_access_open(
        RecordsOfficerAccess,
        member,
        student,
        reason_text,
        hours=settings.RECORDS_OFFICER_ACCESS_HOURS,
    )


def _reviewed_access_open(model, member, student: Student, reason_text: str, *, hours: int):
    """Both extraordinary accesses: for a fixed time from now, in the member's organisation,
    waiting for review from the start."""
    now = timezone.now()
    access = model(
        user=member.user,
        student=student,
        organisation_id=member.organisation_id,
        reason_text=reason_text,
        started_at=now,
        ends_at=now + datetime.timedelta(hours=hours),
    )
    access.full_clean()
    access.save()
    return access


@transaction.atomic
def access_review(*, access, by, outcome: str, comment: str = ""):
    """Record the review of an emergency or records-officer access (the log-review issue's
    queue calls this)."""
    if access.reviewed_at is not None:
        raise ValidationError(_("Åtkomsten är redan granskad."))
    access.reviewed_at = timezone.now()
    access.reviewed_by = by
    access.review_outcome = outcome
    access.review_comment = comment
    access.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_comment"])
    return access
