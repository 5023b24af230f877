"""A clinician's decisions about one guardian's reading of the shared record (OSL 12 kap. 3 §):
a block (spärr mot vårdnadshavaren) or an extension past the age rules, and their end.

Both are recorded with a required reason and kept with their history; nothing is deleted: an
ended decision stays with who ended it, when and why. Who may decide is the view's question (a
care relation, ``consent.views_guardian_access``); the access-log row is written there too, at
the access check, before these atomic blocks.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Guardian, GuardianRelation, Student

from ..models import GuardianAccessDecision
from .rights import PORTAL_RELATION_TYPES, turns

__all__ = ["MAJORITY_AGE", "guardian_access_decide", "guardian_access_end"]

Kind = GuardianAccessDecision.Kind
# Custody ends at 18: an extension never reaches past the day before.
MAJORITY_AGE = 18


def _check_valid_until(student: Student, valid_until: datetime.date | None, today) -> None:
    if valid_until is None:
        raise ValidationError(
            {"valid_until": _("Ange till och med vilket datum den utökade läsrätten gäller.")}
        )
    if valid_until < today:
        raise ValidationError({"valid_until": _("Datumet har redan passerat.")})
    if student.birth_date is not None:
        last = turns(student.birth_date, MAJORITY_AGE) - datetime.timedelta(days=1)
        if valid_until > last:
            raise ValidationError(
                {
                    "valid_until": _(
                        "Läsrätten kan gälla längst till dagen innan eleven fyller 18 (%(date)s)."
                    )
                    % {"date": last.isoformat()}
                }
            )


@transaction.atomic
def guardian_access_decide(
    *,
    student: Student,
    guardian: Guardian,
    kind: str,
    reason: str,
    by,
    valid_until: datetime.date | None = None,
) -> GuardianAccessDecision:
    """Record a block or an extension for one guardian of the student. One current decision of
    each kind per guardian: a current one must be ended first; an extension whose date has
    passed is ended here, as the new one replaces it."""
    today = timezone.localdate()
    reason = (reason or "").strip()
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Välj spärr eller utökad läsrätt.")})
    if not reason:
        raise ValidationError({"reason": _("Skriv skälet till beslutet.")})
    related = GuardianRelation.objects.current(today).filter(
        student=student, guardian=guardian, relation_type__in=PORTAL_RELATION_TYPES
    )
    if not related.exists():
        raise ValidationError(
            {
                "guardian": _(
                    "Personen är inte vårdnadshavare, god man eller utsedd behörig för eleven."
                )
            }
        )
    if kind == Kind.EXTEND:
        _check_valid_until(student, valid_until, today)
    else:
        valid_until = None  # a block holds until it is ended
    current = (
        GuardianAccessDecision.objects.select_for_update()
        .filter(student=student, guardian=guardian, kind=kind, ended_at__isnull=True)
        .first()
    )
    if current is not None:
        expired = current.valid_until is not None and current.valid_until < today
        if not expired:
            raise ValidationError(
                _(
                    "Det finns redan ett gällande beslut av samma slag för vårdnadshavaren. "
                    "Upphäv det först."
                )
            )
        _end(
            current,
            by=by,
            reason=_("Gällde till %(date)s; ersatt av ett nytt beslut.")
            % {"date": current.valid_until.isoformat()},
        )
    decision = GuardianAccessDecision(
        student=student,
        guardian=guardian,
        kind=kind,
        reason=reason,
        valid_until=valid_until,
        decided_by=by,
    )
    decision.full_clean(exclude=["decided_at"], validate_constraints=False)
    decision._history_user = by
    decision.save()
    return decision


def _end(decision: GuardianAccessDecision, *, by, reason: str) -> None:
    decision.ended_at = timezone.now()
    decision.ended_by = by
    decision.end_reason = reason
    decision._history_user = by
    decision.save(update_fields=["ended_at", "ended_by", "end_reason"])


@transaction.atomic
def guardian_access_end(
    *, decision: GuardianAccessDecision, reason: str, by
) -> GuardianAccessDecision:
    """End a current decision, with the reason: from now on the age rules apply again."""
    decision = GuardianAccessDecision.objects.select_for_update().get(pk=decision.pk)
    reason = (reason or "").strip()
    if decision.ended_at is not None:
        raise ValidationError(_("Beslutet är redan upphävt."))
    if not reason:
        raise ValidationError({"end_reason": _("Skriv skälet till att beslutet upphävs.")})
    _end(decision, by=by, reason=reason)
    return decision
