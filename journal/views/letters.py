"""Invitation letters to health visits (kallelser), as PDF: one student's, or a class's.

Printing a letter is logged as a print of the student (one row per student, in one insert).
Students with protected identity get no letter here: staff handle them on paper, and the pages
only say how many need it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consent.accesslog import Access, AccessAction, AccessReason, log_accesses, request_location
from consent.policy import (
    Action,
    area_of,
    get_student_or_404,
    visible_schools,
    visible_students,
    with_access_reason,
)
from schools.models import Area, ClassMembership, Organisation, SchoolClass

from ..access import refuse_and_404
from ..letters import (
    build_letters_pdf,
    class_letter_students,
    class_point,
    letter_for,
    letter_visits,
    plannable_visits,
    sender_of,
)
from ..models import HealthVisit


def _pdf_response(pdf: bytes, stem: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    # No personal data in the name: it ends up in download folders and browser histories.
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.pdf"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _current_class_name(student, school) -> str:
    membership = (
        ClassMembership.objects.current()
        .filter(student=student, school_class__school=school)
        .select_related("school_class")
        .order_by("-start_date")
        .first()
    )
    return membership.school_class.name if membership else ""


@login_required
@require_http_methods(["GET", "HEAD"])
def visit_letter(request, pk: int):
    """One student's letter for one planned visit."""
    visit = HealthVisit.objects.select_related("student").filter(pk=pk).first()
    if visit is None:
        refuse_and_404(request)
    printable = letter_visits(request.user).filter(pk=visit.pk).first()
    if printable is None and not plannable_visits(request.user).filter(pk=visit.pk).exists():
        # Not the user's visit to plan (another unit, organisation or area): as unknown.
        refuse_and_404(request, visit, visit.student)
    protected = bool(visit.student.protected_identity)
    printing = printable is not None and not protected
    student = get_student_or_404(
        request.user,
        visit.student.public_id,
        action=Action.WRITE,
        request=request,
        record=visit,
        log_action=AccessAction.PRINT if printing else AccessAction.VIEW,
    )
    if protected:
        return render(
            request,
            "journal/letters_form.html",
            {"refusal": "protected", "student": student},
            status=403,
        )
    if printable is None:
        return render(
            request,
            "journal/letters_form.html",
            {"refusal": "not_planned", "student": student},
            status=404,
        )
    letter = letter_for(printable, student, _current_class_name(student, printable.school))
    pdf = build_letters_pdf([letter], sender=sender_of(request.user))
    return _pdf_response(pdf, "kallelse-halsobesok")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def class_letters(request, pk: int):
    """GET: how many letters a class gets and how many students need paper handling;
    POST: the letters, one page each."""
    school_class = get_object_or_404(
        SchoolClass.objects.filter(school__in=visible_schools(request.user)).select_related(
            "school__organisation"
        ),
        pk=pk,
    )
    if area_of(request.user) != Area.EMI:
        # Health visits are EMI records; a psychologist's class pages do not lead here.
        raise Http404
    point = class_point(school_class)
    students: list = []
    if point is not None:
        visible = with_access_reason(
            visible_students(request.user, action=Action.WRITE), request.user, action=Action.WRITE
        )
        students = class_letter_students(school_class, point, visible, request.user)
    printed = [student for student in students if not student.protected_identity]
    paper = len(students) - len(printed)

    if request.method == "POST" and printed:
        location = request_location(request)
        organisation = Organisation(pk=school_class.school.organisation_id)
        log_accesses(
            [
                Access(
                    user=request.user,
                    student=student,
                    action=AccessAction.PRINT,
                    reason=getattr(student, "access_reason", AccessReason.CARE_RELATION),
                    organisation=organisation,
                    school=school_class.school,
                    record_type=HealthVisit._meta.label_lower,
                    record_id=str(student.letter_visit.pk),
                    **location,
                )
                for student in printed
            ]
        )
        letters = [
            letter_for(student.letter_visit, student, school_class.name) for student in printed
        ]
        pdf = build_letters_pdf(
            letters,
            sender=sender_of(request.user),
            title=_("Kallelser till hälsobesök, klass %(name)s") % {"name": school_class.name},
        )
        return _pdf_response(pdf, f"kallelser-{slugify(school_class.name) or 'klass'}")

    return render(
        request,
        "journal/letters_form.html",
        {
            "school_class": school_class,
            "point": point,
            "letter_count": len(printed),
            "paper_count": paper,
            "member_count": ClassMembership.objects.current()
            .filter(school_class=school_class)
            .count(),
            "nothing_to_print": request.method == "POST",
        },
    )
