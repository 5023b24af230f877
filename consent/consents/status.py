"""What other parts ask of consents: is one granted and in force, does it cover another care
provider; and the shared little rules (today, who may write)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from schools.models import (
    Student,
)

from ..models import (
    Consent,
    ConsentAnswer,
    ConsentKind,
    ConsentStatus,
    consent_in_force_q,
)
from ..policy import Action, decide

Answer = ConsentAnswer.Answer
OPEN_STATUSES = (ConsentStatus.PENDING, ConsentStatus.GRANTED)


def today(on: datetime.date | None = None) -> datetime.date:
    return on or timezone.localdate()


def require_writer(by, student: Student) -> None:
    """Staff who may write for the student (the policy's WRITE), else PermissionDenied."""
    if not decide(by, Action.WRITE, student).allowed:
        raise PermissionDenied


def in_force_q(on: datetime.date | None = None) -> Q:
    """A Q on Consent: granted (so neither declined nor withdrawn) and valid on ``on``."""
    return consent_in_force_q(today(on))


def granted_consents(
    student_ids: Iterable[int], kind: str, *, on: datetime.date | None = None
) -> QuerySet[Consent]:
    """The granted consents of ``kind`` in force on ``on`` for these students."""
    return Consent.objects.filter(in_force_q(on), student_id__in=list(student_ids), kind=kind)


def consents_covering(
    student_ids: Iterable[int],
    organisation_number: str,
    *,
    kind: str = ConsentKind.READ_BY_PROVIDER,
    on: datetime.date | None = None,
) -> QuerySet[Consent]:
    """Granted consents in force of ``kind`` that name this other care provider."""
    return granted_consents(student_ids, kind, on=on).filter(
        scope_organisation_number=organisation_number
    )


def is_in_force(consent: Consent, on: datetime.date | None = None) -> bool:
    on = today(on)
    return (
        consent.status == ConsentStatus.GRANTED
        and consent.valid_from <= on
        and (consent.valid_until is None or consent.valid_until >= on)
    )


def is_expired(consent: Consent, on: datetime.date | None = None) -> bool:
    """Past its last day: counts as not given, whatever the answers were."""
    return consent.valid_until is not None and consent.valid_until < today(on)


def open_q(on: datetime.date) -> Q:
    return Q(status__in=OPEN_STATUSES) & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))
