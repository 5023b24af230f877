"""Reading the record: a student's timeline, one entry in full, and an entry's history.

Each view opens its student or entry through the policy first (one access-log row), then shows
only entries from ``visible_entries``; the querysets come from ``journal.queries`` so the number
of queries does not grow with the record.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from consent.policy import Action, get_student_or_404
from consent.policy.records import blocked_filter
from elevhalsa.pagination import paginate
from schools.models import Area

from ..access import ENTRY_SPEC, get_entry_or_404, visible_entries
from ..filters import EntryFilterForm
from ..models import EntryStatus, JournalEntry, MarkKind
from ..queries import entry_history as history_rows
from ..queries import prepare, timeline
from .other_providers import other_providers


@login_required
@require_http_methods(["GET", "HEAD"])
def record(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.READ, request=request)
    # The record filter once, as ids: the filter choices, the page and the count then ask a
    # plain "pk IN (...)" instead of compiling the policy's subqueries again each time.
    ids = list(visible_entries(request.user).filter(student=student).values_list("pk", flat=True))
    entries = JournalEntry.objects.filter(pk__in=ids)
    form = EntryFilterForm(request.GET or None, entries=entries)
    shown = form.apply(entries) if form.is_bound else entries
    page = paginate(request, timeline(shown, visible=ids).order_by("-contact_at", "-pk"))
    page.object_list = prepare(page.object_list)
    # Other care providers' entries: that they exist, and whether a consent opens them.
    others = other_providers(request.user, student)
    # Blocks (spärr): only that blocked entries exist, in one query (consent.views_blocks).
    blocked = blocked_filter(request.user, ENTRY_SPEC)
    has_blocked = JournalEntry.objects.filter(blocked, student=student).exists()
    return render(
        request,
        "journal/record.html",
        {
            "student": student,
            "form": form,
            "page": page,
            "other_providers": others,
            "has_blocked": has_blocked,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def entry_detail(request, entry_id):
    entry = get_entry_or_404(
        request,
        entry_id,
        action=Action.READ,
        # The whole table, not the visible set: an entry outside it is refused with its student.
        queryset=timeline(JournalEntry.objects.all(), user=request.user).prefetch_related(
            "attachments"
        ),
    )
    prepare([entry])
    user = request.user
    # The correction chain, one step each way: what this entry corrects and what corrects it
    # (drafts too, read-only), in one query through the record filter.
    chain = visible_entries(user).filter(Q(pk=entry.corrects_id) | Q(corrects=entry))
    original, corrections = None, []
    for other in chain.order_by("created_at", "pk"):
        if other.pk == entry.corrects_id:
            original = other
        else:
            corrections.append(other)
    is_author = entry.author_id == user.pk
    signed = entry.status == EntryStatus.SIGNED
    may_write = signed and visible_entries(user, action=Action.WRITE).filter(pk=entry.pk).exists()
    current = {mark.kind: mark for mark in entry.shown_marks}
    mark_forms = []
    if may_write:
        for kind in MarkKind:
            if kind == MarkKind.SHARED_WITH_GUARDIANS and entry.area != Area.EMI:
                continue
            mark_forms.append({"kind": kind, "label": kind.label, "active": current.get(kind)})
    context = {
        "entry": entry,
        "student": entry.student,
        "original": original,
        "corrections": corrections,
        "marks": list(entry.marks.all()),
        "attachments": list(entry.attachments.all()),
        "is_author": is_author,
        "may_edit": is_author and not signed and not entry.is_locked,
        "may_sign": is_author and not signed,
        "may_correct": may_write and not entry.is_corrected,
        "mark_forms": mark_forms,
    }
    return render(request, "journal/entry_detail.html", context)


@login_required
@require_http_methods(["GET", "HEAD"])
def entry_history(request, entry_id):
    entry = get_entry_or_404(
        request,
        entry_id,
        action=Action.READ,
        queryset=JournalEntry.objects.select_related("template_version__template"),
    )
    return render(
        request,
        "journal/entry_history.html",
        {"entry": entry, "student": entry.student, "rows": history_rows(entry)},
    )
