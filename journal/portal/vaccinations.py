"""Portal section: the child's vaccinations in the school programme — the status of each dose
(given, coming, due, ...) and the history of outcomes (date, series and dose, product, given,
declined or contraindication), computed like the staff pages (``vaccination_status``).

No lot, site, vaccinator or reasons: the guardians see what was given and what is coming. Only
signed, current rows (a corrected dose shows as its correction), recorded by the child's care
provider (``ChildAccess.organisation``); the status counts every dose, like the staff pages. The
programme is the care provider's (else the national one). The READ right carries the
portal's age rules (``consent.portal.rights``). A constant number of queries.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.portal.sections import READ, PortalSection, register_portal_section

from ..services.vaccination_status import current_vaccinations, student_status

# In the portal "not applicable" doses are left out (not for this child).
HIDDEN_STATES = ("not_applicable",)


def vaccinations_context(child) -> dict:
    """``child``: a ``consent.portal.rights.ChildAccess``."""
    student = child.student
    organisation = child.organisation
    statuses = [
        row
        for row in student_status(student, organisation=organisation)
        if row.state not in HIDDEN_STATES
    ]
    history = [
        {
            "date": timezone.localtime(row.given_at).date(),
            "series": row.series,
            "dose_number": row.dose_number,
            "outcome": row.get_outcome_display(),
            "vaccine": row.vaccine.name if row.vaccine_id else "",
        }
        for row in reversed(current_vaccinations([student.pk]).get(student.pk, []))
        if organisation is not None and row.organisation_id == organisation.pk
    ]
    return {"statuses": statuses, "history": history}


register_portal_section(
    PortalSection(
        key="vaccinations",
        title=_("Vaccinationer"),
        template="portal/sections/_vaccinations.html",
        context=vaccinations_context,
        right=READ,
        order=35,
    )
)
