"""Markers in lists of students: small facts an app adds to a row (e.g. "⚠ Uppmärksamhetssignal").

``schools`` lists students but knows nothing of the journal, so the journal registers a provider
here (in ``JournalConfig.ready``) and list views ask ``student_markers``. A provider is
``fn(user, student_ids) -> {student_id: label}``: the students of the list it marks for that user
(its own record filter decides), in one query. A marker may be health data: a view that shows
one logs the marked students like any list that shows health data (``log_shown_students`` with
``only_protected=False``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

MarkerProvider = Callable[[object, list[int]], dict[int, str]]

_providers: list[MarkerProvider] = []


def register_student_marker(provider: MarkerProvider) -> MarkerProvider:
    """Add a provider (idempotent); usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_student_marker(provider: MarkerProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def student_markers(user, students: Iterable) -> dict[int, list[str]]:
    """Every provider's labels by student pk, for the students of one list (a page): one query
    per provider, none for an empty list."""
    ids = [student.pk for student in students]
    markers: dict[int, list[str]] = {}
    if not ids:
        return markers
    for provider in _providers:
        for student_id, label in provider(user, ids).items():
            markers.setdefault(student_id, []).append(label)
    return markers


def mark_students(user, students: Iterable) -> list:
    """Set ``student.markers`` (a list of labels, maybe empty) on each student of the list, and
    return those that carry a marker (to log)."""
    students = list(students)
    markers = student_markers(user, students)
    for student in students:
        student.markers = markers.get(student.pk, [])
    return [student for student in students if student.markers]
