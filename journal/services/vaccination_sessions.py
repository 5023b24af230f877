"""Class vaccination sessions (issue 8): plan a session under a signed general ordination, ask
the class's guardians for consent in one act, and record one outcome per student with the
session's vaccine and lot ("keep vaccine and lot, next student").

The dose rules are not here: a given dose, a refusal or a contraindication is recorded by
``journal.services.vaccinations.record_vaccination`` (it validates, signs and queues the register
report), and the programme status comes from ``journal.services.vaccination_status``. This
module only adds what a class session needs: which ordinations fit a class, the consent of every
student of the class in one query, and the session's own rows.

"Absent" and "no consent" store nothing clinical: the view keeps them as marks in the user's
web session (``SessionMarks``), shown on the session page only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.models import Consent, ConsentKind, ConsentStatus
from schools.models import ClassMembership, SchoolClass, Student

from ..models import (
    EntryStatus,
    Ordination,
    Vaccination,
    VaccinationOutcome,
    VaccinationSession,
    Vaccine,
    VaccineLot,
)

# What a nurse can choose per student on the session page.
GIVEN = "given"
ABSENT = "absent"
DECLINED = VaccinationOutcome.DECLINED.value
NO_CONSENT = "no_consent"
CONTRAINDICATED = VaccinationOutcome.CONTRAINDICATED.value
RECORDED_OUTCOMES = (GIVEN, DECLINED, CONTRAINDICATED)  # a signed Vaccination row
MARKED_OUTCOMES = (ABSENT, NO_CONSENT)  # nothing clinical: a mark in the web session

# The consent states the session page shows, best first.
CONSENT_GRANTED = "granted"
CONSENT_PENDING = "pending"
CONSENT_DECLINED = "declined"
CONSENT_MISSING = "missing"


# --- Ordinations and planning ----------------------------------------------------------------


def ordinations_for_class(
    school_class: SchoolClass, *, on: datetime.date | None = None
) -> QuerySet[Ordination]:
    """Signed general ordinations (generella direktiv) of the class's care provider that cover
    its school and grade and are still valid on ``on`` or later (a session may be planned
    ahead)."""
    on = on or timezone.localdate()
    grade = school_class.grade
    return (
        Ordination.objects.filter(
            organisation_id=school_class.school.organisation_id,
            kind=Ordination.Kind.GENERAL,
            status=EntryStatus.SIGNED,
            schools=school_class.school,
            valid_until__gte=on,
        )
        .filter(Q(grade_from__isnull=True) | Q(grade_from__lte=grade))
        .filter(Q(grade_to__isnull=True) | Q(grade_to__gte=grade))
        .select_related("vaccine")
        .order_by("vaccine__name", "valid_from", "pk")
        .distinct()
    )


def session_errors(
    *,
    school_class: SchoolClass,
    vaccine: Vaccine | None,
    ordination: Ordination | None,
    planned_on: datetime.date | None,
) -> dict[str, list[str]]:
    """Why a session cannot be planned so (field → messages); empty when it can."""
    errors: dict[str, list[str]] = {}
    if vaccine is None:
        errors.setdefault("vaccine", []).append(_("Välj vaccin."))
    if ordination is None:
        errors.setdefault("ordination", []).append(_("Välj ordination."))
    if planned_on is None:
        errors.setdefault("planned_on", []).append(_("Ange ett datum."))
    if errors:
        return errors
    if planned_on < timezone.localdate():
        errors.setdefault("planned_on", []).append(_("Datumet har redan varit."))
    if not ordinations_for_class(school_class).filter(pk=ordination.pk).exists():
        errors.setdefault("ordination", []).append(
            _(
                "Ordinationen är inte ett signerat generellt direktiv som omfattar klassens "
                "skola och årskurs."
            )
        )
    elif ordination.vaccine_id != vaccine.pk:
        errors.setdefault("ordination", []).append(
            _("Ordinationen gäller %(vaccine)s, inte det valda vaccinet.")
            % {"vaccine": ordination.vaccine}
        )
    elif not ordination.valid_from <= planned_on <= ordination.valid_until:
        errors.setdefault("planned_on", []).append(
            _("Ordinationen gäller %(start)s–%(end)s; välj ett datum inom den tiden.")
            % {
                "start": ordination.valid_from.isoformat(),
                "end": ordination.valid_until.isoformat(),
            }
        )
    return errors


@transaction.atomic
def session_create(
    *,
    by,
    school_class: SchoolClass,
    vaccine: Vaccine,
    ordination: Ordination,
    planned_on: datetime.date,
) -> VaccinationSession:
    errors = session_errors(
        school_class=school_class, vaccine=vaccine, ordination=ordination, planned_on=planned_on
    )
    if errors:
        raise ValidationError(errors)
    session = VaccinationSession(
        organisation_id=school_class.school.organisation_id,
        school=school_class.school,
        school_class=school_class,
        vaccine=vaccine,
        ordination=ordination,
        planned_on=planned_on,
        created_by=by,
    )
    session.full_clean()
    session.save()
    return session


def sessions_for_class(school_class: SchoolClass, organisation_id: int | None):
    """The class's sessions of the user's care provider, newest first, with the number of
    outcomes recorded (one query)."""
    from django.db.models import Count

    return (
        VaccinationSession.objects.filter(
            school_class=school_class, organisation_id=organisation_id
        )
        .select_related("vaccine", "ordination", "created_by")
        .annotate(
            given_count=Count(
                "vaccinations",
                filter=Q(
                    vaccinations__outcome=VaccinationOutcome.GIVEN,
                    vaccinations__replaced_by__isnull=True,
                ),
            )
        )
        .order_by("-planned_on", "-pk")
    )


# --- Consent requests for the class -----------------------------------------------------------


def session_request_consents(*, session: VaccinationSession, by):
    """Vaccination-consent requests for the class in one act (``consent``'s
    ``request_for_class``): scope = the vaccine's series, the class's school year. Students with
    a pending or granted request already, or no one to answer, are left out
    (``RequestResult.skipped``, each with why)."""
    from consent.consents import request_for_class

    return request_for_class(
        school_class=session.school_class,
        by=by,
        kind=ConsentKind.VACCINATION,
        scope_code=session.vaccine.series,
        school_year=session.school_class.school_year,
        description=_("Vaccination mot %(diseases)s (%(vaccine)s) i skolan, %(date)s.")
        % {
            "diseases": session.vaccine.diseases,
            "vaccine": session.vaccine.name,
            "date": session.planned_on.isoformat(),
        },
    )


# --- The session page: students, consents, outcomes -------------------------------------------


def class_members(school_class: SchoolClass, students: QuerySet[Student]) -> QuerySet[Student]:
    """``students`` (a policy-filtered queryset) narrowed to the class's current members."""
    memberships = ClassMembership.objects.current().filter(
        school_class=school_class, student=OuterRef("pk")
    )
    return students.filter(Exists(memberships)).order_by("family_name", "given_name", "pk")


