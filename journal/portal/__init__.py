"""The journal's sections of the guardian portal (``consent.portal.sections``): one module per
section, registered when imported from ``JournalConfig.ready``."""

from . import entries, growth, vaccinations, visits  # noqa: F401
