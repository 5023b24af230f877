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
from .staff import Area, Assignment, OrganisationRole, Profession, StaffMember

__all__ = [
    "Area",
    "Assignment",
    "ClassMembership",
    "Enrolment",
    "Guardian",
    "GuardianRelation",
    "Organisation",
    "OrganisationRole",
    "Profession",
    "ProtectedIdentity",
    "School",
    "SchoolClass",
    "SchoolType",
    "StaffMember",
    "Student",
]
