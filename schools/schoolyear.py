"""The school year (läsår) a date falls in. Classes are kept per school year."""

import datetime

from django.utils import timezone

# A Swedish school year is counted from 1 July: the summer holiday belongs to the year ahead,
# so classes for the autumn term are in place before the term starts.
SCHOOL_YEAR_START_MONTH = 7


def current_school_year(on: datetime.date | None = None) -> str:
    """The läsår of ``on`` (default: today) written as on ``SchoolClass.school_year``: 2026/27."""
    on = on or timezone.localdate()
    first = on.year if on.month >= SCHOOL_YEAR_START_MONTH else on.year - 1
    return f"{first}/{(first + 1) % 100:02d}"
