"""The journal's models, one module per concept."""

from .alerts import Alert, AlertKind, AlertSeverity  # allergies and conditions, crossing the wall
from .attachments import Attachment, AttachmentType  # scanned paper on an entry
from .codes import Code, CodeListVersion, CodeSystem  # code lists (KVÅ, ICD-10-SE)
from .copies import RecordCopy  # printouts and record copies, with their reasons
from .entries import (  # entries and their child rows
    ContactType,
    EntryCode,
    EntryMark,
    EntryStatus,
    ImmutableRecordError,
    JournalEntry,
    KeywordValue,
    MarkKind,
)
from .growth import (  # measurements, parents' heights, sharing with guardians
    GrowthMeasurement,
    GrowthSharing,
    HeightSource,
    MeasurementContext,
    ParentHeights,
)
from .growth_reference import (  # growth references as LMS data, per-organisation choice
    GrowthLmsPoint,
    GrowthLmsTable,
    GrowthMeasure,
    GrowthReference,
    GrowthSettings,
)
from .medication import (  # school-time medicine and egenvård, signed then versioned
    MedicationOrder,
    MedicationRoute,
    MedicationStorage,
    SelfCarePlan,
)
from .templates import DocumentTemplate, Keyword, KeywordKind, TemplateVersion, VipsHeading
from .vaccination import (  # vaccines, programme, ordinations, doses, sessions, NVR queue
    DoseSource,
    Ordination,
    ProgrammeDose,
    RegisterReport,
    Vaccination,
    VaccinationOutcome,
    VaccinationProgramme,
    VaccinationSession,
    Vaccine,
    VaccineLot,
)
from .vision import VisionResult  # bound record: visual acuity
from .visits import (  # the health-visit programme and each student's visits
    HealthProgramme,
    HealthVisit,
    ProgrammePoint,
    VisitStatus,
)

__all__ = [
    "Alert",
    "AlertKind",
    "AlertSeverity",
    "Attachment",
    "AttachmentType",
    "Code",
    "CodeListVersion",
    "CodeSystem",
    "ContactType",
    "DocumentTemplate",
    "DoseSource",
    "EntryCode",
    "EntryMark",
    "EntryStatus",
    "GrowthLmsPoint",
    "GrowthLmsTable",
    "GrowthMeasure",
    "GrowthMeasurement",
    "GrowthReference",
    "GrowthSettings",
    "GrowthSharing",
    "HealthProgramme",
    "HealthVisit",
    "HeightSource",
    "ImmutableRecordError",
    "JournalEntry",
    "Keyword",
    "KeywordKind",
    "KeywordValue",
    "MarkKind",
    "MeasurementContext",
    "MedicationOrder",
    "MedicationRoute",
    "MedicationStorage",
    "Ordination",
    "ParentHeights",
    "ProgrammeDose",
    "ProgrammePoint",
    "RecordCopy",
    "RegisterReport",
    "SelfCarePlan",
    "TemplateVersion",
    "Vaccination",
    "VaccinationOutcome",
    "VaccinationProgramme",
    "VaccinationSession",
    "Vaccine",
    "VaccineLot",
    "VipsHeading",
    "VisionResult",
    "VisitStatus",
]
