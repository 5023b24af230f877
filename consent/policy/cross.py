"""Another care provider's records (DESIGN.md access rule 3, R-ACL-6): readable only under a
granted consent *and* an active choice, made again each time.

The journal follows the student, but another organisation is another care provider. Its records
join the record filter (``records.record_filter``) for reading and printing only
(``CROSS_ACTIONS``; never writing or signing) through one more clause, all in SQL:

* the user has a reason to read the student and the record is in an area she may read — the
  same rule sets and wall rules as for her own organisation's records (``record_filter``
  applies them to both);
* ``Exists`` an ``ActiveChoice`` of this user for this student, made within
  ``CONSENT_ACTIVE_CHOICE_MINUTES`` (``active_choice_window``), whose consent is *in force*
  (kind read_by_provider, status granted, valid today: ``in_force_q``) and *covers* the record
  (``covers_q``: ``scope_organisation_number`` is the organisation number of the record's
  organisation, ``scope_area`` is "" (both areas) or the record's area).

A withdrawal changes the consent's status, so the ``Exists`` fails at once; an old choice falls
out of the window; an expired consent is no longer in force. Nothing is cleaned up.

The pieces:

* ``other_provider_clause(spec, w)``: the clause ``record_filter`` ORs with "made by her own
  organisation";
* ``covering_consents(user, student, organisation)``: the consents a choice may rest on;
* ``active_choices(...)``: the user's choices still in the window under a covering consent;
* ``open_other_provider(request, ...)``: the active-choice page's entry point: decides, finds
  the consent and writes exactly one access-log row (a view, the active choice with reason
  "consent", or a refused row).

Blocks (spärr, issue 11) win over consent: ``blocked_clause`` joins ``other_provider_clause``
(and ``record_filter`` for the organisation's own records), so every face of the policy gets
them at once.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from schools.models import Assignment, Organisation, School, StaffMember, Student
from schools.queries import header_prefetches

from ..accesslog import Access, log_accesses, request_location
from ..models import (
    AccessAction,
    AccessReason,
    ActiveChoice,
    Block,
    BlockReveal,
    Consent,
    ConsentKind,
    ConsentStatus,
    consent_in_force_q,
)
from .decisions import _annotate_decision, _decision, _parse_public_id
from .rules import LOG_ACTIONS, Action, Decision, _authenticated, _built, _stub, _When

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .records import RecordSpec

# Another provider's records may be read and printed, never written, signed or exported.
CROSS_ACTIONS = frozenset({Action.READ, Action.PRINT})


def active_choice_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.CONSENT_ACTIVE_CHOICE_MINUTES)


def in_force_q(on: datetime.date, prefix: str = "") -> Q:
    """Consents that may open another provider's records on ``on``; ``prefix`` reaches the
    consent from another model (``"consent__"``)."""
    return Q(**{f"{prefix}kind": ConsentKind.READ_BY_PROVIDER}) & consent_in_force_q(on, prefix)


def covers_q(organisation_number: Any, area: Any, prefix: str = "") -> Q:
    """Consents whose scope covers records of ``organisation_number`` in ``area`` (values or
    ``OuterRef``s). ``area`` None: any scope (a reader of every area)."""
    covers = Q(**{f"{prefix}scope_organisation_number": organisation_number})
    if area is None:
        return covers
    return covers & (Q(**{f"{prefix}scope_area": ""}) | Q(**{f"{prefix}scope_area": area}))


def active_choices(
    w: _When, *, student: Any, organisation_number: Any, area: Any
) -> QuerySet[ActiveChoice]:
    """The user's active choices for ``student`` still in the window, under a consent about
    that student that is in force and covers ``organisation_number`` and ``area``."""
    return ActiveChoice.objects.filter(
        in_force_q(w.on, "consent__") & covers_q(organisation_number, area, "consent__"),
        user_id=w.user_id,
        student=student,
        consent__student=F("student"),
        chosen_at__gte=w.now - active_choice_window(),
    )


def active_blocks_q(now: datetime.datetime, prefix: str = "") -> Q:
    """Blocks in force at ``now``: never lifted, or lifted only until a time now past."""
    return Q(**{f"{prefix}lifted_at__isnull": True}) | Q(
        **{f"{prefix}lifted_until__isnull": False, f"{prefix}lifted_until__lte": now}
    )


def revealed_blocks(w: _When, step: str = BlockReveal.Step.CONTENT) -> QuerySet[BlockReveal]:
    """The user's reveals of ``step`` still in the window (``active_choice_window``) whose basis
    still holds: a consent not withdrawn since, or an emergency access not yet ended."""
    basis = Q(basis=BlockReveal.Basis.CONSENT, consent__status=ConsentStatus.GRANTED) | Q(
        basis=BlockReveal.Basis.EMERGENCY, emergency_access__ends_at__gt=w.now
    )
    return BlockReveal.objects.filter(
        basis, user_id=w.user_id, step=step, at__gte=w.now - active_choice_window()
    )


def hiding_blocks(w: _When) -> QuerySet[Block]:
    """Blocks in force that hide something from the user: a unit block from everyone not on
    duty at that unit, an organisation block from every other organisation — unless she has
    revealed its content (``revealed_blocks``). Not yet tied to a student or a record."""

    def build():
        own_units = Assignment.objects.current(w.on).filter(staff_member__user_id=w.user_id)
        own_organisation = StaffMember.objects.filter(user_id=w.user_id)
        exempt = Q(school__isnull=False, school_id__in=own_units.values("school_id")) | Q(
            school__isnull=True, organisation_id__in=own_organisation.values("organisation_id")
        )
        revealed = revealed_blocks(w).filter(block=OuterRef("pk"))
        blocks = Block.objects.filter(active_blocks_q(w.now))
        return blocks.exclude(exempt).exclude(Exists(revealed))

    return _built(w, "hiding_blocks", build)


def blocked_clause(spec: RecordSpec, w: _When) -> Exists:
    """Records an active block of their student covers and that are hidden from the user
    (``hiding_blocks``): the block's area (blank: both), organisation, unit (a record without a
    unit only by an organisation-wide block) and period (a record without a date: always).
    The unit is where the record was made, so a block holds after the student moves."""
    area = spec.fixed_area if spec.fixed_area is not None else OuterRef(spec.area_field)
    covers = Q(area="") | Q(area=area)
    if spec.school_field:
        covers &= Q(school__isnull=True) | Q(school_id=OuterRef(spec.school_field))
    else:
        covers &= Q(school__isnull=True)
    if spec.date_field:
        day = OuterRef(spec.date_field)
        covers &= Q(records_from__isnull=True) | Q(records_from__lte=day)
        covers &= Q(records_until__isnull=True) | Q(records_until__gte=day)
    return Exists(
        hiding_blocks(w).filter(
            covers,
            student=OuterRef(spec.student_path),
            organisation_id=OuterRef(spec.organisation_field),
        )
    )


def other_provider_clause(spec: RecordSpec, w: _When, *, blocks: bool = True) -> Q:
    """Records of another organisation opened by an active choice under a covering consent.
    ``record_filter`` adds the user's reasons and areas to it, as to her own records."""
    area = spec.fixed_area if spec.fixed_area is not None else OuterRef(spec.area_field)
    choices = active_choices(
        w,
        student=OuterRef(spec.student_path),
        organisation_number=OuterRef(f"{spec.organisation_field}__organisation_number"),
        area=area,
    )
    opened = Q(Exists(choices)) & (spec.other_provider_expression or Q())
    # Blocks (spärr, issue 11) win over consent.
    return opened & ~blocked_clause(spec, w) if blocks else opened


