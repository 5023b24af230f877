"""The record filter: the face every journal, growth, vaccination, medication and consent queryset
applies, with a ``RecordSpec`` given by the app that owns the model."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from schools.models import (
    Area,
    Profession,
    StaffMember,
)

from ..models import (
    AccessReason,
)
from .cross import CROSS_ACTIONS, blocked_clause, other_provider_clause
from .rules import (
    CROSSES_WALL,
    RULES,
    Action,
    _authenticated,
    _reason_students,
    _valid_grants,
    _when,
)

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class RecordSpec:
    """How a record model is tied to the policy; given by the app that owns the model.

    * ``student_path``: lookup from the record to its Student;
    * ``area_field`` (a field holding "EMI"/"EPI") or ``area`` (every row has this area);
    * ``organisation_field``: lookup to the Organisation that made the record;
    * ``kind``: the record kind; kinds in ``CROSSES_WALL`` cross the EMI/EPI wall;
    * ``author_field``: lookup to the authoring user, for the own-records rules;
    * ``shared_expression``: a Q the owning app builds for what is shared with guardians
      (the portal's face of the policy; staff filters do not use it);
    * ``other_provider_expression``: a Q for the records another care provider may ever read
      under consent (signed ones: never a colleague's unsigned draft); None: every record;
    * ``school_field``: lookup to the unit (School) the record was made at, for unit blocks
      (spärr); None: the record has no unit and only organisation-wide blocks apply to it;
    * ``date_field``: lookup to the record's date (or datetime), for a block's period; None: a
      block applies whatever its period (hiding too much rather than too little).
    """

    student_path: str = "student"
    area_field: str | None = "area"
    area: str | None = None
    organisation_field: str = "organisation"
    kind: str = ""
    author_field: str | None = None
    shared_expression: Q | None = None
    other_provider_expression: Q | None = None
    school_field: str | None = None
    date_field: str | None = None

    def __post_init__(self):
        if self.area is not None and self.area not in Area.values:
            raise ValueError(f"Unknown area {self.area!r}.")
        if self.area is None and not self.area_field:
            raise ValueError("A RecordSpec needs an area_field or a fixed area.")

    @property
    def fixed_area(self) -> str | None:
        """A fixed area wins over ``area_field``."""
        return self.area

    @property
    def crosses_wall(self) -> bool:
        return self.kind in CROSSES_WALL


# --- Face 3: the record filter ----------------------------------------------------------------


def _nothing() -> Q:
    return Q(pk__in=[])


def _user_area_and_organisation(user) -> tuple[str | None, int | None]:
    """The user's area (from her profession) and organisation; cached on the user object so a
    page that filters several record lists asks once."""
    cached = getattr(user, "_policy_profile", None)
    if cached is None:
        row = (
            StaffMember.objects.filter(user_id=user.pk)
            .values_list("profession", "organisation_id")
            .first()
        )
        cached = (Profession(row[0]).area, row[1]) if row else (None, None)
        user._policy_profile = cached
    return cached


def record_filter(
    user, spec: RecordSpec, *, action: Action | str = Action.READ, on=None, blocks: bool = True
) -> Q:
    """A Q for a record queryset: records of students the user may ``action``, in her area
    (or a kind that crosses the wall, or an area a valid grant opens), made by her own
    organisation. Own-records rules add the records she authored, if the spec names the author.
    For reading and printing, another organisation's records join under a granted consent and
    an active choice (``cross.other_provider_clause``). Blocks (spärr) win over everything:
    a record an active block of the student covers is left out unless the user works at the
    blocked unit (organisation) herself or has revealed it (``cross.blocked_clause``);
    ``blocks=False`` leaves them in, for ``blocked_filter`` only.
    """
    action = Action(action)
    if not _authenticated(user):
        return _nothing()
    area, organisation_id = _user_area_and_organisation(user)
    if organisation_id is None:
        return _nothing()
    w = _when(user, on)
    student_in = f"{spec.student_path}__in"

    def students(reason) -> Q:
        return Q(**{student_in: _reason_students(reason, w)})

    def in_area(value) -> Q:
        if spec.crosses_wall:
            return Q()
        if value is None:
            return _nothing()
        if spec.fixed_area is not None:
            return Q() if spec.fixed_area == value else _nothing()
        return Q(**{spec.area_field: value})

    def granted_area() -> Q:
        # A grant opens the area it names (by default the grantee's own). A valid grant for the
        # record's student and area is a valid grant for the student: this clause is the rule.
        record_area = spec.fixed_area or OuterRef(spec.area_field)
        grants = _valid_grants(w).filter(student=OuterRef(spec.student_path), area=record_area)
        return Q(Exists(grants))

    clauses: list[Q] = []
    for rule in RULES:
        if action in rule.actions:
            if rule.all_areas:
                clauses.append(students(rule.reason))
            elif rule.reason == AccessReason.GRANT and not spec.crosses_wall:
                clauses.append(granted_area())
            else:
                # A kind that crosses the wall: in_area() is Q(), for a grant as for the rest.
                clauses.append(students(rule.reason) & in_area(area))
        elif action in rule.own_records and spec.author_field:
            clauses.append(
                students(rule.reason) & in_area(area) & Q(**{spec.author_field: user.pk})
            )
    if not clauses:
        return _nothing()
    made_by = Q(**{spec.organisation_field: organisation_id})
    if action in CROSS_ACTIONS:
        # Another provider's records: read and print only, under consent and an active choice.
        made_by |= other_provider_clause(spec, w, blocks=False)
    if blocks:
        # Blocks (spärr, issue 11) win over everything: the organisation's own records at
        # other units and another provider's records under consent alike (one clause for both).
        made_by &= ~blocked_clause(spec, w)
    return made_by & reduce(or_, clauses)


def blocked_filter(user, spec: RecordSpec, *, on=None) -> Q:
    """Records the user could read but for a block (spärr): what "spärrade uppgifter finns"
    tells her, and what the reveal steps may open."""
    if not _authenticated(user):
        return _nothing()
    return record_filter(user, spec, on=on, blocks=False) & blocked_clause(spec, _when(user, on))


def visible_records(user, queryset: QuerySet, spec: RecordSpec, **kwargs) -> QuerySet:
    """``queryset`` filtered by ``record_filter``."""
    return queryset.filter(record_filter(user, spec, **kwargs))


def area_of(user) -> str | None:
    """The record area of the user's profession (EMI/EPI), or None."""
    if not _authenticated(user):
        return None
    return _user_area_and_organisation(user)[0]
