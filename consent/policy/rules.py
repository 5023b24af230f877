"""The rules: what each reason allows, and the one queryset per reason that says when it applies.

Every face of the policy is built from ``REASON_QUERIES``: lists use each, correlated to the
student, as ``Exists``; a single decision reads the same rows as a ``Subquery`` of the details it
explains; the record filter takes the ids of the students it applies to.

Building these querysets in Python costs more than running them, so each is built once per user
and moment (``_When.built``), and ``one_moment`` lets a whole page share one moment.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy

from schools.models import (
    Assignment,
    Enrolment,
    OrganisationRole,
    Profession,
    StaffMember,
)

from ..models import (
    AccessAction,
    AccessReason,
    EmergencyAccess,
    RecordsOfficerAccess,
    StudentGrant,
    StudentUserObjectPermission,
)

if TYPE_CHECKING:
    pass


class Action(models.TextChoices):
    """What a user wants to do with a student's record."""

    READ = "read", gettext_lazy("Läsa journalen")
    WRITE = "write", gettext_lazy("Dokumentera")
    SIGN = "sign", gettext_lazy("Signera")
    PRINT = "print", gettext_lazy("Skriva ut")
    EXPORT = "export", gettext_lazy("Exportera")
    REGISTRY = "registry", gettext_lazy("Se registeruppgifter")


# The access-log action each policy action is logged as (``get_student_or_404`` may override).
LOG_ACTIONS = {
    Action.READ: AccessAction.VIEW,
    Action.WRITE: AccessAction.EDIT,
    Action.SIGN: AccessAction.SIGN,
    Action.PRINT: AccessAction.PRINT,
    Action.EXPORT: AccessAction.EXPORT,
    Action.REGISTRY: AccessAction.VIEW,
}

# The record kinds every clinician of the student's care sees whatever her area (EMI/EPI): an
# alert (allergy, condition) and the vaccination status. Everything else stays in its area and
# crosses only by an explicit grant for the other area.
CROSSES_WALL = frozenset({"alert", "vaccination_status"})

# The guardian object permission behind an explicit grant. It sits on Student's content type
# (guardian refuses a permission of another type for a Student row), so its name for
# ``has_perm`` is "schools.read_student_record"; views never call has_perm — the policy
# reads the permission table and the grant's validity together in SQL.
READ_STUDENT_RECORD = "read_student_record"

CLINICAL_PROFESSIONS = [profession for profession in Profession if profession.area]
JOURNAL_ACTIONS = frozenset({Action.READ, Action.WRITE, Action.SIGN, Action.PRINT, Action.EXPORT})


@dataclass(frozen=True)
class Rule:
    """One reason for access and what it allows. ``own_records``: actions allowed only on
    records the user authored (``decide(..., record=...)`` with ``record.author_id``)."""

    reason: AccessReason
    actions: frozenset[Action]
    own_records: frozenset[Action] = frozenset()
    all_areas: bool = False  # reads every area's records (the records officer), else own area


# Priority order: the first rule that allows the action is the reason logged and shown.
RULES: tuple[Rule, ...] = (
    Rule(AccessReason.CARE_RELATION, frozenset({*JOURNAL_ACTIONS, Action.REGISTRY})),
    Rule(
        AccessReason.GRANT,
        frozenset({Action.READ, Action.WRITE, Action.SIGN, Action.PRINT, Action.REGISTRY}),
    ),
    Rule(
        AccessReason.INCOMING,
        frozenset({Action.READ, Action.WRITE, Action.SIGN, Action.PRINT, Action.REGISTRY}),
    ),
    Rule(
        AccessReason.EMERGENCY,
        frozenset({Action.READ, Action.WRITE, Action.SIGN, Action.PRINT, Action.REGISTRY}),
    ),
    Rule(
        AccessReason.RECORDS_OFFICER,
        frozenset({Action.READ, Action.PRINT, Action.EXPORT, Action.REGISTRY}),
        all_areas=True,
    ),
    # Documentation only: a new note about a student who just left, never the full record.
    Rule(
        AccessReason.RECENTLY_LEFT, frozenset({Action.WRITE}), own_records=frozenset({Action.SIGN})
    ),
    # Finish and sign one's own drafts for a while after the student left.
    Rule(
        AccessReason.OWN_DOCUMENTATION,
        frozenset(),
        own_records=frozenset({Action.WRITE, Action.SIGN}),
    ),
    # The registry, never journal content.
    Rule(AccessReason.REGISTRY_ADMIN, frozenset({Action.REGISTRY})),
)
RULES_BY_REASON = {rule.reason: rule for rule in RULES}


@dataclass(frozen=True)
class Decision:
    """The answer for one user, action and student. ``visible`` tells a 403 (some reason
    applies, but not to this action) from a 404 (no reason at all)."""

    allowed: bool
    reason: AccessReason
    detail: str = ""
    visible: bool = False
    organisation_id: int | None = None  # the user's care provider, for the log
    school_id: int | None = None  # the unit the access is made from, for the log

    def __bool__(self) -> bool:
        return self.allowed


