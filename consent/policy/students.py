"""Lists of schools and students, and the log rows for the students a response shows."""

from __future__ import annotations

import datetime
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from schools.models import (
    Assignment,
    ClassMembership,
    Enrolment,
    Organisation,
    School,
    SchoolClass,
    Student,
)

from ..accesslog import Access, log_accesses, request_location
from ..models import (
    AccessAction,
    AccessReason,
)
from .rules import (
    Action,
    _any_unit,
    _authenticated,
    _reason_rows,
    _rule_q,
    _rules_for,
    _stub,
    _user_organisation,
    _when,
)

if TYPE_CHECKING:
    from django.http import HttpRequest


# --- Face 1: lists of schools and students ---------------------------------------------------


def visible_schools(user, on: datetime.date | None = None) -> QuerySet[School]:
    """Schools where the user has a current assignment. Users without a staff profile see none."""
    if not _authenticated(user):
        return School.objects.none()
    on = on or timezone.localdate()
    assignments = Assignment.objects.current(on).filter(
        staff_member__user_id=user.pk,
        school__organisation_id=F("staff_member__organisation_id"),
        school=OuterRef("pk"),
    )
    return School.objects.filter(Exists(assignments))


def visible_students(
    user, on: datetime.date | None = None, *, action: Action | None = Action.READ
) -> QuerySet[Student]:
    """Students on whom some reason allows ``action`` (default: reading the record) — the
    set every list of students filters with. ``action=None``: every student any reason
    applies to (the 404 boundary)."""
    if not _authenticated(user):
        return Student.objects.none()
    w = _when(user, on)
    rules = _rules_for(action)
    if not rules:
        return Student.objects.none()
    return Student.objects.filter(reduce(or_, (_rule_q(rule.reason, w) for rule in rules)))


def with_access_reason(
    students: QuerySet[Student], user, on: datetime.date | None = None, *, action=Action.READ
) -> QuerySet[Student]:
    """Annotate ``access_reason`` (the first reason allowing ``action``, or "none"),
    ``access_organisation_id`` and ``access_unit_id`` (for the log) on a list of students."""
    if not _authenticated(user):
        return students.annotate(
            access_reason=Value(AccessReason.NONE, output_field=CharField()),
            access_organisation_id=Value(None, output_field=models.IntegerField()),
            access_unit_id=Value(None, output_field=models.IntegerField()),
        )
    w = _when(user, on)
    whens = [When(_rule_q(rule.reason, w), then=Value(rule.reason)) for rule in _rules_for(action)]
    care_unit = _reason_rows(AccessReason.CARE_RELATION, w).values("school_id")[:1]
    return students.annotate(
        access_reason=Case(*whens, default=Value(AccessReason.NONE), output_field=CharField()),
        access_organisation_id=Subquery(_user_organisation(w)),
        access_unit_id=Coalesce(Subquery(care_unit), Subquery(_any_unit(w))),
    )


def _visible_with_access_reason(
    students: QuerySet[Student], user, on: datetime.date | None = None, *, action=Action.READ
) -> QuerySet[Student]:
    """``with_access_reason`` of the ``students`` in ``visible_students(user, on,
    action=action)``: the same set, as "a reason applies", so each reason's subquery is
    built once for the filter and the reason shown."""
    return with_access_reason(students, user, on, action=action).exclude(
        access_reason=AccessReason.NONE
    )


def class_members(
    user, school_class: SchoolClass, on: datetime.date | None = None, *, action=Action.READ
) -> QuerySet[Student]:
    """The class's current members on whom some reason allows ``action`` (as
    ``visible_students``), with ``access_reason`` and the log's organisation and unit
    (``with_access_reason``), in name order: the rows of a class page, in one query."""
    memberships = ClassMembership.objects.current(on).filter(
        school_class=school_class, student=OuterRef("pk")
    )
    members = Student.objects.filter(Exists(memberships))
    return _visible_with_access_reason(members, user, on, action=action).order_by(
        "family_name", "given_name", "pk"
    )


def lookup_students(user) -> QuerySet[Student]:
    """Students with a current or past enrolment at a school of the user's own organisation:
    the only ones a lookup without a care relation may find (and emergency access open)."""
    if not _authenticated(user):
        return Student.objects.none()
    enrolments = Enrolment.objects.filter(
        student=OuterRef("pk"), school__organisation__staff__user_id=user.pk
    )
    return Student.objects.filter(Exists(enrolments))


def shown_accesses(
    request: HttpRequest,
    students,
    *,
    action: AccessAction | str = AccessAction.LIST,
    only_protected: bool = True,
    school: School | None = None,
    reason: AccessReason | str | None = None,
) -> list[Access]:
    """The log rows for the students a response shows (``students`` come from
    ``with_access_reason``). ``only_protected``: a names-only list logs just the students with
    protected identity; pages with health data pass False and log every student. ``school``:
    the unit the list belongs to (else each student's care unit)."""
    location = request_location(request)
    return [
        Access(
            user=request.user,
            student=student,
            action=action,
            reason=reason or getattr(student, "access_reason", AccessReason.NONE),
            organisation=_stub(
                Organisation,
                school.organisation_id
                if school is not None
                else getattr(student, "access_organisation_id", None),
            ),
            school=school
            if school is not None
            else _stub(School, getattr(student, "access_unit_id", None)),
            **location,
        )
        for student in students
        if student.protected_identity or not only_protected
    ]


def log_shown_students(request: HttpRequest, students, **kwargs) -> None:
    """Write ``shown_accesses`` in one insert (none when nothing needs logging)."""
    log_accesses(shown_accesses(request, students, **kwargs))
