"""A guardian's rights for each child in the portal (DESIGN.md, access rule 6).

Two separate rights per child with a current relation that gives portal rights:

* **answering consent requests**: not age-gated and never journal content. A vårdnadshavare
  answers every kind; a god man or utsedd behörig only the kinds of her current mandates
  (``ConsentMandate``); annan ansvarig nothing.
* **reading the shared record**: the 1177 rules, per organisation (``PortalSettings``, defaults
  13/16): guardians read until the child turns ``guardians_read_until_age`` (the birthday itself
  is not readable), from then nobody online until the student herself reads from
  ``student_reads_from_age`` (the student portal comes later). A clinician's current EXTEND
  decision lets a guardian read past the age limit until its ``valid_until``; a current BLOCK
  decision (OSL 12 kap. 3 §) wins over age and extension.

Protected identity (the student's or the guardian's) keeps both out of the portal: paper only.

``children_of`` (the portal) and ``guardian_rights`` (the staff page) share one builder and run a
constant number of queries.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schools.models import (
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    Organisation,
    Student,
)

from ..models import ConsentKind, ConsentMandate, GuardianAccessDecision, PortalSettings

__all__ = [
    "ALL_KINDS",
    "PORTAL_RELATION_TYPES",
    "ChildAccess",
    "ReadBasis",
    "child_of",
    "children_of",
    "guardian_rights",
    "turns",
]

Relation = GuardianRelation.Type
# Relation types that give portal rights; the mandate-bound ones answer only their mandate's kinds.
PORTAL_RELATION_TYPES = (Relation.CUSTODIAN, Relation.TRUSTEE, Relation.APPOINTED)
MANDATE_RELATION_TYPES = (Relation.TRUSTEE, Relation.APPOINTED)
ALL_KINDS = frozenset(ConsentKind.values)
# What the age rules default to for an organisation without a PortalSettings row.
DEFAULT_READ_UNTIL_AGE = PortalSettings._meta.get_field("guardians_read_until_age").default
DEFAULT_STUDENT_FROM_AGE = PortalSettings._meta.get_field("student_reads_from_age").default


class ReadBasis:
    """Why a guardian may or may not read the shared record today (staff see it spelled out)."""

    AGE = "age"  # under the age limit
    EXTENDED = "extended"  # past it, under a current extension
    BLOCKED = "blocked"  # a current block decision
    AGE_LIMIT = "age_limit"  # past it
    NO_BIRTH_DATE = "no_birth_date"  # age unknown: nothing is shown
    NO_PORTAL = "no_portal"  # annan ansvarig: no portal rights at all
    PROTECTED = "protected"  # protected identity: paper only
    ENDED = "ended"  # the relation is not current

    LABELS = {
        AGE: gettext_lazy("Läser: barnet är under åldersgränsen"),
        EXTENDED: gettext_lazy("Läser: utökad läsrätt enligt beslut"),
        BLOCKED: gettext_lazy("Läser inte: spärr enligt beslut (OSL 12 kap. 3 §)"),
        AGE_LIMIT: gettext_lazy("Läser inte: barnet har nått åldersgränsen"),
        NO_BIRTH_DATE: gettext_lazy("Läser inte: födelsedatum saknas"),
        NO_PORTAL: gettext_lazy("Inga portalrättigheter för denna relation"),
        PROTECTED: gettext_lazy("Skyddade personuppgifter: ingen portal, endast papper"),
        ENDED: gettext_lazy("Relationen har upphört"),
    }


def turns(birth_date: datetime.date, years: int) -> datetime.date:
    """The day a child born on ``birth_date`` turns ``years`` old. A 29 February child turns a
    year older on 28 February in other years: the earlier of the two possible days, so that a
    guardian's reading never lasts a day longer than the rule allows."""
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:
        return datetime.date(birth_date.year + years, 2, 28)