# --- Windows (settings are read at call time, never at import) ----------------------------------


def incoming_window() -> datetime.timedelta:
    return datetime.timedelta(days=settings.ACCESS_INCOMING_WINDOW_DAYS)


def own_documentation_window() -> datetime.timedelta:
    return datetime.timedelta(days=settings.ACCESS_OWN_DOCUMENTATION_DAYS)


def recently_left_window() -> datetime.timedelta:
    return datetime.timedelta(days=settings.ACCESS_RECENTLY_LEFT_DAYS)


# --- The rules: one queryset per reason, the rows that give it (for every student) --------------


@dataclass(frozen=True)
class _When:
    user_id: int
    on: datetime.date  # today, in the local time zone
    now: datetime.datetime
    # The querysets and expressions built for this user and moment (``_built``): a page asks
    # for the same reasons several times (the list of students, each record filter), and
    # building them in Python costs more than running them.
    built: dict = field(default_factory=dict, compare=False, repr=False)


# Inside ``one_moment``: the ``_When`` of each (user, day) asked for so far.
_moment: ContextVar[dict[tuple[int, datetime.date], _When] | None] = ContextVar(
    "policy_moment", default=None
)


@contextmanager
def one_moment() -> Iterator[None]:
    """Decide everything inside at one moment (a context manager, or a view decorator:
    ``@one_moment()``): each face of the policy asked for the same user and day reads the
    same "now" and shares the querysets built for it, so a page that shows a list of
    students and several record lists builds each reason once."""
    token = _moment.set({})
    try:
        yield
    finally:
        _moment.reset(token)


def _when(user, on: datetime.date | None = None) -> _When:
    on = on or timezone.localdate()
    moments = _moment.get()
    if moments is None:
        return _When(user.pk, on, timezone.now())
    key = (user.pk, on)
    if key not in moments:
        moments[key] = _When(user.pk, on, timezone.now())
    return moments[key]


_T = TypeVar("_T")


def _built(w: _When, key: Any, build: Callable[[], _T]) -> _T:
    """``build()`` once per ``w``. Safe to share: querysets are never changed in place (every
    filter clones) and Django copies an expression before resolving it."""
    try:
        return w.built[key]
    except KeyError:
        value = w.built[key] = build()
        return value


def _clinical_assignments(w: _When, *, current: bool = True) -> QuerySet[Assignment]:
    # An assignment at another organisation's school is bad data (Assignment.clean refuses it),
    # never a care relation: the organisation is the care provider.
    def build():
        assignments = Assignment.objects.current(w.on) if current else Assignment.objects.all()
        return assignments.filter(
            staff_member__user_id=w.user_id,
            staff_member__profession__in=CLINICAL_PROFESSIONS,
            school__organisation_id=F("staff_member__organisation_id"),
        )

    return _built(w, ("clinical_assignments", current), build)


def _health_enrolments() -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(is_health_responsible=True)


def _care_relation(w: _When) -> QuerySet:
    here = _clinical_assignments(w).filter(school=OuterRef("school"))
    return (
        _health_enrolments()
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=w.on), start_date__lte=w.on)
        .filter(Exists(here))
        .order_by("-start_date", "pk")
    )


def _incoming(w: _When) -> QuerySet:
    here = _clinical_assignments(w).filter(school=OuterRef("school"))
    return (
        _health_enrolments()
        .filter(start_date__gt=w.on, start_date__lte=w.on + incoming_window())
        .filter(Exists(here))
        .order_by("start_date", "pk")
    )


def _recently_left(w: _When) -> QuerySet:
    here = _clinical_assignments(w).filter(school=OuterRef("school"))
    return (
        _health_enrolments()
        .filter(end_date__lt=w.on, end_date__gte=w.on - recently_left_window())
        .filter(Exists(here))
        .order_by("-end_date", "pk")
    )


def _own_documentation(w: _When) -> QuerySet:
    # The user worked at the school when the student left (her assignment may have ended since).
    there_then = _clinical_assignments(w, current=False).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("end_date")),
        school=OuterRef("school"),
        start_date__lte=OuterRef("end_date"),
    )
    return (
        _health_enrolments()
        .filter(end_date__lt=w.on, end_date__gte=w.on - own_documentation_window())
        .filter(Exists(there_then))
        .order_by("-end_date", "pk")
    )


def _valid_grants(w: _When) -> QuerySet[StudentGrant]:
    """The user's valid grants that also hold guardian's object permission."""

    def build():
        permission = StudentUserObjectPermission.objects.filter(
            user_id=w.user_id,
            content_object=OuterRef("student"),
            permission__codename=READ_STUDENT_RECORD,
        )
        return StudentGrant.objects.valid(w.now).filter(Exists(permission), user_id=w.user_id)

    return _built(w, "valid_grants", build)


