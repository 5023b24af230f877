"""Alerts (uppmärksamhetssignaler): record, keep current, make inactive — never delete.

Views check the policy first (``get_student_or_404`` / ``get_record_or_404``); these functions
keep the alert's own rules: only clinicians record, an allergy names its substance, a condition
its name, care information says what it is, only an active alert is changed, and making one
inactive needs a reason. Every write sets the history user.

``student_alerts`` is the one queryset of a student's alerts a page shows: the record filter
with ``ALERT_SPEC`` (alerts cross the EMI/EPI wall, not the care provider), severe ones first.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from consent.policy import Action, record_filter
from schools.models import Profession, StaffMember, Student

from ..access import ALERT_SPEC, visible_records
from ..models import Alert, AlertKind, AlertSeverity

# What a user may change on an alert; the rest (student, recorder, area, state) is the service's.
EDITABLE_FIELDS = ("kind", "substance", "reaction", "severity", "condition", "description")


def _clinician(user) -> StaffMember:
    staff = StaffMember.objects.filter(user_id=user.pk).first()
    if staff is None or Profession(staff.profession).area is None:
        raise ValidationError(
            _("Bara vårdpersonal kan registrera uppmärksamhetssignaler."), code="no_area"
        )
    return staff


def alert_errors(
    *, kind: str, substance: str = "", condition: str = "", description: str = ""
) -> dict[str, str]:
    """What is missing for ``kind``, by field — the rules the form and the services share (the
    model's check constraints hold the first two as well)."""
    errors: dict[str, str] = {}
    if kind not in AlertKind.values:
        errors["kind"] = _("Välj typ av uppmärksamhetssignal.")
    elif kind == AlertKind.ALLERGY and not substance.strip():
        errors["substance"] = _("Ange vad eleven är allergisk eller överkänslig mot.")
    elif kind == AlertKind.CONDITION and not condition.strip():
        errors["condition"] = _("Ange sjukdomen eller tillståndet.")
    elif kind == AlertKind.CARE_INFO and not description.strip():
        errors["description"] = _("Beskriv den vårdrelaterade informationen.")
    return errors


def _check(alert: Alert) -> None:
    errors = alert_errors(
        kind=alert.kind,
        substance=alert.substance,
        condition=alert.condition,
        description=alert.description,
    )
    if errors:
        raise ValidationError(errors, code="missing")
    alert.full_clean()


def _strip(fields: dict) -> dict:
    return {name: (value or "").strip() for name, value in fields.items()}


@transaction.atomic
def alert_create(
    *,
    by,
    student: Student,
    kind: str,
    substance: str = "",
    reaction: str = "",
    severity: str = "",
    condition: str = "",
    description: str = "",
) -> Alert:
    """A new active alert on ``student``, recorded by the clinician ``by`` (her area and care
    provider are the alert's)."""
    staff = _clinician(by)
    alert = Alert(
        student=student,
        area=Profession(staff.profession).area,
        organisation_id=staff.organisation_id,
        recorded_by=by,
        recorded_by_name=by.get_full_name() or by.get_username(),
        **_strip(
            {
                "kind": kind,
                "substance": substance,
                "reaction": reaction,
                "severity": severity,
                "condition": condition,
                "description": description,
            }
        ),
    )
    _check(alert)
    alert._history_user = by
    alert.save()
    return alert


@transaction.atomic
def alert_update(*, alert: Alert, by, **fields) -> Alert:
    """Change an active alert's content (``EDITABLE_FIELDS``); history keeps the old text."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"alert_update() cannot change {', '.join(sorted(unknown))}")
    _clinician(by)
    if not alert.is_active:
        raise ValidationError(
            _("Signalen är inaktiverad och kan inte ändras. Registrera en ny om den gäller igen."),
            code="inactive",
        )
    for name, value in _strip(fields).items():
        setattr(alert, name, value)
    _check(alert)
    alert._history_user = by
    alert.save(update_fields=[*fields, "updated_at"])
    return alert


@transaction.atomic
def alert_inactivate(*, alert: Alert, by, reason: str) -> Alert:
    """The alert no longer applies; it stays readable (inactive) with ``reason``."""
    _clinician(by)
    reason = (reason or "").strip()
    if not alert.is_active:
        raise ValidationError(_("Signalen är redan inaktiverad."), code="inactive")
    if not reason:
        raise ValidationError(
            {"reason": _("Skriv varför signalen inte längre gäller.")}, code="required"
        )
    alert.is_active = False
    alert.inactivated_reason = reason
    _check(alert)
    alert._history_user = by
    alert.save(update_fields=["is_active", "inactivated_reason", "updated_at"])
    return alert


# --- Reading -----------------------------------------------------------------------------------


def _ordered(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Active first, then severe first, then by kind and newest."""
    severe_first = Case(
        When(severity=AlertSeverity.SEVERE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return alerts.annotate(severity_rank=severe_first).order_by(
        "-is_active", "severity_rank", "kind", "-recorded_at", "pk"
    )


def student_alerts(
    user, student: Student, *, active_only: bool = True, action: Action | str = Action.READ
) -> QuerySet[Alert]:
    """The student's alerts the user may ``action`` (the record filter), severe first."""
    alerts = visible_records(user, Alert, ALERT_SPEC, action=action).filter(student=student)
    if active_only:
        alerts = alerts.active()
    return _ordered(alerts)


def banner_alerts(user, student: Student) -> list[Alert]:
    """The active alerts the banner shows, in one query: those the user may read, and those
    of a student she may only document on (a student who just left: writing a note without
    knowing the allergies would be unsafe). Alerts cross the EMI/EPI wall, not the provider."""
    shown = record_filter(user, ALERT_SPEC, action=Action.READ) | record_filter(
        user, ALERT_SPEC, action=Action.WRITE
    )
    return list(_ordered(Alert.objects.filter(shown, student=student).active()))


# --- Markers in lists of students (consent.policy.register_student_marker) ---------------------


def alert_markers(user, student_ids: Iterable[int]) -> dict[int, str]:
    """For a list of students: which have an active alert the user may read — one query."""
    ids = list(student_ids)
    if not ids:
        return {}
    marked = (
        visible_records(user, Alert, ALERT_SPEC)
        .active()
        .filter(student_id__in=ids)
        .order_by()
        .values_list("student_id", flat=True)
        .distinct()
    )
    label = _("Uppmärksamhetssignal")
    return dict.fromkeys(marked, label)
