"""School-time medication orders and self-care (egenvård) plans: a student's overview, each
record's page (write, sign, new version), the per-school list and the start page's
re-assessment reminders.

Every view opens its student or record through the policy first (``get_student_or_404`` /
``get_record_or_404``: decision and access-log row), then checks "only the author, only a draft"
before reading anything posted; the records' rules are in ``journal.services.medication``.
Lists that show health data log one row per student shown, in one insert.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from consent.policy import (
    Action,
    area_of,
    get_student_or_404,
    log_shown_students,
    visible_schools,
    with_access_reason,
)
from elevhalsa.pagination import paginate
from schools.models import Area, Enrolment, Student
from schools.queries import placement_prefetches

from ..access import MEDICATION_SPEC, SELF_CARE_SPEC, get_record_or_404, visible_records
from ..forms import add_service_errors
from ..forms_medication import OrderForm, PlanForm, RevisionForm
from ..models import MedicationOrder, SelfCarePlan
from ..models.signed import SignedRecord
from ..services import medication as services
from ..services.alerts import student_alerts

# How many plans the start page lists before pointing to the per-school lists.
HOME_REASSESSMENTS = 25


@dataclass(frozen=True)
class _Kind:
    """What differs between orders and plans; the views are the same."""

    model: type[SignedRecord]
    spec: Any
    form: type
    name: str  # URL name prefix: order / plan
    create: Any
    save_draft: Any
    sign: Any
    revise: Any
    created: str
    saved: str
    signed: str
    revised: str


ORDER = _Kind(
    model=MedicationOrder,
    spec=MEDICATION_SPEC,
    form=OrderForm,
    name="order",
    create=services.order_create_draft,
    save_draft=lambda record, by, **fields: services.order_save_draft(
        order=record, by=by, **fields
    ),
    sign=lambda record, by: services.order_sign(order=record, by=by),
    revise=lambda record, by, reason: services.order_revise(order=record, by=by, reason=reason),
    created=gettext_lazy("Läkemedlet sparades som utkast."),
    saved=gettext_lazy("Utkastet sparades."),
    signed=gettext_lazy("Läkemedlet signerades."),
    revised=gettext_lazy("Den nya versionen är ett utkast: ändra det som ska ändras och signera."),
)
PLAN = _Kind(
    model=SelfCarePlan,
    spec=SELF_CARE_SPEC,
    form=PlanForm,
    name="plan",
    create=services.plan_create_draft,
    save_draft=lambda record, by, **fields: services.plan_save_draft(plan=record, by=by, **fields),
    sign=lambda record, by: services.plan_sign(plan=record, by=by),
    revise=lambda record, by, reason: services.plan_revise(plan=record, by=by, reason=reason),
    created=gettext_lazy("Egenvårdsplanen sparades som utkast."),
    saved=gettext_lazy("Utkastet sparades."),
    signed=gettext_lazy("Egenvårdsplanen signerades."),
    revised=gettext_lazy("Den nya versionen är ett utkast: ändra det som ska ändras och signera."),
)


def _writes_medication(user) -> bool:
    return area_of(user) == Area.EMI


def _refuse_unless_own_draft(request, record: SignedRecord) -> None:
    """403 before anything posted is read: a signed record is never written to, and a draft
    is its author's alone."""
    if record.is_signed or record.author_id != request.user.pk:
        raise PermissionDenied


def _detail_url(kind: _Kind, record: SignedRecord) -> str:
    return reverse(f"journal:{kind.name}-detail", args=[record.public_id])


def _service_problem(request, error: ValidationError, text: str) -> None:
    messages.error(request, text % {"problems": " ".join(error.messages)})


# --- A student's overview --------------------------------------------------------------------


def _student_records(user, kind: _Kind, student: Student) -> list[SignedRecord]:
    records = services.with_replaced(
        visible_records(user, kind.model, kind.spec).filter(student_id=student.pk)
    )
    return list(records)


