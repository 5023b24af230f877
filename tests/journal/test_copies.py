"""Printing an entry and whole-record copies as PDF (R-PRT-1): a reason (mandatory by setting),
one access-log row as print or export, a RecordCopy row, and for a student with protected
identity address and school masked unless an assessment is recorded."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from reportlab.platypus import Paragraph, Table

from consent.models import AccessAction, AccessLogEntry
from consent.services import records_officer_access_start
from journal.models import AttachmentType, RecordCopy
from journal.pdf import _entry_part, _Styles, build_pdf, with_print_data
from journal.services.attachments import attachment_add
from journal.services.copies import copy_entries, record_copy_create
from journal.services.entries import entry_sign, entry_start_correction, mark_set
from schools.models import Area, ProtectedIdentity
from tests.journal.factories import AK4_VALUES, make_entry
from tests.journal.test_attachments import upload
from tests.schools.factories import EnrolmentFactory, StudentFactory

REASON = "Begäran från elevens vårdnadshavare"


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def pdf_text(response_or_bytes) -> str:
    data = getattr(response_or_bytes, "content", response_or_bytes)
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def print_url(entry):
    return reverse("journal:entry-print", args=[entry.public_id])


def copy_url(student):
    return reverse("journal:record-copy", args=[student.public_id])


def log_rows(since: int):
    return list(AccessLogEntry.objects.filter(pk__gt=since).order_by("pk"))


def last_log_pk() -> int:
    row = AccessLogEntry.objects.order_by("-pk").first()
    return row.pk if row else 0


@pytest.fixture
def signed(nurse_a, student_a, school_a):
    return make_entry(nurse_a, student_a, sign=True, school=school_a)


@pytest.fixture
def protected_student(school_a):
    student = StudentFactory(
        given_name="Sara",
        family_name="Skyddad",
        street_address="Hemliga vägen 7",
        protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION,
    )
    EnrolmentFactory(student=student, school=school_a)
    return student


@pytest.fixture
def protected_entry(nurse_a, protected_student, school_a):
    return make_entry(nurse_a, protected_student, sign=True, school=school_a)


# --- Printing one entry -----------------------------------------------------------------------


def test_print_form_is_logged_as_a_view_not_a_print(client, nurse_a, signed):
    client.force_login(nurse_a)
    since = last_log_pk()
    response = client.get(print_url(signed))
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert [row.action for row in log_rows(since)] == [AccessAction.VIEW]


def test_print_needs_a_reason(client, nurse_a, signed):
    client.force_login(nurse_a)
    since = last_log_pk()
    response = client.post(print_url(signed), {"reason": "  "})
    assert response.status_code == 200
    assert "Skriv varför du skriver ut." in response.content.decode()
    assert not RecordCopy.objects.exists()
    assert [row.action for row in log_rows(since)] == [AccessAction.VIEW]


def test_print_with_a_reason_gives_a_pdf_a_copy_row_and_one_print_row(
    client, nurse_a, signed, student_a
):
    client.force_login(nurse_a)
    since = last_log_pk()
    response = client.post(print_url(signed), {"reason": REASON})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="journalutskrift-')
    assert student_a.family_name not in disposition
    text = pdf_text(response)
    assert "Hälsobesök åk 4" in text
    assert AK4_VALUES["halsosamtal"] in text
    assert nurse_a.get_full_name() in text
    assert student_a.identity_display in text
    assert f"av {nurse_a.get_full_name()} – {REASON}" in text  # the footer
    assert "Sida 1 av 1" in text
    copy = RecordCopy.objects.get()
    assert copy.kind == RecordCopy.Kind.ENTRY
    assert copy.entry == signed
    assert copy.reason == REASON
    assert copy.created_by == nurse_a
    assert copy.entry_count == 1
    assert copy.organisation == signed.organisation
    rows = log_rows(since)
    assert [row.action for row in rows] == [AccessAction.PRINT]
    assert rows[0].student == student_a
    assert rows[0].record_id == str(signed.pk)


def test_blank_reason_is_allowed_when_the_setting_is_off(client, nurse_a, signed, settings):
    settings.JOURNAL_PRINT_REASON_REQUIRED = False
    client.force_login(nurse_a)
    response = client.post(print_url(signed), {"reason": ""})
    assert response["Content-Type"] == "application/pdf"
    assert RecordCopy.objects.get().reason == ""
    assert "inget skäl angivet" in pdf_text(response)


def test_service_refuses_a_blank_reason_when_required(nurse_a, signed, student_a):
    with pytest.raises(ValidationError) as caught:
        record_copy_create(
            by=nurse_a,
            student=student_a,
            kind=RecordCopy.Kind.ENTRY,
            entry=signed,
            area=Area.EMI,
            reason="",
        )
    assert "reason" in caught.value.message_dict
    assert not RecordCopy.objects.exists()


def test_psychologist_and_other_organisation_cannot_print_an_emi_entry(
    client, psychologist_a, nurse_b, signed
):
    for user in (psychologist_a, nurse_b):
        client.force_login(user)
        assert client.post(print_url(signed), {"reason": REASON}).status_code == 404
    assert not RecordCopy.objects.exists()
    assert AccessLogEntry.objects.latest("pk").action == AccessAction.REFUSED


def test_swedish_letters_and_markup_characters_render_as_text(client, nurse_a, student_a):
    entry = make_entry(
        nurse_a,
        student_a,
        values={**AK4_VALUES, "anamnes": "Åsa säger <b>ont</b> & trött; ÄÖ"},
        sign=True,
    )
    client.force_login(nurse_a)
    text = pdf_text(client.post(print_url(entry), {"reason": "Överlämning till BUP"}))
    assert "Hälsobesök" in text
    assert "Åsa säger <b>ont</b> & trött; ÄÖ" in text
    assert "Överlämning till BUP" in text


def test_printed_entry_lists_flagged_values_codes_marks_and_attachments(nurse_a, student_a):
    entry = make_entry(nurse_a, student_a, template="halsobesok-fklass")
    attachment_add(
        entry=entry,
        by=nurse_a,
        uploaded_file=upload(),
        document_type=AttachmentType.CONSENT,
        description="Samtycke vaccin",
    )
    entry = entry_sign(entry=entry, by=nurse_a)
    mark_set(entry=entry, kind="shared", by=nurse_a)
    copy = record_copy_create(
        by=nurse_a,
        student=student_a,
        kind=RecordCopy.Kind.ENTRY,
        entry=entry,
        area=Area.EMI,
        reason=REASON,
    )
    entries = list(with_print_data(copy_entries(copy, nurse_a)))
    text = pdf_text(build_pdf(copy=copy, student=student_a, entries=entries, printed_by="X"))
    assert "avvikande: under gränsvärdet 0,8" in text  # syn-hoger 0.6
    assert "Delad med vårdnadshavare" in text
    assert "Samtycke (Samtycke vaccin), inskannat" in text


# --- Protected identity -----------------------------------------------------------------------


def test_protected_student_address_and_school_are_masked_by_default(
    client, nurse_a, protected_entry, protected_student
):
    client.force_login(nurse_a)
    page = client.get(print_url(protected_entry)).content.decode()
    assert 'name="unmask"' in page
    response = client.post(print_url(protected_entry), {"reason": REASON})
    text = pdf_text(response)
    assert "Skyddade personuppgifter – maskerat" in text
    assert "Hemliga vägen 7" not in text
    assert "Skola A" not in text  # neither the header's school nor the entry's unit
    copy = RecordCopy.objects.get()
    assert copy.unmasked is False and copy.unmask_assessment == ""


def test_unmask_needs_an_assessment(client, nurse_a, protected_entry):
    client.force_login(nurse_a)
    response = client.post(print_url(protected_entry), {"reason": REASON, "unmask": "on"})
    assert response.status_code == 200
    assert "Skriv bedömningen" in response.content.decode()
    assert not RecordCopy.objects.exists()


def test_protected_student_address_and_school_shown_with_a_recorded_assessment(
    client, nurse_a, protected_entry
):
    client.force_login(nurse_a)
    assessment = "Mottagande vårdgivare behöver adressen för kallelse"
    response = client.post(
        print_url(protected_entry),
        {"reason": REASON, "unmask": "on", "unmask_assessment": assessment},
    )
    text = pdf_text(response)
    assert "Hemliga vägen 7" in text
    assert "Skola A" in text
    copy = RecordCopy.objects.get()
    assert copy.unmasked is True
    assert copy.unmask_assessment == assessment


def test_unmask_fields_are_ignored_for_an_unprotected_student(client, nurse_a, signed):
    client.force_login(nurse_a)
    assert 'name="unmask"' not in client.get(print_url(signed)).content.decode()
    client.post(print_url(signed), {"reason": REASON, "unmask": "on", "unmask_assessment": "x"})
    copy = RecordCopy.objects.get()
    assert copy.unmasked is False


def test_record_copy_of_a_protected_student_is_masked(
    client, nurse_a, protected_entry, protected_student
):
    client.force_login(nurse_a)
    text = pdf_text(client.post(copy_url(protected_student), {"area": "EMI", "reason": REASON}))
    assert "Skyddade personuppgifter – maskerat" in text
    assert "Hemliga vägen 7" not in text
    assert "Skola A" not in text


# --- Whole-record copies ----------------------------------------------------------------------


@pytest.fixture
def record(nurse_a, psychologist_a, student_a):
    """Signed EMI entries in and before the period, a draft, an EPI entry, and a correction."""
    inside = make_entry(nurse_a, student_a, sign=True, contact_at=days_ago(10))
    before = make_entry(
        nurse_a,
        student_a,
        template="telefonkontakt",
        values={"kontakt-med": "Vårdnadshavare", "bedomning": "Ingen åtgärd"},
        sign=True,
        contact_at=days_ago(100),
    )
    make_entry(nurse_a, student_a, contact_at=days_ago(5))  # an unsigned draft
    make_entry(
        psychologist_a,
        student_a,
        template="psykologsamtal",
        values={"samtalsorsak": "Oro inför prov", "bedomning": "Psykologens bedömning"},
        sign=True,
        contact_at=days_ago(8),
    )
    corrected = make_entry(
        nurse_a,
        student_a,
        template="halsobesok-ak4",
        values={**AK4_VALUES, "bedomning": "Fel bedömning skriven"},
        sign=True,
        contact_at=days_ago(20),
    )
    correction = entry_start_correction(original=corrected, by=nurse_a, reason="Fel elev")
    correction = entry_sign(entry=correction, by=nurse_a)
    return {"inside": inside, "before": before, "corrected": corrected, "correction": correction}


def test_record_copy_form_is_logged_as_a_view(client, nurse_a, student_a):
    client.force_login(nurse_a)
    since = last_log_pk()
    response = client.get(copy_url(student_a))
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert [row.action for row in log_rows(since)] == [AccessAction.VIEW]


def test_record_copy_holds_the_signed_entries_of_the_users_area_in_the_period(
    client, nurse_a, student_a, record
):
    client.force_login(nurse_a)
    since = last_log_pk()
    response = client.post(
        copy_url(student_a),
        {
            "area": "EMI",
            "period_start": (timezone.localdate() - datetime.timedelta(days=30)).isoformat(),
            "period_end": timezone.localdate().isoformat(),
            "reason": REASON,
        },
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="journalkopia-')
    text = pdf_text(response)
    assert text.count("Hälsobesök åk 4 –") == 3  # inside, the corrected original, the correction
    assert "Telefonkontakt" not in text  # signed, but before the period
    assert "Psykolog" not in text and "Oro inför prov" not in text  # EPI: not the nurse's area
    assert "1 osignerade anteckningar i perioden ingår inte" in text
    assert "Rättad " in text and ": Fel elev" in text
    assert "Fel bedömning skriven" in text  # the original stays readable (struck through)
    copy = RecordCopy.objects.get()
    assert copy.kind == RecordCopy.Kind.RECORD
    assert copy.area == Area.EMI
    assert copy.entry_count == 3
    assert copy.reason == REASON
    assert [row.action for row in log_rows(since)] == [AccessAction.EXPORT]


def test_record_copy_entries_are_oldest_first(nurse_a, student_a, record):
    copy = record_copy_create(
        by=nurse_a, student=student_a, kind=RecordCopy.Kind.RECORD, area=Area.EMI, reason=REASON
    )
    # No period: the whole EMI record, signed entries only.
    entries = list(copy_entries(copy, nurse_a))
    expected = [record["before"], record["corrected"], record["correction"], record["inside"]]
    assert entries == expected
    assert copy.entry_count == 4


def test_a_corrected_original_is_struck_through_with_who_when_why(nurse_a, student_a, record):
    copy = record_copy_create(
        by=nurse_a, student=student_a, kind=RecordCopy.Kind.RECORD, area=Area.EMI, reason=REASON
    )
    entries = {entry.pk: entry for entry in with_print_data(copy_entries(copy, nurse_a))}

    def markup(entry):
        texts = []
        for flowable in _entry_part(entries[entry.pk], copy, student_a, _Styles()):
            for part in getattr(flowable, "_content", [flowable]):
                if isinstance(part, Paragraph):
                    texts.append(part.text)
                if isinstance(part, Table):
                    texts += [cell.text for row in part._cellvalues for cell in row]
        return "\n".join(texts)

    original = markup(record["corrected"])
    assert "<strike>Fel bedömning skriven</strike>" in original
    assert f"av {nurse_a.get_full_name()}: Fel elev" in original
    correction = markup(record["correction"])
    assert "<strike>" not in correction
    assert "Rättelse av anteckningen från" in correction


def test_record_copy_without_a_reason_shows_the_form_and_logs_no_export(client, nurse_a, student_a):
    client.force_login(nurse_a)
    since = last_log_pk()
    response = client.post(copy_url(student_a), {"area": "EMI", "reason": ""})
    assert response.status_code == 200
    assert "Skriv varför du skriver ut." in response.content.decode()
    assert not RecordCopy.objects.exists()
    assert [row.action for row in log_rows(since)] == [AccessAction.VIEW]


def test_record_copy_period_end_before_start_is_a_form_error(client, nurse_a, student_a):
    client.force_login(nurse_a)
    response = client.post(
        copy_url(student_a),
        {"area": "EMI", "period_start": "2026-05-01", "period_end": "2026-01-01", "reason": "x"},
    )
    assert response.status_code == 200
    assert "Slutdatumet kan inte ligga före startdatumet." in response.content.decode()
    assert not RecordCopy.objects.exists()


def test_nurse_cannot_choose_the_epi_area(client, nurse_a, student_a, record):
    client.force_login(nurse_a)
    response = client.post(copy_url(student_a), {"area": "EPI", "reason": REASON})
    assert response.status_code == 200
    assert not RecordCopy.objects.exists()
    with pytest.raises(ValidationError):
        record_copy_create(
            by=nurse_a, student=student_a, kind=RecordCopy.Kind.RECORD, area="EPI", reason="x"
        )


def test_psychologist_copies_only_the_epi_record(client, psychologist_a, student_a, record):
    client.force_login(psychologist_a)
    text = pdf_text(client.post(copy_url(student_a), {"area": "EPI", "reason": REASON}))
    assert "Oro inför prov" in text
    assert "Hälsobesök" not in text


def test_records_officer_chooses_the_area(client, records_officer_a, student_a, record):
    records_officer_access_start(
        user=records_officer_a, student=student_a, reason_text="Begäran om journalkopia"
    )
    client.force_login(records_officer_a)
    page = client.get(copy_url(student_a)).content.decode()
    assert '<option value="EPI"' in page and '<option value="EMI"' in page
    text = pdf_text(client.post(copy_url(student_a), {"area": "EPI", "reason": REASON}))
    assert "Oro inför prov" in text
    assert RecordCopy.objects.get().area == Area.EPI


def test_other_organisation_gets_404_and_no_copy(client, nurse_b, student_a, record):
    client.force_login(nurse_b)
    response = client.post(copy_url(student_a), {"area": "EMI", "reason": REASON})
    assert response.status_code == 404
    assert not RecordCopy.objects.exists()
    assert AccessLogEntry.objects.latest("pk").action == AccessAction.REFUSED


def test_a_long_record_runs_over_pages_with_numbers(nurse_a, student_a):
    for days in range(12, 0, -1):
        make_entry(nurse_a, student_a, sign=True, contact_at=days_ago(days))
    copy = record_copy_create(
        by=nurse_a, student=student_a, kind=RecordCopy.Kind.RECORD, area=Area.EMI, reason=REASON
    )
    entries = list(with_print_data(copy_entries(copy, nurse_a)))
    data = build_pdf(copy=copy, student=student_a, entries=entries, printed_by="Ada Exempel")
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages > 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"Sida {number} av {pages}" in text
        assert f"av Ada Exempel – {REASON}" in text
        assert student_a.full_name in text
    # Deterministic: the same copy gives the same bytes.
    assert (
        build_pdf(copy=copy, student=student_a, entries=entries, printed_by="Ada Exempel") == data
    )


def test_pdf_queries_do_not_grow_with_the_entries(
    nurse_a, student_a, django_assert_max_num_queries
):
    make_entry(nurse_a, student_a, sign=True)
    copy = record_copy_create(
        by=nurse_a, student=student_a, kind=RecordCopy.Kind.RECORD, area=Area.EMI, reason=REASON
    )

    def render():
        entries = list(with_print_data(copy_entries(copy, nurse_a)))
        build_pdf(copy=copy, student=student_a, entries=entries, printed_by="X")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        render()
    for _ in range(5):
        make_entry(nurse_a, student_a, sign=True)
    with django_assert_max_num_queries(len(few)):
        render()


def test_record_copy_with_a_malformed_date_is_a_form_error(client, nurse_a, student_a):
    client.force_login(nurse_a)
    since = last_log_pk()
    response = client.post(
        copy_url(student_a), {"area": "EMI", "period_start": "igår", "reason": REASON}
    )
    assert response.status_code == 200
    assert not RecordCopy.objects.exists()
    assert [row.action for row in log_rows(since)] == [AccessAction.VIEW]
