"""The consent app's models: access (log, seals, grants, emergency and records-officer access),
consents (requests, parties, answers, mandates, maturity) and the guardian portal (accounts,
access decisions, per-organisation age rules), cross-organisation active choices, and the log
review, log extracts and blocks (spärr)."""

from .access import *  # noqa: F403
from .access import __all__ as _access_all
from .consents import *  # noqa: F403
from .consents import __all__ as _consents_all
from .portal import *  # noqa: F403
from .portal import __all__ as _portal_all
from .review import *  # noqa: F403
from .review import __all__ as _review_all

__all__ = [*_access_all, *_consents_all, *_portal_all, *_review_all]
