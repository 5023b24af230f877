"""Answers: the multi-party state machine, who may answer through which channel, and scans."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import (
    Student,
)

from ..models import (
    AnswerChannel,
    Consent,
    ConsentAnswer,
    ConsentParty,
    ConsentStatus,
    GuardianAccount,
    PartyKind,
)
from ..policy import Action, decide
from .status import Answer, is_expired
from .status import today as _today

STAFF_CHANNELS = (AnswerChannel.PAPER, AnswerChannel.ORAL, AnswerChannel.SOCIAL_SERVICES)
NOTE_MAX_LENGTH = 2000


# Scans: what a scanner or a phone makes, sniffed from the first bytes (the name and the
# browser's content type are the uploader's word, not the file's).
SCAN_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
SCAN_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def scan_max_bytes() -> int:
    return getattr(settings, "CONSENT_SCAN_MAX_BYTES", 10 * 1024 * 1024)


def sniff_scan(handle) -> str | None:
    """The content type the first bytes show, or None for a file we do not keep."""
    handle.seek(0)
    head = handle.read(16)
    handle.seek(0)
    return next((kind for magic, kind in SCAN_SIGNATURES if head.startswith(magic)), None)


def scan_size_error() -> str:
    return _("Filen är för stor: högst %(size)s.") % {"size": filesizeformat(scan_max_bytes())}


def check_scan(uploaded) -> str:
    """The scan's content type, or ValidationError({"scan": ...})."""
    if uploaded is None:
        raise ValidationError(
            {"scan": _("Ett svar på papper behöver det inskannade svaret.")}, code="required"
        )
    if not uploaded.size:
        raise ValidationError({"scan": _("Filen är tom.")}, code="empty")
    if uploaded.size > scan_max_bytes():
        raise ValidationError({"scan": scan_size_error()}, code="too_large")
    content_type = sniff_scan(uploaded)
    if content_type is None:
        raise ValidationError(
            {"scan": _("Filtypen kan inte sparas. Tillåtna filtyper: PDF, JPEG och PNG.")},
            code="file_type",
        )
    return content_type


def latest_answers(parties: Iterable[ConsentParty]) -> dict[int, ConsentAnswer]:
    """Each party's latest answer (one query)."""
    ids = [party.pk for party in parties]
    latest: dict[int, ConsentAnswer] = {}
    for row in ConsentAnswer.objects.filter(party_id__in=ids).order_by("at", "pk"):
        latest[row.party_id] = row
    return latest


def _check_channel(
    consent: Consent, party: ConsentParty, channel: str, by_user, note: str, scan
) -> None:
    """Who may record an answer through which channel; raises PermissionDenied for a user who
    may not answer for this party at all, ValidationError for a missing piece."""
    if channel == AnswerChannel.PORTAL:
        # Only the guardian herself, signed in with e-ID (her account binds her user to her).
        if (
            party.kind != PartyKind.GUARDIAN
            or not GuardianAccount.objects.filter(
                user_id=getattr(by_user, "pk", None), guardian_id=party.guardian_id
            ).exists()
        ):
            raise PermissionDenied
        if consent.paper_only:
            raise ValidationError(
                _("Den här förfrågan besvaras bara på papper."), code="paper_only"
            )
        return
    if channel not in STAFF_CHANNELS:
        raise ValidationError({"channel": _("Välj hur svaret lämnades.")}, code="channel")
    if not decide(by_user, Action.WRITE, Student(pk=consent.student_id)).allowed:
        raise PermissionDenied
    if channel == AnswerChannel.PAPER:
        check_scan(scan)
    elif channel == AnswerChannel.ORAL and not note.strip():
        raise ValidationError(
            {"note": _("Skriv vem som lämnade det muntliga svaret och hur.")}, code="note"
        )
    elif channel == AnswerChannel.SOCIAL_SERVICES and party.kind != PartyKind.SOCIAL_SERVICES:
        raise ValidationError(
            {"channel": _("Bara socialtjänsten svarar via socialtjänsten.")}, code="channel"
        )


