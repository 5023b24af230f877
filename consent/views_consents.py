"""Staff pages for consents: a student's consents (with parties, answers and the forms for
requests, answers on paper or orally, maturity decisions and mandates), a scanned answer, and a
class's requests made in one act with their answers.

Every view opens its student through the policy first (``get_student_or_404``: decision and one
access-log row); consents are not journal content, so every clinician of the student (EMI or
EPI) may read and ask, whatever the consent's scope area. Staff see the consents their own care
provider asked for. The rules are in ``consent.consents``; bad input comes back on the form with
everything typed (a chosen file excepted: browsers never keep one).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db.models import Count, Max, Min, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from schools.models import GuardianRelation, SchoolClass

from . import consents as services
from .forms_consents import (
    AnswerForm,
    ConsentRequestForm,
    MandateForm,
    MaturityForm,
    add_service_errors,
)
from .models import (
    AccessAction,
    Consent,
    ConsentAnswer,
    ConsentKind,
    ConsentMandate,
    ConsentParty,
    ConsentStatus,
    MaturityDecision,
)
from .policy import (
    RULES_BY_REASON,
    Action,
    class_members,
    get_student_or_404,
    log_shown_students,
    visible_schools,
)

# How many of a class's earlier requests (batches) the class page offers to follow.
CLASS_BATCHES = 20


# --- Loading ---------------------------------------------------------------------------------


def with_parties(consents):
    """Each consent's ``party_list``, each party's ``answer_list`` (oldest first) and
    ``latest``: two queries for any number of consents."""
    answers = ConsentAnswer.objects.select_related("answered_by").order_by("at", "pk")
    parties = (
        ConsentParty.objects.select_related("guardian")
        .prefetch_related(Prefetch("answers", queryset=answers, to_attr="answer_list"))
        .order_by("pk")
    )
    return consents.prefetch_related(Prefetch("parties", queryset=parties, to_attr="party_list"))


def _decorate(consents: list[Consent], today) -> list[Consent]:
    relation_labels = dict(GuardianRelation.Type.choices)
    for consent in consents:
        # Pending or granted past its last day: expired, counts as not given.
        undecided = consent.status in services.OPEN_STATUSES
        consent.expired = undecided and services.is_expired(consent, today)
        consent.is_open = undecided and not consent.expired
        for party in consent.party_list:
            party.latest = party.answer_list[-1] if party.answer_list else None
            party.relation_label = relation_labels.get(party.relation_type, "")
        consent.answered = sum(
            1 for party in consent.party_list if party.latest and party.latest.answer == "agree"
        )
    return consents


def _open_student(request, student_id, action=Action.READ, **kwargs):
    if request.method == "POST" and action == Action.WRITE:
        kwargs.setdefault("log_action", AccessAction.CONSENT_CHANGE)
    return get_student_or_404(request.user, student_id, action=action, request=request, **kwargs)


def _get_consent_or_404(request, consent_id, *, action=Action.READ, record=None, **kwargs):
    """The consent (of the user's own care provider) with its student opened through the
    policy: one log row, or a refused row and 404."""
    consent = Consent.objects.filter(public_id=consent_id).select_related("student").first()
    student = _open_student(
        request,
        consent.student.public_id if consent is not None else None,
        action,
        record=record or consent,
        **kwargs,
    )
    if consent.organisation_id != student.access.organisation_id:
        raise Http404
    consent.student = student
    return consent


def _may_write(student) -> bool:
    """Whether the rule that opened the page also allows writing: no second decision query.
    (Conservative: the rare student with another, write-only reason gets no buttons, but the
    forms themselves decide again.)"""
    rule = RULES_BY_REASON.get(student.access.reason)
    return rule is not None and Action.WRITE in rule.actions


def _student_page(student):
    return redirect("consent:consent-list", student.public_id)


# --- A student's consents --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def consent_list(request, student_id):
    student = _open_student(request, student_id)
    today = timezone.localdate()
    consents = _decorate(
        list(
            with_parties(
                Consent.objects.filter(
                    student=student, organisation_id=student.access.organisation_id
                ).select_related("requested_by")
            )
        ),
        today,
    )
    maturity = list(
        MaturityDecision.objects.filter(student=student)
        .select_related("decided_by", "ended_by")
        .order_by("ended_at", "-decided_at")
    )
    mandates = list(
        ConsentMandate.objects.filter(relation__student=student)
        .select_related("relation__guardian", "recorded_by", "ended_by")
        .order_by("ended_at", "relation__guardian__family_name", "kind")
    )
    return render(
        request,
        "consent/consents/consent_list.html",
        {
            "student": student,
            "open_consents": [c for c in consents if c.is_open],
            "closed_consents": [c for c in consents if not c.is_open],
            "maturity_current": [m for m in maturity if m.ended_at is None],
            "maturity_ended": [m for m in maturity if m.ended_at is not None],
            "mandates_current": [m for m in mandates if m.ended_at is None],
            "mandates_ended": [m for m in mandates if m.ended_at is not None],
            "may_write": _may_write(student),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def consent_new(request, student_id):
    student = _open_student(request, student_id, Action.WRITE)
    form = ConsentRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            consent = services.request_consent(
                student=student, by=request.user, **form.request_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if consent.paper_only:
                messages.warning(
                    request,
                    _(
                        "Begäran är registrerad. Skyddade personuppgifter: ingen digital "
                        "förfrågan skickas. Skicka begäran på papper och registrera svaret här."
                    ),
                )
            else:
                messages.success(request, _("Begäran är registrerad."))
            return _student_page(student)
    return render(request, "consent/consents/consent_form.html", {"student": student, "form": form})


# --- Answers -------------------------------------------------------------------------------------


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading a scan as soon as it passes the size limit (instead of writing all of it
    to a temporary file first); the view then says the file was too large."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > services.scan_max_bytes():
            self.request.upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file


@csrf_exempt  # checked by csrf_protect below, once the upload handler is in place
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def answer_record(request, consent_id, party_id):
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))
    return _answer_record(request, consent_id, party_id)


@csrf_protect
def _answer_record(request, consent_id, party_id):
    consent = _get_consent_or_404(request, consent_id, action=Action.WRITE)
    party = get_object_or_404(consent.parties.select_related("guardian"), pk=party_id)
    initial = {"answer": request.GET.get("svar", "")}
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        party=party,
        initial=initial,
    )
    if request.method == "POST":
        valid = form.is_valid()
        if getattr(request, "upload_too_large", False):
            form.errors.pop("scan", None)  # not "choose a file": the one chosen was too large
            form.add_error("scan", services.scan_size_error())
            valid = False
        if valid:
            data = form.cleaned_data
            try:
                services.answer(
                    party,
                    data["answer"],
                    channel=data["channel"],
                    by_user=request.user,
                    note=data["note"],
                    scan=data["scan"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Svaret är registrerat."))
                return _student_page(consent.student)
    consent.party_list = [party]
    party.answer_list = list(party.answers.select_related("answered_by").order_by("at", "pk"))
    _decorate([consent], timezone.localdate())
    return render(
        request,
        "consent/consents/answer_form.html",
        {
            "student": consent.student,
            "consent": consent,
            "party": party,
            "form": form,
            "max_bytes": services.scan_max_bytes(),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def answer_scan(request, consent_id, answer_id):
    """A scanned paper answer, through the policy and the log; never a file URL."""
    answer = (
        ConsentAnswer.objects.filter(pk=answer_id, party__consent__public_id=consent_id)
        .exclude(scan="")
        .first()
    )
    _get_consent_or_404(
        request,
        consent_id if answer is not None else None,
        record=answer,
        header=False,
    )
    try:
        handle = answer.scan.open("rb")
    except OSError:
        raise Http404 from None  # the row is there but the file is not: not a server error
    content_type = services.sniff_scan(handle) or "application/octet-stream"
    extension = services.SCAN_EXTENSIONS.get(content_type, "bin")
    answered = timezone.localtime(answer.at).date()
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=True,
        # A name without personal data: the stored one is random, the uploaded one never kept.
        filename=f"samtycke-svar-{answered.isoformat()}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Maturity decisions and mandates -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def maturity_new(request, student_id):
    student = _open_student(request, student_id, Action.WRITE)
    form = MaturityForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.maturity_record(student=student, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Mognadsbedömningen är registrerad."))
            return _student_page(student)
    return render(
        request, "consent/consents/maturity_form.html", {"student": student, "form": form}
    )


@login_required
@require_POST
def maturity_end(request, pk: int):
    decision = MaturityDecision.objects.filter(pk=pk).select_related("student").first()
    student = _open_student(
        request,
        decision.student.public_id if decision is not None else None,
        Action.WRITE,
        record=decision,
        header=False,
    )
    try:
        services.maturity_end(decision=decision, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Mognadsbedömningen är avslutad."))
    return _student_page(student)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mandate_new(request, student_id):
    student = _open_student(request, student_id, Action.WRITE)
    relations = MandateForm.relations_of(student)
    form = MandateForm(request.POST if request.method == "POST" else None, relations=relations)
    if request.method == "POST" and form.is_valid():
        try:
            services.mandate_record(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Förordnandet är registrerat."))
            return _student_page(student)
    return render(
        request,
        "consent/consents/mandate_form.html",
        {"student": student, "form": form, "has_relations": relations.exists()},
    )


@login_required
@require_POST
def mandate_end(request, pk: int):
    mandate = ConsentMandate.objects.filter(pk=pk).select_related("relation__student").first()
    student = _open_student(
        request,
        mandate.relation.student.public_id if mandate is not None else None,
        Action.WRITE,
        record=mandate,
        header=False,
    )
    try:
        services.mandate_end(mandate=mandate, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Förordnandet är avslutat."))
    return _student_page(student)


# --- A class -----------------------------------------------------------------------------------


def _batches(school_class: SchoolClass, organisation_id: int) -> list[dict]:
    """The class's requests made in one act, newest first: batch, kind, scope, when, how many."""
    batches = list(
        Consent.objects.filter(
            school_class=school_class, organisation_id=organisation_id, batch__isnull=False
        )
        .values("batch")
        .annotate(
            first_requested_at=Min("requested_at"),
            batch_kind=Max("kind"),
            batch_scope_code=Max("scope_code"),
            batch_school_year=Max("school_year"),
            count=Count("pk"),
        )
        .order_by("-first_requested_at")[:CLASS_BATCHES]
    )
    for batch in batches:
        batch["kind_label"] = ConsentKind(batch["batch_kind"]).label
    return batches


def _chosen_batch(value: str | None, batches: list[dict]) -> dict | None:
    try:
        wanted = uuid.UUID(value) if value else None
    except ValueError:
        wanted = None
    if wanted is None:
        return batches[0] if batches else None
    return next((b for b in batches if b["batch"] == wanted), None)


def _skipped_message(skipped) -> str:
    names = ", ".join(student.full_name for student, _why in skipped)
    return ngettext(
        "%(count)s elev fick ingen begäran (redan en öppen begäran eller ingen som kan "
        "svara): %(names)s.",
        "%(count)s elever fick ingen begäran (redan en öppen begäran eller ingen som kan "
        "svara): %(names)s.",
        len(skipped),
    ) % {"count": len(skipped), "names": names}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def class_consents(request, class_id: int):
    """Request a consent for the whole class in one act, and follow the answers of one act:
    each current member's status, how many parties have agreed, whether paper is needed."""
    school_class = get_object_or_404(
        SchoolClass.objects.filter(school__in=visible_schools(request.user)).select_related(
            "school"
        ),
        pk=class_id,
    )
    organisation_id = school_class.school.organisation_id
    form = ConsentRequestForm(
        request.POST if request.method == "POST" else None,
        for_class=True,
        school_year=school_class.school_year,
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.request_for_class(
                school_class=school_class, by=request.user, **form.request_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            paper = sum(1 for consent in result.created if consent.paper_only)
            text = ngettext(
                "Begäran är registrerad för %(count)s elev.",
                "Begäran är registrerad för %(count)s elever.",
                len(result.created),
            ) % {"count": len(result.created)}
            if paper:
                text += " " + ngettext(
                    "%(count)s behöver begäran på papper (skyddade personuppgifter).",
                    "%(count)s behöver begäran på papper (skyddade personuppgifter).",
                    paper,
                ) % {"count": paper}
            messages.success(request, text)
            if result.skipped:
                messages.warning(request, _skipped_message(result.skipped))
            url = reverse("consent:class-consents", args=[school_class.pk])
            if result.batch and result.created:
                url += f"?utskick={result.batch}"
            return redirect(url)

    batches = _batches(school_class, organisation_id)
    batch = _chosen_batch(request.GET.get("utskick"), batches)
    students = list(class_members(request.user, school_class))
    if batch is not None:
        today = timezone.localdate()
        consents = _decorate(
            list(
                with_parties(
                    Consent.objects.filter(
                        batch=batch["batch"],
                        organisation_id=organisation_id,
                        student_id__in=[s.pk for s in students],
                    )
                )
            ),
            today,
        )
        by_student = {consent.student_id: consent for consent in consents}
        for student in students:
            student.consent = by_student.get(student.pk)
        summary = {
            status: sum(1 for c in consents if c.status == status and not c.expired)
            for status in ConsentStatus.values
        }
        summary["paper"] = sum(1 for c in consents if c.paper_only and c.is_open)
        # Consent answers are about the student's care: every student shown is logged.
        log_shown_students(request, students, only_protected=False, school=school_class.school)
    else:
        summary = {}
        log_shown_students(request, students, school=school_class.school)  # names only
    return render(
        request,
        "consent/consents/class_consents.html",
        {
            "school_class": school_class,
            "students": students,
            "batches": batches,
            "batch": batch,
            "summary": summary,
            "form": form,
        },
    )
