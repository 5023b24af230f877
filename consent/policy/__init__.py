"""The one access policy: the single place that decides who may do what with a student's record.

Three faces, built from the same rule code (``rules.RULES`` and ``rules.REASON_QUERIES``):

* ``decide(user, action, student, record=None) -> Decision`` for one student (and record);
* ``visible_students(user)`` / ``with_access_reason(students, user)`` for lists of students
  (``class_members(user, school_class)`` for a class page);
* ``record_filter(user, spec) -> Q`` for every journal, growth, vaccination, medication and
  consent queryset, given a small ``RecordSpec`` by the owning app (consent imports no journal
  model).

Each reason is one queryset of the rows that give it (an enrolment × an assignment, a grant, an
emergency access, ...). Lists use it correlated to the student (``OuterRef("pk")``) as
``Exists``; a single decision reads the same rows as a ``Subquery`` of the detail it shows
("vårdrelation via tjänstgöring på X"), all in one query; the record filter takes the ids of
the students it applies to. No list calls ``decide`` per row. A page that asks several faces
(a class list and its records) may run inside ``one_moment()`` to decide them all at one
moment and build each reason once.

Views open a student with ``get_student_or_404``, which decides, writes the access-log row (or a
``refused`` row) in its own durable transaction, and answers 404 outside the visible set (any
reason applies) and 403 for a forbidden action on a visible student.
"""

from .decisions import decide, get_lookup_student_or_404, get_student_or_404
from .markers import mark_students, register_student_marker, student_markers
from .records import RecordSpec, area_of, record_filter, visible_records
from .rules import (
    CROSSES_WALL,
    LOG_ACTIONS,
    READ_STUDENT_RECORD,
    RULES,
    RULES_BY_REASON,
    Action,
    Decision,
    Rule,
    is_records_officer,
    may_start_emergency_access,
    one_moment,
)
from .students import (
    class_members,
    log_shown_students,
    lookup_students,
    shown_accesses,
    visible_schools,
    visible_students,
    with_access_reason,
)

__all__ = [
    "CROSSES_WALL",
    "LOG_ACTIONS",
    "READ_STUDENT_RECORD",
    "RULES",
    "RULES_BY_REASON",
    "Action",
    "Decision",
    "RecordSpec",
    "Rule",
    "area_of",
    "class_members",
    "decide",
    "get_lookup_student_or_404",
    "get_student_or_404",
    "is_records_officer",
    "log_shown_students",
    "lookup_students",
    "mark_students",
    "may_start_emergency_access",
    "one_moment",
    "record_filter",
    "register_student_marker",
    "shown_accesses",
    "student_markers",
    "visible_records",
    "visible_schools",
    "visible_students",
    "with_access_reason",
]