def _grant(w: _When) -> QuerySet:
    return _valid_grants(w).order_by("-valid_until", "pk")


def _emergency(w: _When) -> QuerySet:
    return (
        EmergencyAccess.objects.active(w.now)
        .filter(user_id=w.user_id)
        .filter(Exists(_serving_in(w, OuterRef("organisation"))))
        .order_by("-ends_at", "pk")
    )


def _serving_in(w: _When, organisation_ref) -> QuerySet[Assignment]:
    # Still a clinician on duty in the organisation the access was opened in: an ended
    # assignment, or a move elsewhere, closes emergency access at once.
    return _clinical_assignments(w).filter(school__organisation_id=organisation_ref)


def _records_officer(w: _When) -> QuerySet:
    role = OrganisationRole.objects.filter(
        staff_member__user_id=w.user_id,
        staff_member__organisation_id=OuterRef("organisation"),
        role=OrganisationRole.Role.RECORDS_OFFICER,
    )
    return (
        RecordsOfficerAccess.objects.active(w.now)
        .filter(user_id=w.user_id)
        .filter(Exists(role))
        .order_by("-ends_at", "pk")
    )


def _registry_admin(w: _When) -> QuerySet:
    # Any enrolment (current or past) at a school of an organisation where the user is a
    # registry admin: the registry, never the journal.
    return Enrolment.objects.filter(
        school__organisation__staff__user_id=w.user_id,
        school__organisation__staff__roles__role=OrganisationRole.Role.REGISTRY_ADMIN,
    )


REASON_QUERIES = {
    AccessReason.CARE_RELATION: _care_relation,
    AccessReason.GRANT: _grant,
    AccessReason.INCOMING: _incoming,
    AccessReason.EMERGENCY: _emergency,
    AccessReason.RECORDS_OFFICER: _records_officer,
    AccessReason.RECENTLY_LEFT: _recently_left,
    AccessReason.OWN_DOCUMENTATION: _own_documentation,
    AccessReason.REGISTRY_ADMIN: _registry_admin,
}

# What a single decision reads of each reason's first row: (annotation, field). A non-null
# first field means the reason applies; the others make the Swedish explanation.
_DETAIL_FIELDS = {
    AccessReason.CARE_RELATION: [("school_id", "school_id"), ("school_name", "school__name")],
    AccessReason.GRANT: [("until", "valid_until")],
    AccessReason.INCOMING: [("school_id", "school_id"), ("starts", "start_date")],
    AccessReason.EMERGENCY: [("until", "ends_at")],
    AccessReason.RECORDS_OFFICER: [("until", "ends_at")],
    AccessReason.RECENTLY_LEFT: [("school_id", "school_id"), ("left", "end_date")],
    AccessReason.OWN_DOCUMENTATION: [("school_id", "school_id"), ("left", "end_date")],
    AccessReason.REGISTRY_ADMIN: [("school_id", "school_id")],
}


def _reason_rows(reason: AccessReason, w: _When) -> QuerySet:
    """The rows that give ``reason`` to the outer query's student (``OuterRef("pk")``)."""
    return _built(
        w, ("reason", reason), lambda: REASON_QUERIES[reason](w).filter(student=OuterRef("pk"))
    )


def _reason_students(reason: AccessReason, w: _When) -> QuerySet:
    """The students ``reason`` applies to (their ids), for ``student__in``."""
    return _built(w, ("students", reason), lambda: REASON_QUERIES[reason](w).values("student_id"))


def _rule_q(reason: AccessReason, w: _When) -> Exists:
    return _built(w, ("rule_q", reason), lambda: Exists(_reason_rows(reason, w)))


def _rules_for(action: Action | None) -> list[Rule]:
    """Rules that allow ``action`` on the student as a whole; None: every rule (visibility)."""
    if action is None:
        return list(RULES)
    return [rule for rule in RULES if action in rule.actions]


def _authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.pk)


def _user_organisation(w: _When) -> QuerySet:
    return StaffMember.objects.filter(user_id=w.user_id).values("organisation_id")[:1]


def _any_unit(w: _When) -> QuerySet:
    return (
        Assignment.objects.current(w.on)
        .filter(staff_member__user_id=w.user_id)
        .order_by("start_date", "pk")
        .values("school_id")[:1]
    )


def may_start_emergency_access(user) -> bool:
    """Emergency access is for clinicians on duty: a record area and a current assignment."""
    return _authenticated(user) and _clinical_assignments(_when(user)).exists()


def is_records_officer(user) -> bool:
    return (
        _authenticated(user)
        and OrganisationRole.objects.filter(
            staff_member__user_id=user.pk, role=OrganisationRole.Role.RECORDS_OFFICER
        ).exists()
    )


def _stub(model, pk):
    # The log takes model instances; an unsaved instance with the primary key sets the foreign
    # key without a query.
    return model(pk=pk) if pk is not None else None
