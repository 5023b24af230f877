"""The growth summary on the student's overview (``journal/growth/_summary.html``).

``{% growth_summary student as growth %}`` gives the student's newest current measurement,
weight class and flags as the user may see them (the record filter: nothing for a
psychologist), in a constant number of queries. The page already logged its access to the
student (``get_student_or_404``), so the tag logs nothing.
"""

from __future__ import annotations

from django import template

from ..services.growth_rows import GrowthSummary, attach_growth_summaries

register = template.Library()


@register.simple_tag(takes_context=True)
def growth_summary(context, student) -> GrowthSummary | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    access = getattr(student, "access", None)
    if student is None or user is None or not user.is_authenticated or access is None:
        return None
    attach_growth_summaries(user, [student], organisation_id=access.organisation_id)
    return student.growth
