"""The alert banner on every page about a student (``partials/_alert_banner.html``).

``{% banner_alerts student request.user as alerts %}`` gives the student's active alerts the user
may see, in one query, severe first. The page already logged its access to the student
(``get_student_or_404``), so the banner logs nothing. The student header includes the banner;
a page that also includes it directly gets it once: the tag remembers, per request, the students
whose banner is shown.
"""

from __future__ import annotations

from django import template

from ..services.alerts import banner_alerts as _banner_alerts

register = template.Library()


@register.simple_tag(takes_context=True)
def banner_alerts(context, student, user=None) -> list:
    request = context.get("request")
    if user is None:
        user = getattr(request, "user", None)
    if student is None or getattr(student, "pk", None) is None:
        return []
    if user is None or not user.is_authenticated:
        return []
    if request is not None:
        shown = request.__dict__.setdefault("_alert_banners_shown", set())
        if student.pk in shown:
            return []
        shown.add(student.pk)
    return _banner_alerts(user, student)
