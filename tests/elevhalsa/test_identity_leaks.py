"""Identity numbers never leak: seed numbers in every written form, drive the pages that take
them, and search what was captured — log output, error e-mails, error pages and URLs."""

import datetime
import io
import logging
import re

import pytest
from django.core import mail
from django.test import override_settings

from schools.identity import generate_identity_number
from tests.schools.factories import StudentFactory, enrol_in_class

PNR = generate_identity_number(datetime.date(2014, 2, 3), 321, female=False)
SAMNR = generate_identity_number(datetime.date(2014, 2, 4), 322, female=True, coordination=True)
RESERVE = "20140205TF07"


def written_forms(number: str) -> list[str]:
    if not number.isdigit():
        return [number]
    return [
        number[2:],  # YYMMDDNNNN
        f"{number[2:8]}-{number[8:]}",  # YYMMDD-NNNN
        f"{number[2:8]}+{number[8:]}",  # YYMMDD+NNNN (over 100 years: invalid here, still typed)
        number,  # YYYYMMDDNNNN
        f"{number[:8]}-{number[8:]}",  # YYYYMMDD-NNNN
    ]


ALL_FORMS = [form for number in (PNR, SAMNR, RESERVE) for form in written_forms(number)]
# What must never be found: every form, and the bare digits the forms share.
NEEDLES = sorted({*ALL_FORMS, PNR, SAMNR, PNR[2:], SAMNR[2:]})


@pytest.fixture
def captured_logs():
    """Everything the configured handlers write, formatted, plus a plain root capture."""
    stream = io.StringIO()
    root = logging.getLogger()
    capture = logging.StreamHandler(stream)
    capture.setLevel(logging.DEBUG)
    capture.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    # Our "console" handler (shared by the root and django loggers), without pytest's own.
    configured = list(
        {
            id(h): h
            for h in logging.getLogger("django").handlers + root.handlers
            if type(h) is logging.StreamHandler
        }.values()
    )
    old_streams = [h.setStream(stream) for h in configured]
    old_level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(capture)
    yield stream
    root.removeHandler(capture)
    root.setLevel(old_level)
    for handler, old in zip(configured, old_streams, strict=True):
        handler.setStream(old)


@pytest.fixture
def seeded(class_a):
    for number in (PNR, SAMNR):
        enrol_in_class(StudentFactory(identity_number=number), class_a)
    enrol_in_class(
        StudentFactory(
            identity_number=None, reserve_number=RESERVE, birth_date=datetime.date(2014, 2, 5)
        ),
        class_a,
    )


def assert_no_identity_number(text: str, where: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, f"an identity number ({len(needle)} chars) leaked in {where}"


def urls_in(response) -> str:
    """Every URL a response points to: its Location header and the links in its body."""
    body = response.content.decode(errors="replace")
    links = re.findall(r'(?:href|src|action)="([^"]*)"', body)
    return " ".join([response.get("Location", ""), *links])


@pytest.mark.parametrize("written", ALL_FORMS)
def test_staff_search_by_number_leaks_nowhere(client, nurse_a, seeded, captured_logs, written):
    client.force_login(nurse_a)
    response = client.post("/elever/sok/", {"identity_number": written})
    assert response.status_code == 200
    assert_no_identity_number(urls_in(response), "the search page's URLs")
    assert_no_identity_number(captured_logs.getvalue(), "the logs")
    assert mail.outbox == []


@pytest.mark.parametrize("written", ALL_FORMS)
def test_admin_lookup_by_number_leaks_nowhere(
    client, registry_admin_a, seeded, captured_logs, written
):
    client.force_login(registry_admin_a)
    response = client.post("/admin/schools/student/lookup/", {"identity_number": written})
    assert response.status_code in {200, 302}
    assert_no_identity_number(urls_in(response), "the admin lookup's URLs")
    assert_no_identity_number(captured_logs.getvalue(), "the logs")


def test_admin_search_does_not_search_identity_numbers(client, registry_admin_a, seeded):
    client.force_login(registry_admin_a)
    response = client.get("/admin/schools/student/", {"q": PNR})
    assert response.status_code == 200
    assert "0 elever" in response.content.decode() or "0 av" in response.content.decode()


@pytest.mark.parametrize("written", ALL_FORMS)
def test_not_found_pages_and_their_log_lines_mask_numbers(client, nurse_a, captured_logs, written):
    client.force_login(nurse_a)
    response = client.get(f"/elever/{written}/")
    assert response.status_code == 404
    assert_no_identity_number(response.content.decode(), "the 404 page")
    assert_no_identity_number(captured_logs.getvalue(), "the logs")


@pytest.mark.urls("tests.elevhalsa.leak_urls")
@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("written", ALL_FORMS)
def test_error_pages_e_mails_and_logs_mask_numbers(client, captured_logs, debug, written):
    client.raise_request_exception = False
    with override_settings(DEBUG=debug):
        response = client.post(f"/test-fails/?pnr={written}", {"identity_number": written})
    assert response.status_code == 500
    assert_no_identity_number(response.content.decode(errors="replace"), "the error page")
    assert_no_identity_number(captured_logs.getvalue(), "the logs")
    # The log line was written and masked, not dropped.
    assert "[identitetsnummer]" in captured_logs.getvalue()
    if not debug:
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        parts = [message.subject, message.body]
        parts += [alternative[0] for alternative in getattr(message, "alternatives", [])]
        assert_no_identity_number("\n".join(parts), "the error e-mail")
        assert "could not handle" in message.body


def test_the_checks_would_catch_a_leak(captured_logs):
    """The test's own net works: an unmasked number written past the masking is found."""
    captured_logs.write(f"leaked {PNR}")
    with pytest.raises(AssertionError):
        assert_no_identity_number(captured_logs.getvalue(), "the logs")
