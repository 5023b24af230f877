"""Scanned paper answers to consent requests: stored outside the web root, served only through
the access policy and the log (like journal attachments, in their own folder)."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import LazyObject


class _ScanStorage(LazyObject):
    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.CONSENT_SCAN_ROOT, base_url=None)


scan_storage = _ScanStorage()


def get_scan_storage():
    """The field's storage as a callable, so migrations name this function, not a path."""
    return scan_storage
