"""The world of the authorization matrix (tests/test_authorization_matrix.py): one student of
organisation A, ``student_a`` ("Alva Matrixsdotter"), and one user per role of issue 3 point 7.

Organisation A has school A (student_a's health-responsible school, class 4M) and school A2;
organisation B has school B. The guardian roles are users without a staff profile, bound
(``add_portal_objects``) to the ``Guardian`` rows that name them as custodians of student_a and
of another student; the matrix signs them in as guardian portal sessions.

Besides the roles, the world holds one object of organisation A per admin model, each as close
to student_a as the model allows (the student herself, her enrolment, class membership,
guardian relation, an access-log row about her, ...), so that the admin's object pages name her.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from consent.accesslog import Access, log_accesses
from consent.groups import ensure_log_reviewer_group
from consent.models import AccessAction, AccessLogEntry, AccessReason, LogSeal
from consent.services import emergency_access_start
from elevhalsa.models import AuthEvent, JobRun
from schools.groups import ensure_registry_admin_group
from schools.models import (
    ClassMembership,
    Enrolment,
    GuardianRelation,
    OrganisationRole,
    Profession,
)
from tests.schools.factories import (
    AssignmentFactory,
    ClassMembershipFactory,
    EnrolmentFactory,
    GuardianFactory,
    GuardianRelationFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    SchoolClassFactory,
    SchoolFactory,
    StaffMemberFactory,
    StudentFactory,
    UserFactory,
)

FAMILY_NAME = "Matrixsdotter"  # distinctive: found in a body only if the page names student_a
GUARDIAN_FAMILY_NAME = "Vårdnadsson"
OTHER_FAMILY_NAME = "Annansson"

# --- Roles ---------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
GUARDIAN_HERE = "guardian_of_student"
GUARDIAN_OTHER = "guardian_of_other_student"
NURSE_HERE = "nurse_here"
NURSE_OTHER_SCHOOL = "nurse_other_school"
NURSE_ENDED = "nurse_assignment_ended"
NURSE_OTHER_ORG = "nurse_other_organisation"
PSYCHOLOGIST = "psychologist_here"
DOCTOR = "doctor_here"
REGISTRY_ADMIN = "registry_admin_here"
REGISTRY_ADMIN_OTHER = "registry_admin_other_organisation"
LOG_REVIEWER = "log_reviewer"
EMERGENCY = "emergency_access"
RECORDS_OFFICER = "records_officer"

ROLES: tuple[str, ...] = (
    ANONYMOUS,
    GUARDIAN_HERE,
    GUARDIAN_OTHER,
    NURSE_HERE,
    NURSE_OTHER_SCHOOL,
    NURSE_ENDED,
    NURSE_OTHER_ORG,
    PSYCHOLOGIST,
    DOCTOR,
    REGISTRY_ADMIN,
    REGISTRY_ADMIN_OTHER,
    LOG_REVIEWER,
    EMERGENCY,
    RECORDS_OFFICER,
)
STAFF_ROLES = (REGISTRY_ADMIN, REGISTRY_ADMIN_OTHER, LOG_REVIEWER)  # is_staff: the admin opens
CARE_HERE = (NURSE_HERE, PSYCHOLOGIST, DOCTOR)  # a care relation to student_a
READERS = (*CARE_HERE, EMERGENCY)  # may read student_a's record
# Staff of organisation A: the lookup by identity number finds student_a for them.
ORGANISATION_A_STAFF = (
    NURSE_HERE,
    NURSE_OTHER_SCHOOL,
    NURSE_ENDED,
    PSYCHOLOGIST,
    DOCTOR,
    REGISTRY_ADMIN,
    LOG_REVIEWER,
    EMERGENCY,
    RECORDS_OFFICER,
)
# Clinicians (an area: EMI or EPI) working at a school of organisation A today: they may open
# emergency access to A's students. A nurse whose assignment ended works nowhere: she may not.
CLINICIANS_A = (NURSE_HERE, NURSE_OTHER_SCHOOL, PSYCHOLOGIST, DOCTOR, EMERGENCY)


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@dataclass
class World:
    org_a: object
    org_b: object
    school_a: object
    school_a2: object
    school_b: object
    class_a: object
    student_a: object
    users: dict = field(default_factory=dict)  # role -> user (no anonymous)
    objects: dict = field(default_factory=dict)  # "app_model" -> an object of organisation A
    student_content_type: object = None

    @property
    def identity_forms(self) -> list[str]:
        """student_a's identity number as a page could print it."""
        digits = re.sub(r"\D", "", self.student_a.identity_number)
        return sorted(
            {self.student_a.identity_number, digits, f"{digits[:8]}-{digits[8:]}"}, key=len
        )

    @property
    def short_identity_number(self) -> str:
        """ÅÅMMDD-NNNN, as one may type it into a search (never printed by a page)."""
        digits = re.sub(r"\D", "", self.student_a.identity_number)
        return f"{digits[2:8]}-{digits[8:]}"

    def history_id(self, key: str) -> int:
        return self.objects[key].history.latest().history_id


