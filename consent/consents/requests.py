"""Requests: one student, or every current member of a class in one act (one batch, bulk)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from schools.models import (
    Area,
    ClassMembership,
    SchoolClass,
    StaffMember,
    Student,
)
from schools.validators import validate_organisation_number, validate_school_year

from .. import notices
from ..models import (
    Consent,
    ConsentKind,
    ConsentParty,
)
from ..policy import Action, visible_students
from .parties import NO_PARTY, needs_paper, parties_by_student
from .status import open_q, require_writer
from .status import today as _today

# What makes two requests "the same": one open request per student and scope.
SCOPE_FIELDS = ("kind", "scope_area", "scope_organisation_number", "scope_code", "school_year")


@dataclass
class RequestFields:
    """What a request asks, checked once for a whole class."""

    kind: str
    scope_area: str = ""
    scope_organisation_number: str = ""
    scope_code: str = ""
    school_year: str = ""
    description: str = ""
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.kind not in ConsentKind.values:
            errors.setdefault("kind", []).append(_("Välj typ av samtycke."))
        if self.scope_area and self.scope_area not in Area.values:
            errors.setdefault("scope_area", []).append(_("Okänt journalområde."))
        self.scope_code = (self.scope_code or "").strip()
        self.scope_organisation_number = (self.scope_organisation_number or "").replace("-", "")
        self.scope_organisation_number = self.scope_organisation_number.strip()
        if self.kind == ConsentKind.VACCINATION and not self.scope_code:
            errors.setdefault("scope_code", []).append(
                _("Ange vaccinet eller programmet, t.ex. HPV.")
            )
        provider_kinds = (ConsentKind.READ_BY_PROVIDER, ConsentKind.TRANSFER)
        if self.kind in provider_kinds and not self.scope_organisation_number:
            errors.setdefault("scope_organisation_number", []).append(
                _("Ange den andra vårdgivarens organisationsnummer.")
            )
        if self.scope_organisation_number:
            try:
                validate_organisation_number(self.scope_organisation_number)
            except ValidationError as error:
                errors.setdefault("scope_organisation_number", []).extend(error.messages)
        if self.school_year:
            try:
                validate_school_year(self.school_year)
            except ValidationError as error:
                errors.setdefault("school_year", []).extend(error.messages)
        self.valid_from = self.valid_from or timezone.localdate()
        if self.valid_until is not None and self.valid_until < self.valid_from:
            errors.setdefault("valid_until", []).append(
                _("Slutdatum kan inte vara före startdatum.")
            )
        if errors:
            raise ValidationError(errors)

    def scope(self) -> dict:
        return {name: getattr(self, name) for name in SCOPE_FIELDS}


@dataclass
class RequestResult:
    """One act of requesting: the consents made (one batch) and the students left out, each
    with why."""

    batch: uuid.UUID | None
    created: list[Consent] = field(default_factory=list)
    skipped: list[tuple[Student, str]] = field(default_factory=list)


def _organisation_id(by) -> int:
    organisation_id = (
        StaffMember.objects.filter(user_id=by.pk).values_list("organisation_id", flat=True).first()
    )
    if organisation_id is None:
        raise ValidationError(_("Bara personal hos en vårdgivare kan begära samtycke."))
    return organisation_id


def _already_open_error() -> str:
    return _(
        "Det finns redan en öppen begäran om samma samtycke för eleven (väntar på svar eller "
        "lämnat). Den måste vara nekad, återkallad eller ha gått ut innan en ny begärs."
    )


def _create_requests(
    *,
    students: list[Student],
    fields: RequestFields,
    by,
    social_services: bool = False,
    school_class: SchoolClass | None = None,
    batch: uuid.UUID | None = None,
) -> RequestResult:
    """Lock the students, leave out those with an open request or without a party, and create
    the rest in bulk: a fixed number of queries for any number of students."""
    organisation_id = _organisation_id(by)
    today = timezone.localdate()
    ids = [student.pk for student in students]
    # Serialise requests about the same students, so two clicks cannot make two open requests.
    list(Student.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    open_ids = set(
        Consent.objects.filter(
            open_q(today), student_id__in=ids, organisation_id=organisation_id, **fields.scope()
        ).values_list("student_id", flat=True)
    )
    parties = parties_by_student(ids, fields.kind, on=today, social_services=social_services)
    result = RequestResult(batch=batch)
    pending: list[tuple[Consent, list[ConsentParty]]] = []
    description = fields.description.strip()
    now = timezone.now()
    if social_services:
        reason = _(
            "Socialtjänsten svarar i stället för vårdnadshavarna: eleven är placerad "
            "(uppgift registrerad %(date)s av %(name)s)."
        ) % {"date": today.isoformat(), "name": by.get_full_name() or by.get_username()}
        description = f"{description}\n\n{reason}".strip()
    for student in students:
        if student.pk in open_ids:
            result.skipped.append((student, _already_open_error()))
            continue
        if not parties[student.pk]:
            result.skipped.append((student, _(NO_PARTY)))
            continue
        consent = Consent(
            student=student,
            organisation_id=organisation_id,
            kind=fields.kind,
            scope_area=fields.scope_area,
            scope_organisation_number=fields.scope_organisation_number,
            scope_code=fields.scope_code,
            school_year=fields.school_year,
            description=description,
            valid_from=fields.valid_from,
            valid_until=fields.valid_until,
            school_class=school_class,
            batch=batch,
            paper_only=needs_paper(student, parties[student.pk]),
            requested_by=by,
            requested_at=now,
        )
        pending.append((consent, parties[student.pk]))
    if not pending:
        return result
    consents = bulk_create_with_history([c for c, _p in pending], Consent, default_user=by)
    rows = []
    for consent, consent_parties in zip(consents, (p for _c, p in pending), strict=True):
        for party in consent_parties:
            party.consent = consent
            rows.append(party)
    ConsentParty.objects.bulk_create(rows)
    for consent, consent_parties in zip(consents, (p for _c, p in pending), strict=True):
        consent.required_parties = consent_parties
    result.created = list(consents)
    notices.notify_on_commit(result.created)
    return result


@transaction.atomic
def request_consent(
    *,
    student: Student,
    by,
    kind: str,
    scope_area: str = "",
    scope_organisation_number: str = "",
    scope_code: str = "",
    school_year: str = "",
    description: str = "",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
    social_services: bool = False,
) -> Consent:
    """Request a consent for one student; the parties follow from her guardian relations.
    ``social_services``: staff state that the child is placed, so socialtjänsten answers.
    Only staff who may write for the student (else PermissionDenied)."""
    fields = RequestFields(
        kind=kind,
        scope_area=scope_area,
        scope_organisation_number=scope_organisation_number,
        scope_code=scope_code,
        school_year=school_year,
        description=description,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    fields.clean()
    require_writer(by, student)
    result = _create_requests(
        students=[student], fields=fields, by=by, social_services=social_services
    )
    if result.skipped:
        _student, message = result.skipped[0]
        raise ValidationError(message, code="skipped")
    return result.created[0]


def class_members(school_class: SchoolClass, by, *, on: datetime.date | None = None):
    """The class's current members on whom ``by`` may write (the ones she may ask for)."""
    memberships = ClassMembership.objects.current(_today(on)).filter(
        school_class=school_class, student=OuterRef("pk")
    )
    return (
        visible_students(by, on, action=Action.WRITE)
        .filter(Exists(memberships))
        .order_by("family_name", "given_name", "pk")
    )


@transaction.atomic
def request_for_class(
    *,
    school_class: SchoolClass,
    by,
    kind: str,
    scope_area: str = "",
    scope_organisation_number: str = "",
    scope_code: str = "",
    school_year: str = "",
    description: str = "",
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> RequestResult:
    """One request per current member of the class that ``by`` may write for, in one act and
    one batch; members with an open request of the same scope or without a party are left out
    (``RequestResult.skipped``). The number of queries does not grow with the class."""
    fields = RequestFields(
        kind=kind,
        scope_area=scope_area,
        scope_organisation_number=scope_organisation_number,
        scope_code=scope_code,
        school_year=school_year or school_class.school_year,
        description=description,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    fields.clean()
    students = list(class_members(school_class, by))
    if not students:
        raise ValidationError(
            _("Klassen har inga elever som du kan begära samtycke för."), code="empty_class"
        )
    return _create_requests(
        students=students,
        fields=fields,
        by=by,
        school_class=school_class,
        batch=uuid.uuid4(),
    )
