"""The national vaccination register queue (issue 8, R-VAC-4): statuses, receipts, the export
file (UNVERIFIED FORMAT) and its idempotency, and the worklist page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from journal.models.vaccination import RegisterReport
from journal.register import acknowledge, import_receipts, mark_sent
from tests.conftest import VerifiedClient

from .test_vaccinations import (  # noqa: F401 (fixtures)
    class5,
    consent,
    doctor_a,
    give,
    hpv,
    lot,
    ordination,
    pupil,
)

Status = RegisterReport.Status


@pytest.fixture
def report(nurse_a, pupil, lot, ordination, consent):  # noqa: F811 (fixtures)
    give(nurse_a, pupil, lot=lot, ordination=ordination, consent=consent)
    return RegisterReport.objects.get()


def test_acknowledged_only_with_a_receipt(report, nurse_a):
    with pytest.raises(ValidationError):
        acknowledge(report, "  ", by=nurse_a)
    report = acknowledge(mark_sent(report, by=nurse_a, via="webbformulär"), "K-1", by=nurse_a)
    assert report.status == Status.ACKNOWLEDGED and report.receipt == "K-1"


def test_the_export_writes_pending_reports_once(report, settings, tmp_path):
    settings.VACCINATION_REGISTER_EXPORT_DIR = str(tmp_path)
    out = io.StringIO()
    call_command("export_register_reports", stdout=out)
    files = list(tmp_path.glob("nvr-*.xml"))
    assert len(files) == 1
    text = Path(files[0]).read_text()
    assert "UNVERIFIED FORMAT" in text and report.unique_reference in text
    assert "20150301TF01" in text and "HPV123" in text  # reserve number, lot
    assert "20150301TF01" not in out.getvalue()  # never in the job's output
    report.refresh_from_db()
    assert report.status == Status.SENT and report.sent_via == "fil"
    call_command("export_register_reports", stdout=io.StringIO())
    assert len(list(tmp_path.glob("nvr-*.xml"))) == 1  # nothing pending: nothing written


def test_imported_receipts_acknowledge_or_mark_errors(report):
    mark_sent(report, via="fil")
    result = import_receipts(
        io.BytesIO(f"{report.unique_reference};OK;kvitto 9\nokänd;OK;x\n".encode())
    )
    report.refresh_from_db()
    assert report.status == Status.ACKNOWLEDGED and result.unknown == [2]


def test_the_worklist_shows_the_web_forms_fields(report, nurse_a, nurse_a2):
    client = VerifiedClient()
    client.force_login(nurse_a)
    page = client.get(reverse("journal:register-worklist"))
    assert b"20150301TF01" in page.content and b"Reservnummer" in page.content
    client.post(reverse("journal:register-mark-sent", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == Status.SENT and report.sent_by == nurse_a
    other = VerifiedClient()
    other.force_login(nurse_a2)  # another school: no care relation to her
    assert b"20150301TF01" not in other.get(reverse("journal:register-worklist")).content
    assert other.post(reverse("journal:register-mark-sent", args=[report.pk])).status_code == 404
