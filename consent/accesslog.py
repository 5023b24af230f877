"""Writing the access log: one row per student shown, in one INSERT, that survives the request.

Call ``log_accesses`` (or ``log_access``) at the access check, **before any other atomic block**
of the request. It commits at once in its own durable transaction on the default connection, so
a later failure that rolls the request's work back leaves the log rows. Two consequences:

* ``ATOMIC_REQUESTS`` must stay off on every database (``consent.checks`` refuses it): inside a
  request-wide transaction the log row would roll back with the request, and the durable block
  raises ``RuntimeError`` instead.
* A second database alias for the log is no alternative: it does not work under pytest-django's
  test transactions nor on SQLite.

What to log (DESIGN.md, access rule 9): a row per student for every response that shows health
data (a list of 30 is 30 rows in this one insert), for every response that shows a
protected-identity student at all, for every opened search hit, and for refused attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import DEFAULT_DB_ALIAS, transaction

from schools.identity import mask_identity_numbers

from .models import AccessAction, AccessLogEntry, AccessReason

if TYPE_CHECKING:
    from django.http import HttpRequest

    from elevhalsa.models import User
    from schools.models import Organisation, School, Student

__all__ = [
    "Access",
    "AccessAction",
    "AccessReason",
    "log_access",
    "log_accesses",
    "request_location",
]


@dataclass(frozen=True)
class Access:
    """One access to log. ``student`` is None when a refused attempt named no existing student;
    ``protected`` is taken from the student unless given."""

    user: User | None
    student: Student | None
    action: AccessAction | str
    reason: AccessReason | str = AccessReason.NONE
    organisation: Organisation | None = None  # the user's care provider
    school: School | None = None  # the unit the access was made from
    record_type: str = ""
    record_id: str = ""
    view_name: str = ""
    path: str = ""  # without query string; identity numbers are masked anyway
    protected: bool | None = None

    def to_entry(self) -> AccessLogEntry:
        user = self.user if self.user is not None and self.user.is_authenticated else None
        protected = self.protected
        if protected is None:
            protected = bool(self.student is not None and self.student.protected_identity)
        return AccessLogEntry(
            user=user,
            username=user.get_username() if user is not None else "",
            student=self.student,
            action=self.action,
            reason=self.reason,
            organisation=self.organisation,
            school=self.school,
            record_type=_clean(self.record_type, AccessLogEntry, "record_type"),
            record_id=_clean(str(self.record_id), AccessLogEntry, "record_id"),
            view_name=_clean(self.view_name, AccessLogEntry, "view_name"),
            path=_clean(self.path.split("?", 1)[0], AccessLogEntry, "path"),
            protected=protected,
        )


def _clean(text: str, model, field_name: str) -> str:
    """Mask identity numbers (defensively: callers should never pass any) and fit the column."""
    max_length = model._meta.get_field(field_name).max_length
    return mask_identity_numbers(text or "")[:max_length]


def request_location(request: HttpRequest) -> dict[str, str]:
    """``view_name`` and ``path`` of a request, for ``Access(..., **request_location(request))``."""
    match = getattr(request, "resolver_match", None)
    return {"view_name": match.view_name if match else "", "path": request.path}


def log_accesses(accesses: Sequence[Access]) -> None:
    """Write one row per access in one multi-row INSERT, committed at once (durable)."""
    if not accesses:
        return
    entries = [access.to_entry() for access in accesses]
    # durable: refuses to run inside another atomic block, whose rollback would take the rows
    # with it. savepoint=False changes nothing outside tests (a durable block is outermost) and
    # keeps pytest-django's query counts free of SAVEPOINT statements.
    with transaction.atomic(using=DEFAULT_DB_ALIAS, durable=True, savepoint=False):
        AccessLogEntry.objects.using(DEFAULT_DB_ALIAS).bulk_create(entries)


def log_access(
    user: User | None,
    student: Student | None,
    action: AccessAction | str,
    reason: AccessReason | str = AccessReason.NONE,
    **details,
) -> None:
    """Log a single access; ``details`` are the other fields of ``Access``."""
    log_accesses([Access(user=user, student=student, action=action, reason=reason, **details)])
