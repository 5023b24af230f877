"""Portal section: the child's growth values and curves, when the nurse has shared them.

Sharing is a decision per student and care provider (``GrowthSharing``, append-only, made on the
staff growth page): the latest row of the child's care provider (the organisation of the
health-responsible school, ``ChildAccess.organisation``) says whether guardians see the signed,
current measurements — dates, ages, height, weight, BMI and the curves with SD channels. Never
flags or weight classes (those are for the nurse's talk with the family), never drafts or
corrected values. A constant number of queries.
"""

from __future__ import annotations

from dataclasses import replace

from django.utils.translation import gettext_lazy as _

from consent.portal.sections import READ, PortalSection, register_portal_section
from schools.models import Area

from ..models import GrowthMeasurement
from ..services.growth import sharing_state
from ..services.growth_rows import growth_charts, growth_rows, references_for


def growth_context(child) -> dict:
    """``child``: a ``consent.portal.rights.ChildAccess``."""
    student, organisation = child.student, child.organisation
    if organisation is None:
        return {"shared": False}
    sharing = sharing_state(student, organisation.pk)
    if sharing is None or not sharing.shared:
        return {"shared": False}
    measurements = GrowthMeasurement.objects.current().filter(
        student=student, organisation=organisation, area=Area.EMI
    )
    # No settings: the portal shows no flags.
    references = replace(references_for(organisation.pk), settings=None)
    rows = growth_rows(measurements, student=student, references=references)
    return {
        "shared": True,
        "rows": list(reversed(rows)),
        "reference": references.chart,
        "charts": growth_charts(references, student, rows),
    }


register_portal_section(
    PortalSection(
        key="growth",
        title=_("Tillväxt"),
        template="journal/growth/_portal.html",
        context=growth_context,
        right=READ,
        order=40,
    )
)
