"""The world of the authorization matrix (tests/test_authorization_matrix.py): one student of
organisation A, ``student_a`` ("Alva Matrixsdotter"), and one user per role of issue 3 point 7.

Organisation A has school A (student_a's health-responsible school, class 4M) and school A2;
organisation B has school B. Guardians have no login or portal yet: they are users without a
staff profile (their e-ID portal comes later), beside ``Guardian`` rows that name them as
custodians of student_a and of another student.

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

    # Guardians: users without a staff profile (no portal yet), and the registry's rows.
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
    """Issue 6: student_a's åk 4 visit (national programme), planned in a week by the nurse."""
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