def _partition(records, today) -> dict[str, list]:
    groups: dict[str, list] = {"current": [], "draft": [], "history": []}
    for record in records:
        record.state = services.record_state(record, today)
        if record.state in ("current", "upcoming"):
            groups["current"].append(record)
        elif record.state == "draft":
            groups["draft"].append(record)
        else:
            groups["history"].append(record)
        if isinstance(record, SelfCarePlan):
            record.reassessment = services.reassessment_state(record, today)
    return groups


@login_required
@require_http_methods(["GET", "HEAD"])
def overview(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.READ, request=request)
    today = timezone.localdate()
    orders = _partition(
        sorted(
            _student_records(request.user, ORDER, student),
            key=lambda o: (o.medicine.lower(), -o.start_date.toordinal(), -o.pk),
        ),
        today,
    )
    plans = _partition(
        sorted(
            _student_records(request.user, PLAN, student),
            key=lambda p: (-p.valid_from.toordinal(), -p.pk),
        ),
        today,
    )
    history = sorted(
        orders["history"] + plans["history"],
        key=lambda r: r.signed_at or r.created_at,
        reverse=True,
    )
    return render(
        request,
        "journal/care_overview.html",
        {
            "student": student,
            "alerts": student_alerts(request.user, student),
            "orders": orders["current"],
            "plans": plans["current"],
            "drafts": orders["draft"] + plans["draft"],
            "history": history,
            "writes_medication": _writes_medication(request.user),
            "today": today,
        },
    )


# --- One record: new, page, edit, sign, new version ------------------------------------------


def _render_form(request, kind: _Kind, student, form, record=None):
    return render(
        request,
        f"journal/{kind.name}_form.html",
        {"student": student, "form": form, "record": record},
    )


def _sign_after_save(request, kind: _Kind, record: SignedRecord):
    try:
        kind.sign(record, request.user)
    except ValidationError as error:
        _service_problem(request, error, _("Utkastet sparades men signerades inte. %(problems)s"))
        return redirect(f"journal:{kind.name}-edit", record.public_id)
    messages.success(request, kind.signed)
    return redirect(_detail_url(kind, record))


def _new(request, public_id, kind: _Kind):
    student = get_student_or_404(request.user, public_id, action=Action.WRITE, request=request)
    if not _writes_medication(request.user):
        raise PermissionDenied
    if request.method != "POST":
        today = timezone.localdate()
        initial = {"start_date": today} if kind is ORDER else {"valid_from": today}
        return _render_form(request, kind, student, kind.form(initial=initial))
    form = kind.form(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, kind, student, form)
    try:
        record = kind.create(by=request.user, student=student, **form.service_arguments())
    except ValidationError as error:
        form.add_service_errors(error)
        return _render_form(request, kind, student, form)
    if request.POST.get("action") == "sign":
        return _sign_after_save(request, kind, record)
    messages.success(request, kind.created)
    return redirect(_detail_url(kind, record))


def _edit(request, record_id, kind: _Kind):
    record = get_record_or_404(request, kind.model, kind.spec, record_id, action=Action.WRITE)
    _refuse_unless_own_draft(request, record)
    if request.method != "POST":
        return _render_form(request, kind, record.student, kind.form(instance=record), record)
    form = kind.form(request.POST, request.FILES)
    if not form.is_valid():
        return _render_form(request, kind, record.student, form, record)
    try:
        saved = kind.save_draft(record, request.user, **form.service_arguments())
    except ValidationError as error:
        form.add_service_errors(error)
        return _render_form(request, kind, record.student, form, record)
    if request.POST.get("action") == "sign":
        return _sign_after_save(request, kind, saved)
    messages.success(request, kind.saved)
    return redirect(f"journal:{kind.name}-edit", saved.public_id)