def covering_consents(
    user, student: Student, organisation: Organisation, on: datetime.date | None = None
) -> QuerySet[Consent]:
    """Consents about ``student``, in force, that open ``organisation``'s records in the
    user's area (both areas for a reader of every area); newest decision first."""
    from .records import area_of  # records imports this module

    on = on or timezone.localdate()
    return Consent.objects.filter(
        in_force_q(on) & covers_q(organisation.organisation_number, area_of(user)),
        student=student,
    ).order_by("-decided_at", "-pk")


def open_other_provider(
    request: HttpRequest, public_id, organisation_id: int, *, choosing: bool = False
) -> tuple[Student, Organisation, Consent | None]:
    """The active-choice page's entry point: the student (header data and ``student.access``),
    the other organisation, and the consent the choice may rest on (None: no covering consent
    in force — the caller answers 403).

    Writes exactly one access-log row before anything else: ``refused`` when there is no
    consent (or no reason to read the student), ``active_choice`` with reason "consent" when
    ``choosing`` (a confirmed choice), else the view with the decision's reason. Raises 404 for
    an unknown or invisible student or organisation, or the user's own organisation, and 403
    when the student is visible but her record may not be read.
    """
    user = request.user
    student = organisation = consent = None
    if _authenticated(user):
        parsed = _parse_public_id(public_id)
        if parsed is not None:
            student = _annotate_decision(Student.objects.filter(public_id=parsed), user).first()
        organisation = Organisation.objects.filter(pk=organisation_id).first()
    if student is None:
        decision = Decision(False, AccessReason.NONE)
    else:
        decision = _decision(student, user, Action.READ)
    other = organisation is not None and organisation.pk != decision.organisation_id
    if decision.allowed and other:
        consent = covering_consents(user, student, organisation).first()
    if consent is None:
        action, reason = AccessAction.REFUSED, AccessReason.NONE
    elif choosing:
        action, reason = AccessAction.ACTIVE_CHOICE, AccessReason.CONSENT
    else:
        action, reason = LOG_ACTIONS[Action.READ], decision.reason
    log_accesses(
        [
            Access(
                user=user,
                student=student,
                action=action,
                reason=reason,
                organisation=_stub(Organisation, decision.organisation_id),
                school=_stub(School, decision.school_id),
                record_type="schools.organisation" if other else "",
                record_id=str(organisation.pk) if other else "",
                **request_location(request),
            )
        ]
    )
    if not decision.allowed:
        if decision.visible:
            raise PermissionDenied
        raise Http404
    if not other:
        raise Http404
    prefetch_related_objects([student], *header_prefetches())
    student.access = decision
    return student, organisation, consent
