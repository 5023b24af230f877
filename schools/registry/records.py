"""What every import source produces: plain records tagged with the source's own ids.

A source (a CSV file, the SS12000 API) never writes the registry itself; it builds a ``Batch``
and hands it to ``schools.registry.services.registry_apply``. Identity numbers are given as the
source wrote them (any written form, or a temporary number with letters such as 20130101TF01);
the service parses them. ``row`` is the source's own position (CSV row number) for reports.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SchoolUnitRecord:
    source_id: str
    school_unit_code: str  # eight digits; must belong to the batch's organisation
    name: str = ""
    school_types: tuple[str, ...] = ()  # SS12000 codes: FKLASS, GR, GY, ...
    row: int | None = None


@dataclass(frozen=True)
class StudentRecord:
    source_id: str
    identity: str  # personnummer/samordningsnummer in any written form, or a temporary number
    given_name: str
    family_name: str
    protected_identity: str = ""  # schools.models.ProtectedIdentity value
    birth_date: datetime.date | None = None  # needed when identity is not a personnummer
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    row: int | None = None


@dataclass(frozen=True)
class EnrolmentRecord:
    source_id: str
    student_source_id: str
    school_unit_code: str
    start_date: datetime.date
    end_date: datetime.date | None = None
    row: int | None = None


@dataclass(frozen=True)
class MembershipRecord:
    student_source_id: str
    start_date: datetime.date
    end_date: datetime.date | None = None
    row: int | None = None


@dataclass(frozen=True)
class ClassRecord:
    source_id: str
    school_unit_code: str
    name: str
    school_year: str  # "2026/27"
    grade: int
    school_type: str  # SS12000 code
    members: tuple[MembershipRecord, ...] = ()
    row: int | None = None


@dataclass(frozen=True)
class GuardianRecord:
    source_id: str
    identity: str  # required: a guardian row without identity is refused
    given_name: str
    family_name: str
    phone: str = ""
    email: str = ""
    protected_identity: str = ""
    birth_date: datetime.date | None = None  # needed when identity is a temporary number
    row: int | None = None


@dataclass(frozen=True)
class GuardianRelationRecord:
    student_source_id: str
    guardian_source_id: str
    relation_type: str  # schools.models.GuardianRelation.Type value
    start_date: datetime.date
    end_date: datetime.date | None = None
    row: int | None = None


@dataclass(frozen=True)
class DutyRecord:
    """A health-staff duty (SS12000 Duty). Never grants access by itself: it proposes an
    assignment that a registry admin confirms."""

    source_id: str
    username: str  # the staff member's user in this installation
    school_unit_code: str
    duty_role: str  # SS12000 dutyRole: Skolsköterska, Skolläkare, Skolpsykolog, ...
    start_date: datetime.date
    end_date: datetime.date | None = None
    row: int | None = None


@dataclass
class Batch:
    """One delivery from one source for one organisation.

    ``complete_for_schools``: school unit codes for which the batch is a full snapshot; an
    enrolment, class membership or guardian relation of those schools that the source sent
    before and not now has ended at the source (end date: ``as_of`` minus one day).
    """

    source: str  # e.g. "csv:exempelkommun" or "ss12000:https://…"
    organisation_number: str
    as_of: datetime.date
    school_units: list[SchoolUnitRecord] = field(default_factory=list)
    students: list[StudentRecord] = field(default_factory=list)
    enrolments: list[EnrolmentRecord] = field(default_factory=list)
    classes: list[ClassRecord] = field(default_factory=list)
    guardians: list[GuardianRecord] = field(default_factory=list)
    guardian_relations: list[GuardianRelationRecord] = field(default_factory=list)
    duties: list[DutyRecord] = field(default_factory=list)
    complete_for_schools: frozenset[str] = frozenset()
