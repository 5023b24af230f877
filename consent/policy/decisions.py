"""One decision: ``decide`` and the view entry points that decide *and* log."""

from __future__ import annotations

import datetime
import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Exists,
    OuterRef,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from schools.models import (
    Enrolment,
    Organisation,
    School,
    Student,
)
from schools.queries import header_prefetches

from ..accesslog import Access, log_accesses, request_location
from ..models import (
    AccessAction,
    AccessReason,
)
from .rules import (
    _DETAIL_FIELDS,
    LOG_ACTIONS,
    RULES,
    Action,
    Decision,
    _any_unit,
    _authenticated,
    _reason_rows,
    _stub,
    _user_organisation,
    _when,
)

if TYPE_CHECKING:
    from django.http import HttpRequest


# --- Face 2: one decision ---------------------------------------------------------------------


def _annotate_decision(students: QuerySet[Student], user, on=None) -> QuerySet[Student]:
    """One query: for every reason the first row's details, plus the user's organisation and
    a fallback unit. A reason applies when its first detail is not null."""
    w = _when(user, on)
    annotations: dict[str, Any] = {
        "policy_organisation_id": Subquery(_user_organisation(w)),
        "policy_any_unit_id": Subquery(_any_unit(w)),
    }
    for reason, fields in _DETAIL_FIELDS.items():
        rows = _reason_rows(reason, w)
        for name, field in fields:
            annotations[f"policy_{reason}_{name}"] = Subquery(rows.values(field)[:1])
    return students.annotate(**annotations)


def _applies(student: Student, reason: AccessReason) -> bool:
    first = _DETAIL_FIELDS[reason][0][0]
    return getattr(student, f"policy_{reason}_{first}", None) is not None


def _decision(student: Student, user, action: Action, record=None) -> Decision:
    applying = [rule for rule in RULES if _applies(student, rule.reason)]
    own = record is not None and getattr(record, "author_id", None) == user.pk
    chosen = next(
        (r for r in applying if action in r.actions or (own and action in r.own_records)), None
    )
    shown = chosen or (applying[0] if applying else None)
    organisation_id = getattr(student, "policy_organisation_id", None)
    if shown is None:
        return Decision(False, AccessReason.NONE, "", False, organisation_id, None)
    unit = getattr(student, f"policy_{shown.reason}_school_id", None)
    if shown.reason == AccessReason.REGISTRY_ADMIN:
        unit = None  # the enrolment's school is the student's, not the admin's unit
    return Decision(
        allowed=chosen is not None,
        reason=shown.reason,
        detail=_explain(student, shown.reason),
        # A registry admin sees the registry, not the record: outside it, journal pages 404.
        visible=shown.reason != AccessReason.REGISTRY_ADMIN or action == Action.REGISTRY,
        organisation_id=organisation_id,
        school_id=unit or getattr(student, "policy_any_unit_id", None),
    )


def _date(value) -> str:
    return value.isoformat() if value else ""


def _time(value: datetime.datetime) -> str:
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return formats.time_format(local, "H:i")
    return formats.date_format(local, "Y-m-d H:i")


def _explain(student: Student, reason: AccessReason) -> str:
    """Why the user has access, in the words the student page shows after "Åtkomst:"."""

    def get(name):
        return getattr(student, f"policy_{reason}_{name}", None)

    if reason == AccessReason.CARE_RELATION:
        return _("vårdrelation via tjänstgöring på %(school)s") % {"school": get("school_name")}
    if reason == AccessReason.INCOMING:
        return _("inkommande elev (börjar %(date)s)") % {"date": _date(get("starts"))}
    if reason == AccessReason.GRANT:
        return _("särskild behörighet till %(time)s") % {"time": _time(get("until"))}
    if reason == AccessReason.EMERGENCY:
        return _("nödåtkomst till %(time)s (granskas)") % {"time": _time(get("until"))}
    if reason == AccessReason.RECORDS_OFFICER:
        return _("arkivansvarig till %(time)s (granskas)") % {"time": _time(get("until"))}
    if reason == AccessReason.RECENTLY_LEFT:
        return _("nyligen avslutad elev (slutade %(date)s): endast dokumentation") % {
            "date": _date(get("left"))
        }
    if reason == AccessReason.OWN_DOCUMENTATION:
        return _("egen dokumentation (eleven slutade %(date)s): egna utkast") % {
            "date": _date(get("left"))
        }
    if reason == AccessReason.REGISTRY_ADMIN:
        return _("registeradministratör: registeruppgifter, ingen journal")
    return ""


