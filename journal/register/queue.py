"""The register queue: create and update reports, mark them sent, acknowledged or in error.

Statuses: ``pending`` (to report) → ``sent`` (by file or the register's web form) →
``acknowledged`` (only from a receipt: recorded by hand with its text, or imported) or
``error`` (from a receipt; ``requeue`` makes it pending again). A correction of the dose makes the
report pending again with the next revision, whatever its status was.

Identity numbers are read here only to fill a report (``report_fields``) for the worklist page
and the export file: never logged, never in an exception's message.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.identity import IdentityKind

from ..models.vaccination import DoseSource, RegisterReport, Vaccination, VaccinationOutcome

Status = RegisterReport.Status
RECEIPT_OK = "OK"
RECEIPT_ERROR = "FEL"


def unique_reference(first_version: Vaccination) -> str:
    return f"{settings.VACCINATION_REGISTER_SYSTEM_NAME}:{first_version.public_id}"


def _reportable(vaccination: Vaccination) -> bool:
    """A given dose done here: what the care provider must report (documented ones are the
    giver's to report)."""
    return vaccination.outcome == VaccinationOutcome.GIVEN and vaccination.source == DoseSource.HERE


def is_removal(report: RegisterReport) -> bool:
    """The current version is no longer a given dose done here: the report withdraws it."""
    return not _reportable(report.vaccination)


def _first_version(vaccination: Vaccination) -> Vaccination:
    while vaccination.replaces_id is not None:
        vaccination = Vaccination.objects.get(pk=vaccination.replaces_id)
    return vaccination


def _existing_report(vaccination: Vaccination) -> RegisterReport | None:
    """The report of any earlier version of this dose (one per chain)."""
    ids = []
    current = vaccination
    while current.replaces_id is not None:
        ids.append(current.replaces_id)
        current = Vaccination.objects.get(pk=current.replaces_id)
    if not ids:
        return None
    return RegisterReport.objects.select_for_update().filter(vaccination_id__in=ids).first()


def _save(report: RegisterReport, by) -> None:
    report._history_user = by
    report.save()


@transaction.atomic
def queue_report(vaccination: Vaccination, *, by=None) -> RegisterReport | None:
    """Queue (or update) the report of a newly signed vaccination; None when there is none to
    make (a refusal, a documented dose, and no earlier report)."""
    report = _existing_report(vaccination)
    if report is None:
        if not _reportable(vaccination):
            return None
        report = RegisterReport(
            unique_reference=unique_reference(_first_version(vaccination)),
            vaccination=vaccination,
            organisation_id=vaccination.organisation_id,
        )
        _save(report, by)
        return report
    # The same report, the newest version, sent again (as an update or a removal).
    report.vaccination = vaccination
    report.revision += 1
    report.status = Status.PENDING
    report.sent_at = None
    report.sent_by = None
    report.sent_via = ""
    report.acknowledged_at = None
    report.receipt = ""
    report.error = ""
    _save(report, by)
    return report


def _locked(report: RegisterReport) -> RegisterReport:
    return RegisterReport.objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def mark_sent(report: RegisterReport, *, by=None, via: str) -> RegisterReport:
    """Sent to the register (the web form by hand, or a file); waiting for its receipt."""
    report = _locked(report)
    if report.status != Status.PENDING:
        raise ValidationError(
            _("Bara rapporter som väntar på att skickas kan markeras som skickade.")
        )
    report.status = Status.SENT
    report.sent_at = timezone.now()
    report.sent_by = by
    report.sent_via = via
    report.error = ""
    _save(report, by)
    return report


@transaction.atomic
def acknowledge(report: RegisterReport, receipt: str, *, by=None) -> RegisterReport:
    """The register's receipt, recorded with its text: the only way to "acknowledged"."""
    receipt = (receipt or "").strip()
    if not receipt:
        raise ValidationError({"receipt": [_("Skriv in kvittensen från registret.")]})
    report = _locked(report)
    if report.status == Status.ACKNOWLEDGED:
        raise ValidationError({"receipt": [_("Rapporten är redan kvitterad.")]})
    report.status = Status.ACKNOWLEDGED
    report.acknowledged_at = timezone.now()
    report.receipt = receipt
    report.error = ""
    if report.sent_at is None:  # sent by hand without being marked: it was sent
        report.sent_at = report.acknowledged_at
        report.sent_by = by
        report.sent_via = report.sent_via or "webbformulär"
    _save(report, by)
    return report


@transaction.atomic
def mark_error(report: RegisterReport, error: str, *, by=None) -> RegisterReport:
    report = _locked(report)
    report.status = Status.ERROR
    report.error = (error or "").strip() or _("Registret avvisade rapporten.")
    _save(report, by)
    return report


@transaction.atomic
def requeue(report: RegisterReport, *, by=None) -> RegisterReport:
    """A report in error goes back to the queue (after the dose was corrected, or to retry)."""
    report = _locked(report)
    if report.status != Status.ERROR:
        raise ValidationError(_("Bara rapporter med fel läggs i kön igen."))
    report.status = Status.PENDING
    _save(report, by)
    return report


@dataclass(frozen=True)
class ReceiptResult:
    acknowledged: int
    errors: int
    unknown: list[int]  # line numbers whose reference is not ours


def import_receipts(file, *, by=None) -> ReceiptResult:
    """Receipts as text lines ``<unique reference>;OK|FEL;<text>`` (UNVERIFIED FORMAT — not
    FHM's; replace when the register's receipt specification is obtained). Idempotent: an
    acknowledged report stays acknowledged."""
    content = file.read()
    if isinstance(content, bytes):
        content = content.decode("utf-8-sig", errors="replace")
    acknowledged = errors = 0
    unknown = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        reference, _sep, rest = line.partition(";")
        outcome, _sep, text = rest.partition(";")
        report = RegisterReport.objects.filter(unique_reference=reference.strip()).first()
        if report is None:
            unknown.append(number)
            continue
        if report.status == Status.ACKNOWLEDGED:
            continue
        if outcome.strip().upper() == RECEIPT_OK:
            acknowledge(report, text.strip() or line.strip(), by=by)
            acknowledged += 1
        else:
            mark_error(report, text, by=by)
            errors += 1
    return ReceiptResult(acknowledged, errors, unknown)


# --- What a report says --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFields:
    """Exactly the fields of the register's manual web form, plus the reference and revision."""

    reference: str
    revision: int
    removal: bool
    person_id: str
    person_id_type: str  # personnummer / samordningsnummer / reservnummer
    person_id_type_code: str
    vaccine: str
    npl_id: str
    date: datetime.date
    lot_number: str
    unit: str  # the vaccinating unit (school)
    unit_code: str
    care_provider: str
    care_provider_number: str


def report_fields(report: RegisterReport) -> ReportFields:
    """Use with ``worklist`` (its select_related) to read no more rows."""
    vaccination = report.vaccination
    student = vaccination.student
    kind = student.identity_kind or IdentityKind.RESERVE
    person_id = student.identity_number or student.reserve_number or ""
    school = vaccination.school
    vaccine = vaccination.vaccine
    return ReportFields(
        reference=report.unique_reference,
        revision=report.revision,
        removal=is_removal(report),
        person_id=person_id,
        person_id_type=str(IdentityKind(kind).label),
        person_id_type_code=kind,
        vaccine=vaccine.name if vaccine is not None else "",
        npl_id=(vaccine.npl_id or "") if vaccine is not None else "",
        date=timezone.localtime(vaccination.given_at).date(),
        lot_number=vaccination.lot_number,
        unit=school.name if school is not None else "",
        unit_code=school.school_unit_code if school is not None else "",
        care_provider=report.organisation.name,
        care_provider_number=report.organisation.organisation_number,
    )


def worklist(reports: QuerySet[RegisterReport]) -> QuerySet[RegisterReport]:
    """Reports with what ``report_fields`` reads, in one query."""
    return reports.select_related(
        "vaccination__student",
        "vaccination__vaccine",
        "vaccination__school",
        "organisation",
    ).order_by("created_at", "pk")


# --- The export job ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    files: list[str]
    reports: int


def export_pending(writer=None) -> ExportResult:
    """Write every pending report, one file per care provider, and mark them sent. Idempotent:
    only pending reports are written; a crash between the file and the commit leaves them
    pending, and the next run writes them again under the same unique reference (an update)."""
    from .nvr import XmlFileWriter

    writer = writer or XmlFileWriter()
    files: list[str] = []
    count = 0
    organisation_ids = (
        RegisterReport.objects.filter(status=Status.PENDING)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    for organisation_id in sorted(set(organisation_ids)):
        with transaction.atomic():
            reports = list(
                worklist(
                    RegisterReport.objects.select_for_update(of=("self",)).filter(
                        status=Status.PENDING, organisation_id=organisation_id
                    )
                )
            )
            if not reports:
                continue
            path = writer.write(
                [report_fields(report) for report in reports],
                organisation_number=reports[0].organisation.organisation_number,
            )
            now = timezone.now()
            for report in reports:
                report.status = Status.SENT
                report.sent_at = now
                report.sent_by = None
                report.sent_via = writer.via
                report.error = ""
                _save(report, None)
            files.append(path)
            count += len(reports)
    return ExportResult(files, count)
