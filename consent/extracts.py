"""The student's log extract (loggutdrag, R-LOG-4): who has accessed my record?

Produced by staff on request (a clinician with a care relation, or a records officer with an
open records-officer access) for one student and a period of at most ``LOG_EXTRACT_MAX_DAYS``
(default five years). It lists every access from every organisation: when, from which
organisation and unit, what kind of access (action and reason in words) and — where the
organisation is a public body (municipal, regional, state) — the staff member's name and title;
for an independent organisation only the organisation and the unit (public access to official
documents does not reach a private provider's staff names).

For a student with protected identity the extract starts as a masked draft (units and names
hidden) and is released unmasked only after a recorded harm assessment (menprövning) by a
clinician. The extract is stored (``LogExtract``) and its rows are read from the append-only log
whenever it is shown, so a page and its PDF always agree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Organisation, Profession, StaffMember, Student

from .models import AccessLogEntry, LogExtract

PUBLIC_BODIES = frozenset(
    {Organisation.Kind.MUNICIPAL, Organisation.Kind.REGIONAL, Organisation.Kind.STATE}
)
DEFAULT_MAX_DAYS = 5 * 366


def max_days() -> int:
    return getattr(settings, "LOG_EXTRACT_MAX_DAYS", DEFAULT_MAX_DAYS)


def masked_text() -> str:
    return _("Maskerat (skyddade personuppgifter)")


@transaction.atomic
def extract_create(
    *,
    student: Student,
    organisation: Organisation,
    by,
    period_from: datetime.date,
    period_to: datetime.date,
    requested_by_text: str,
) -> LogExtract:
    """Store an extract; masked as a draft for a protected-identity student, else released."""
    if period_to < period_from:
        raise ValidationError({"period_to": _("Periodens slut kan inte vara före dess början.")})
    if (period_to - period_from).days > max_days():
        raise ValidationError(
            {"period_from": _("Perioden får vara högst %(days)s dagar.") % {"days": max_days()}}
        )
    masked = student.is_protected
    extract = LogExtract(
        student=student,
        organisation=organisation,
        period_from=period_from,
        period_to=period_to,
        requested_by_text=requested_by_text,
        status=LogExtract.Status.DRAFT if masked else LogExtract.Status.RELEASED,
        masked=masked,
        released_at=None if masked else timezone.now(),
        created_by=by,
    )
    extract.full_clean(exclude=["created_at"])
    extract.save()
    return extract


def _is_clinician(user) -> bool:
    row = StaffMember.objects.filter(user_id=user.pk).values_list("profession", flat=True).first()
    return row is not None and Profession(row).area is not None


@transaction.atomic
def extract_release(*, extract: LogExtract, by, harm_assessment: str) -> LogExtract:
    """Release a masked draft after a clinician's recorded harm assessment (menprövning)."""
    if not _is_clinician(by):
        raise PermissionDenied(_("Menprövningen görs av en legitimerad yrkesutövare."))
    if extract.status == LogExtract.Status.RELEASED:
        raise ValidationError(_("Utdraget är redan utlämnat."))
    if not harm_assessment.strip():
        raise ValidationError({"harm_assessment": _("Skriv menprövningen.")})
    extract.harm_assessment = harm_assessment
    extract.assessed_by = by
    extract.status = LogExtract.Status.RELEASED
    extract.released_at = timezone.now()
    extract.full_clean(exclude=["created_at"])
    extract.save(update_fields=["harm_assessment", "assessed_by", "status", "released_at"])
    return extract


def shows_masked(extract: LogExtract) -> bool:
    return extract.masked and extract.status == LogExtract.Status.DRAFT


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def extract_rows(extract: LogExtract) -> QuerySet[AccessLogEntry]:
    """The log rows of the extract's student and period, oldest first (index student, at)."""
    return (
        AccessLogEntry.objects.filter(
            student_id=extract.student_id,
            at__gte=_start_of(extract.period_from),
            at__lt=_start_of(extract.period_to + datetime.timedelta(days=1)),
        )
        .select_related("organisation", "school", "user__staff_member")
        .order_by("at", "pk")
    )


@dataclass(frozen=True)
class ExtractLine:
    at: datetime.datetime
    organisation: str
    unit: str
    access: str
    name: str  # the staff member's name and title, for a public body; else ""


def extract_line(row: AccessLogEntry, *, masked: bool) -> ExtractLine:
    organisation = row.organisation
    public = organisation is not None and organisation.kind in PUBLIC_BODIES
    name = ""
    if public and row.user is not None:
        staff = getattr(row.user, "staff_member", None)
        title = ""
        if staff is not None:
            title = staff.title or staff.get_profession_display()
        full = row.user.get_full_name() or row.username
        name = f"{full}, {title}" if title else full
    unit = row.school.name if row.school is not None else ""
    if masked:
        unit = masked_text() if unit else ""
        name = masked_text() if name else ""
    access = row.get_action_display()
    if row.reason and row.reason != "none":
        access = f"{access} ({row.get_reason_display().lower()})"
    return ExtractLine(
        at=row.at,
        organisation=organisation.name if organisation is not None else "–",
        unit=unit,
        access=access,
        name=name,
    )


def extract_lines(extract: LogExtract, rows) -> list[ExtractLine]:
    masked = shows_masked(extract)
    return [extract_line(row, masked=masked) for row in rows]


__all__ = [
    "ExtractLine",
    "extract_create",
    "extract_line",
    "extract_lines",
    "extract_release",
    "extract_rows",
    "masked_text",
    "max_days",
    "shows_masked",
]
