"""Project-level pages: the start page ("Mina skolor", the user's unsigned notes and the
self-care plans due for re-assessment, this week's and overdue health visits)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from consent.policy import area_of, visible_schools
from consent.review.scope import reviewer_organisation
from elevhalsa.pagination import paginate
from journal.services.medication import REASSESS_WARNING_DAYS
from journal.views.entries import home_drafts
from journal.views.medication import home_reassessments
from journal.views.visits import home_visits
from schools.models import Area
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
    reassessments, more_reassessments = home_reassessments(request)
    visits = home_visits(request)
    return render(
        request,
        "elevhalsa/home.html",
        {
            "page": paginate(request, schools),
            "school_year": school_year,
            "writes_journal": area_of(request.user) is not None,
            "drafts": drafts,
            "more_drafts": more_drafts,
            "writes_medication": area_of(request.user) == Area.EMI,
            "reassessments": reassessments,
            "more_reassessments": more_reassessments,
            "reassess_days": REASSESS_WARNING_DAYS,
            "visits": visits,
            "is_log_reviewer": reviewer_organisation(request.user) is not None,
        },
    )
