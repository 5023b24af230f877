"""Portal section: the child's upcoming health visit (date, programme point, school) and the
visits done so far (date and point only).

Guardians see **no health data** here: no note, value or status beyond "coming" and "done". The
visits are those of the care provider of the child's health-responsible school (the one whose
programme the child follows); done is what the staff pages call done, a signed note on the
point's template. Children with protected identity are not in the portal at all; their school is
left out here as well, as a second lock. A constant number of queries (five).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.portal.sections import READ, PortalSection, register_portal_section
from schools.models import Enrolment, Student

from ..models import HealthVisit
from ..services.visit_coverage import done_by_student
from ..services.visits import OPEN_STATUSES, programme_for, programme_points, with_done


def _care_provider_id(student: Student) -> int | None:
    """The organisation of the student's current health-responsible school."""
    return (
        Enrolment.objects.current()
        .filter(student=student, is_health_responsible=True)
        .order_by("-start_date", "-pk")
        .values_list("school__organisation_id", flat=True)
        .first()
    )


def upcoming_visit(student: Student, organisation_id: int) -> HealthVisit | None:
    """The next planned or invited visit from today on that is not yet done."""
    return (
        with_done(
            HealthVisit.objects.filter(
                student=student,
                planned_on__gte=timezone.localdate(),
                organisation_id=organisation_id,
                status__in=OPEN_STATUSES,
            )
        )
        .filter(is_done=False)
        .select_related("point", "school")
        .order_by("planned_on", "pk")
        .first()
    )


def visits_context(child) -> dict:
    """``child``: a ``consent.portal.rights.ChildAccess``; only its student is used."""
    student = child.student
    organisation_id = _care_provider_id(student)
    if organisation_id is None:
        return {"upcoming": None, "done": []}
    points = programme_points(programme_for(organisation_id))
    first_signed = done_by_student(
        [student.pk],
        [point.template_id for point in points],
        organisation=organisation_id,
        entries=None,
    ).get(student.pk, {})
    done = [
        {"label": point.label, "date": timezone.localtime(first_signed[point.template_id]).date()}
        for point in points
        if point.template_id in first_signed
    ]
    visit = upcoming_visit(student, organisation_id)
    upcoming = None
    if visit is not None:
        upcoming = {
            "label": visit.point.label,
            "date": visit.planned_on,
            "school": "" if student.protected_identity else visit.school.name,
        }
    return {"upcoming": upcoming, "done": done}


register_portal_section(
    PortalSection(
        key="visits",
        title=_("Hälsobesök"),
        template="portal/sections/_visits.html",
        context=visits_context,
        right=READ,
        order=30,
    )
)
