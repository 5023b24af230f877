"""The registry of who and where. Knows nothing of journals."""

from .organisations import Organisation, School, SchoolClass, SchoolType
from .people import (
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    ProtectedIdentity,
    Student,
)
from .registry import (
    Entity,
    ImportRun,
    ImportRunItem,
    ProposedAssignment,
    SourceLink,
)
from .staff import Area, Assignment, OrganisationRole, Profession, StaffMember

__all__ = [
    "Area",
    "Assignment",
    "ClassMembership",
    "Enrolment",
    "Entity",
    "Guardian",
    "GuardianRelation",
    "ImportRun",
    "ImportRunItem",
    "Organisation",
    "OrganisationRole",
    "Profession",
    "ProposedAssignment",
    "ProtectedIdentity",
    "School",
    "SchoolClass",
    "SchoolType",
    "SourceLink",
    "StaffMember",
    "Student",
]
