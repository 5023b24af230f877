import datetime

import pytest

from schools.schoolyear import current_school_year
from schools.validators import validate_school_year


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (datetime.date(2026, 6, 30), "2025/26"),  # last day of the spring term's year
        (datetime.date(2026, 7, 1), "2026/27"),  # the school year starts on 1 July
        (datetime.date(2026, 11, 23), "2026/27"),
        (datetime.date(2027, 1, 1), "2026/27"),
        (datetime.date(2099, 8, 1), "2099/00"),  # century wrap, as validate_school_year wants
    ],
)
def test_current_school_year_starts_on_first_of_july(on, expected):
    assert current_school_year(on) == expected
    validate_school_year(expected)


def test_current_school_year_defaults_to_today(settings, monkeypatch):
    monkeypatch.setattr("schools.schoolyear.timezone.localdate", lambda: datetime.date(2030, 9, 1))
    assert current_school_year() == "2030/31"
