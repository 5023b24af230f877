"""The national vaccination register (NVR) queue (issue 8, R-VAC-4; REQUIREMENTS 2.10).

``queue`` keeps one ``RegisterReport`` per given dose done here, keyed by a stable unique
reference (system name + the first version's id): a correction points the same report at the
new version, raises its revision and makes it pending again; a correction that leaves no given
dose makes it a removal. ``nvr`` writes pending reports to a file behind ``RegisterWriter``
(UNVERIFIED FORMAT — not FHM's specification).
"""

from .queue import (
    RECEIPT_OK,
    acknowledge,
    import_receipts,
    is_removal,
    mark_error,
    mark_sent,
    queue_report,
    report_fields,
    requeue,
    unique_reference,
    worklist,
)

__all__ = [
    "RECEIPT_OK",
    "acknowledge",
    "import_receipts",
    "is_removal",
    "mark_error",
    "mark_sent",
    "queue_report",
    "report_fields",
    "requeue",
    "unique_reference",
    "worklist",
]