def _staff(org, school, profession, username, *, end_date=None, **user):
    member = StaffMemberFactory(
        organisation=org, profession=profession, user__username=username, **user
    )
    if school is not None:
        AssignmentFactory(staff_member=member, school=school, end_date=end_date)
    return member


def _with_role(org, username, role, *, is_staff=False):
    member = _staff(org, None, Profession.ADMINISTRATOR, username, user__is_staff=is_staff)
    role_row = OrganisationRoleFactory(staff_member=member, role=role)
    return member, role_row


def build_world() -> World:
    org_a = OrganisationFactory(name="Kommun Matris A")
    org_b = OrganisationFactory(name="Friskolan Matris B AB")
    school_a = SchoolFactory(organisation=org_a, name="Skola Matris A")
    school_a2 = SchoolFactory(organisation=org_a, name="Skola Matris A2")
    school_b = SchoolFactory(organisation=org_b, name="Skola Matris B")
    class_a = SchoolClassFactory(school=school_a, name="4M")

    student_a = StudentFactory(given_name="Alva", family_name=FAMILY_NAME)
    enrolment = EnrolmentFactory(student=student_a, school=school_a)
    membership = ClassMembershipFactory(student=student_a, school_class=class_a)
    other_student = StudentFactory(given_name="Otto", family_name=OTHER_FAMILY_NAME)
    EnrolmentFactory(student=other_student, school=school_b)

    world = World(org_a, org_b, school_a, school_a2, school_b, class_a, student_a)
    users = world.users

    # Guardians: users without a staff profile (bound to these rows in add_portal_objects).
    users[GUARDIAN_HERE] = UserFactory(username="guardian_here")
    users[GUARDIAN_OTHER] = UserFactory(username="guardian_other")
    guardian = GuardianFactory(given_name="Gustav", family_name=GUARDIAN_FAMILY_NAME)
    relation = GuardianRelationFactory(student=student_a, guardian=guardian)
    GuardianRelationFactory(student=other_student)

    nurse = _staff(org_a, school_a, Profession.SCHOOL_NURSE, "m_nurse_here")
    users[NURSE_HERE] = nurse.user
    users[NURSE_OTHER_SCHOOL] = _staff(org_a, school_a2, Profession.SCHOOL_NURSE, "m_nurse_a2").user
    users[NURSE_ENDED] = _staff(
        org_a, school_a, Profession.SCHOOL_NURSE, "m_nurse_ended", end_date=_days(-1)
    ).user
    users[NURSE_OTHER_ORG] = _staff(org_b, school_b, Profession.SCHOOL_NURSE, "m_nurse_b").user
    users[PSYCHOLOGIST] = _staff(org_a, school_a, Profession.PSYCHOLOGIST, "m_psych").user
    users[DOCTOR] = _staff(org_a, school_a, Profession.SCHOOL_DOCTOR, "m_doctor").user

    registry_group = ensure_registry_admin_group()
    for role, org, name in (
        (REGISTRY_ADMIN, org_a, "m_admin_a"),
        (REGISTRY_ADMIN_OTHER, org_b, "m_admin_b"),
    ):
        member, _role = _with_role(org, name, OrganisationRole.Role.REGISTRY_ADMIN, is_staff=True)
        member.user.groups.add(registry_group)
        users[role] = member.user

    reviewer, reviewer_role = _with_role(
        org_a, "m_log_reviewer", OrganisationRole.Role.LOG_REVIEWER, is_staff=True
    )
    reviewer.user.groups.add(ensure_log_reviewer_group())
    users[LOG_REVIEWER] = reviewer.user

    emergency = _staff(org_a, school_a2, Profession.SCHOOL_NURSE, "m_emergency").user
    emergency_access_start(user=emergency, student=student_a, reason_text="Akut allergisk reaktion")
    users[EMERGENCY] = emergency

    officer, _role = _with_role(org_a, "m_records_officer", OrganisationRole.Role.RECORDS_OFFICER)
    users[RECORDS_OFFICER] = officer.user

    # A confirmed TOTP device per user, so the verified client's force_login creates none.
    for user in users.values():
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)

    # --- One object of organisation A per admin model, naming student_a where it can.
    log_accesses(
        [
            Access(
                user=nurse.user,
                student=student_a,
                action=AccessAction.VIEW,
                reason=AccessReason.CARE_RELATION,
                organisation=org_a,
                school=school_a,
            )
        ]
    )
    now = timezone.now()
    world.objects.update(
        {
            "schools_organisation": org_a,
            "schools_school": school_a,
            "schools_schoolclass": class_a,
            "schools_student": student_a,
            "schools_guardian": guardian,
            "schools_guardianrelation": GuardianRelation.objects.get(pk=relation.pk),
            "schools_enrolment": Enrolment.objects.get(pk=enrolment.pk),
            "schools_classmembership": ClassMembership.objects.get(pk=membership.pk),
            "schools_staffmember": nurse,
            "schools_organisationrole": reviewer_role,
            "schools_assignment": nurse.assignments.get(),
            "elevhalsa_user": nurse.user,
            "elevhalsa_jobrun": JobRun.objects.create(
                job="seal_access_log", started_at=now, outcome=JobRun.Outcome.OK, output="ok"
            ),
            "elevhalsa_authevent": AuthEvent.objects.create(
                kind=AuthEvent.Kind.LOGIN_OK, user=nurse.user, username=nurse.user.username
            ),
            "otp_totp_totpdevice": TOTPDevice.objects.get(user=nurse.user),
            "otp_static_staticdevice": StaticDevice.objects.create(
                user=nurse.user, name="backup", confirmed=True
            ),
            "consent_accesslogentry": AccessLogEntry.objects.get(student=student_a),
            "consent_logseal": LogSeal.objects.create(
                first_id=0,
                last_id=1,
                row_count=1,
                rows_hash="0" * 64,
                previous_head="0" * 64,
                head="1" * 64,
            ),
            "auth_group": Group.objects.get(pk=registry_group.pk),
        }
    )
    world.student_content_type = ContentType.objects.get_for_model(student_a)
    return world


