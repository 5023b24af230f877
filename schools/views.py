"""Registry pages for health staff: schools, classes, the student page and student search.

Each view asks ``consent.policy`` first: lists filter with ``visible_students`` and the student
page opens through ``get_student_or_404``, which also writes the access-log row. Lists log the
protected-identity students they show (one insert); a names-only list of other students logs
nothing. The class list also shows markers other apps register (``consent.policy.markers``, e.g.
an alert): those are health data, so a marked student is logged too. No view here opens an
atomic block before its log write.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from consent.accesslog import log_accesses
from consent.models import AccessAction
from consent.policy import (
    Action,
    class_members,
    get_student_or_404,
    log_shown_students,
    mark_students,
    shown_accesses,
    visible_schools,
    visible_students,
    with_access_reason,
)
from elevhalsa.pagination import paginate

from .forms import IdentityNumberSearchForm, NameSearchForm
from .models import SchoolClass
from .queries import with_current_placement
from .schoolyear import current_school_year


def _current_members_q(on) -> Q:
    return Q(memberships__start_date__lte=on) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=on)
    )


def _evaluated(page):
    """Fetch the page's rows once, so the log and the template see the same students."""
    page.object_list = list(page.object_list)
    return page


@login_required
@require_http_methods(["GET", "HEAD"])
def school_detail(request, pk: int):
    school = get_object_or_404(visible_schools(request.user).select_related("organisation"), pk=pk)
    school_year = current_school_year()
    today = timezone.localdate()
    # Count only the members the user may see, so the count matches the class list. Counts
    # show no student, so nothing is logged.
    classes = (
        school.classes.filter(school_year=school_year)
        .annotate(
            member_count=Count(
                "memberships",
                filter=_current_members_q(today)
                & Q(memberships__student__in=visible_students(request.user, today)),
            )
        )
        .order_by("grade", "name", "pk")
    )
    return render(
        request,
        "schools/school_detail.html",
        {"school": school, "school_year": school_year, "page": paginate(request, classes)},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def class_detail(request, pk: int):
    school_class = get_object_or_404(
        SchoolClass.objects.filter(school__in=visible_schools(request.user)).select_related(
            "school"
        ),
        pk=pk,
    )
    students = class_members(request.user, school_class)
    page = _evaluated(paginate(request, students))
    # Markers (e.g. an alert) are health data: the students that carry one are logged like a
    # list with health data, in the same insert as the protected-identity students.
    mark_students(request.user, page.object_list)
    log_shown_students(
        request,
        [s for s in page.object_list if s.protected_identity or s.markers],
        only_protected=False,
        school=school_class.school,
    )
    return render(
        request,
        "schools/schoolclass_detail.html",
        {"school_class": school_class, "page": page},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def student_detail(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.READ, request=request)
    return render(request, "schools/student_detail.html", {"student": student})


@sensitive_post_parameters("identity_number")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def student_search(request):
    """Name search by GET (names may be in a URL); identity-number search by POST only, and the
    number is never put in a URL, a redirect, a message or a log line."""
    students = with_access_reason(visible_students(request.user), request.user)
    name_form = NameSearchForm(request.GET if "q" in request.GET else None)
    identity_form = IdentityNumberSearchForm(request.POST if request.method == "POST" else None)
    page = None
    identity_hits: list = []

    if name_form.is_valid():
        matches = students
        for term in name_form.terms():
            matches = matches.filter(Q(given_name__icontains=term) | Q(family_name__icontains=term))
        page = _evaluated(
            paginate(
                request,
                with_current_placement(matches).order_by("family_name", "given_name", "pk"),
            )
        )
    if identity_form.is_valid():
        number = identity_form.cleaned_data["identity_number"]
        identity_hits = list(with_current_placement(students.filter(identity_number=number)))
        if not identity_hits:
            # Neutral: the same answer whether the number is unknown or outside the visible set.
            messages.info(request, _("Ingen elev hittades."))

    # One insert for the response: every identity-number hit shown is an opened search hit;
    # name results log the protected-identity students they show.
    log_accesses(
        [
            *shown_accesses(
                request, identity_hits, action=AccessAction.SEARCH_HIT, only_protected=False
            ),
            *shown_accesses(request, page.object_list if page else []),
        ]
    )
    return render(
        request,
        "schools/student_search.html",
        {
            "name_form": name_form,
            "identity_form": identity_form,
            "page": page,
            "identity_hits": identity_hits,
        },
    )
