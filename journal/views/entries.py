"""Writing the journal: start a note, edit and sign a draft, correct a signed note, set marks,
and the author's list of unsigned notes.

Each view opens its student or entry through the policy first (``get_student_or_404`` /
``get_entry_or_404``: decision and access-log row), then checks the journal's own "only the
author, only a draft" before reading anything posted; the rules themselves are in
``journal.services.entries``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consent.policy import (
    Action,
    get_student_or_404,
    log_shown_students,
    with_access_reason,
)
from elevhalsa.pagination import paginate
from schools.models import School, Student

from ..access import get_entry_or_404, visible_entries
from ..forms import (
    CorrectionForm,
    EntryForm,
    EntryStartForm,
    MarkForm,
    add_service_errors,
    keyword_field_name,
)
from ..models import ContactType, JournalEntry, KeywordValue
from ..models.entries import lock_days
from ..services import entries as services
from ..values import VALUE_COLUMN

# How many unsigned notes the start page shows before "all of them".
HOME_DRAFTS = 10


def _unit(student: Student) -> School | None:
    """The unit the user documents from: the one the policy logged the access from."""
    access = getattr(student, "access", None)
    school_id = getattr(access, "school_id", None)
    return School.objects.filter(pk=school_id).first() if school_id else None


def _entries_with_template():
    return JournalEntry.objects.select_related("template_version__template", "corrects")


def _refuse_unless_own_draft(request, entry: JournalEntry) -> None:
    """403 before anything posted is read: a signed note is never written to, and a draft is
    its author's alone."""
    if entry.is_signed or entry.author_id != request.user.pk:
        raise PermissionDenied