def add_journal_template_objects(world: World) -> None:
    """Organisation A's own template: version 1 published, version 2 a draft with a keyword;
    and A's own health programme, a draft copied from the national one."""
    from journal.models import DocumentTemplate, Keyword, TemplateVersion

    template = DocumentTemplate.objects.create(
        organisation=world.org_a, area="EMI", code="matris-mall", name="Matrismall"
    )
    TemplateVersion.objects.create(
        template=template, number=1, status="published", published_at=timezone.now()
    )
    draft = TemplateVersion.objects.create(template=template, number=2)
    Keyword.objects.create(
        version=draft, order=1, code="anamnes", label="Anamnes", vips_heading="anamnes"
    )
    world.objects.update({"journal_documenttemplate": template, "journal_templateversion": draft})

    # Organisation A's own health programme: a draft copied from the national one.
    from journal.models.visits import HealthProgramme
    from journal.services.programmes import programme_create_draft

    national = HealthProgramme.objects.get(organisation=None, status="published")
    world.objects["journal_healthprogramme"] = programme_create_draft(
        source=national, organisation=world.org_a, by=None
    )


def add_journal_entry_objects(world: World) -> None:
    """Journal entries by the nurse here about student_a: a signed telephone note and a complete
    åk 4 draft with a scanned attachment (a tiny PNG)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from journal.services.attachments import attachment_add
    from tests.journal.factories import make_entry

    nurse = world.users[NURSE_HERE]
    # A telephone note, not the åk 4 visit: the visit stays open for the health-visit rows.
    signed = make_entry(
        nurse,
        world.student_a,
        template="telefonkontakt",
        values={"kontakt-med": "Vårdnadshavare", "bedomning": "Inget att åtgärda."},
        sign=True,
        school=world.school_a,
    )
    draft = make_entry(nurse, world.student_a, school=world.school_a)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    attachment = attachment_add(
        entry=draft,
        by=nurse,
        uploaded_file=SimpleUploadedFile("samtycke.png", png, content_type="image/png"),
        document_type="consent",
    )
    world.objects.update(
        {
            "journal_entry_signed": signed,
            "journal_entry_draft": draft,
            "journal_attachment": attachment,
        }
    )


def add_alert_and_care_objects(world: World) -> None:
    """Issue 9: an allergy on student_a, a signed medication order and a draft one, a signed
    self-care plan — all by the nurse here."""
    from journal.services.alerts import alert_create
    from journal.services.medication import (
        order_create_draft,
        order_sign,
        plan_create_draft,
        plan_sign,
    )

    nurse, student = world.users[NURSE_HERE], world.student_a
    today = timezone.localdate()
    alert = alert_create(
        by=nurse,
        student=student,
        kind="allergy",
        substance="Jordnötter",
        reaction="Anafylaxi",
        severity="severe",
        condition="",
        description="Adrenalinpenna i klassrummet.",
    )
    order_fields = {
        "medicine": "Insulin aspart",
        "dose": "Enligt schema",
        "times_of_day": "Före lunch",
        "route": "injection",
        "start_date": today,
        "prescriber": "Barnkliniken Exempelstad",
        "instructions_from": "Vårdnadshavare",
        "instructions_received_on": today,
        "storage": "fridge",
    }
    signed_order = order_sign(
        order=order_create_draft(by=nurse, student=student, **order_fields), by=nurse
    )
    draft_order = order_create_draft(by=nurse, student=student, **order_fields)
    plan = plan_sign(
        plan=plan_create_draft(
            by=nurse,
            student=student,
            measure="Blodsockerkontroll före lunch.",
            performed_by="Elevassistent",
            instructions_given="Diabetessköterskan utbildar personalen vid terminsstart.",
            on_change="Ring vårdnadshavare; vid medvetslöshet 112.",
            reassess_on=today + datetime.timedelta(days=180),
            valid_from=today,
        ),
        by=nurse,
    )
    world.objects.update(
        {
            "journal_alert": alert,
            "journal_order_signed": signed_order,
            "journal_order_draft": draft_order,
            "journal_plan": plan,
        }
    )


def add_health_visit_objects(world: World) -> None:
    """Issue 6: student_a's åk 4 visit (national programme), planned in a week by the nurse, and
    the åk 2 point she has no visit for (the catch-up page)."""
    from journal.models import HealthVisit, ProgrammePoint

    point = ProgrammePoint.objects.get(programme__organisation=None, school_type="GR", grade=4)
    visit = HealthVisit.objects.create(
        student=world.student_a,
        point=point,
        organisation=world.org_a,
        school=world.school_a,
        school_year=world.class_a.school_year,
        planned_on=timezone.localdate() + datetime.timedelta(days=7),
        updated_by=world.users[NURSE_HERE],
    )
    world.objects["journal_healthvisit"] = visit
    # A point she has no visit for (åk 2, an earlier grade): planned case by case.
    world.objects["journal_programmepoint_catch_up"] = ProgrammePoint.objects.get(
        programme__organisation=None, programme__status="published", school_type="GR", grade=2
    )


def add_consent_objects(world: World) -> None:
    """Issue 5: consent requests about student_a by the nurse here (her guardian the only party):
    HPV pending, MPR granted on paper with a scan; a maturity decision; a god man with a
    mandate; and organisation A's portal settings."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consent import consents
    from consent.models import PortalSettings

    nurse, student = world.users[NURSE_HERE], world.student_a
    pending = consents.request_consent(
        student=student, by=nurse, kind="vaccination", scope_code="HPV"
    )
    granted = consents.request_consent(
        student=student, by=nurse, kind="vaccination", scope_code="MPR"
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    scanned = consents.answer(
        granted.parties.get(),
        "agree",
        channel="paper",
        by_user=nurse,
        scan=SimpleUploadedFile("svar.png", png, content_type="image/png"),
    )
    maturity = consents.maturity_record(
        student=student, kind="transfer", reason="Förstår vad överföringen innebär.", by=nurse
    )
    trustee = GuardianRelationFactory(
        student=student,
        guardian=GuardianFactory(given_name="Greta", family_name="Godmansson"),
        relation_type=GuardianRelation.Type.TRUSTEE,
    )
    mandate = consents.mandate_record(
        relation=trustee, kind="vaccination", basis="Förordnande 2026-01-10", by=nurse
    )
    settings, _created = PortalSettings.objects.get_or_create(organisation=world.org_a)
    world.objects.update(
        {
            "consent_consent": pending,
            "consent_pending": pending,
            "consent_party": pending.parties.get(),
            "consent_scanned": granted,
            "consent_scanned_answer": scanned,
            "consent_maturity": maturity,
            "consent_mandate": mandate,
            "consent_portalsettings": settings,
        }
    )


def add_portal_objects(world: World) -> None:
    """Issue 5: the guardian roles' e-ID accounts: GUARDIAN_HERE is bound to student_a's
    guardian, GUARDIAN_OTHER to the other student's (the matrix signs them in as portal
    sessions). Only tests bind by hand; the application binds from a verified e-ID claim."""
    from consent.models import GuardianAccount
    from schools.models import Guardian

    other = Guardian.objects.get(relations__student__family_name=OTHER_FAMILY_NAME)
    for role, guardian in (
        (GUARDIAN_HERE, world.objects["schools_guardian"]),
        (GUARDIAN_OTHER, other),
    ):
        GuardianAccount.objects.create(user=world.users[role], guardian=guardian, issuer="test")

    # A clinician's current decision about the guardian's reading: an extension (for a
    # ten-year-old it changes nothing today), for the staff pages that list and end decisions.
    from consent.portal.decisions import guardian_access_decide

    world.objects["consent_guardianaccessdecision"] = guardian_access_decide(
        student=world.student_a,
        guardian=world.objects["schools_guardian"],
        kind="extend",
        reason="Överenskommelse med eleven och vårdnadshavaren.",
        valid_until=_days(30),
        by=world.users[NURSE_HERE],
    )


def add_growth_objects(world: World) -> None:
    """Issue 7: growth measurements of student_a (filled by the growth work)."""
    # The growth reference (migration 0013, installation-wide) and organisation A's settings.
    from journal.growth.reference import default_reference
    from journal.models import GrowthSettings

    reference = default_reference()
    world.objects["journal_growthreference"] = reference
    world.objects["journal_growthsettings"] = GrowthSettings.objects.create(
        organisation=world.org_a, reference=reference
    )
    # Measurements (issue 7, part B): one signed measurement of student_a from a class entry.
    from decimal import Decimal

    from journal.services.growth import record_measurement

    world.objects["journal_growthmeasurement"] = record_measurement(
        by=world.users[NURSE_HERE],
        student=world.student_a,
        measured_on=_days(-30),
        height_cm=Decimal("140.0"),
        weight_kg=Decimal("33.0"),
    )


def add_vaccination_status_objects(world: World) -> None:
    """Issue 8 (status): student_a has no MPR dose 2 (åk 4: overdue, on the due lists); the
    admin's objects: a vaccine (migration 0017), a lot, and A's draft programme."""
    from journal.models.vaccination import VaccinationProgramme, Vaccine, VaccineLot
    from journal.services.vaccination_programmes import vaccination_programme_create_draft

    vaccine = Vaccine.objects.get(name="Gardasil 9")
    world.objects["journal_vaccine"] = vaccine
    world.objects["journal_vaccinelot"] = VaccineLot.objects.create(
        vaccine=vaccine, lot_number="MATRIS1", expires_on=_days(300)
    )
    national = VaccinationProgramme.objects.get(organisation=None, status="published")
    world.objects["journal_vaccinationprogramme"] = vaccination_programme_create_draft(
        source=national, organisation=world.org_a, by=None
    )


def add_vaccination_session_objects(world: World) -> None:
    """Issue 8: a signed general ordination (the doctor's) for HPV covering school A's class of
    student_a, and a session for that class planned today by the nurse."""
    from journal.models import Ordination, Vaccine
    from journal.services.vaccination_sessions import session_create
    from journal.services.vaccinations import sign_ordination

    vaccine = Vaccine.objects.get(name="Gardasil 9")
    ordination = Ordination.objects.create(
        organisation=world.org_a,
        kind=Ordination.Kind.GENERAL,
        vaccine=vaccine,
        strength="0,5 ml",
        dose="0,5 ml",
        route="intramuskulärt",
        covers="Elever i klass 4M",
        valid_from=_days(-10),
        valid_until=_days(100),
        issued_by=world.users[DOCTOR],
        issued_by_name="Doktor Matris",
    )
    # Schools first: a signed ordination's schools are frozen (migration 0018).
    ordination.schools.set([world.school_a])
    ordination = sign_ordination(ordination=ordination, by=world.users[DOCTOR])
    world.objects["session_ordination"] = ordination
    world.objects["journal_vaccinationsession"] = session_create(
        by=world.users[NURSE_HERE],
        school_class=world.class_a,
        vaccine=vaccine,
        ordination=ordination,
        planned_on=timezone.localdate(),
    )


def add_vaccination_dose_objects(world: World) -> None:
    """Issue 8 (doses): a general HPV ordination for school A (the nurse drafts it, the doctor
    signs it), a draft ordination, and an HPV dose the nurse gave student_a yesterday under the
    signed one (her guardians' consent is still pending: given with a recorded reason), with
    its pending register report."""
    import datetime as dt

    from journal.models import RegisterReport, Vaccine, VaccineLot
    from journal.services import vaccinations

    nurse, doctor = world.users[NURSE_HERE], world.users[DOCTOR]
    vaccine = Vaccine.objects.get(name="Gardasil 9")
    common = {
        "kind": "general",
        "vaccine": vaccine,
        "strength": "0,5 ml",
        "dose": "0,5 ml",
        "route": "intramuskulärt",
        "schools": [world.school_a],
        "covers": "Elever i årskurs 4–6",
        "grade_from": 4,
        "grade_to": 6,
    }
    signed = vaccinations.sign_ordination(
        ordination=vaccinations.create_ordination(
            by=nurse, valid_from=_days(-30), valid_until=_days(100), **common
        ),
        by=doctor,
    )
    draft = vaccinations.create_ordination(
        by=nurse, valid_from=_days(1), valid_until=_days(200), **common
    )
    lot = VaccineLot.objects.create(vaccine=vaccine, lot_number="MATRISDOS", expires_on=_days(90))
    yesterday = timezone.make_aware(dt.datetime.combine(_days(-1), dt.time(10, 0)))
    dose = vaccinations.record_vaccination(
        by=nurse,
        student=world.student_a,
        outcome="given",
        given_at=yesterday,
        series="HPV",
        vaccine=vaccine,
        lot=lot,
        ordination=signed,
        consent_override_reason="Vårdnadshavarna samtyckte muntligt i telefon.",
        site="vänster överarm",
        route="intramuskulärt",
    )
    world.objects.update(
        {
            "vaccination_ordination": signed,
            "vaccination_ordination_draft": draft,
            "journal_vaccination": dose,
            "journal_registerreport": RegisterReport.objects.get(vaccination=dose),
        }
    )


def add_cross_organisation_objects(world: World) -> None:
    """Issue 5: a signed EMI entry about student_a by organisation B's nurse (an earlier care
    provider), and a granted consent, in force, that lets organisation A's EMI staff read
    organisation B's EMI records of student_a after an active choice."""
    from consent.models import Consent, ConsentKind, ConsentStatus
    from tests.journal.factories import make_entry

    entry = make_entry(
        world.users[NURSE_OTHER_ORG],
        world.student_a,
        template="telefonkontakt",
        values={"kontakt-med": "Vårdnadshavare", "bedomning": "Tidigare vårdgivares notering."},
        sign=True,
        school=world.school_b,
    )
    consent = Consent.objects.create(
        student=world.student_a,
        organisation=world.org_a,
        kind=ConsentKind.READ_BY_PROVIDER,
        scope_organisation_number=world.org_b.organisation_number,
        scope_area="EMI",
        valid_from=_days(-30),
        status=ConsentStatus.GRANTED,
        decided_at=timezone.now(),
        requested_by=world.users[NURSE_HERE],
    )
    world.objects.update({"cross_organisation_entry": entry, "cross_organisation_consent": consent})


def add_log_review_objects(world: World) -> None:
    """Issue 11: a documented log search of organisation A over the last month (it covers the
    log row about student_a), and the emergency access of the world waiting in the queue."""
    from consent.models import EmergencyAccess, LogReview

    today = timezone.localdate()
    world.objects["consent_logreview"] = LogReview.objects.create(
        organisation=world.org_a,
        kind=LogReview.Kind.FILTERED,
        period_from=today - datetime.timedelta(days=30),
        period_to=today,
        reviewer=world.users[LOG_REVIEWER],
    )
    world.objects["consent_emergencyaccess"] = EmergencyAccess.objects.get(
        user=world.users[EMERGENCY]
    )


def add_block_objects(world: World) -> None:
    """Issue 11: a block of student_a's records made at school A — for records up to 2000 only,
    so it hides none of the world's records from anyone — with the emergency nurse's first
    reveal step taken; a second block to lift; and a released log extract by the nurse here."""
    import datetime as _datetime

    from consent.blocks import block_record, block_reveal
    from consent.extracts import extract_create

    nurse, student = world.users[NURSE_HERE], world.student_a
    old = _datetime.date(2000, 1, 1)
    block = block_record(student=student, by=nurse, school=world.school_a, records_until=old)
    to_lift = block_record(student=student, by=nurse, organisation=world.org_a, records_until=old)
    block_reveal(block=block, user=world.users[EMERGENCY], step="unit", reason="Akut: allergi.")
    extract = extract_create(
        student=student,
        organisation=world.org_a,
        by=nurse,
        period_from=_days(-30),
        period_to=_days(0),
        requested_by_text="Eleven",
    )
    world.objects.update(
        {"consent_block": block, "consent_block_lift": to_lift, "consent_logextract": extract}
    )
