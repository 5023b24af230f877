"""Writing the journal: start a draft, save it, sign it, correct it, mark it.

Views check the policy (``consent.policy``) first; these functions keep the journal's own rules:
only the author edits a draft, a locked draft is signed but not edited, a signed entry is never
written to, a save with an old ``lock_version`` is a conflict, and bound records (vision, later
growth and doses) are saved and signed with the note.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import Area, Profession, School, StaffMember, Student

from ..models import (
    Code,
    CodeSystem,
    ContactType,
    EntryCode,
    EntryMark,
    EntryStatus,
    JournalEntry,
    Keyword,
    KeywordValue,
    MarkKind,
    TemplateVersion,
)
from ..models.entries import lock_days
from ..values import VALUE_COLUMN, clean_value, is_empty
from .binding import BoundValue, save_bound_records, sign_bound_records

# A contact a few minutes "in the future" is a clock difference, not a mistake.
CLOCK_SKEW = datetime.timedelta(minutes=5)


class EditConflict(Exception):
    """Someone saved the draft since this form was opened; ``current`` is the stored entry."""

    def __init__(self, current: JournalEntry):
        super().__init__("The draft was saved by someone else meanwhile.")
        self.current = current


def _staff(user) -> StaffMember:
    staff = StaffMember.objects.filter(user_id=user.pk).first()
    if staff is None or Profession(staff.profession).area is None:
        raise ValidationError(_("Bara vårdpersonal kan dokumentera i journalen."), code="no_area")
    return staff


def author_title(staff: StaffMember) -> str:
    return staff.title or str(Profession(staff.profession).label)


def templates_for(user, area: str | None = None):
    """The published versions of the active templates the user may write with: national ones
    and her organisation's, in her area."""
    staff = StaffMember.objects.filter(user_id=user.pk).first()
    if staff is None or Profession(staff.profession).area is None:
        return TemplateVersion.objects.none()
    area = area or Profession(staff.profession).area
    return (
        TemplateVersion.objects.filter(
            status=TemplateVersion.Status.PUBLISHED,
            template__is_active=True,
            template__area=area,
        )
        .filter(
            Q(template__organisation__isnull=True)
            | Q(template__organisation_id=staff.organisation_id)
        )
        .select_related("template")
        .order_by("template__name")
    )


def check_contact_at(contact_at: datetime.datetime) -> None:
    if contact_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError(
            {"contact_at": _("Kontakttiden kan inte ligga i framtiden.")}, code="future"
        )


@transaction.atomic
def entry_start(
    *,
    author,
    student: Student,
    template_version: TemplateVersion,
    contact_at: datetime.datetime | None = None,
    contact_type: str = ContactType.VISIT,
    school: School | None = None,
) -> JournalEntry:
    """A new draft by ``author`` with ``template_version`` (published, of her area and
    organisation or national)."""
    staff = _staff(author)
    area = Profession(staff.profession).area
    if not templates_for(author, area).filter(pk=template_version.pk).exists():
        raise ValidationError(
            {"template_version": _("Mallen finns inte eller hör till ett annat område.")},
            code="template",
        )
    contact_at = contact_at or timezone.now()
    check_contact_at(contact_at)
    entry = JournalEntry(
        student=student,
        area=area,
        organisation_id=staff.organisation_id,
        school=school,
        template_version=template_version,
        contact_type=contact_type,
        contact_at=contact_at,
        author=author,
        author_name=author.get_full_name() or author.get_username(),
        author_title=author_title(staff),
    )
    entry._history_user = author
    entry.save()
    return entry


def _check_author_may_edit(entry: JournalEntry, user) -> None:
    if entry.is_signed:
        raise ValidationError(_("Anteckningen är signerad och kan inte ändras."), code="signed")
    if entry.author_id != user.pk:
        raise ValidationError(_("Bara den som skrev utkastet kan ändra det."), code="not_author")