def decide(user, action: Action | str, student: Student, record=None) -> Decision:
    """May ``user`` do ``action`` on ``student`` (and on ``record``, for the own-records
    rules)? One query; writes nothing — views use ``get_student_or_404``, which also logs."""
    action = Action(action)
    if not _authenticated(user) or student is None or student.pk is None:
        return Decision(False, AccessReason.NONE)
    annotated = _annotate_decision(Student.objects.filter(pk=student.pk), user).first()
    if annotated is None:
        return Decision(False, AccessReason.NONE)
    return _decision(annotated, user, action, record)


def _parse_public_id(public_id) -> uuid.UUID | None:
    """A tampered or malformed id is simply unknown (404), never an error."""
    try:
        return uuid.UUID(str(public_id))
    except ValueError:
        return None


def get_student_or_404(
    user,
    public_id,
    *,
    action: Action | str = Action.READ,
    request: HttpRequest | None = None,
    record=None,
    log_action: AccessAction | str | None = None,
    header: bool = True,
) -> Student:
    """The one way a view opens a student: decide, log, and return the student with its header
    data and ``student.access`` (the Decision), or raise.

    Writes exactly one access-log row, in its own durable transaction, before anything else can
    open an atomic block: the access (``log_action`` or the action's usual log action) with its
    reason — or a ``refused`` row, then 404 when no reason applies (also for unknown or
    malformed ids, with no student) and 403 for a forbidden action on a visible student.
    """
    action = Action(action)
    student = None
    if _authenticated(user):
        public_id = _parse_public_id(public_id)
        if public_id is not None:
            students = Student.objects.filter(public_id=public_id)
            student = _annotate_decision(students, user).first()
    if student is None:
        decision = Decision(False, AccessReason.NONE)
    else:
        decision = _decision(student, user, action, record)
    location = request_location(request) if request is not None else {}
    if record is not None:
        location |= {"record_type": record._meta.label_lower, "record_id": str(record.pk)}
    log_accesses(
        [
            Access(
                user=user,
                student=student,
                action=(log_action or LOG_ACTIONS[action]) if decision else AccessAction.REFUSED,
                reason=decision.reason,
                organisation=_stub(Organisation, decision.organisation_id),
                school=_stub(School, decision.school_id),
                **location,
            )
        ]
    )
    if not decision.allowed:
        if decision.visible:
            raise PermissionDenied
        raise Http404
    if header:
        prefetch_related_objects([student], *header_prefetches())
    student.access = decision
    return student


def get_lookup_student_or_404(
    user,
    public_id,
    *,
    request: HttpRequest | None = None,
    eligible: bool = True,
    log_action: AccessAction | str = AccessAction.SEARCH_HIT,
    reason: AccessReason | str = AccessReason.NONE,
) -> Student:
    """A student of ``lookup_students`` (a stub for the emergency and records-officer steps),
    with one log row: ``log_action``/``reason`` — or a refused row and 404 when the user is not
    ``eligible`` for the step, the id is unknown, or the student is outside her organisation."""
    student = None
    if _authenticated(user):
        public_id = _parse_public_id(public_id)
        if public_id is not None:
            w = _when(user)
            in_scope = Enrolment.objects.filter(
                student=OuterRef("pk"), school__organisation__staff__user_id=user.pk
            )
            student = (
                Student.objects.filter(public_id=public_id)
                .annotate(
                    in_scope=Exists(in_scope),
                    policy_organisation_id=Subquery(_user_organisation(w)),
                    policy_any_unit_id=Subquery(_any_unit(w)),
                )
                .first()
            )
    allowed = eligible and student is not None and student.in_scope
    location = request_location(request) if request is not None else {}
    log_accesses(
        [
            Access(
                user=user,
                student=student,
                action=log_action if allowed else AccessAction.REFUSED,
                reason=reason if allowed else AccessReason.NONE,
                organisation=_stub(Organisation, getattr(student, "policy_organisation_id", None)),
                school=_stub(School, getattr(student, "policy_any_unit_id", None)),
                **location,
            )
        ]
    )
    if not allowed:
        raise Http404
    return student