# --- Starting a note -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def entry_new(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.WRITE, request=request)
    templates = services.templates_for(request.user)
    form = EntryStartForm(
        request.POST if request.method == "POST" else None,
        templates=templates,
        template_code=request.GET.get("mall"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_start(
                author=request.user,
                student=student,
                template_version=form.cleaned_data["template_version"],
                contact_at=form.cleaned_data["contact_at"],
                contact_type=form.cleaned_data["contact_type"],
                school=_unit(student),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Anteckningen är påbörjad som utkast."))
            return redirect("journal:entry-edit", entry.public_id)
    return render(request, "journal/entry_new.html", {"student": student, "form": form})


# --- Editing a draft -------------------------------------------------------------------------


def _render_form(request, entry: JournalEntry, form: EntryForm, status: int = 200):
    return render(
        request,
        "journal/entry_form.html",
        {"entry": entry, "student": entry.student, "form": form},
        status=status,
    )


def _with_lock_version(data: QueryDict, lock_version: int) -> QueryDict:
    data = data.copy()
    data["lock_version"] = str(lock_version)
    return data


def _shown(keyword, value) -> str:
    if value is None:
        return ""
    return KeywordValue(keyword=keyword, **{VALUE_COLUMN[keyword.kind]: value}).display


def _conflict_rows(form: EntryForm, current: JournalEntry) -> list[dict[str, Any]]:
    """Per keyword (then contact and codes): the stored text and the user's, side by side."""
    stored = {value.keyword_id: value.display for value in current.values.select_related("keyword")}
    rows = []
    for keyword in form.keywords:
        mine = _shown(keyword, form.cleaned_data.get(keyword_field_name(keyword.code)))
        theirs = stored.get(keyword.pk, "")
        rows.append({"label": keyword.label, "stored": theirs, "mine": mine})
    stored_time = timezone.localtime(current.contact_at).strftime("%Y-%m-%d %H:%M")
    my_time = timezone.localtime(form.cleaned_data["contact_at"]).strftime("%Y-%m-%d %H:%M")
    rows += [
        {
            "label": _("Kontakttyp"),
            "stored": current.get_contact_type_display(),
            "mine": str(ContactType(form.cleaned_data["contact_type"]).label),
        },
        {"label": _("Kontakttid"), "stored": stored_time, "mine": my_time},
        {
            "label": _("Koder"),
            "stored": ", ".join(code.code for code in current.codes.all()),
            "mine": ", ".join(code.code for code in form.cleaned_data["codes"]),
        },
    ]
    for row in rows:
        row["differs"] = row["stored"] != row["mine"]
    return [row for row in rows if row["stored"] or row["mine"]]


def _render_conflict(request, entry: JournalEntry, form: EntryForm, current: JournalEntry):
    """409: someone (the author in another tab) saved since this form was opened. Nothing is
    lost: both texts side by side, and the user's text in a form with the stored version's
    number, to merge and save again."""
    merge_form = None
    if not current.is_signed:
        # No autofocus: the page opens on the comparison, the form comes after it.
        merge_form = EntryForm(
            _with_lock_version(request.POST, current.lock_version), entry=entry, autofocus=False
        )
    return render(
        request,
        "journal/entry_conflict.html",
        {
            "entry": entry,
            "student": entry.student,
            "current": current,
            "rows": _conflict_rows(form, current),
            "form": merge_form,
        },
        status=409,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def entry_edit(request, entry_id):
    entry = get_entry_or_404(
        request, entry_id, action=Action.WRITE, queryset=_entries_with_template()
    )
    _refuse_unless_own_draft(request, entry)
    if entry.is_locked:
        messages.warning(
            request,
            _("Utkastet är låst (äldre än %(days)s dagar): det kan signeras men inte ändras.")
            % {"days": lock_days()},
        )
        return redirect(entry)
    if request.method != "POST":
        return _render_form(request, entry, EntryForm(entry=entry))

    form = EntryForm(request.POST, entry=entry)
    if not form.is_valid():
        return _render_form(request, entry, form)
    try:
        entry = services.entry_save_draft(entry=entry, by=request.user, **form.service_arguments())
    except services.EditConflict as conflict:
        return _render_conflict(request, entry, form, conflict.current)
    except ValidationError as error:
        form.add_service_errors(error)
        return _render_form(request, entry, form)

    if request.POST.get("action") != "sign":
        messages.success(request, _("Utkastet sparades."))
        return redirect("journal:entry-edit", entry.public_id)
    try:
        services.entry_sign(entry=entry, by=request.user, lock_version=entry.lock_version)
    except services.EditConflict:
        messages.error(
            request,
            _("Utkastet sparades men ändrades sedan i en annan flik. Läs igenom och signera igen."),
        )
        return redirect("journal:entry-edit", entry.public_id)
    except ValidationError as error:
        # Saved, not signed: the same text again, with the new version number, and what is missing.
        form = EntryForm(_with_lock_version(request.POST, entry.lock_version), entry=entry)
        form.add_service_errors(error)
        form.add_error(
            None,
            _("Utkastet sparades men signerades inte: fyll i det som saknas och signera igen."),
        )
        return _render_form(request, entry, form)
    messages.success(request, _("Anteckningen signerades."))
    return redirect(entry)


# --- Signing ---------------------------------------------------------------------------------


@login_required
@require_POST
def entry_sign(request, entry_id):
    entry = get_entry_or_404(request, entry_id, action=Action.SIGN)
    _refuse_unless_own_draft(request, entry)
    try:
        lock_version = int(request.POST.get("lock_version", ""))
    except ValueError:
        messages.error(request, _("Sidan var inte aktuell. Läs igenom utkastet och signera igen."))
        return redirect(entry)
    try:
        services.entry_sign(entry=entry, by=request.user, lock_version=lock_version)
    except services.EditConflict:
        messages.error(
            request,
            _("Utkastet har ändrats sedan sidan öppnades. Läs igenom det och signera igen."),
        )
        return redirect(entry)
    except ValidationError as error:
        messages.error(
            request,
            _("Anteckningen signerades inte. %(problems)s")
            % {"problems": " ".join(error.messages)},
        )
        if entry.is_locked:
            return redirect(entry)
        return redirect("journal:entry-edit", entry.public_id)
    messages.success(request, _("Anteckningen signerades."))
    return redirect(entry)


# --- Correcting a signed note ----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def entry_correct(request, entry_id):
    original = get_entry_or_404(
        request, entry_id, action=Action.WRITE, queryset=_entries_with_template()
    )
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            correction = services.entry_start_correction(
                original=original,
                by=request.user,
                reason=form.cleaned_data["reason"],
                school=_unit(original.student),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            status = 400
        else:
            messages.success(
                request,
                _("Rättelsen är ett utkast med texten: ändra det som är fel och signera."),
            )
            return redirect("journal:entry-edit", correction.public_id)
    values = original.values.select_related("keyword").order_by("keyword__order")
    return render(
        request,
        "journal/entry_correct.html",
        {
            "entry": original,
            "student": original.student,
            "values": values,
            "codes": original.codes.all(),
            "form": form,
        },
        status=status,
    )


# --- Marks -----------------------------------------------------------------------------------


@login_required
@require_POST
def entry_mark(request, entry_id):
    entry = get_entry_or_404(request, entry_id, action=Action.WRITE)
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return redirect(entry)
    try:
        mark = services.mark_set(
            entry=entry,
            kind=form.cleaned_data["kind"],
            by=request.user,
            active=form.cleaned_data["active"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(
            request,
            _("Markeringen sparades inte. %(problems)s") % {"problems": " ".join(error.messages)},
        )
        return redirect(entry)
    if mark.active:
        messages.success(
            request, _("Markeringen ”%(kind)s” sattes.") % {"kind": mark.get_kind_display()}
        )
    else:
        messages.success(
            request, _("Markeringen ”%(kind)s” togs bort.") % {"kind": mark.get_kind_display()}
        )
    return redirect(entry)


# --- The author's unsigned notes -------------------------------------------------------------


def own_drafts(user):
    """The user's drafts she may still finish (the record filter for signing: her care
    relations, and the own-documentation reasons after a student left), newest first."""
    return (
        visible_entries(user, action=Action.SIGN)
        .drafts()
        .filter(author_id=user.pk)
        .select_related("student", "template_version__template")
        .order_by("-created_at", "-pk")
    )


def log_drafts_shown(request, entries) -> None:
    """A list of notes shows health data: one access-log row per student on it, one insert."""
    student_ids = {entry.student_id for entry in entries}
    if not student_ids:
        return
    students = with_access_reason(
        Student.objects.filter(pk__in=student_ids).order_by("pk"), request.user, action=None
    )
    log_shown_students(request, students, only_protected=False)


@login_required
@require_http_methods(["GET", "HEAD"])
def my_drafts(request):
    page = paginate(request, own_drafts(request.user))
    entries = list(page.object_list)
    log_drafts_shown(request, entries)
    # Her drafts she can no longer open (the student left long ago, her assignment ended): only
    # how many, so she knows to ask for access; no student data.
    out_of_reach = (
        JournalEntry.objects.drafts()
        .filter(author_id=request.user.pk)
        .exclude(pk__in=own_drafts(request.user).values("pk"))
        .count()
    )
    return render(
        request,
        "journal/my_drafts.html",
        {
            "page": page,
            "entries": entries,
            "out_of_reach": out_of_reach,
            "lock_days": lock_days(),
        },
    )


def home_drafts(request) -> tuple[list[JournalEntry], bool]:
    """The start page's newest unsigned notes (logged), and whether there are more."""
    entries = list(own_drafts(request.user)[: HOME_DRAFTS + 1])
    more = len(entries) > HOME_DRAFTS
    entries = entries[:HOME_DRAFTS]
    log_drafts_shown(request, entries)
    return entries, more


__all__ = [
    "entry_correct",
    "entry_edit",
    "entry_mark",
    "entry_new",
    "entry_sign",
    "home_drafts",
    "my_drafts",
    "own_drafts",
]
