"""Registry pages for health staff: schools, classes, the student page and student search.

Each view asks ``consent.policy`` first; everything outside the visible set is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from consent.policy import get_student_or_404, visible_schools, visible_students
from elevhalsa.pagination import paginate

from .forms import IdentityNumberSearchForm, NameSearchForm
from .models import ClassMembership, SchoolClass
from .queries import with_current_placement
from .schoolyear import current_school_year


def _current_members_q(on) -> Q:
    return Q(memberships__start_date__lte=on) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=on)
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def school_detail(request, pk: int):
    school = get_object_or_404(visible_schools(request.user).select_related("organisation"), pk=pk)
    school_year = current_school_year()
    today = timezone.localdate()
    # Count only the members the user may see, so the count matches the class list.
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
    memberships = ClassMembership.objects.current().filter(
        school_class=school_class, student=OuterRef("pk")
    )
    students = visible_students(request.user).filter(Exists(memberships))
    return render(
        request,
        "schools/schoolclass_detail.html",
        {"school_class": school_class, "page": paginate(request, students)},
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def student_detail(request, public_id):
    student = get_student_or_404(request.user, public_id)
    return render(request, "schools/student_detail.html", {"student": student})


@sensitive_post_parameters("identity_number")
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def student_search(request):
    """Name search by GET (names may be in a URL); identity-number search by POST only, and the
    number is never put in a URL, a redirect, a message or a log line."""
    students = visible_students(request.user)
    name_form = NameSearchForm(request.GET if "q" in request.GET else None)
    identity_form = IdentityNumberSearchForm(request.POST if request.method == "POST" else None)
    page = None
    identity_hits: list = []

    if name_form.is_valid():
        matches = students
        for term in name_form.terms():
            matches = matches.filter(Q(given_name__icontains=term) | Q(family_name__icontains=term))
        page = paginate(
            request, with_current_placement(matches).order_by("family_name", "given_name", "pk")
        )
    if identity_form.is_valid():
        number = identity_form.cleaned_data["identity_number"]
        identity_hits = list(with_current_placement(students.filter(identity_number=number)))
        if not identity_hits:
            # Neutral: the same answer whether the number is unknown or outside the visible set.
            messages.info(request, _("Ingen elev hittades."))

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
