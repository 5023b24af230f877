"""Writing register reports to a file, behind an interface.

UNVERIFIED FORMAT — not FHM's specification; replace when the register's specification is
obtained. ``XmlFileWriter`` writes the fields the register is known to need (REQUIREMENTS 2.10:
person id and its type, date, vaccine by product name and NPL-id, lot number, care provider and
vaccinating unit, and the system name with a stable unique reference that makes a resubmission
an update), in an XML shape of our own. A report whose dose was corrected away is written as a
removal (``action="delete"``). Another writer (FHM's real XML, SFTP, an API) implements
``RegisterWriter`` and replaces this one.

The file holds identity numbers: it is written, owner-readable only, to
``settings.VACCINATION_REGISTER_EXPORT_DIR`` (outside the web root) and named without them.
"""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from .queue import ReportFields

UNVERIFIED = (
    "UNVERIFIED FORMAT - not FHM's specification; replace when the register's specification "
    "is obtained."
)


class RegisterWriter(Protocol):
    """Delivers reports to the register; returns where they went (a file, a channel)."""

    via: str

    def write(self, reports: Sequence[ReportFields], *, organisation_number: str) -> str: ...


class XmlFileWriter:
    via = "fil"

    def __init__(self, directory: str | os.PathLike | None = None):
        self.directory = Path(directory or settings.VACCINATION_REGISTER_EXPORT_DIR)

    def render(self, reports: Sequence[ReportFields], *, organisation_number: str) -> bytes:
        root = ET.Element(
            "vaccinationReports",
            {
                "systemName": settings.VACCINATION_REGISTER_SYSTEM_NAME,
                "dateTimeCreated": timezone.now().isoformat(timespec="seconds"),
                "careProviderId": organisation_number,
                "formatStatus": "unverified",
            },
        )
        root.append(ET.Comment(f" {UNVERIFIED} "))
        for fields in reports:
            item = ET.SubElement(
                root,
                "vaccination",
                {
                    "uniqueReference": fields.reference,
                    "revision": str(fields.revision),
                    "action": "delete" if fields.removal else "upsert",
                },
            )
            values = {
                "patientId": fields.person_id,
                # FHM's covid CSV: 0 = personnummer, 1 = samordningsnummer; reserve: our own.
                "patientIdType": {"pnr": "0", "samnr": "1"}.get(
                    fields.person_id_type_code, "reserv"
                ),
                "vaccinationDate": fields.date.isoformat(),
                "NPLId": fields.npl_id,
                "vaccineName": fields.vaccine,
                "batchNumber": fields.lot_number,
                "careProviderId": fields.care_provider_number,
                "careUnitName": fields.unit,
                "careUnitCode": fields.unit_code,
            }
            for name, value in values.items():
                ET.SubElement(item, name).text = value
        ET.indent(root)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def write(self, reports: Sequence[ReportFields], *, organisation_number: str) -> str:
        """Write one file atomically (a temporary file renamed into place); its path."""
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
        target = self.directory / f"nvr-{organisation_number}-{stamp}.xml"
        data = self.render(reports, organisation_number=organisation_number)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o600)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return str(target)
