"""The permissions overview (behörighetsöversikt): who can read which students and why, per
school, for the organisation's log reviewer — and the reminder of reasons not reviewed lately.

Reasons shown: assignments (a care relation to the school's students with a health-responsible
enrolment, in the profession's area), explicit grants, and the emergency and records-officer
accesses open now. Protected-identity students are never named here, nor in the CSV: they are
counted (per school) or shown as "skyddade personuppgifter".
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.models import EmergencyAccess, PermissionReview, RecordsOfficerAccess, StudentGrant
from schools.models import Assignment, Enrolment, Organisation, Profession, School

__all__ = [
    "Overview",
    "build_overview",
    "mark_reviewed",
    "overview_csv",
    "unreviewed_assignments",
    "unreviewed_grants",
]

PROTECTED_LABEL = "skyddade personuppgifter"


@dataclass
class SchoolRow:
    school: School
    students: int = 0
    protected: int = 0
    assignments: list = field(default_factory=list)


@dataclass
class Overview:
    schools: list[SchoolRow]
    grants: list
    emergency: list
    records_officer: list


def _reminder_since() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=settings.ACCESS_REVIEW_REMINDER_DAYS)


def _current_assignments(organisation: Organisation) -> QuerySet[Assignment]:
    return Assignment.objects.current().filter(school__organisation_id=organisation.pk)


def _valid_grants(organisation: Organisation) -> QuerySet[StudentGrant]:
    return StudentGrant.objects.valid().filter(user__staff_member__organisation_id=organisation.pk)


def _reviewed_since(organisation, subject: str, since) -> Exists:
    return Exists(
        PermissionReview.objects.filter(
            organisation_id=organisation.pk,
            subject=subject,
            subject_id=OuterRef("pk"),
            reviewed_at__gte=since,
        )
    )


def unreviewed_assignments(organisation: Organisation) -> QuerySet[Assignment]:
    """Current assignments that started, and were last reviewed, before the reminder period."""
    since = _reminder_since()
    return (
        _current_assignments(organisation)
        .filter(start_date__lt=timezone.localdate(since))
        .exclude(_reviewed_since(organisation, PermissionReview.Subject.ASSIGNMENT, since))
        .select_related("staff_member__user", "school")
        .order_by("school__name", "staff_member__user__last_name", "pk")
    )


def unreviewed_grants(organisation: Organisation) -> QuerySet[StudentGrant]:
    since = _reminder_since()
    return (
        _valid_grants(organisation)
        .filter(valid_from__lt=since)
        .exclude(_reviewed_since(organisation, PermissionReview.Subject.GRANT, since))
        .select_related("user", "student")
        .order_by("valid_from", "pk")
    )


def mark_reviewed(
    *, organisation, reviewer, subject: str, subject_id: int, comment: str = ""
) -> PermissionReview | None:
    """Record a review of one of the organisation's assignments or grants; None if it is not."""
    if subject == PermissionReview.Subject.ASSIGNMENT:
        exists = Assignment.objects.filter(
            pk=subject_id, school__organisation_id=organisation.pk
        ).exists()
    elif subject == PermissionReview.Subject.GRANT:
        exists = StudentGrant.objects.filter(
            pk=subject_id, user__staff_member__organisation_id=organisation.pk
        ).exists()
    else:
        exists = False
    if not exists:
        return None
    return PermissionReview.objects.create(
        organisation=organisation,
        subject=subject,
        subject_id=subject_id,
        reviewer=reviewer,
        comment=comment,
    )


def build_overview(organisation: Organisation) -> Overview:
    """A constant number of queries, whatever the size of the organisation."""
    rows = {
        school.pk: SchoolRow(school)
        for school in School.objects.filter(organisation_id=organisation.pk).order_by("name", "pk")
    }
    counts = (
        Enrolment.objects.current()
        .filter(school__organisation_id=organisation.pk, is_health_responsible=True)
        .order_by()
        .values("school_id")
        .annotate(
            students=Count("student_id", distinct=True),
            protected=Count("student_id", distinct=True, filter=~Q(student__protected_identity="")),
        )
    )
    for count in counts:
        row = rows[count["school_id"]]
        row.students, row.protected = count["students"], count["protected"]
    for assignment in (
        _current_assignments(organisation)
        .select_related("staff_member__user")
        .order_by("staff_member__user__last_name", "staff_member__user__first_name", "pk")
    ):
        rows[assignment.school_id].assignments.append(assignment)
    now = timezone.now()
    return Overview(
        schools=list(rows.values()),
        grants=list(
            _valid_grants(organisation).select_related("user", "student").order_by("valid_until")
        ),
        emergency=list(
            EmergencyAccess.objects.active(now)
            .filter(organisation_id=organisation.pk)
            .select_related("user", "student")
        ),
        records_officer=list(
            RecordsOfficerAccess.objects.active(now)
            .filter(organisation_id=organisation.pk)
            .select_related("user", "student")
        ),
    )


def student_label(student) -> str:
    """A student as the overview names her: never a protected-identity student's details."""
    if student.protected_identity:
        return _("Skyddade personuppgifter")
    return f"{student.given_name} {student.family_name} ({student.birth_date:%Y})"


def _area(profession: str) -> str:
    area = Profession(profession).area
    return str(area) if area else ""


def overview_csv(overview: Overview) -> str:
    """One row per reason: an assignment (the school's students counted, protected counted
    apart), a grant, an emergency or records-officer access (the student named unless
    protected)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        [
            _("Skolenhet"),
            _("Användare"),
            _("Yrke"),
            _("Område"),
            _("Skäl"),
            _("Elev"),
            _("Antal elever"),
            _("varav skyddade"),
            _("Gäller till"),
        ]
    )
    for row in overview.schools:
        for assignment in row.assignments:
            member = assignment.staff_member
            writer.writerow(
                [
                    row.school.name,
                    member.user.get_full_name() or member.user.username,
                    member.get_profession_display(),
                    _area(member.profession),
                    _("Tjänstgöring (vårdrelation)"),
                    "",
                    row.students,
                    row.protected,
                    assignment.end_date or "",
                ]
            )
    for label, items in (
        (_("Särskild behörighet"), overview.grants),
        (_("Nödåtkomst"), overview.emergency),
        (_("Arkivansvarig"), overview.records_officer),
    ):
        for item in items:
            until = getattr(item, "valid_until", None) or getattr(item, "ends_at", None)
            writer.writerow(
                [
                    "",
                    item.user.get_full_name() or item.user.username,
                    "",
                    getattr(item, "area", ""),
                    label,
                    student_label(item.student),
                    "",
                    "",
                    timezone.localtime(until).strftime("%Y-%m-%d %H:%M") if until else "",
                ]
            )
    return out.getvalue()
