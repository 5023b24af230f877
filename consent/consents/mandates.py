"""Maturity decisions and mandates: what decides whether the student or a god man is a party."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import (
    GuardianRelation,
    Student,
)

from ..models import (
    ConsentKind,
    ConsentMandate,
    MaturityDecision,
)
from .parties import MANDATED_RELATIONS
from .status import require_writer
from .status import today as _today


@transaction.atomic
def maturity_record(*, student: Student, kind: str, reason: str, by) -> MaturityDecision:
    """A clinician of the student records that she is mature enough to decide ``kind``
    herself: new requests of that kind have her as the only party."""
    require_writer(by, student)
    if kind not in ConsentKind.values:
        raise ValidationError({"kind": _("Välj typ av samtycke.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Skriv bedömningen som mognaden grundar sig på.")})
    list(Student.objects.select_for_update().filter(pk=student.pk).values_list("pk", flat=True))
    if MaturityDecision.objects.filter(student=student, kind=kind, ended_at__isnull=True).exists():
        raise ValidationError(
            {"kind": _("Det finns redan en gällande mognadsbedömning för den typen.")}
        )
    decision = MaturityDecision(student=student, kind=kind, reason=reason.strip(), decided_by=by)
    decision._history_user = by
    decision.save()
    return decision


@transaction.atomic
def maturity_end(*, decision: MaturityDecision, by) -> MaturityDecision:
    require_writer(by, decision.student)
    decision = MaturityDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.ended_at is not None:
        raise ValidationError(_("Mognadsbedömningen är redan avslutad."))
    decision.ended_at = timezone.now()
    decision.ended_by = by
    decision._history_user = by
    decision.save(update_fields=["ended_at", "ended_by"])
    return decision


@transaction.atomic
def mandate_record(
    *, relation: GuardianRelation, kind: str, basis: str, by, on: datetime.date | None = None
) -> ConsentMandate:
    """Record that a god man or utsedd behörig may answer consents of ``kind``."""
    require_writer(by, relation.student)
    if relation.relation_type not in MANDATED_RELATIONS:
        raise ValidationError(
            {"relation": _("Förordnanden gäller bara god man och utsedd behörig.")}
        )
    if not relation.is_current(_today(on)):
        raise ValidationError({"relation": _("Relationen gäller inte längre.")})
    if kind not in ConsentKind.values:
        raise ValidationError({"kind": _("Välj typ av samtycke.")})
    if not (basis or "").strip():
        raise ValidationError({"basis": _("Ange vad förordnandet grundar sig på.")})
    list(
        GuardianRelation.objects.select_for_update()
        .filter(pk=relation.pk)
        .values_list("pk", flat=True)
    )
    if ConsentMandate.objects.filter(relation=relation, kind=kind, ended_at__isnull=True).exists():
        raise ValidationError({"kind": _("Förordnandet för den typen finns redan.")})
    mandate = ConsentMandate(relation=relation, kind=kind, basis=basis.strip(), recorded_by=by)
    mandate._history_user = by
    mandate.save()
    return mandate


@transaction.atomic
def mandate_end(*, mandate: ConsentMandate, by) -> ConsentMandate:
    require_writer(by, mandate.relation.student)
    mandate = ConsentMandate.objects.select_for_update().get(pk=mandate.pk)
    if mandate.ended_at is not None:
        raise ValidationError(_("Förordnandet är redan avslutat."))
    mandate.ended_at = timezone.now()
    mandate.ended_by = by
    mandate._history_user = by
    mandate.save(update_fields=["ended_at", "ended_by"])
    return mandate