def _sign(request, record_id, kind: _Kind):
    record = get_record_or_404(request, kind.model, kind.spec, record_id, action=Action.SIGN)
    _refuse_unless_own_draft(request, record)
    try:
        kind.sign(record, request.user)
    except ValidationError as error:
        _service_problem(request, error, _("Det signerades inte. %(problems)s"))
        return redirect(f"journal:{kind.name}-edit", record.public_id)
    messages.success(request, kind.signed)
    return redirect(_detail_url(kind, record))


def _versions(user, kind: _Kind, record: SignedRecord) -> list[SignedRecord]:
    """Every version of the record's line the user may read, oldest first (one query)."""
    rows = services.with_replaced(
        visible_records(user, kind.model, kind.spec).filter(student_id=record.student_id)
    )
    by_pk = {row.pk: row for row in rows}
    root = by_pk.get(record.pk, record)
    seen = {root.pk}
    while root.replaces_id in by_pk and root.replaces_id not in seen:
        root = by_pk[root.replaces_id]
        seen.add(root.pk)
    children: dict[int, list] = {}
    for row in by_pk.values():
        children.setdefault(row.replaces_id, []).append(row)
    line, todo = [], [root]
    while todo:
        row = todo.pop()
        line.append(row)
        todo.extend(children.get(row.pk, []))
    today = timezone.localdate()
    for row in line:
        row.state = services.record_state(row, today)
    return sorted(line, key=lambda row: (row.created_at, row.pk))


def _render_detail(request, kind: _Kind, record: SignedRecord, revision_form=None, status=200):
    versions = _versions(request.user, kind, record)
    shown = next((row for row in versions if row.pk == record.pk), record)
    state = services.record_state(shown)
    pending = next(
        (row for row in versions if row.replaces_id == record.pk and not row.is_signed), None
    )
    newer = next((row for row in versions if row.replaces_id == record.pk and row.is_signed), None)
    is_author = record.author_id == request.user.pk
    context = {
        "record": record,
        "student": record.student,
        "state": state,
        "versions": versions if len(versions) > 1 else [],
        "pending": pending,
        "newer": newer,
        "is_author": is_author,
        "may_edit": not record.is_signed and is_author,
        "may_revise": record.is_signed
        and state != "replaced"
        and _writes_medication(request.user)
        and (pending is None or pending.author_id == request.user.pk),
        "revision_form": revision_form,
    }
    if isinstance(record, SelfCarePlan):
        context["reassessment"] = services.reassessment_state(record) if record.is_signed else ""
    return render(request, f"journal/{kind.name}_detail.html", context, status=status)


def _detail(request, record_id, kind: _Kind):
    record = get_record_or_404(request, kind.model, kind.spec, record_id, action=Action.READ)
    return _render_detail(request, kind, record)


