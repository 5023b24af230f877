"""Sections of a child's page in the guardian portal, registered by the apps that own the data.

``consent`` knows no journal model, so the journal registers its sections (shared entries,
health visits, growth, vaccinations, medication) from ``JournalConfig.ready`` through
``journal.portal``. A section says which right it needs:

* ``READ``: the age-gated right to read the shared record (1177 rules, blocks, extensions);
* ``ANSWER``: the right to answer consent requests (not age-gated; never journal content).

The portal view calls ``context(child)`` only for sections the child's rights allow, with a
``consent.portal.rights.ChildAccess``; each section must run a constant number of queries and
show only what is shared with guardians.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

READ = "read"
ANSWER = "answer"


@dataclass(frozen=True)
class PortalSection:
    key: str  # unique, e.g. "entries", "visits"
    title: Any  # a lazy translation
    template: str  # rendered with the dict ``context`` returns, plus ``child``
    context: Callable[[Any], dict]  # (ChildAccess) -> template context
    right: str = READ
    order: int = 100


_SECTIONS: dict[str, PortalSection] = {}


def register_portal_section(section: PortalSection) -> None:
    if section.right not in (READ, ANSWER):
        raise ValueError(f"Unknown right {section.right!r}.")
    _SECTIONS[section.key] = section


def portal_sections() -> list[PortalSection]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))
