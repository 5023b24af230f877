"""Demo consents for ``seed_demo``: the nurse at Björkskolan asks a class in åk 5 for consent to
HPV vaccination in one act (pending, waiting for the guardians in the portal), and one student's
guardians have already answered (granted). Written through the services, like real requests."""

from __future__ import annotations

from django.db import transaction

from elevhalsa.models import User
from schools.models import SchoolClass, Student

from .consents import answer, request_consent, request_for_class
from .models import AnswerChannel, Consent, ConsentKind

NURSE = "skolskoterska.bjork"
# A made-up organisation number (valid check digit) for the demo's vårdcentral: not a real one.
DEMO_VARDCENTRAL = "2329999995"


@transaction.atomic
def create_demo_consents(
    school_name: str = "Björkskolan", grade: int = 5, *, transfer_for: Student | None = None
) -> int:
    """Returns how many consent requests were made (0 when the demo class is missing or has
    requests already). ``transfer_for``: a student (the one with a note shared with her
    guardians) whose guardians are also asked to consent to sending her record to the
    vårdcentral, so one demo guardian has both a request to answer and a note to read."""
    nurse = User.objects.filter(username=NURSE).first()
    # The first such class with members (a small demo may leave some classes empty).
    school_class = (
        SchoolClass.objects.filter(school__name=school_name, grade=grade, memberships__isnull=False)
        .order_by("name")
        .first()
    )
    if nurse is None or school_class is None:
        return 0
    if Consent.objects.filter(school_class=school_class).exists():
        return 0
    transfers = 0
    if transfer_for is not None:
        request_consent(
            student=transfer_for,
            by=nurse,
            kind=ConsentKind.TRANSFER,
            scope_area="EMI",
            scope_organisation_number=DEMO_VARDCENTRAL,
            description="Överföring av journalanteckningar om tillväxt till vårdcentralen "
            "inför remiss.",
        )
        transfers = 1
    result = request_for_class(
        school_class=school_class,
        by=nurse,
        kind=ConsentKind.VACCINATION,
        scope_code="HPV",
        description="Vaccination mot HPV enligt det nationella vaccinationsprogrammet, två "
        "doser under läsåret.",
    )
    digital = [consent for consent in result.created if not consent.paper_only]
    if digital:
        granted = digital[0]
        for party in granted.parties.all():
            answer(
                party,
                "agree",
                channel=AnswerChannel.ORAL,
                by_user=nurse,
                note="Demodata: svar per telefon till skolsköterskan.",
            )
    return len(result.created) + transfers
