"""The parties a consent needs, derived from the student's current guardian relations."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from schools.models import (
    GuardianRelation,
    Student,
)

from ..models import (
    ConsentMandate,
    ConsentParty,
    MaturityDecision,
    PartyKind,
)
from .status import today as _today

# Relations that answer only for the kinds their mandate covers; annan ansvarig never answers.
MANDATED_RELATIONS = (GuardianRelation.Type.TRUSTEE, GuardianRelation.Type.APPOINTED)


NO_PARTY = gettext_noop("Eleven har ingen vårdnadshavare som kan svara.")


def _no_party_error() -> ValidationError:
    return ValidationError(_(NO_PARTY), code="no_party")


def parties_by_student(
    student_ids: Iterable[int],
    kind: str,
    *,
    on: datetime.date | None = None,
    social_services: bool = False,
) -> dict[int, list[ConsentParty]]:
    """The required parties (unsaved ``ConsentParty`` rows) per student, in two queries for
    any number of students. A student without any party gets an empty list."""
    on = _today(on)
    ids = list(dict.fromkeys(student_ids))
    result: dict[int, list[ConsentParty]] = {pk: [] for pk in ids}
    # A mature student decides herself, even when placed: her own say comes first.
    mature = set(
        MaturityDecision.objects.filter(
            student_id__in=ids, kind=kind, ended_at__isnull=True
        ).values_list("student_id", flat=True)
    )
    for pk in mature:
        result[pk] = [ConsentParty(kind=PartyKind.STUDENT)]
    others = [pk for pk in ids if pk not in mature]
    if social_services:
        for pk in others:
            result[pk] = [ConsentParty(kind=PartyKind.SOCIAL_SERVICES)]
        return result
    if not others:
        return result
    mandate = ConsentMandate.objects.filter(
        relation=OuterRef("pk"), kind=kind, ended_at__isnull=True
    )
    relations = (
        GuardianRelation.objects.current(on)
        .filter(student_id__in=others)
        .filter(
            Q(relation_type=GuardianRelation.Type.CUSTODIAN)
            | (Q(relation_type__in=MANDATED_RELATIONS) & Q(Exists(mandate)))
        )
        .select_related("guardian")
        .order_by("student_id", "guardian__family_name", "guardian__given_name", "pk")
    )
    for relation in relations:
        parties = result[relation.student_id]
        same = next((p for p in parties if p.guardian_id == relation.guardian_id), None)
        if same is None:
            parties.append(
                ConsentParty(
                    kind=PartyKind.GUARDIAN,
                    guardian=relation.guardian,
                    relation_type=relation.relation_type,
                )
            )
        elif relation.relation_type == GuardianRelation.Type.CUSTODIAN:
            same.relation_type = relation.relation_type  # one person twice: custodian wins
    return result


def parties_for(
    student: Student,
    kind: str,
    *,
    on: datetime.date | None = None,
    social_services: bool = False,
) -> list[ConsentParty]:
    """The parties whose answer a consent of ``kind`` about ``student`` needs (unsaved), or a
    ValidationError when nobody can answer."""
    parties = parties_by_student([student.pk], kind, on=on, social_services=social_services)[
        student.pk
    ]
    if not parties:
        raise _no_party_error()
    return parties


def needs_paper(student: Student, parties: Iterable[ConsentParty]) -> bool:
    """Protected identity (the student's or a guardian party's): no digital request at all."""
    return bool(student.protected_identity) or any(
        party.guardian is not None and party.guardian.protected_identity for party in parties
    )
