"""Printing an entry and making a whole-record copy (R-PRT-1).

Each print or copy is first written down as a ``RecordCopy`` (who, whose record, which part,
why, and whether a protected student's address and school were shown); the PDF is made from
what that row describes. A record copy holds the *signed* entries of one area the user may
print, in the period; drafts are left out and counted.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from consent.policy import Action, area_of, is_records_officer
from schools.models import Area, StaffMember, Student

from ..access import visible_entries
from ..models import EntryStatus, JournalEntry, RecordCopy


def reason_required() -> bool:
    return settings.JOURNAL_PRINT_REASON_REQUIRED


def copy_areas(user) -> list[str]:
    """The areas the user may make a record copy of: her own; a records officer either."""
    if is_records_officer(user):
        return list(Area.values)
    area = area_of(user)
    return [area] if area else []


def period_entries(
    *,
    by,
    student: Student,
    area: str,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
) -> QuerySet[JournalEntry]:
    """Every entry (signed or not) of ``student`` in ``area`` that ``by`` may print, with its
    contact date in the period; the record filter first, as on every page."""
    entries = visible_entries(by, action=Action.PRINT).filter(student=student, area=area)
    if period_start is not None:
        entries = entries.filter(contact_at__date__gte=period_start)
    if period_end is not None:
        entries = entries.filter(contact_at__date__lte=period_end)
    return entries


def copy_entries(copy: RecordCopy, by) -> QuerySet[JournalEntry]:
    """The entries a copy holds, oldest first: the one entry of a print, or the signed entries
    of the area and period of a record copy."""
    if copy.kind == RecordCopy.Kind.ENTRY:
        return JournalEntry.objects.filter(pk=copy.entry_id)
    return (
        period_entries(
            by=by,
            student=copy.student,
            area=copy.area,
            period_start=copy.period_start,
            period_end=copy.period_end,
        )
        .filter(status=EntryStatus.SIGNED)
        .order_by("contact_at", "pk")
    )


def drafts_left_out(copy: RecordCopy, by) -> int:
    """How many unsigned entries of the area and period a record copy leaves out."""
    if copy.kind == RecordCopy.Kind.ENTRY:
        return 0
    return (
        period_entries(
            by=by,
            student=copy.student,
            area=copy.area,
            period_start=copy.period_start,
            period_end=copy.period_end,
        )
        .filter(status=EntryStatus.DRAFT)
        .count()
    )


def _check(
    *, by, student, kind, entry, area, period_start, period_end, reason, unmask_assessment
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if reason_required() and not reason:
        errors["reason"] = _("Skriv varför du skriver ut.")
    if period_start and period_end and period_start > period_end:
        errors["period_end"] = _("Slutdatumet kan inte ligga före startdatumet.")
    if unmask_assessment and not student.protected_identity:
        errors["unmask_assessment"] = _("Eleven har inga skyddade personuppgifter.")
    if kind == RecordCopy.Kind.ENTRY:
        if entry is None or entry.student_id != student.pk:
            errors["entry"] = _("Välj anteckningen som ska skrivas ut.")
        elif entry.area != area:
            errors["area"] = _("Anteckningen hör till ett annat område.")
    elif kind == RecordCopy.Kind.RECORD:
        if area not in copy_areas(by):
            errors["area"] = _("Du kan inte göra en journalkopia för det området.")
    else:
        errors["kind"] = _("Okänd typ av utskrift.")
    return errors


@transaction.atomic
def record_copy_create(
    *,
    by,
    student: Student,
    kind: str,
    entry: JournalEntry | None = None,
    area: str,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    reason: str,
    unmask_assessment: str = "",
) -> RecordCopy:
    """Write down a print of ``entry`` or a record copy of ``student``'s ``area``: the reason
    (required unless ``JOURNAL_PRINT_REASON_REQUIRED`` is off) and, for a student with
    protected identity, the assessment that lets address and school be shown (none: masked).
    Views check the policy (print or export) before calling this."""
    reason = (reason or "").strip()
    unmask_assessment = (unmask_assessment or "").strip()
    staff = StaffMember.objects.filter(user_id=by.pk).first()
    if staff is None:
        raise ValidationError(_("Bara personal kan skriva ut ur journalen."), code="no_staff")
    if kind == RecordCopy.Kind.ENTRY:
        period_start = period_end = None
    errors = _check(
        by=by,
        student=student,
        kind=kind,
        entry=entry,
        area=area,
        period_start=period_start,
        period_end=period_end,
        reason=reason,
        unmask_assessment=unmask_assessment,
    )
    if errors:
        raise ValidationError(errors)
    copy = RecordCopy(
        kind=kind,
        student=student,
        entry=entry if kind == RecordCopy.Kind.ENTRY else None,
        area=area,
        period_start=period_start,
        period_end=period_end,
        reason=reason,
        unmasked=bool(unmask_assessment),
        unmask_assessment=unmask_assessment,
        organisation_id=staff.organisation_id,
        created_by=by,
    )
    copy.entry_count = copy_entries(copy, by).count()
    copy.full_clean()
    copy.save()
    return copy
