"""Portal section: consent requests waiting for this guardian's answer, and the child's consents
where she is a party, with their status.

An ANSWER section: not age-gated, and never journal content (what is asked, for which period,
and the answers' state). Only consents where the guardian herself is a party: a mature student's
own consents (the student is the party) and paper-only requests never reach the portal.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Consent, ConsentAnswer, ConsentParty, ConsentStatus
from .sections import ANSWER, PortalSection, register_portal_section

__all__ = ["PortalConsent", "guardian_parties", "pending_counts", "portal_consents"]


def guardian_parties(guardian) -> QuerySet[ConsentParty]:
    """This guardian's parties in digital requests (paper-only requests stay on paper)."""
    return ConsentParty.objects.filter(guardian=guardian, consent__paper_only=False)


def _waiting_q(on) -> Q:
    """A party whose request waits for her answer: pending, not expired, not yet answered."""
    answered = ConsentAnswer.objects.filter(party=OuterRef("pk"))
    return (
        Q(consent__status=ConsentStatus.PENDING)
        & (Q(consent__valid_until__isnull=True) | Q(consent__valid_until__gte=on))
        & ~Q(Exists(answered))
    )


def pending_counts(guardian, student_ids) -> dict[int, int]:
    """Requests waiting for the guardian's answer, per student: one query."""
    on = timezone.localdate()
    rows = (
        guardian_parties(guardian)
        .filter(_waiting_q(on), consent__student_id__in=list(student_ids))
        .values("consent__student_id")
        .annotate(n=Count("pk"))
    )
    return {row["consent__student_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class PortalConsent:
    """One consent as the guardian sees it: what is asked, its state, her own latest answer."""

    consent: Consent
    party: ConsentParty
    own_answer: ConsentAnswer | None
    agreed: int  # parties whose latest answer is agree
    parties: int
    expired: bool

    @property
    def waiting_for_me(self) -> bool:
        return (
            self.consent.status == ConsentStatus.PENDING
            and self.own_answer is None
            and not self.expired
        )

    @property
    def may_withdraw(self) -> bool:
        """Any party withdraws a granted consent, or her own agreement while others answer."""
        if self.consent.status == ConsentStatus.GRANTED:
            return True
        return (
            self.consent.status == ConsentStatus.PENDING
            and self.own_answer is not None
            and self.own_answer.answer == ConsentAnswer.Answer.AGREE
        )


def portal_consents(guardian, student, *, consent_public_id=None) -> list[PortalConsent]:
    """The student's consents where ``guardian`` is a party, newest first (or the one with
    ``consent_public_id``), with every party's latest answer: two queries."""
    parties = guardian_parties(guardian).filter(consent__student=student)
    if consent_public_id is not None:
        parties = parties.filter(consent__public_id=consent_public_id)
    counts = (
        ConsentParty.objects.filter(consent=OuterRef("consent"))
        .order_by()
        .values("consent")
        .annotate(n=Count("pk"))
        .values("n")
    )
    parties = list(
        parties.select_related("consent")
        .annotate(party_total=Subquery(counts))
        .order_by("-consent__requested_at", "-consent__pk")
    )
    if not parties:
        return []
    latest: dict[int, ConsentAnswer] = {}
    answers = ConsentAnswer.objects.filter(
        party__consent_id__in=[party.consent_id for party in parties]
    ).select_related("party")
    for row in answers.order_by("at", "pk"):
        latest[row.party_id] = row
    agreed: dict[int, int] = {}
    for row in latest.values():
        if row.answer == ConsentAnswer.Answer.AGREE:
            agreed[row.party.consent_id] = agreed.get(row.party.consent_id, 0) + 1
    on = timezone.localdate()
    return [
        PortalConsent(
            consent=party.consent,
            party=party,
            own_answer=latest.get(party.pk),
            agreed=agreed.get(party.consent_id, 0),
            parties=party.party_total or 0,
            expired=party.consent.valid_until is not None and party.consent.valid_until < on,
        )
        for party in parties
    ]


def _context(child) -> dict:
    consents = portal_consents(child.guardian, child.student)
    return {
        "waiting": [c for c in consents if c.waiting_for_me],
        "consents": consents,
    }


register_portal_section(
    PortalSection(
        key="consents",
        title=_("Förfrågningar om samtycke"),
        template="portal/sections/_consents.html",
        context=_context,
        right=ANSWER,
        order=10,
    )
)