def _revise(request, record_id, kind: _Kind):
    record = get_record_or_404(request, kind.model, kind.spec, record_id, action=Action.WRITE)
    if not record.is_signed:
        messages.info(request, _("Ett utkast ändras direkt av den som skrev det."))
        return redirect(_detail_url(kind, record))
    if not _writes_medication(request.user):
        raise PermissionDenied
    form = RevisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = kind.revise(record, request.user, form.cleaned_data["reason"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # no longer possible: say why on the page
                _service_problem(request, error, _("Ingen ny version påbörjades. %(problems)s"))
                return redirect(_detail_url(kind, record))
            add_service_errors(form, error)
            return _render_detail(request, kind, record, form, status=400)
        messages.success(request, kind.revised)
        return redirect(f"journal:{kind.name}-edit", draft.public_id)
    return _render_detail(request, kind, record, form)


# The URL's views: one line each, the kind says which records.


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def order_new(request, public_id):
    return _new(request, public_id, ORDER)


@login_required
@require_http_methods(["GET", "HEAD"])
def order_detail(request, record_id):
    return _detail(request, record_id, ORDER)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def order_edit(request, record_id):
    return _edit(request, record_id, ORDER)


@login_required
@require_POST
def order_sign(request, record_id):
    return _sign(request, record_id, ORDER)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def order_revise(request, record_id):
    return _revise(request, record_id, ORDER)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_new(request, public_id):
    return _new(request, public_id, PLAN)


@login_required
@require_http_methods(["GET", "HEAD"])
def plan_detail(request, record_id):
    return _detail(request, record_id, PLAN)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_edit(request, record_id):
    return _edit(request, record_id, PLAN)


@login_required
@require_POST
def plan_sign(request, record_id):
    return _sign(request, record_id, PLAN)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def plan_revise(request, record_id):
    return _revise(request, record_id, PLAN)


# --- Lists: per school, and the start page's reminders ---------------------------------------


def _group_by_student(records) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for record in records:
        grouped.setdefault(record.student_id, []).append(record)
    return grouped


@login_required
@require_http_methods(["GET", "HEAD"])
def school_list(request, pk: int):
    """Students whose health-responsible unit is the school, with current orders or plans
    the user may read; one access-log row per student shown."""
    school = get_object_or_404(visible_schools(request.user).select_related("organisation"), pk=pk)
    today = timezone.localdate()
    orders = services.current_orders(
        visible_records(request.user, MedicationOrder, MEDICATION_SPEC), today
    )
    plans = services.current_plans(
        visible_records(request.user, SelfCarePlan, SELF_CARE_SPEC), today
    )
    enrolled = Enrolment.objects.current(today).filter(
        school=school, is_health_responsible=True, student=OuterRef("pk")
    )
    students = (
        with_access_reason(Student.objects.filter(Exists(enrolled)), request.user)
        .filter(
            Exists(orders.filter(student=OuterRef("pk")))
            | Exists(plans.filter(student=OuterRef("pk")))
        )
        .prefetch_related(*placement_prefetches(today))
        .order_by("family_name", "given_name", "pk")
    )
    page = paginate(request, students)
    page.object_list = list(page.object_list)
    log_shown_students(request, page.object_list, only_protected=False, school=school)
    ids = [student.pk for student in page.object_list]
    orders_of = _group_by_student(orders.filter(student_id__in=ids).order_by("medicine", "pk"))
    plans_of = _group_by_student(plans.filter(student_id__in=ids).order_by("reassess_on", "pk"))
    for student in page.object_list:
        student.care_orders = orders_of.get(student.pk, [])
        student.care_plans = plans_of.get(student.pk, [])
        for plan in student.care_plans:
            plan.reassessment = services.reassessment_state(plan, today)
    return render(
        request,
        "journal/school_care_list.html",
        {"school": school, "page": page, "today": today},
    )


def home_reassessments(request) -> tuple[list[SelfCarePlan], bool]:
    """The start page's self-care plans due for re-assessment within the warning days or
    overdue, at the schools where the user has a care relation (logged), and whether there
    are more. Computed when the page is asked for: no job."""
    if not _writes_medication(request.user):
        return [], False
    today = timezone.localdate()
    care_here = Enrolment.objects.current(today).filter(
        is_health_responsible=True,
        school__in=visible_schools(request.user, today),
        student=OuterRef("student"),
    )
    plans = list(
        services.plans_to_reassess(
            visible_records(request.user, SelfCarePlan, SELF_CARE_SPEC), today
        )
        .filter(Exists(care_here))
        .annotate(school_name=Subquery(care_here.values("school__name")[:1]))
        .select_related("student")
        .order_by("reassess_on", "student__family_name", "pk")[: HOME_REASSESSMENTS + 1]
    )
    more = len(plans) > HOME_REASSESSMENTS
    plans = plans[:HOME_REASSESSMENTS]
    for plan in plans:
        plan.reassessment = services.reassessment_state(plan, today)
    student_ids = {plan.student_id for plan in plans}
    if student_ids:
        students = with_access_reason(
            Student.objects.filter(pk__in=student_ids).order_by("pk"), request.user
        )
        log_shown_students(request, students, only_protected=False)
    return plans, more
