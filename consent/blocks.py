"""Blocks (spärr, R-ACL-4, DESIGN.md access rule 4): recording, lifting and revealing.

A block is recorded by staff at the student's own request (a mature student's; guardians cannot
block: there is no portal path, and only staff profiles may record one). It hides the records of
a scope (area, the unit or the organisation that made them, a period of their dates) from other
units or care providers — the record filter applies it in SQL (``policy.cross.blocked_clause``).
It is lifted temporarily (``lifted_until``) or for good, never deleted; the history keeps every
change.

Revealing blocked data takes two explicit steps, each a ``BlockReveal`` row queued for review
(``reviewed_at`` empty) and a row in the access log, written by the view: first *which* unit or
organisation holds blocked data, then the content. Each step rests on a basis the user has now:
an active emergency access to the student, or a granted consent of the student in force that
lets her organisation read the block's organisation's records (kind read_by_provider, the same
consent another provider's records need — also for an inner block of her own organisation).
The content stays open for ``CONSENT_ACTIVE_CHOICE_MINUTES``, like an active choice.

Callers log first (durable) and then call these; each write is its own atomic block.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Organisation, School, StaffMember, Student

from .models import Block, BlockReveal, Consent, EmergencyAccess
from .policy.cross import (
    active_blocks_q,
    covering_consents,
    hiding_blocks,
    revealed_blocks,
)
from .policy.rules import _authenticated, _when


def _is_staff_member(user) -> bool:
    return _authenticated(user) and StaffMember.objects.filter(user_id=user.pk).exists()


@transaction.atomic
def block_record(
    *,
    student: Student,
    by,
    organisation: Organisation | None = None,
    school: School | None = None,
    area: str = "",
    records_from: datetime.date | None = None,
    records_until: datetime.date | None = None,
    reason: str = "",
    requested_by_student: bool = True,
) -> Block:
    """Record a block at the student's request. Only staff record blocks, and only at the
    student's own request: a guardian cannot block a child's data."""
    if not _is_staff_member(by):
        raise PermissionDenied(_("Bara personal kan registrera en spärr."))
    if not requested_by_student:
        raise ValidationError(
            _("En spärr registreras bara på elevens egen begäran; vårdnadshavare kan inte spärra.")
        )
    if school is not None:
        if organisation is not None and school.organisation_id != organisation.pk:
            raise ValidationError({"school": _("Enheten tillhör en annan vårdgivare.")})
        organisation = school.organisation
    if organisation is None:
        raise ValidationError({"organisation": _("Välj en enhet eller en vårdgivare.")})
    if records_from and records_until and records_until < records_from:
        raise ValidationError({"records_until": _("Periodens slut kan inte vara före början.")})
    block = Block(
        student=student,
        area=area or "",
        school=school,
        organisation=organisation,
        records_from=records_from,
        records_until=records_until,
        requested_by_student=True,
        reason=reason,
        recorded_by=by,
    )
    block.full_clean(exclude=["recorded_at"])
    block.save()
    return block


def block_is_active(block: Block, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return block.lifted_at is None or (block.lifted_until is not None and block.lifted_until <= now)


@transaction.atomic
def block_lift(*, block: Block, by, reason: str, until: datetime.datetime | None = None) -> Block:
    """Lift a block for good (``until`` None) or until a time, after which it holds again. A
    block lifted for good stays lifted; a temporary lift may be replaced by another lift."""
    if not _is_staff_member(by):
        raise PermissionDenied(_("Bara personal kan häva en spärr."))
    now = timezone.now()
    if block.lifted_at is not None and block.lifted_until is None:
        raise ValidationError(_("Spärren är redan hävd."))
    if not reason.strip():
        raise ValidationError({"lift_reason": _("Skriv ett skäl.")})
    if until is not None and until <= now:
        raise ValidationError({"lifted_until": _("Tiden måste ligga i framtiden.")})
    block.lifted_at = now
    block.lifted_until = until
    block.lifted_by = by
    block.lift_reason = reason
    block.save(update_fields=["lifted_at", "lifted_until", "lifted_by", "lift_reason"])
    return block


def student_blocks(student: Student) -> QuerySet[Block]:
    """Every block of the student, active or lifted, newest first, for the list page."""
    return Block.objects.filter(student=student).select_related(
        "school", "organisation", "recorded_by", "lifted_by"
    )


def active_student_blocks(student: Student) -> QuerySet[Block]:
    return student_blocks(student).filter(active_blocks_q(timezone.now()))


def blocks_hiding_from(user, student: Student) -> QuerySet[Block]:
    """The student's blocks in force that hide something from ``user`` (not yet revealed)."""
    if not _authenticated(user):
        return Block.objects.none()
    return (
        hiding_blocks(_when(user))
        .filter(student=student)
        .select_related("school", "organisation")
        .order_by("recorded_at", "pk")
    )


def unit_revealed_block_ids(user, student: Student) -> set[int]:
    """Blocks of the student whose first step (which unit) the user took within the window."""
    rows = revealed_blocks(_when(user), BlockReveal.Step.UNIT).filter(block__student=student)
    return set(rows.values_list("block_id", flat=True))


@dataclass(frozen=True)
class RevealBasis:
    basis: str
    consent: Consent | None = None
    emergency_access: EmergencyAccess | None = None


def reveal_basis(user, student: Student, organisation: Organisation) -> RevealBasis | None:
    """What a reveal may rest on now: the user's active emergency access to the student, else a
    granted consent in force covering ``organisation``'s records in her area; None: nothing."""
    emergency = (
        EmergencyAccess.objects.active(timezone.now())
        .filter(user_id=user.pk, student=student)
        .order_by("-ends_at", "pk")
        .first()
    )
    if emergency is not None:
        return RevealBasis(BlockReveal.Basis.EMERGENCY, emergency_access=emergency)
    consent = covering_consents(user, student, organisation).first()
    if consent is not None:
        return RevealBasis(BlockReveal.Basis.CONSENT, consent=consent)
    return None


@transaction.atomic
def block_reveal(*, block: Block, user, step: str, reason: str) -> BlockReveal:
    """One step of revealing ``block`` to ``user``: ``unit`` first, then ``content`` (which
    needs a ``unit`` step within the window). Refused without a basis (``PermissionDenied``)."""
    step = BlockReveal.Step(step)
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv ett skäl.")})
    if not blocks_hiding_from(user, block.student).filter(pk=block.pk).exists():
        raise ValidationError(_("Spärren döljer inget för dig just nu."))
    if step == BlockReveal.Step.CONTENT:
        first = revealed_blocks(_when(user), BlockReveal.Step.UNIT).filter(block=block)
        if not first.exists():
            raise ValidationError(_("Visa först vilken enhet som har spärrade uppgifter."))
    basis = reveal_basis(user, block.student, block.organisation)
    if basis is None:
        raise PermissionDenied(_("Samtycke eller nödåtkomst saknas."))
    reveal = BlockReveal(
        block=block,
        user=user,
        step=step,
        basis=basis.basis,
        consent=basis.consent,
        emergency_access=basis.emergency_access,
        reason=reason,
    )
    reveal.full_clean(exclude=["at"])
    reveal.save()
    return reveal


__all__ = [
    "RevealBasis",
    "active_student_blocks",
    "block_is_active",
    "block_lift",
    "block_record",
    "block_reveal",
    "blocks_hiding_from",
    "reveal_basis",
    "student_blocks",
    "unit_revealed_block_ids",
]
