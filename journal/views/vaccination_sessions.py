"""Class vaccination sessions (issue 8, R-VAC-5): a class's sessions, planning one under a
signed general ordination, asking the class for consent in one act, and running the session —
each student's consent and programme status, the lot chosen once at the top, then one click per
student ("keep vaccine and lot, next student").

Sessions are EMI work of the user's own care provider: anyone else gets 404, as for an EMI
entry. The session page shows health data (consents, doses): every student shown is logged, in
one insert; a click opens the student through the policy for WRITE (logged, 403/404 otherwise).
"Absent" and "no consent" are marks in the user's web session only (``SessionMarks``): they
store nothing clinical and disappear with the sign-out.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from consent.consents.parties import NO_PARTY
from consent.policy import (
    Action,
    area_of,
    get_student_or_404,
    log_shown_students,
    visible_schools,
    visible_students,
    with_access_reason,
)
from schools.models import Area, SchoolClass, StaffMember

from ..access import refuse_and_404
from ..forms import add_service_errors
from ..forms_vaccination_sessions import LotForm, OutcomeForm, SessionForm
from ..models import VaccinationSession
from ..services import vaccination_sessions as services


def _organisation_id(user) -> int | None:
    return (
        StaffMember.objects.filter(user_id=user.pk)
        .values_list("organisation_id", flat=True)
        .first()
    )


def _class_or_404(request, pk: int) -> SchoolClass:
    """A class of a school where the user works, for EMI staff of its care provider."""
    school_class = get_object_or_404(
        SchoolClass.objects.filter(school__in=visible_schools(request.user)).select_related(
            "school__organisation"
        ),
        pk=pk,
    )
    if area_of(request.user) != Area.EMI:
        raise Http404
    return school_class


def _session_or_404(request, public_id) -> VaccinationSession:
    session = (
        VaccinationSession.objects.filter(public_id=public_id)
        .select_related("school_class__school__organisation", "vaccine", "ordination", "created_by")
        .first()
    )
    if (
        session is None
        or area_of(request.user) != Area.EMI
        or session.organisation_id != _organisation_id(request.user)
        or not visible_schools(request.user).filter(pk=session.school_id).exists()
    ):
        refuse_and_404(request)
    return session


# --- A class's sessions, and planning one ------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def session_list(request, pk: int):
    school_class = _class_or_404(request, pk)
    sessions = services.sessions_for_class(school_class, _organisation_id(request.user))
    return render(
        request,
        "journal/vaccination/session_list.html",
        {"school_class": school_class, "sessions": list(sessions)},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def session_new(request, pk: int):
    school_class = _class_or_404(request, pk)
    form = SessionForm(
        request.POST if request.method == "POST" else None, school_class=school_class
    )
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                by=request.user, school_class=school_class, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Vaccinationstillfället är planerat till %(date)s.")
                % {"date": session.planned_on.isoformat()},
            )
            return redirect("journal:vaccination-session", public_id=session.public_id)
    return render(
        request,
        "journal/vaccination/session_form.html",
        {"school_class": school_class, "form": form},
    )


@login_required
@require_POST
def session_consents(request, public_id):
    """Ask every current member of the class (that the user may write for) for consent to the
    session's series, in one act; those with a pending or granted request are left out."""
    session = _session_or_404(request, public_id)
    try:
        result = services.session_request_consents(session=session, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        paper = sum(1 for consent in result.created if consent.paper_only)
        text = ngettext(
            "Samtycke begärdes för %(count)s elev.",
            "Samtycke begärdes för %(count)s elever.",
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
            no_party = _(NO_PARTY)
            already = sum(1 for _student, why in result.skipped if why != no_party)
            messages.info(
                request,
                ngettext(
                    "%(count)s elev fick ingen ny begäran (%(already)s har redan en öppen eller "
                    "lämnad, övriga saknar någon som kan svara).",
                    "%(count)s elever fick ingen ny begäran (%(already)s har redan en öppen eller "
                    "lämnad, övriga saknar någon som kan svara).",
                    len(result.skipped),
                )
                % {"count": len(result.skipped), "already": already},
            )
    return redirect("journal:vaccination-session", public_id=session.public_id)


# --- Running the session -----------------------------------------------------------------------


def _students(request, session: VaccinationSession) -> list:
    """The class's current members the user may see, each with ``consent_state``,
    ``series_status``, ``outcome`` (a recorded row) and ``mark`` (absent / no consent): a
    constant number of queries for any class."""
    students = list(
        services.class_members(
            session.school_class,
            with_access_reason(visible_students(request.user), request.user),
        )
    )
    ids = [student.pk for student in students]
    consents = services.consents_by_student(ids, session.vaccine.series)
    outcomes = services.session_outcomes(session)
    statuses = _class_status(students, session)
    marks = services.SessionMarks(request.session, session).all()
    for index, student in enumerate(students, start=1):
        student.row = index
        student.consent_state = consents[student.pk]
        student.outcome = outcomes.get(student.pk)
        student.mark = marks.get(str(student.public_id))
        student.series_status = [
            status
            for status in statuses.get(student.pk, [])
            if status.dose.series == session.vaccine.series
        ]
    return students


def _class_status(students: list, session: VaccinationSession) -> dict:
    from ..services.vaccination_status import class_status

    return class_status(students, organisation=session.organisation)


def _session_url(session: VaccinationSession, lot: dict, row: int | None = None) -> str:
    url = reverse("journal:vaccination-session", args=[session.public_id])
    params = {
        "sats": lot["lot"].pk if lot["lot"] else "",
        "stalle": lot["site"],
        "vag": lot["route"],
    }
    params = {key: value for key, value in params.items() if value}
    if params:
        url += "?" + urlencode(params)
    if row:
        url += f"#row-{row}"
    return url


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def session_detail(request, public_id):
    session = _session_or_404(request, public_id)
    data = request.POST if request.method == "POST" else request.GET
    lot_form = LotForm(data or None, session=session)
    lot = lot_form.chosen()
    students = _students(request, session)
    row_errors: dict[str, list[str]] = {}
    typed: dict[str, dict] = {}

    if request.method == "POST":
        form = OutcomeForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Välj elev och utfall."))
            return redirect(_session_url(session, lot))
        chosen = str(form.cleaned_data["student"])
        index = next((i for i, s in enumerate(students) if str(s.public_id) == chosen), None)
        if index is None:
            refuse_and_404(request)
        student = get_student_or_404(
            request.user, chosen, action=Action.WRITE, request=request, header=False
        )
        outcome = form.cleaned_data["outcome"]
        next_row = min(index + 2, len(students))
        marks = services.SessionMarks(request.session, session)
        if outcome in services.MARKED_OUTCOMES:
            marks.set(student, outcome)
            label = _("ej närvarande") if outcome == services.ABSENT else _("inget samtycke")
            messages.info(
                request,
                _("%(name)s: %(label)s (inget sparas i journalen).")
                % {"name": student.full_name, "label": label},
            )
            return redirect(_session_url(session, lot, next_row))
        consent = _consent_for(student, session)
        try:
            vaccination = services.session_record(
                session=session,
                by=request.user,
                student=student,
                outcome=outcome,
                lot=lot["lot"],
                site=lot["site"],
                route=lot["route"],
                reason=form.cleaned_data["reason"],
                consent=consent,
                consent_override_reason=form.cleaned_data["consent_override_reason"],
            )
        except ValidationError as error:
            row_errors[chosen] = error.messages
            typed[chosen] = {
                "reason": form.cleaned_data["reason"],
                "consent_override_reason": form.cleaned_data["consent_override_reason"],
                "outcome": outcome,
            }
            messages.error(
                request,
                _("%(name)s: inget registrerades. Rätta det markerade.")
                % {"name": student.full_name},
            )
        else:
            marks.set(student, None)
            messages.success(
                request,
                _("%(name)s: %(outcome)s, signerad.")
                % {"name": student.full_name, "outcome": vaccination.get_outcome_display()},
            )
            return redirect(_session_url(session, lot, next_row))

    for student in students:
        student.errors = row_errors.get(str(student.public_id), [])
        student.typed = typed.get(str(student.public_id), {})
    # Consents and doses are health data: every student shown is logged, in one insert.
    log_shown_students(request, students, only_protected=False, school=session.school)
    return render(
        request,
        "journal/vaccination/session_detail.html",
        {
            "session": session,
            "school_class": session.school_class,
            "students": students,
            "lot_form": lot_form,
            "lot": lot,
            "counts": _counts(students),
        },
    )


def _consent_for(student, session: VaccinationSession):
    """The granted, in-force consent a dose rests on (the dose service's rule), or None."""
    from ..services.vaccinations import consent_for

    return consent_for(student, session.vaccine.series)


def _counts(students: list) -> dict[str, int]:
    counts = dict.fromkeys(
        ("given", "declined", "contraindicated", "absent", "no_consent", "left"), 0
    )
    for student in students:
        if student.outcome is not None:
            counts[student.outcome.outcome] = counts.get(student.outcome.outcome, 0) + 1
        elif student.mark:
            counts[student.mark] += 1
        else:
            counts["left"] += 1
    return counts