def value_errors(
    version: TemplateVersion, values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(cleaned values by keyword code, errors by keyword code) for the version's keywords."""
    cleaned, errors = {}, {}
    for keyword in version.keywords.all():
        try:
            cleaned[keyword.code] = clean_value(keyword, values.get(keyword.code))
        except ValidationError as error:
            errors[keyword.code] = error.messages[0]
    return cleaned, errors


def code_errors(codes: Iterable[Code], author) -> list[str]:
    """KVÅ on any entry from an active list; ICD-10-SE by doctors only."""
    errors = []
    staff = StaffMember.objects.filter(user_id=author.pk).first()
    doctor = staff is not None and staff.profession == Profession.SCHOOL_DOCTOR
    codes = list(codes)
    # As stored now: an object in memory may carry a version that has since been deactivated.
    stored = Code.objects.select_related("version").in_bulk([code.pk for code in codes])
    for given in codes:
        code = stored.get(given.pk, given)
        if not (code.version.is_active and code.is_selectable):
            errors.append(_("%(code)s finns inte i den aktiva kodlistan.") % {"code": code.code})
        elif code.version.system == CodeSystem.ICD10SE and not doctor:
            errors.append(_("Diagnoskoder (ICD-10-SE) sätts av skolläkaren."))
    return errors


@transaction.atomic
def entry_save_draft(
    *,
    entry: JournalEntry,
    by,
    lock_version: int,
    values: Mapping[str, Any],
    codes: Iterable[Code] = (),
    contact_at: datetime.datetime | None = None,
    contact_type: str | None = None,
) -> JournalEntry:
    """Save the author's draft. ``values`` by keyword code (missing or empty: cleared).
    Raises ValidationError for rule and value errors (nothing written) and ``EditConflict``
    when ``lock_version`` is not the stored one."""
    _check_author_may_edit(entry, by)
    if entry.is_locked:
        raise ValidationError(
            _("Utkastet är låst (äldre än %(days)s dagar): det kan signeras men inte ändras.")
            % {"days": lock_days()},
            code="locked",
        )
    version = entry.template_version
    cleaned, errors = value_errors(version, values)
    codes = list(codes)
    problems: dict[str, Any] = dict(errors)
    if code_problems := code_errors(codes, by):
        problems["codes"] = code_problems
    if contact_at is not None:
        try:
            check_contact_at(contact_at)
        except ValidationError as error:
            problems.update(error.message_dict)
    if contact_type is not None and contact_type not in ContactType.values:
        problems["contact_type"] = _("Okänd kontakttyp.")
    if problems:
        raise ValidationError(problems)
    # Compare-and-set first: the second of two savers finds no row and gets the conflict.
    bumped = JournalEntry.objects.filter(
        pk=entry.pk, lock_version=lock_version, status=EntryStatus.DRAFT
    ).update(lock_version=F("lock_version") + 1)
    if not bumped:
        raise EditConflict(JournalEntry.objects.get(pk=entry.pk))
    entry.lock_version = lock_version + 1
    if contact_at is not None:
        entry.contact_at = contact_at
    if contact_type is not None:
        entry.contact_type = contact_type
    entry._history_user = by
    entry.save()
    _write_values(entry, version, cleaned, by)
    _write_codes(entry, codes, by)
    return entry


def _write_values(entry, version, cleaned: Mapping[str, Any], by) -> None:
    keywords = {keyword.code: keyword for keyword in version.keywords.all()}
    stored = {value.keyword_id: value for value in entry.values.all()}
    bound: dict[str, BoundValue] = {}
    for code, keyword in keywords.items():
        value = cleaned.get(code)
        if keyword.binds_to:
            bound[keyword.binds_to] = BoundValue(keyword, value)
        row = stored.get(keyword.pk)
        if value is None:
            if row is not None:
                row._history_user = by
                row.delete()  # an emptied field of a draft; the history keeps the old text
            continue
        column = VALUE_COLUMN[keyword.kind]
        if row is None:
            row = KeywordValue(entry=entry, keyword=keyword)
        elif getattr(row, column) == value:
            continue
        setattr(row, column, value)
        row._history_user = by
        row.save()
    save_bound_records(entry, bound)


def _write_codes(entry, codes: list[Code], by) -> None:
    wanted = {code.pk: code for code in codes}
    stored = {row.code_id: row for row in entry.entry_codes.all()}
    for code_id, row in stored.items():
        if code_id not in wanted:
            row._history_user = by
            row.delete()
    for code_id, code in wanted.items():
        if code_id not in stored:
            row = EntryCode(entry=entry, code=code)
            row._history_user = by
            row.save()


def signing_errors(entry: JournalEntry) -> dict[str, str]:
    """Keyword code → message for each keyword required at signing that is empty."""
    filled = {
        value.keyword_id: value
        for value in entry.values.select_related("keyword")
        if not is_empty(value.value)
    }
    return {
        keyword.code: _("%(label)s måste fyllas i innan anteckningen signeras.")
        % {"label": keyword.label}
        for keyword in entry.template_version.keywords.all()
        if keyword.required_at_signing and keyword.pk not in filled
    }


@transaction.atomic
def entry_sign(*, entry: JournalEntry, by, lock_version: int | None = None) -> JournalEntry:
    """Sign the author's draft (also a locked one) and its bound records. ``lock_version``
    (from a form) makes signing a stale page a conflict rather than signing unseen text."""
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.is_signed:
        raise ValidationError(_("Anteckningen är redan signerad."), code="signed")
    if entry.author_id != by.pk:
        raise ValidationError(
            _("Bara den som skrev anteckningen kan signera den."), code="not_author"
        )
    if lock_version is not None and lock_version != entry.lock_version:
        raise EditConflict(entry)
    if errors := signing_errors(entry):
        raise ValidationError(errors)
    entry._history_user = by  # before the bound records: their history names the signer too
    sign_bound_records(entry)
    staff = _staff(by)
    entry.author_name = by.get_full_name() or by.get_username()
    entry.author_title = author_title(staff)
    entry.status = EntryStatus.SIGNED
    entry.signed_at = timezone.now()
    entry.save()
    return entry


@transaction.atomic
def entry_start_correction(
    *, original: JournalEntry, by, reason: str, school: School | None = None
) -> JournalEntry:
    """A draft that corrects a signed ``original``: a copy of its text and codes to edit, with
    the reason. The original stays as it is; the record shows it struck through once the
    correction is signed. One correction at a time, of the newest version only."""
    original = JournalEntry.objects.select_for_update().get(pk=original.pk)
    if not original.is_signed:
        raise ValidationError(_("Ett utkast ändras direkt; bara signerade anteckningar rättas."))
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv varför anteckningen rättas.")}, code="reason")
    corrections = original.corrections.all()
    if corrections.filter(status=EntryStatus.SIGNED).exists():
        raise ValidationError(
            _("Anteckningen är redan rättad: rätta den senaste versionen."), code="corrected"
        )
    pending = corrections.filter(status=EntryStatus.DRAFT).first()
    if pending is not None:
        if pending.author_id == by.pk:
            return pending
        raise ValidationError(
            _("%(name)s håller redan på att rätta anteckningen.") % {"name": pending.author_name},
            code="correction_pending",
        )
    staff = _staff(by)
    if Profession(staff.profession).area != original.area:
        raise ValidationError(_("Anteckningen hör till ett annat område."), code="area")
    correction = JournalEntry(
        student_id=original.student_id,
        area=original.area,
        organisation_id=staff.organisation_id,
        school=school,
        template_version_id=original.template_version_id,
        contact_type=original.contact_type,
        contact_at=original.contact_at,
        author=by,
        author_name=by.get_full_name() or by.get_username(),
        author_title=author_title(staff),
        corrects=original,
        correction_reason=reason.strip(),
    )
    correction._history_user = by
    correction.save()
    version = original.template_version
    values = {
        value.keyword.code: value.value for value in original.values.select_related("keyword")
    }
    _write_values(correction, version, values, by)
    _write_codes(correction, list(original.codes.select_related("version")), by)
    return correction


def current_marks(entry: JournalEntry) -> dict[str, EntryMark]:
    """Kind → the latest mark row (set or withdrawn); uses prefetched ``marks`` if there."""
    latest: dict[str, EntryMark] = {}
    for mark in sorted(entry.marks.all(), key=lambda m: (m.created_at, m.pk)):
        latest[mark.kind] = mark
    return latest


def active_marks(entry: JournalEntry) -> list[EntryMark]:
    return [mark for mark in current_marks(entry).values() if mark.active]


@transaction.atomic
def mark_set(
    *, entry: JournalEntry, kind: str, by, active: bool = True, reason: str = ""
) -> EntryMark:
    """Set or withdraw a mark on a signed entry: a new row, never an edit."""
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if not entry.is_signed:
        raise ValidationError(_("Markeringar sätts på signerade anteckningar."), code="draft")
    if kind not in MarkKind.values:
        raise ValidationError(_("Okänd markering."), code="kind")
    if kind == MarkKind.SHARED_WITH_GUARDIANS and entry.area != Area.EMI:
        raise ValidationError(
            _("Bara anteckningar i den medicinska journalen (EMI) delas med vårdnadshavare."),
            code="area",
        )
    reason = reason.strip()
    if (kind == MarkKind.DISPUTED or not active) and not reason:
        raise ValidationError({"reason": _("Skriv ett skäl.")}, code="reason")
    latest = current_marks(entry).get(kind)
    if (latest is not None and latest.active) == active:
        raise ValidationError(
            _("Markeringen är redan satt.") if active else _("Markeringen är inte satt."),
            code="unchanged",
        )
    return EntryMark.objects.create(
        entry=entry,
        kind=kind,
        active=active,
        reason=reason,
        created_by=by,
        created_by_name=by.get_full_name() or by.get_username(),
    )


def entry_keyword(entry: JournalEntry, code: str) -> Keyword | None:
    return next((k for k in entry.template_version.keywords.all() if k.code == code), None)
