"""Access-log review pages (loggkontroll, issue 11) for the organisation's log reviewer.

Only a user with the ``log_reviewer`` organisation role gets in (``require_reviewer``: 403 for
everyone else, registry admins included); she sees her organisation's part of the log
(``consent.review.scope.reviewed_log``) and her organisation's checks, queue items and
permissions — another organisation's ids answer 404.

Reviewing the log is not reading the record: no health data are shown. DESIGN rule 9 still asks
for a row per protected-identity student a response names, so each page logs those (action
"list", reason "none", record type "accesslog", as the log's admin pages do).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from elevhalsa.pagination import paginate
from schools.models import School

from .accesslog import Access, log_accesses, request_location
from .forms_review import (
    CloseReviewForm,
    FindingForm,
    LogFilterForm,
    MarkReviewedForm,
    NewReviewForm,
    QueueCloseForm,
)
from .models import AccessAction, AccessReason, BlockReveal, LogReview
from .review.checks import CHECKS
from .review.overview import (
    build_overview,
    mark_reviewed,
    overview_csv,
    unreviewed_assignments,
    unreviewed_grants,
)
from .review.reviews import (
    QUEUES,
    close_queue_item,
    close_review,
    create_review,
    queue_items,
    record_finding,
    review_rows,
    with_latest_finding,
)
from .review.scope import held_students, period_bounds, require_reviewer, reviewed_log

LOG_RECORD_TYPE = "accesslog"
PAGE_SIZE = 50
NAME_HITS = 20


def _log_protected(request, organisation, students) -> None:
    """One row per protected-identity student the response names (DESIGN rule 9)."""
    seen: dict[int, object] = {}
    for student in students:
        if student is not None and student.protected_identity and student.pk not in seen:
            seen[student.pk] = student
    log_accesses(
        [
            Access(
                user=request.user,
                student=student,
                action=AccessAction.LIST,
                reason=AccessReason.NONE,
                organisation=organisation,
                record_type=LOG_RECORD_TYPE,
                **request_location(request),
            )
            for student in seen.values()
        ]
    )


def _rows_page(queryset, after: str | None):
    """Keyset pagination, newest first: the rows before the row ``after`` (an id)."""
    rows = queryset.select_related("student", "school", "organisation").order_by("-at", "-pk")
    if after and after.isdigit():
        anchor = queryset.filter(pk=int(after)).values_list("at", flat=True).first()
        if anchor is not None:
            rows = rows.filter(Q(at__lt=anchor) | Q(at=anchor, pk__lt=int(after)))
    page = list(rows[: PAGE_SIZE + 1])
    return page[:PAGE_SIZE], (page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None)


@login_required
@require_http_methods(["GET", "HEAD"])
def log_search(request):
    organisation = require_reviewer(request)
    schools = list(School.objects.filter(organisation=organisation).order_by("name", "pk"))
    form = LogFilterForm(request.GET, schools=schools)
    rows, next_after, name_hits, student = [], None, [], None
    if form.is_valid():
        data = form.cleaned_data
        start, end = period_bounds(data["period_from"], data["period_to"])
        log = reviewed_log(organisation).filter(at__gte=start, at__lt=end)
        held = held_students(organisation)
        if data["name"] and not data["student"]:
            term = data["name"]
            name_hits = list(
                held.filter(
                    Q(family_name__icontains=term) | Q(given_name__icontains=term)
                ).order_by("family_name", "given_name", "pk")[:NAME_HITS]
            )
        if data["student"]:
            student = held.filter(public_id=data["student"]).first()
            if student is None:
                raise Http404
            log = log.filter(student=student)
        if data["username"]:
            log = log.filter(username=data["username"])
        if data["school"]:
            log = log.filter(school_id=data["school"])
        if data["action"]:
            log = log.filter(action=data["action"])
        rows, next_after = _rows_page(log, request.GET.get("efter"))
        _log_protected(request, organisation, [*name_hits, *(row.student for row in rows), student])
    return render(
        request,
        "consent/review/log.html",
        {
            "organisation": organisation,
            "form": form,
            "rows": rows,
            "next_after": next_after,
            "name_hits": name_hits,
            "student": student,
        },
        status=200 if form.is_valid() else 400,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_list(request):
    organisation = require_reviewer(request)
    form = NewReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = create_review(
                organisation=organisation,
                reviewer=request.user,
                kind=form.cleaned_data["kind"],
                check_name=form.cleaned_data["check_name"],
                period_from=form.cleaned_data["period_from"],
                period_to=form.cleaned_data["period_to"],
                parameters=form.parameters(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("consent:review-detail", pk=review.pk)
    reviews = LogReview.objects.filter(organisation=organisation).select_related("reviewer")
    return render(
        request,
        "consent/review/review_list.html",
        {
            "form": form,
            "page": paginate(request, reviews),
            "checks": CHECKS,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _review_or_404(request, pk) -> LogReview:
    organisation = require_reviewer(request)
    return get_object_or_404(LogReview, pk=pk, organisation=organisation)


def _render_review(request, review, *, finding_form=None, close_form=None, status=200):
    rows = with_latest_finding(review_rows(review), review).select_related(
        "student", "school", "organisation"
    )
    page = paginate(request, rows.order_by("-at", "-pk"), per_page=PAGE_SIZE)
    _log_protected(request, review.organisation, [row.student for row in page])
    return render(
        request,
        "consent/review/review_detail.html",
        {
            "review": review,
            "check": CHECKS.get(review.check_name),
            "page": page,
            "finding_form": finding_form,
            "close_form": close_form or CloseReviewForm(),
            "outcomes": FindingForm.base_fields["outcome"].choices,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def review_detail(request, pk):
    return _render_review(request, _review_or_404(request, pk))


@login_required
@require_POST
def review_finding(request, pk):
    review = _review_or_404(request, pk)
    form = FindingForm(request.POST)
    if not form.is_valid():
        return _render_review(request, review, finding_form=form, status=400)
    entry = review_rows(review).filter(pk=form.cleaned_data["log_entry"]).first()
    if entry is None:
        raise Http404
    try:
        record_finding(
            review=review,
            entry=entry,
            outcome=form.cleaned_data["outcome"],
            comment=form.cleaned_data["comment"],
            reviewer=request.user,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _render_review(request, review, finding_form=form, status=400)
    messages.success(request, _("Bedömningen är sparad."))
    url = reverse("consent:review-detail", kwargs={"pk": review.pk})
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}#rad-{entry.pk}" if page.isdigit() else url)


@login_required
@require_POST
def review_close(request, pk):
    review = _review_or_404(request, pk)
    form = CloseReviewForm(request.POST)
    if not form.is_valid():
        return _render_review(request, review, close_form=form, status=400)
    try:
        close_review(review=review, conclusion=form.cleaned_data["conclusion"])
    except ValidationError as error:
        form.add_error(None, error)
        return _render_review(request, review, close_form=form, status=400)
    messages.success(request, _("Kontrollen är avslutad och dokumenterad."))
    return redirect("consent:review-list")


def queue_kind_is_reveal(item) -> bool:
    return isinstance(item, BlockReveal)


@login_required
@require_http_methods(["GET", "HEAD"])
def queue(request):
    organisation = require_reviewer(request)
    sections = [(q, list(queue_items(organisation, q)[:200])) for q in QUEUES.values()]
    for _queue, items in sections:
        for item in items:
            item.queue_student = item.block.student if queue_kind_is_reveal(item) else item.student
    students = [item.queue_student for _queue, items in sections for item in items]
    _log_protected(request, organisation, students)
    return render(
        request,
        "consent/review/queue.html",
        {"sections": sections, "form": QueueCloseForm()},
    )


@login_required
@require_POST
def queue_close(request, kind, pk):
    organisation = require_reviewer(request)
    queue_kind = QUEUES.get(kind)
    if queue_kind is None:
        raise Http404
    item = get_object_or_404(queue_items(organisation, queue_kind), pk=pk)
    form = QueueCloseForm(request.POST)
    if not form.is_valid() or (queue_kind.has_outcome and not form.cleaned_data["outcome"]):
        return HttpResponse(_("Välj ett giltigt granskningsresultat."), status=400)
    outcome = form.cleaned_data["outcome"]
    try:
        close_queue_item(
            item=item, reviewer=request.user, outcome=outcome, comment=form.cleaned_data["comment"]
        )
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    messages.success(request, _("Granskningen är sparad."))
    return redirect("consent:review-queue")


@login_required
@require_http_methods(["GET", "HEAD"])
def permissions(request):
    organisation = require_reviewer(request)
    return render(
        request,
        "consent/review/permissions.html",
        {
            "organisation": organisation,
            "overview": build_overview(organisation),
            "unreviewed_assignments": list(unreviewed_assignments(organisation)[:200]),
            "unreviewed_grants": list(unreviewed_grants(organisation)[:200]),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def permissions_csv(request):
    organisation = require_reviewer(request)
    response = HttpResponse(
        "\ufeff" + overview_csv(build_overview(organisation)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="behorighetsoversikt.csv"'
    return response


@login_required
@require_POST
def permissions_reviewed(request):
    organisation = require_reviewer(request)
    form = MarkReviewedForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Ogiltig begäran."), status=400)
    review = mark_reviewed(
        organisation=organisation,
        reviewer=request.user,
        subject=form.cleaned_data["subject"],
        subject_id=form.cleaned_data["subject_id"],
        comment=form.cleaned_data["comment"],
    )
    if review is None:
        raise Http404
    messages.success(request, _("Markerad som granskad."))
    return redirect("consent:review-permissions")