@dataclass
class ConsentState:
    state: str  # CONSENT_GRANTED / PENDING / DECLINED / MISSING
    consent: Consent | None = None

    @property
    def is_granted(self) -> bool:
        return self.state == CONSENT_GRANTED


def _consent_rank(consent: Consent, on: datetime.date) -> int:
    if consent.valid_until is not None and consent.valid_until < on:
        return 9  # expired: as if missing
    if consent.status == ConsentStatus.GRANTED and consent.valid_from <= on:
        return 0
    if consent.status == ConsentStatus.PENDING:
        return 1
    if consent.status in (ConsentStatus.DECLINED, ConsentStatus.WITHDRAWN):
        return 2
    return 9


def consents_by_student(
    student_ids: list[int], series: str, *, on: datetime.date | None = None
) -> dict[int, ConsentState]:
    """Each student's vaccination consent for ``series`` in one query: a granted one in force
    wins, then a pending one, then a declined or withdrawn one; else missing."""
    on = on or timezone.localdate()
    best: dict[int, tuple[int, Consent]] = {}
    rows = Consent.objects.filter(
        student_id__in=student_ids, kind=ConsentKind.VACCINATION, scope_code__iexact=series
    ).order_by("-requested_at", "-pk")
    for consent in rows:
        rank = _consent_rank(consent, on)
        if rank < 9 and (consent.student_id not in best or rank < best[consent.student_id][0]):
            best[consent.student_id] = (rank, consent)
    states = {0: CONSENT_GRANTED, 1: CONSENT_PENDING, 2: CONSENT_DECLINED}
    return {
        student_id: (
            ConsentState(states[best[student_id][0]], best[student_id][1])
            if student_id in best
            else ConsentState(CONSENT_MISSING)
        )
        for student_id in student_ids
    }


