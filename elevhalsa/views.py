"""Project-level pages: the start page ("Mina skolor" and the user's unsigned notes)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from consent.policy import area_of, visible_schools
from elevhalsa.pagination import paginate
from journal.views.entries import home_drafts
from schools.schoolyear import current_school_year


@login_required
@require_http_methods(["GET", "HEAD"])
def home(request):
    school_year = current_school_year()
    schools = (
        visible_schools(request.user)
        .select_related("organisation")
        .annotate(class_count=Count("classes", filter=Q(classes__school_year=school_year)))
        .order_by("name", "pk")
    )
    drafts, more_drafts = home_drafts(request)
    return render(
        request,
        "elevhalsa/home.html",
        {
            "page": paginate(request, schools),
            "school_year": school_year,
            "writes_journal": area_of(request.user) is not None,
            "drafts": drafts,
            "more_drafts": more_drafts,
        },
    )
