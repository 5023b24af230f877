"""Portal section: entries the nurse shared with guardians (EMI only).

What a guardian reads is exactly this: signed EMI entries whose current "shared with guardians"
mark is set (marks are append-only; the latest row per kind is the state), newest first, as
read-only text under the VIPS headings. Never EPI, never drafts, never an unshared entry, no
codes, attachments or staff marks.

A corrected entry is read in its corrected version: the newest signed correction replaces the
original, with the date it was corrected. A correction inherits the original's sharing unless it
has a mark of its own (a withdrawn mark on the correction unshares it).
"""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils.translation import gettext_lazy as _

from consent.portal.sections import READ, PortalSection, register_portal_section
from schools.models import Area

from ..models import EntryMark, EntryStatus, JournalEntry, KeywordValue, MarkKind

__all__ = ["shared_entries"]


def _versions(student):
    """Every signed EMI entry of the student with its own latest sharing state (True, False or
    None for no mark): ids only, one query."""
    latest_shared = (
        EntryMark.objects.filter(entry=OuterRef("pk"), kind=MarkKind.SHARED_WITH_GUARDIANS)
        .order_by("-created_at", "-pk")
        .values("active")[:1]
    )
    return (
        JournalEntry.objects.filter(student=student, area=Area.EMI, status=EntryStatus.SIGNED)
        .annotate(shared=Subquery(latest_shared))
        .order_by("signed_at", "pk")
        .values_list("pk", "corrects_id", "shared")
    )


def _shown_ids(student) -> dict[int, int | None]:
    """The newest version of every shared entry: id → the id of the version it corrects."""
    rows = list(_versions(student))
    corrects = {pk: original for pk, original, _shared in rows}
    own_mark = {pk: shared for pk, _original, shared in rows}
    replaced = {original for original in corrects.values() if original in corrects}

    def shared(pk) -> bool:
        # Own mark first, else the original's (following the chain of corrections).
        seen = set()
        while pk is not None and pk not in seen:
            seen.add(pk)
            if own_mark.get(pk) is not None:
                return bool(own_mark[pk])
            pk = corrects.get(pk)
        return False

    return {pk: corrects[pk] for pk in corrects if pk not in replaced and shared(pk)}


def shared_entries(student) -> list[JournalEntry]:
    """The student's entries shared with guardians, newest first, with what the portal shows:
    template, unit, keyword values with their keywords. Three queries, however many entries."""
    shown = _shown_ids(student)
    entries = list(
        JournalEntry.objects.filter(pk__in=list(shown))
        .select_related("template_version__template", "school", "organisation")
        .prefetch_related(
            Prefetch(
                "values",
                queryset=KeywordValue.objects.select_related("keyword").order_by("keyword__order"),
            )
        )
        .order_by("-contact_at", "-pk")
    )
    for entry in entries:
        entry.is_correction = entry.corrects_id is not None
    return entries


def _context(child) -> dict:
    return {"entries": shared_entries(child.student)}


register_portal_section(
    PortalSection(
        key="entries",
        title=_("Delade anteckningar"),
        template="portal/sections/_entries.html",
        context=_context,
        right=READ,
        order=20,
    )
)
