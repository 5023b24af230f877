"""Consents (samtycken): who must answer, requests for one student or a whole class, the
multi-party answers, and the maturity decisions and mandates that decide the parties.

* Parties come from the student's *current* guardian relations when the request is made
  (``parties_for``): every vårdnadshavare; a god man or utsedd behörig only with a mandate for the
  kind; annan ansvarig never. A current maturity decision puts the student alone in their place;
  socialtjänsten replaces the guardians when staff say the child is placed.
* ``answer`` is the state machine: granted only when every party's latest answer is agree,
  declined as soon as one declines, withdrawn (at once) when any party withdraws. It runs in one
  transaction with the consent row locked, so two guardians answering at the same moment are
  decided in turn.
* ``in_force_q`` / ``granted_consents`` are what other parts ask ("is there a granted consent
  in force?"); the status column is a projection written only here.

No function takes an HttpRequest; callers that show health data log through the policy first.
"""

from .answers import (
    NOTE_MAX_LENGTH,
    SCAN_EXTENSIONS,
    STAFF_CHANNELS,
    answer,
    check_scan,
    latest_answers,
    scan_max_bytes,
    scan_size_error,
    sniff_scan,
)
from .mandates import mandate_end, mandate_record, maturity_end, maturity_record
from .parties import MANDATED_RELATIONS, NO_PARTY, needs_paper, parties_by_student, parties_for
from .requests import (
    SCOPE_FIELDS,
    RequestFields,
    RequestResult,
    class_members,
    request_consent,
    request_for_class,
)
from .status import (
    OPEN_STATUSES,
    consents_covering,
    granted_consents,
    in_force_q,
    is_expired,
    is_in_force,
    open_q,
    require_writer,
)

__all__ = [
    "MANDATED_RELATIONS",
    "NOTE_MAX_LENGTH",
    "NO_PARTY",
    "OPEN_STATUSES",
    "SCAN_EXTENSIONS",
    "SCOPE_FIELDS",
    "STAFF_CHANNELS",
    "RequestFields",
    "RequestResult",
    "answer",
    "check_scan",
    "class_members",
    "consents_covering",
    "granted_consents",
    "in_force_q",
    "is_expired",
    "is_in_force",
    "latest_answers",
    "mandate_end",
    "mandate_record",
    "maturity_end",
    "maturity_record",
    "needs_paper",
    "open_q",
    "parties_by_student",
    "parties_for",
    "request_consent",
    "request_for_class",
    "require_writer",
    "scan_max_bytes",
    "scan_size_error",
    "sniff_scan",
]