def session_outcomes(session: VaccinationSession) -> dict[int, Vaccination]:
    """The newest current (not replaced) outcome recorded in this session per student."""
    rows = (
        Vaccination.objects.filter(session=session, replaced_by__isnull=True)
        .select_related("lot", "vaccinator")
        .order_by("given_at", "pk")
    )
    return {row.student_id: row for row in rows}


def lots_for(vaccine: Vaccine, *, on: datetime.date | None = None) -> QuerySet[VaccineLot]:
    """The vaccine's lots that have not expired on ``on`` (first to expire first)."""
    on = on or timezone.localdate()
    return VaccineLot.objects.filter(vaccine=vaccine, expires_on__gte=on).order_by(
        "expires_on", "lot_number"
    )


@transaction.atomic
def session_record(
    *,
    session: VaccinationSession,
    by,
    student: Student,
    outcome: str,
    lot: VaccineLot | None = None,
    site: str = "",
    route: str = "",
    reason: str = "",
    consent: Consent | None = None,
    consent_override_reason: str = "",
) -> Vaccination:
    """One click on the session page: a given dose (with the session's ordination and the
    chosen lot, resting on ``consent`` or on a written override), a refusal or a
    contraindication (with a reason). The DOSES service validates, signs and queues."""
    from .vaccinations import record_vaccination

    if outcome not in RECORDED_OUTCOMES:
        raise ValidationError(_("Okänt utfall."))
    reason = (reason or "").strip()
    consent_override_reason = (consent_override_reason or "").strip()
    if outcome == GIVEN:
        if lot is None:
            raise ValidationError({"lot": [_("Välj sats överst på sidan innan du registrerar.")]})
        if consent is None and not consent_override_reason:
            raise ValidationError(
                {
                    "consent_override_reason": [
                        _("Eleven har inget lämnat samtycke. Skriv skälet om du ändå vaccinerar.")
                    ]
                }
            )
        return record_vaccination(
            by=by,
            student=student,
            outcome=VaccinationOutcome.GIVEN,
            given_at=timezone.now(),
            series=session.vaccine.series,
            vaccine=session.vaccine,
            lot=lot,
            ordination=session.ordination,
            consent=consent,
            consent_override_reason="" if consent is not None else consent_override_reason,
            site=site,
            route=route or session.ordination.route,
            source="here",
            session=session,
        )
    if not reason:
        raise ValidationError({"reason": [_("Ange skäl.")]})
    return record_vaccination(
        by=by,
        student=student,
        outcome=outcome,
        given_at=timezone.now(),
        series=session.vaccine.series,
        vaccine=session.vaccine,
        ordination=session.ordination,
        consent=consent,
        reason=reason,
        session=session,
    )


class SessionMarks:
    """ "Absent" and "no consent" marks of one session, kept in the user's web session (nothing
    clinical is stored: no journal row, no history). Keyed by the students' public ids."""

    def __init__(self, web_session, session: VaccinationSession):
        self.web_session = web_session
        self.key = f"vaccination-session:{session.public_id}"

    def all(self) -> dict[str, str]:
        return dict(self.web_session.get(self.key, {}))

    def set(self, student: Student, mark: str | None) -> None:
        marks = self.all()
        if mark is None:
            marks.pop(str(student.public_id), None)
        else:
            marks[str(student.public_id)] = mark
        self.web_session[self.key] = marks
