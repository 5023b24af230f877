"""Keep identity numbers out of every log line and error report."""

from __future__ import annotations

import logging
import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from schools.identity import mask_identity_numbers


def install_masking_record_factory() -> None:
    """Mask identity numbers when any log record is made, so that every handler — ours, a
    library's, a test's — only ever sees the masked message. Handlers still run
    ``MaskIdentityNumbersFilter`` for exception text, which is formatted later."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_identity_numbers", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error handling
            return record
        record.msg = mask_identity_numbers(message)
        record.args = None
        return record

    factory.masks_identity_numbers = True
    logging.setLogRecordFactory(factory)


class MaskIdentityNumbersFilter(logging.Filter):
    """Mask identity numbers in the message, its arguments and any exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = mask_identity_numbers(message)
        record.args = None
        if record.exc_text:
            record.exc_text = mask_identity_numbers(record.exc_text)
        # AdminEmailHandler renders the request again from the record; mask that too.
        request = getattr(record, "request", None)
        if request is not None:
            record.request = _MaskedRequestProxy(request)
        return True


class _MaskedRequestProxy:
    """Wraps a request so error e-mails cannot show identity numbers from its path or query."""

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name):
        return getattr(self._request, name)

    def get_full_path(self, *args, **kwargs):
        return mask_identity_numbers(self._request.get_full_path(*args, **kwargs))


class IdentitySafeExceptionReporterFilter(SafeExceptionReporterFilter):
    """Hide settings such as DATABASE_URL and the TOTP keys beside Django's defaults."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|TOTP", flags=re.I
    )


class IdentitySafeExceptionReporter(ExceptionReporter):
    """Error pages and error e-mails: mask identity numbers in the finished text, whatever
    part of the request, traceback or local variables they came from."""

    def get_traceback_html(self):
        return mask_identity_numbers(str(super().get_traceback_html()))

    def get_traceback_text(self):
        return mask_identity_numbers(str(super().get_traceback_text()))
