"""Journal test data through the services, the way the views write it."""

from __future__ import annotations

import datetime

from django.utils import timezone

from journal.models import JournalEntry, TemplateVersion
from journal.services.entries import entry_save_draft, entry_sign, entry_start

# A complete åk 4 health visit: every keyword required at signing is filled.
AK4_VALUES = {
    "halsoformular": "Inkommen och genomgången",
    "anamnes": "Mår bra, trivs i klassen.",
    "halsosamtal": "Samtal om sömn och skärmtid.",
    "langd": "142.5",
    "vikt": "35.2",
    "rygg": "Utan anmärkning",
    "bedomning": "Frisk elev, växer enligt sin kurva.",
    "atgard": "Inga.",
}
# Förskoleklass: the visit with vision (bound to VisionResult) and hearing.
FKLASS_VALUES = {
    "halsoformular": "Inkommen och genomgången",
    "langd": "118.0",
    "vikt": "21.4",
    "syn-vanster": "1.0",
    "syn-hoger": "0.6",
    "horsel": "Utan anmärkning",
    "bedomning": "Synskärpa höger öga nedsatt.",
    "atgard": "Ny synkontroll om en månad.",
}
DEFAULT_VALUES = {"halsobesok-ak4": AK4_VALUES, "halsobesok-fklass": FKLASS_VALUES}


def published(code: str = "halsobesok-ak4") -> TemplateVersion:
    """The published version of a national default template (migration 0002)."""
    return TemplateVersion.objects.get(
        template__code=code,
        template__organisation__isnull=True,
        status=TemplateVersion.Status.PUBLISHED,
    )


def make_entry(
    author,
    student,
    *,
    template: str = "halsobesok-ak4",
    values: dict | None = None,
    sign: bool = False,
    contact_at: datetime.datetime | None = None,
    school=None,
) -> JournalEntry:
    """A draft (or, with ``sign``, a signed entry) by ``author`` about ``student``."""
    entry = entry_start(
        author=author,
        student=student,
        template_version=published(template),
        contact_at=contact_at or timezone.now() - datetime.timedelta(hours=1),
        school=school,
    )
    if values is None:
        values = DEFAULT_VALUES.get(template, {})
    if values:
        entry = entry_save_draft(
            entry=entry, by=author, lock_version=entry.lock_version, values=values
        )
    if sign:
        entry = entry_sign(entry=entry, by=author)
    return entry


def age_draft(entry: JournalEntry, days: int) -> JournalEntry:
    """Make a draft look ``days`` old (the lock is computed from ``created_at``)."""
    JournalEntry.objects.filter(pk=entry.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )
    entry.refresh_from_db()
    return entry
