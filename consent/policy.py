"""The one access policy: the single place views ask which schools and students a user may see.

First version: only the care relation through an assignment. A current assignment at a school
makes the school visible; a current assignment at a student's current health-responsible school,
held by someone whose profession has a record area (EMI/EPI), makes the student visible. Later
versions add reasons, the access log, grants, blocks and emergency access — here, not in views.

Every rule is set-based SQL (``Exists`` subqueries), so lists filter in the database and never
check rows one by one in Python, and a detail page refuses exactly what a list leaves out.
Outside the visible set the answer is 404, so a stranger cannot tell "exists" from "not yours".
"""

import datetime
import uuid

from django.db.models import Exists, F, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from schools.models import Assignment, Enrolment, Profession, School, Student
from schools.queries import with_header

# Professions that read a record area. Administrators work with the registry, not the journal.
CLINICAL_PROFESSIONS = [profession for profession in Profession if profession.area]


def _current_assignments(user, on: datetime.date) -> QuerySet[Assignment]:
    # An assignment at another organisation's school is bad data (Assignment.clean refuses it),
    # never a care relation: the organisation is the care provider.
    return Assignment.objects.current(on).filter(
        staff_member__user_id=user.pk,
        school__organisation_id=F("staff_member__organisation_id"),
    )


def visible_schools(user, on: datetime.date | None = None) -> QuerySet[School]:
    """Schools where the user has a current assignment. Users without a staff profile see none."""
    if not user.is_authenticated:
        return School.objects.none()
    on = on or timezone.localdate()
    assignments = _current_assignments(user, on).filter(school=OuterRef("pk"))
    return School.objects.filter(Exists(assignments))


def visible_students(user, on: datetime.date | None = None) -> QuerySet[Student]:
    """Students whose current health-responsible school is one where the user, in a clinical
    profession, has a current assignment: the care relation."""
    if not user.is_authenticated:
        return Student.objects.none()
    on = on or timezone.localdate()
    assignments = _current_assignments(user, on).filter(
        staff_member__profession__in=CLINICAL_PROFESSIONS,
        school=OuterRef("school"),
    )
    enrolments = Enrolment.objects.current(on).filter(
        Exists(assignments), student=OuterRef("pk"), is_health_responsible=True
    )
    return Student.objects.filter(Exists(enrolments))


def get_student_or_404(user, public_id) -> Student:
    """The student for the student page, with its header data, or 404 outside the visible set.

    The one way a view opens a student: never ``Student.objects.get`` in a view.
    """
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    student = with_header(visible_students(user)).filter(public_id=public_id).first()
    if student is None:
        raise Http404
    return student