def _next_status(
    consent: Consent,
    parties: list[ConsentParty],
    party: ConsentParty,
    answer_value: str,
    latest: dict,
    on: datetime.date,
) -> str:
    """The status after ``party`` answers ``answer_value``; ValidationError if it may not."""
    if consent.status == ConsentStatus.WITHDRAWN:
        raise ValidationError(
            _("Samtycket är återkallat och kan inte besvaras. Gör en ny begäran vid behov."),
            code="withdrawn",
        )
    if consent.status == ConsentStatus.DECLINED:
        raise ValidationError(
            _("Samtycket är nekat och kan inte besvaras. Gör en ny begäran vid behov."),
            code="declined",
        )
    if answer_value == Answer.WITHDRAW:
        return ConsentStatus.WITHDRAWN  # any party, at any time, effective at once
    if is_expired(consent, on):
        raise ValidationError(
            _("Förfrågan gick ut %(date)s och kan inte längre besvaras.")
            % {"date": consent.valid_until.isoformat()},
            code="expired",
        )
    if consent.status == ConsentStatus.GRANTED:
        if answer_value == Answer.AGREE:
            raise ValidationError(_("Samtycket är redan lämnat."), code="already_granted")
        raise ValidationError(
            _("Samtycket är redan lämnat: registrera en återkallelse i stället."),
            code="already_granted",
        )
    if answer_value == Answer.DECLINE:
        return ConsentStatus.DECLINED
    previous = latest.get(party.pk)
    if previous is not None and previous.answer == Answer.AGREE:
        raise ValidationError(
            _("%(party)s har redan samtyckt.") % {"party": _party_label(party)},
            code="already_answered",
        )
    agreed = {pk for pk, row in latest.items() if row.answer == Answer.AGREE} | {party.pk}
    everyone = {p.pk for p in parties}
    return ConsentStatus.GRANTED if everyone <= agreed else ConsentStatus.PENDING


def _party_label(party: ConsentParty) -> str:
    if party.guardian_id:
        return party.guardian.full_name
    return str(party.get_kind_display())


@transaction.atomic
def answer(
    party: ConsentParty,
    answer: str,
    *,
    channel: str,
    by_user,
    note: str = "",
    scan=None,
    on: datetime.date | None = None,
) -> ConsentAnswer:
    """Record ``party``'s answer (agree, decline or withdraw) and update the consent's status.

    ``channel`` portal: only the user whose ``GuardianAccount`` is this party's guardian (else
    PermissionDenied), never on a paper-only request. Staff channels (paper with a scan, oral
    with a note, social_services for a socialtjänsten party): only staff who may write for the
    student (else PermissionDenied). Anything else a clear ValidationError.
    """
    if answer not in Answer.values:
        raise ValidationError({"answer": _("Välj ett svar.")}, code="answer")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("Anteckningen är för lång.")}, code="note")
    # The lock: answers to one consent are decided one at a time (no join under FOR UPDATE).
    consent = Consent.objects.select_for_update().get(pk=party.consent_id)
    parties = list(consent.parties.select_related("guardian"))
    party = next((p for p in parties if p.pk == party.pk), None)
    if party is None:
        raise ValidationError(_("Parten hör inte till samtycket."), code="party")
    _check_channel(consent, party, channel, by_user, note, scan)
    latest = latest_answers(parties)
    status = _next_status(consent, parties, party, answer, latest, _today(on))
    row = ConsentAnswer.objects.create(
        party=party,
        answer=answer,
        channel=channel,
        answered_by=by_user,
        note=note,
        scan=scan if channel == AnswerChannel.PAPER else "",
        at=timezone.now(),
    )
    if status != consent.status:
        consent.status = status
        consent.decided_at = row.at if status != ConsentStatus.PENDING else None
        consent._history_user = by_user
        consent.save(update_fields=["status", "decided_at"])
    return row