@dataclass(frozen=True)
class ChildAccess:
    """One guardian's rights for one child today. No health data: safe to show the guardian."""

    student: Student
    guardian: Guardian
    relation_type: str
    may_answer: bool
    answer_kinds: frozenset[str]  # the consent kinds she may answer (empty when not may_answer)
    may_read: bool
    read_refusal: str  # shown to the guardian when not may_read; "" when she reads
    read_basis: str  # a ReadBasis value, for staff pages and tests
    organisation: Organisation | None  # of the health-responsible school: its age rules
    read_until_age: int
    student_reads_from_age: int
    reads_until: datetime.date | None = None  # last day of reading by age (or by extension)
    blocked: bool = False  # a current block decision (whatever the age)
    extended_until: datetime.date | None = None  # a current extension's last day
    class_name: str = ""  # the current class, for the portal's list of children
    class_grade: int | None = None

    @property
    def in_portal(self) -> bool:
        return self.read_basis not in (ReadBasis.NO_PORTAL, ReadBasis.PROTECTED, ReadBasis.ENDED)

    @property
    def relation_label(self) -> str:
        return str(Relation(self.relation_type).label)

    @property
    def read_basis_label(self) -> str:
        return str(ReadBasis.LABELS[self.read_basis])

    def may_answer_kind(self, kind: str) -> bool:
        return kind in self.answer_kinds


def _relations(on: datetime.date) -> QuerySet[GuardianRelation]:
    """Relations with the student, current decisions, the health-responsible organisation and
    the current class annotated, and current mandates prefetched: two queries."""
    health = (
        Enrolment.objects.current(on)
        .filter(student=OuterRef("student"), is_health_responsible=True)
        .order_by("-start_date", "-pk")
    )
    membership = (
        ClassMembership.objects.current(on)
        .filter(student=OuterRef("student"))
        .order_by("-start_date", "-pk")
    )
    decisions = GuardianAccessDecision.objects.filter(
        student=OuterRef("student"), guardian=OuterRef("guardian"), ended_at__isnull=True
    ).order_by("-decided_at", "-pk")
    blocks = decisions.filter(kind=GuardianAccessDecision.Kind.BLOCK)
    extensions = decisions.filter(kind=GuardianAccessDecision.Kind.EXTEND).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )
    return (
        GuardianRelation.objects.select_related("student", "guardian")
        .annotate(
            organisation_id=Subquery(health.values("school__organisation_id")[:1]),
            class_name=Subquery(membership.values("school_class__name")[:1]),
            class_grade=Subquery(membership.values("school_class__grade")[:1]),
            blocked=Exists(blocks),
            extended=Exists(extensions),
            extended_until=Subquery(extensions.values("valid_until")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "consent_mandates",
                queryset=ConsentMandate.objects.filter(ended_at__isnull=True),
                to_attr="current_mandates",
            )
        )
    )


def _build(relations: list[GuardianRelation], on: datetime.date) -> list[ChildAccess]:
    """ChildAccess per relation; one more query for the organisations and their age rules."""
    organisation_ids = {r.organisation_id for r in relations if r.organisation_id is not None}
    organisations = {
        organisation.pk: organisation
        for organisation in Organisation.objects.filter(pk__in=organisation_ids).select_related(
            "portal_settings"
        )
    }
    return [
        _access(relation, on, organisations.get(relation.organisation_id)) for relation in relations
    ]


