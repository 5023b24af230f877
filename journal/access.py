"""The journal's face of the one access policy (``consent.policy``).

``ENTRY_SPEC`` and ``ATTACHMENT_SPEC`` tell the policy how entries and attachments tie to a
student, an area, an organisation and an author; every journal queryset a view shows goes
through ``visible_entries`` (the record filter), and every view opens an entry with
``get_entry_or_404``, which decides, logs one row (or a refused one) and answers 404 outside
what the user may see.
"""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.http import Http404

from consent.accesslog import Access, AccessAction, log_accesses, request_location
from consent.policy import Action, RecordSpec, get_student_or_404, record_filter
from schools.models import Area

from .models import Attachment, EntryStatus, JournalEntry

ENTRY_SPEC = RecordSpec(
    student_path="student",
    area_field="area",
    organisation_field="organisation",
    kind="entry",
    author_field="author",
    # Another provider reads signed notes only, never an unsigned draft.
    other_provider_expression=Q(status=EntryStatus.SIGNED),
    # Blocks (spärr): the unit the note was made at, and its contact day.
    school_field="school",
    date_field="contact_at__date",
)
ATTACHMENT_SPEC = RecordSpec(
    student_path="entry__student",
    area_field="entry__area",
    organisation_field="entry__organisation",
    kind="entry",
    author_field="entry__author",
    other_provider_expression=Q(entry__status=EntryStatus.SIGNED),
    school_field="entry__school",
    date_field="entry__contact_at__date",
)


def visible_entries(user, *, action: Action | str = Action.READ):
    """Entries the user may ``action`` (drafts of colleagues included, read-only)."""
    return visible_records(user, JournalEntry, ENTRY_SPEC, action=action)


def acting_on_entries(user, action: Action | str):
    """Entries the user may ``action`` *and* see (``acting_on_records``)."""
    return acting_on_records(user, JournalEntry, ENTRY_SPEC, action)


def visible_attachments(user, *, action: Action | str = Action.READ):
    return visible_records(user, Attachment, ATTACHMENT_SPEC, action=action)


def _parse(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def refuse_and_404(request, record=None, student=None):
    """Log a refused access (to ``record`` of ``student``, if known) and answer 404."""
    log_accesses(
        [
            Access(
                user=request.user,
                student=student,
                action=AccessAction.REFUSED,
                record_type=record._meta.label_lower if record is not None else "",
                record_id=str(record.pk) if record is not None else "",
                **request_location(request),
            )
        ]
    )
    raise Http404


def get_entry_or_404(
    request,
    entry_id,
    *,
    action: Action | str = Action.READ,
    log_action: AccessAction | str | None = None,
    queryset=None,
) -> JournalEntry:
    """The entry, with ``entry.student`` opened through the policy (``get_record_or_404``)."""
    return get_record_or_404(
        request,
        JournalEntry,
        ENTRY_SPEC,
        entry_id,
        action=action,
        log_action=log_action,
        queryset=queryset,
    )


# --- Alerts, medication orders, self-care plans -------------------------------------------------

# Alerts cross the EMI/EPI wall ("alert" is in consent.policy.CROSSES_WALL); orders and plans
# stay in their area (EMI) like entries.
ALERT_SPEC = RecordSpec(kind="alert", author_field="recorded_by")
SIGNED_ONLY = Q(status=EntryStatus.SIGNED)
MEDICATION_SPEC = RecordSpec(
    kind="medication_order", author_field="author", other_provider_expression=SIGNED_ONLY
)
SELF_CARE_SPEC = RecordSpec(
    kind="self_care_plan", author_field="author", other_provider_expression=SIGNED_ONLY
)
# Health visits are EMI records of the organisation that plans them.
VISIT_SPEC = RecordSpec(area=Area.EMI, kind="health_visit", organisation_field="organisation")
# Growth (measurements, parents' heights, sharing decisions): EMI records like entries.
GROWTH_SPEC = RecordSpec(
    kind="growth",
    author_field="measured_by",
    other_provider_expression=SIGNED_ONLY,
    date_field="measured_on",
)
PARENT_HEIGHT_SPEC = RecordSpec(
    kind="parent_heights", author_field="author", other_provider_expression=SIGNED_ONLY
)
GROWTH_SHARING_SPEC = RecordSpec(kind="growth", author_field="created_by")
# Vaccinations (doses, refusals) are EMI records; the register queue follows its dose.
VACCINATION_SPEC = RecordSpec(
    kind="vaccination", author_field="vaccinator", other_provider_expression=SIGNED_ONLY
)
REGISTER_REPORT_SPEC = RecordSpec(
    student_path="vaccination__student",
    area_field="vaccination__area",
    kind="vaccination",
    author_field="vaccination__vaccinator",
    other_provider_expression=Q(vaccination__status=EntryStatus.SIGNED),
)


def visible_records(user, model, spec: RecordSpec, *, action: Action | str = Action.READ):
    """Rows of ``model`` the user may ``action`` (the record filter of ``spec``)."""
    return model.objects.filter(record_filter(user, spec, action=action))


def acting_on_records(user, model, spec: RecordSpec, action: Action | str):
    """Records the user may ``action`` *and* see: a reason that allows writing without reading
    (a student who recently left: new notes only) opens no one else's record — to correct,
    mark or edit one she must be able to read it, or have written it."""
    records = visible_records(user, model, spec, action=action)
    if Action(action) == Action.READ:
        return records
    readable = record_filter(user, spec, action=Action.READ)
    return records.filter(readable | Q(**{spec.author_field: user.pk}))


def get_record_or_404(
    request,
    model,
    spec: RecordSpec,
    record_id,
    *,
    action: Action | str = Action.READ,
    log_action: AccessAction | str | None = None,
    queryset=None,
):
    """A record (any model with ``public_id`` and ``student``: entry, alert, medication order,
    self-care plan) with ``record.student`` opened through the policy (header data and
    ``student.access``) and one access-log row; a refused row and 404 when it is unknown or
    outside the record filter for ``action``, 403 when the student is visible but the action is
    not allowed."""
    public_id = _parse(record_id)
    base = queryset if queryset is not None else model.objects.all()
    record = None
    if public_id is not None and request.user.is_authenticated:
        record = base.filter(public_id=public_id).select_related("student").first()
    if record is None:
        refuse_and_404(request)
    if not acting_on_records(request.user, model, spec, action).filter(pk=record.pk).exists():
        refuse_and_404(request, record, record.student)
    record.student = get_student_or_404(
        request.user,
        record.student.public_id,
        action=action,
        request=request,
        record=record,
        log_action=log_action,
    )
    return record


def get_attachment_or_404(request, attachment_id) -> Attachment:
    """An attachment the user may read, logged as a view of its student; 404 otherwise."""
    public_id = _parse(attachment_id)
    attachment = None
    if public_id is not None and request.user.is_authenticated:
        attachment = (
            Attachment.objects.filter(public_id=public_id).select_related("entry__student").first()
        )
    if attachment is None:
        refuse_and_404(request)
    if not visible_attachments(request.user).filter(pk=attachment.pk).exists():
        refuse_and_404(request, attachment, attachment.entry.student)
    get_student_or_404(
        request.user,
        attachment.entry.student.public_id,
        action=Action.READ,
        request=request,
        record=attachment,
        header=False,
    )
    return attachment
