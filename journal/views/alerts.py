"""Alerts (uppmärksamhetssignaler): a student's list, recording a new one, changing one and
making one inactive.

Each view opens its student or alert through the policy first (``get_student_or_404`` /
``get_record_or_404``: decision and one access-log row); alerts cross the EMI/EPI wall, so a
psychologist records and reads them as a nurse does. The rules are in
``journal.services.alerts``; bad input comes back on the form with everything typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from consent.policy import Action, decide, get_student_or_404

from ..access import ALERT_SPEC, get_record_or_404
from ..forms import add_service_errors
from ..forms_alerts import AlertForm, AlertInactivateForm
from ..models import Alert
from ..services import alerts as services

# Field names as the history shows them.
HISTORY_FIELDS = ("kind", "substance", "reaction", "severity", "condition", "description")


def _history(alerts: list[Alert]) -> list[dict]:
    """The history of the alerts shown, newest first, each row with what changed: one query."""
    if not alerts:
        return []
    by_id = {alert.pk: alert for alert in alerts}
    rows = list(
        Alert.history.filter(id__in=list(by_id))
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    labels = {name: Alert._meta.get_field(name).verbose_name for name in HISTORY_FIELDS}
    result = []
    previous = None
    for row in rows:
        if previous is None or previous.id != row.id:
            changes = []
            what = _("Registrerad")
        else:
            changes = [
                {
                    "field": str(labels[name]).capitalize(),
                    "old": _display(previous, name),
                    "new": _display(row, name),
                }
                for name in HISTORY_FIELDS
                if getattr(previous, name) != getattr(row, name)
            ]
            if previous.is_active and not row.is_active:
                what = _("Inaktiverad: %(reason)s") % {"reason": row.inactivated_reason}
            else:
                what = _("Ändrad")
        user = row.history_user
        result.append(
            {
                "alert": by_id[row.id],
                "date": row.history_date,
                "by": (user.get_full_name() or user.get_username()) if user else "–",
                "what": what,
                "changes": changes,
            }
        )
        previous = row
    result.sort(key=lambda item: item["date"], reverse=True)
    return result


def _display(row, name: str) -> str:
    value = getattr(row, name)
    if name in ("kind", "severity"):
        return str(getattr(row, f"get_{name}_display")()) if value else "–"
    return value or "–"


@login_required
@require_http_methods(["GET", "HEAD"])
def alert_list(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.READ, request=request)
    alerts = list(services.student_alerts(request.user, student, active_only=False))
    return render(
        request,
        "journal/alert_list.html",
        {
            "student": student,
            "active_alerts": [alert for alert in alerts if alert.is_active],
            "inactive_alerts": [alert for alert in alerts if not alert.is_active],
            "history": _history(alerts),
            "may_write": decide(request.user, Action.WRITE, student).allowed,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def alert_new(request, public_id):
    student = get_student_or_404(request.user, public_id, action=Action.WRITE, request=request)
    form = AlertForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            alert = services.alert_create(by=request.user, student=student, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Uppmärksamhetssignalen ”%(alert)s” är registrerad.") % {"alert": alert},
            )
            return redirect("journal:alert-list", student.public_id)
    return render(
        request, "journal/alert_form.html", {"student": student, "form": form, "alert": None}
    )


def _back_if_inactive(request, alert: Alert):
    """An inactive alert is not changed: back to the list with a message (None: go on)."""
    if alert.is_active:
        return None
    messages.info(request, _("Signalen är inaktiverad och kan inte ändras."))
    return redirect("journal:alert-list", alert.student.public_id)


def _render_edit(request, alert: Alert, form: AlertForm, inactivate_form: AlertInactivateForm):
    return render(
        request,
        "journal/alert_form.html",
        {
            "student": alert.student,
            "alert": alert,
            "form": form,
            "inactivate_form": inactivate_form,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def alert_edit(request, alert_id):
    alert = get_record_or_404(request, Alert, ALERT_SPEC, alert_id, action=Action.WRITE)
    if response := _back_if_inactive(request, alert):
        return response
    form = AlertForm.for_alert(alert, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_update(alert=alert, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Uppmärksamhetssignalen är ändrad."))
            return redirect("journal:alert-list", alert.student.public_id)
    return _render_edit(request, alert, form, AlertInactivateForm())


@login_required
@require_POST
def alert_inactivate(request, alert_id):
    alert = get_record_or_404(request, Alert, ALERT_SPEC, alert_id, action=Action.WRITE)
    if response := _back_if_inactive(request, alert):
        return response
    form = AlertInactivateForm(request.POST)
    if form.is_valid():
        try:
            services.alert_inactivate(
                alert=alert, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Uppmärksamhetssignalen ”%(alert)s” är inaktiverad.") % {"alert": alert},
            )
            return redirect("journal:alert-list", alert.student.public_id)
    return _render_edit(request, alert, AlertForm.for_alert(alert), form)