def _access(relation, on, organisation) -> ChildAccess:
    settings_row = getattr(organisation, "portal_settings", None) if organisation else None
    read_until_age = (
        settings_row.guardians_read_until_age if settings_row else DEFAULT_READ_UNTIL_AGE
    )
    student_from_age = (
        settings_row.student_reads_from_age if settings_row else DEFAULT_STUDENT_FROM_AGE
    )
    student, guardian = relation.student, relation.guardian
    kinds: frozenset[str] = frozenset()
    if relation.relation_type == Relation.CUSTODIAN:
        kinds = ALL_KINDS
    elif relation.relation_type in MANDATE_RELATION_TYPES:
        kinds = frozenset(m.kind for m in relation.current_mandates)
    neutral = _(
        "Barnets journal visas inte för dig i portalen. Kontakta elevhälsan om du har frågor."
    )
    reads_until = None
    if student.birth_date is not None:
        reads_until = turns(student.birth_date, read_until_age) - datetime.timedelta(days=1)

    if student.is_protected or guardian.is_protected:
        basis, kinds = ReadBasis.PROTECTED, frozenset()
    elif relation.relation_type not in PORTAL_RELATION_TYPES:
        basis = ReadBasis.NO_PORTAL
    elif not relation.is_current(on):
        basis, kinds = ReadBasis.ENDED, frozenset()
    elif relation.blocked:
        basis = ReadBasis.BLOCKED
    elif reads_until is not None and on <= reads_until:
        basis = ReadBasis.AGE
        if relation.extended and relation.extended_until:
            reads_until = max(reads_until, relation.extended_until)
    elif relation.extended:
        basis = ReadBasis.EXTENDED
        reads_until = relation.extended_until
    elif reads_until is None:
        basis = ReadBasis.NO_BIRTH_DATE
    else:
        basis = ReadBasis.AGE_LIMIT

    may_read = basis in (ReadBasis.AGE, ReadBasis.EXTENDED)
    refusal = ""
    if basis == ReadBasis.AGE_LIMIT:
        refusal = _("Från %(age)d års ålder visas inte barnets journal för vårdnadshavare.") % {
            "age": read_until_age
        }
    elif not may_read:
        refusal = neutral
    return ChildAccess(
        student=student,
        guardian=guardian,
        relation_type=relation.relation_type,
        may_answer=bool(kinds),
        answer_kinds=kinds,
        may_read=may_read,
        read_refusal=refusal,
        read_basis=basis,
        organisation=organisation,
        read_until_age=read_until_age,
        student_reads_from_age=student_from_age,
        reads_until=reads_until if may_read else None,
        blocked=bool(relation.blocked),
        extended_until=relation.extended_until if relation.extended else None,
        class_name=relation.class_name or "",
        class_grade=relation.class_grade,
    )


def _merge(accesses: list[ChildAccess]) -> list[ChildAccess]:
    """One ChildAccess per student: a guardian with two relations to one child (custodian and
    god man) gets the widest answering right; reading is the same decision for both."""
    by_student: dict[int, ChildAccess] = {}
    for access in accesses:
        seen = by_student.get(access.student.pk)
        if seen is None or len(access.answer_kinds) > len(seen.answer_kinds):
            by_student[access.student.pk] = access
    return sorted(
        by_student.values(),
        key=lambda a: (a.student.given_name, a.student.family_name, a.student.pk),
    )


def children_of(guardian: Guardian, *, on: datetime.date | None = None) -> list[ChildAccess]:
    """The guardian's children in the portal: each student with a current relation that gives
    portal rights, neither of them with protected identity. Four queries at most."""
    if guardian is None or guardian.pk is None or guardian.is_protected:
        return []
    on = on or timezone.localdate()
    relations = list(
        _relations(on)
        .current(on)
        .filter(
            guardian=guardian,
            relation_type__in=PORTAL_RELATION_TYPES,
            student__protected_identity="",
            guardian__protected_identity="",
        )
    )
    return _merge([a for a in _build(relations, on) if a.in_portal])


def child_of(
    guardian: Guardian, public_id, *, on: datetime.date | None = None
) -> ChildAccess | None:
    """The one child with this ``public_id`` among ``children_of(guardian)``, or None (also for
    a malformed id)."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return next((c for c in children_of(guardian, on=on) if c.student.public_id == public_id), None)


def guardian_rights(student: Student, *, on: datetime.date | None = None) -> list[ChildAccess]:
    """Every relation of ``student`` (current and ended, any type, protected too) with what it
    gives in the portal today: for the staff page. Constant queries."""
    on = on or timezone.localdate()
    relations = list(
        _relations(on)
        .filter(student=student)
        .order_by("guardian__family_name", "guardian__given_name", "-start_date", "pk")
    )
    return _build(relations, on)
