"""The registry import service: create, change, end, idempotency, refusals, duties, and cost."""

import ast
import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.models import AccessLogEntry
from consent.policy import visible_students
from schools.identity import MASK
from schools.models import (
    Assignment,
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    ImportRun,
    ImportRunItem,
    Profession,
    ProposedAssignment,
    Student,
)
from schools.registry import services
from schools.registry.records import (
    Batch,
    ClassRecord,
    DutyRecord,
    EnrolmentRecord,
    GuardianRecord,
    GuardianRelationRecord,
    MembershipRecord,
    StudentRecord,
)
from schools.registry.services import assignment_confirm, registry_apply
from tests.schools.factories import StaffMemberFactory, identity_number_for

TODAY = timezone.localdate()
START = TODAY - datetime.timedelta(days=30)
SOURCE = "test:kommun-a"


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def student_record(n: int, **kw) -> StudentRecord:
    values = {
        "source_id": f"s{n}",
        "identity": identity_number_for(datetime.date(2016, 1, 1 + n % 28)),
        "given_name": f"Elev{n}",
        "family_name": "Exempelsson",
    }
    return StudentRecord(**(values | kw))


class World:
    """A batch for school A (class 4A) and school A2 (class 5B), built up per test."""

    def __init__(self, org, school, school2=None, n=2):
        self.org, self.school, self.school2 = org, school, school2
        self.students = [student_record(i) for i in range(n)]
        self.guardians = [
            GuardianRecord(
                source_id=f"g{i}",
                identity=identity_number_for(datetime.date(1985, 1, 1 + i % 28), female=False),
                given_name=f"Förälder{i}",
                family_name="Exempelsson",
                phone="070-1",
            )
            for i in range(n)
        ]
        self.where = {s.source_id: (school.school_unit_code, "4A") for s in self.students}
        self.ended: dict[str, datetime.date] = {}
        self.duties: list[DutyRecord] = []

    def batch(self, *, complete=True, as_of=TODAY) -> Batch:
        enrolments, classes = [], {}
        for student in self.students:
            code, class_name = self.where[student.source_id]
            enrolments.append(
                EnrolmentRecord(
                    source_id=f"{student.source_id}@{code}",
                    student_source_id=student.source_id,
                    school_unit_code=code,
                    start_date=START,
                    end_date=self.ended.get(student.source_id),
                )
            )
            classes.setdefault((code, class_name), []).append(
                MembershipRecord(student_source_id=student.source_id, start_date=START)
            )
        codes = {self.school.school_unit_code} | (
            {self.school2.school_unit_code} if self.school2 else set()
        )
        return Batch(
            source=SOURCE,
            organisation_number=self.org.organisation_number,
            as_of=as_of,
            students=list(self.students),
            enrolments=enrolments,
            classes=[
                ClassRecord(
                    source_id=f"{code}/{name}",
                    school_unit_code=code,
                    name=name,
                    school_year="2026/27",
                    grade=4,
                    school_type="GR",
                    members=tuple(members),
                )
                for (code, name), members in classes.items()
            ],
            guardians=list(self.guardians),
            guardian_relations=[
                GuardianRelationRecord(
                    student_source_id=student.source_id,
                    guardian_source_id=guardian.source_id,
                    relation_type="vardnadshavare",
                    start_date=datetime.date(2016, 1, 1),
                )
                for student, guardian in zip(self.students, self.guardians, strict=False)
            ],
            duties=list(self.duties),
            complete_for_schools=frozenset(codes) if complete else frozenset(),
        )


def history_rows() -> int:
    return sum(
        model.history.count()
        for model in (Student, Guardian, Enrolment, ClassMembership, GuardianRelation)
    )


@pytest.fixture
def world(org_a, school_a, school_a2):
    return World(org_a, school_a, school_a2)


def test_first_apply_creates_everything_and_reports_it(world):
    run = registry_apply(batch=world.batch())
    assert run.status == ImportRun.Status.OK
    assert Student.objects.count() == 2 and Guardian.objects.count() == 2
    assert Enrolment.objects.filter(is_health_responsible=True).count() == 2
    assert ClassMembership.objects.filter(school_class__name="4A").count() == 2
    assert GuardianRelation.objects.count() == 2
    # 2 students, 2 guardians, 2 enrolments, 1 class, 2 memberships, 2 relations
    assert (run.created, run.changed, run.ended, run.refused) == (11, 0, 0, 0)
    assert run.items.filter(kind=ImportRunItem.Kind.CREATED).count() == 11
    assert all(item.object_id for item in run.items.all())


def test_second_apply_of_the_same_batch_changes_nothing_and_writes_no_history(world):
    registry_apply(batch=world.batch())
    before = history_rows()
    run = registry_apply(batch=world.batch())
    assert (run.created, run.changed, run.ended, run.refused) == (0, 0, 0, 0)
    assert run.items.count() == 0
    assert history_rows() == before


def test_an_existing_student_is_matched_on_identity_number_and_linked(world, student_a):
    world.students[0] = student_record(0, identity=student_a.identity_number, given_name="Alva")
    run = registry_apply(batch=world.batch())
    assert Student.objects.count() == 2
    student_a.refresh_from_db()
    assert student_a.given_name == "Alva"
    assert run.items.filter(entity="enrolment", object_id__isnull=False).exists()
    # The enrolment at school A was matched too, not duplicated.
    assert student_a.enrolments.count() == 1


def test_class_move_ends_the_old_membership_and_starts_the_new_one(world):
    registry_apply(batch=world.batch())
    world.where["s0"] = (world.school.school_unit_code, "4B")
    run = registry_apply(batch=world.batch())
    student = Student.objects.get(given_name="Elev0")
    memberships = {m.school_class.name: m for m in student.class_memberships.all()}
    assert memberships["4A"].end_date == days(-1)
    assert memberships["4B"].end_date is None
    assert run.ended == 1 and run.created == 2  # class 4B and the membership
    assert memberships["4A"].history.count() == 2  # created, ended: history kept


def test_school_move_within_the_organisation_moves_the_care_relation(
    world, nurse_a, nurse_a2, school_a2
):
    registry_apply(batch=world.batch())
    student = Student.objects.get(given_name="Elev0")
    assert student in visible_students(nurse_a)
    assert student not in visible_students(nurse_a2)

    world.where["s0"] = (school_a2.school_unit_code, "5B")
    run = registry_apply(batch=world.batch())
    old, new = student.enrolments.order_by("school__name")  # Skola A, Skola A2
    assert old.end_date == days(-1) and not old.is_health_responsible
    assert new.end_date is None and new.is_health_responsible
    assert student in visible_students(nurse_a2)
    assert student not in visible_students(nurse_a)  # reading: the care relation is gone
    assert run.ended >= 1 and run.refused == 0


def test_overlapping_enrolments_the_latest_current_start_is_health_responsible(
    world, postgres, school_a2
):
    """Around a move both enrolments are kept; the newer one takes the flag from the older
    one first, so the exclusion constraint on PostgreSQL holds at every statement."""
    registry_apply(batch=world.batch(complete=False))
    batch = world.batch(complete=False)
    batch.enrolments.append(
        EnrolmentRecord(
            source_id=f"s0@{school_a2.school_unit_code}",
            student_source_id="s0",
            school_unit_code=school_a2.school_unit_code,
            start_date=days(-3),
        )
    )
    registry_apply(batch=batch)
    student = Student.objects.get(given_name="Elev0")
    flags = dict(student.enrolments.values_list("school__name", "is_health_responsible"))
    assert flags == {"Skola A": False, "Skola A2": True}
    assert all(e.end_date is None for e in student.enrolments.all())  # both kept
    # And again: idempotent.
    assert registry_apply(batch=batch).changed == 0


def test_an_enrolment_starting_later_does_not_take_the_flag_before_it_starts(world, school_a2):
    registry_apply(batch=world.batch(complete=False))
    batch = world.batch(complete=False)
    batch.enrolments.append(
        EnrolmentRecord(
            source_id=f"s0@{school_a2.school_unit_code}",
            student_source_id="s0",
            school_unit_code=school_a2.school_unit_code,
            start_date=days(10),
        )
    )
    registry_apply(batch=batch)
    flags = dict(
        Enrolment.objects.filter(student__given_name="Elev0").values_list(
            "school__name", "is_health_responsible"
        )
    )
    assert flags == {"Skola A": True, "Skola A2": False}
    # On the day the new enrolment starts, the next import moves the flag.
    batch.as_of = days(10)
    registry_apply(batch=batch)
    flags = dict(
        Enrolment.objects.filter(student__given_name="Elev0").values_list(
            "school__name", "is_health_responsible"
        )
    )
    assert flags == {"Skola A": False, "Skola A2": True}


def test_explicit_end_date_ends_the_enrolment_and_keeps_history(world):
    registry_apply(batch=world.batch(complete=False))
    world.ended["s1"] = days(-2)
    run = registry_apply(batch=world.batch(complete=False))
    enrolment = Enrolment.objects.get(student__given_name="Elev1")
    assert enrolment.end_date == days(-2)
    assert run.ended == 1
    assert enrolment.history.count() == 2


def test_leaver_absent_from_a_complete_batch_is_ended_not_deleted(world):
    registry_apply(batch=world.batch())
    leaver = world.students.pop(1)
    run = registry_apply(batch=world.batch())
    student = Student.objects.get(given_name="Elev1")
    assert student.enrolments.get().end_date == days(-1)
    assert student.class_memberships.get().end_date == days(-1)
    assert student.guardian_relations.get().end_date is None  # a family fact, not the school's
    assert run.ended == 2 and run.created == 0
    assert leaver.source_id in set(run.items.values_list("source_id", flat=True).distinct()) or (
        run.items.filter(kind="ended").count() == 2
    )


def test_absence_from_an_incomplete_batch_ends_nothing(world):
    registry_apply(batch=world.batch(complete=False))
    world.students.pop(1)
    run = registry_apply(batch=world.batch(complete=False))
    assert run.ended == 0
    assert Enrolment.objects.filter(end_date__isnull=True).count() == 2


def test_ended_guardian_relation_of_a_student_still_at_school(world):
    registry_apply(batch=world.batch())
    world.guardians[0] = GuardianRecord(
        source_id="g9",
        identity=identity_number_for(datetime.date(1980, 2, 2), female=True),
        given_name="Ny",
        family_name="Vårdnadshavare",
    )
    run = registry_apply(batch=world.batch())
    relations = GuardianRelation.objects.filter(student__given_name="Elev0")
    assert {r.guardian.given_name: r.end_date for r in relations} == {
        "Förälder0": days(-1),
        "Ny": None,
    }
    assert run.created == 2 and run.ended == 1


def test_temporary_number_with_letters_is_stored_as_reserve_number(world):
    world.students[0] = student_record(
        0, identity="20130101-tf01", birth_date=datetime.date(2013, 1, 1)
    )
    registry_apply(batch=world.batch())
    student = Student.objects.get(given_name="Elev0")
    assert student.identity_number is None
    assert student.reserve_number == "20130101TF01"
    assert student.birth_date == datetime.date(2013, 1, 1)
    assert registry_apply(batch=world.batch()).changed == 0


def test_temporary_number_without_birth_date_is_refused(world):
    world.students[0] = student_record(0, identity="20130101TF01")
    run = registry_apply(batch=world.batch())
    assert run.items.get(kind="refused", entity="student").source_id == "s0"
    assert not Student.objects.filter(given_name="Elev0").exists()


def test_refused_rows_are_reported_masked_and_the_rest_is_applied(world, school_b):
    bad = "20160101-1235"  # wrong check digit
    world.students[0] = student_record(0, identity=bad)
    world.guardians[1] = GuardianRecord(
        source_id="g1", identity="", given_name="X", family_name="Y"
    )
    batch = world.batch()
    batch.enrolments.append(
        EnrolmentRecord(
            source_id="s1@x",
            student_source_id="s1",
            school_unit_code=school_b.school_unit_code,  # another organisation's
            start_date=START,
            row=7,
        )
    )
    batch.enrolments.append(
        EnrolmentRecord(
            source_id="okänd@x",
            student_source_id="nobody",
            school_unit_code=world.school.school_unit_code,
            start_date=START,
            row=8,
        )
    )
    batch.classes[0] = ClassRecord(
        **{
            **batch.classes[0].__dict__,
            "members": (
                *batch.classes[0].members,
                MembershipRecord(student_source_id=f"{bad}", start_date=START, row=9),
            ),
        }
    )
    run = registry_apply(batch=batch)
    assert run.status == ImportRun.Status.OK
    refused = {(i.entity, i.source_id): i.message for i in run.items.filter(kind="refused")}
    assert ("student", "s0") in refused and "Ogiltigt" in refused[("student", "s0")]
    assert ("guardian", "g1") in refused and "saknar" in refused[("guardian", "g1")]
    assert ("enrolment", "s1@x") in refused and "annan huvudman" in refused[("enrolment", "s1@x")]
    assert "rad 8" in refused[("enrolment", "okänd@x")]
    assert all(bad not in message and "20160101" not in message for message in refused.values())
    assert any(MASK in key[1] or MASK in message for key, message in refused.items())
    # The rest applied: student s1 with her enrolment at school A.
    assert Enrolment.objects.filter(student__given_name="Elev1", school=world.school).exists()


def test_student_in_two_classes_of_one_school_at_once_is_refused(world):
    batch = world.batch()
    doubled = ClassRecord(
        source_id="x/4C",
        school_unit_code=world.school.school_unit_code,
        name="4C",
        school_year="2026/27",
        grade=4,
        school_type="GR",
        members=(MembershipRecord(student_source_id="s0", start_date=START, row=3),),
    )
    batch.classes.append(doubled)
    run = registry_apply(batch=batch)
    refused = run.items.filter(kind="refused", entity="class_membership")
    assert refused.count() == 2
    assert "flera klasser" in refused.first().message
    assert not ClassMembership.objects.filter(student__given_name="Elev0").exists()
    assert ClassMembership.objects.filter(student__given_name="Elev1").exists()


def test_unknown_organisation_refuses_the_whole_batch(world):
    batch = world.batch()
    batch.organisation_number = "5560000001"
    run = registry_apply(batch=batch)
    assert run.status == ImportRun.Status.FAILED and run.refused == 1
    assert Student.objects.count() == 0


def test_a_failure_rolls_back_the_batch_but_keeps_the_run(world, monkeypatch):
    def boom(self):
        raise RuntimeError("trasigt för 20160101-2380")

    monkeypatch.setattr(services._Apply, "apply_duties", boom)
    run = registry_apply(batch=world.batch())
    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert Student.objects.count() == 0
    message = run.items.get().message
    assert "RuntimeError" in message and "20160101" not in message and MASK in message


def test_the_service_imports_nothing_from_journal_or_consent():
    package = Path(services.__file__).parent  # services is a package: check all its modules
    paths = [*package.glob("*.py")]
    paths += [package.with_name(f"{module}.py") for module in ("health", "report", "records")]
    for path in paths:
        tree = ast.parse(path.read_text())
        imported = [
            node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
        ] + [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        assert not [name for name in imported if name.split(".")[0] in {"journal", "consent"}]


def test_an_import_writes_no_access_log_rows(world, student_a):
    before = AccessLogEntry.objects.count()
    registry_apply(batch=world.batch())
    assert AccessLogEntry.objects.count() == before


# --- Duties ------------------------------------------------------------------------------------


@pytest.fixture
def nurse_member(org_a):
    return StaffMemberFactory(
        organisation=org_a, profession=Profession.SCHOOL_NURSE, user__username="ny.skoterska"
    )


def duty(school, **kw) -> DutyRecord:
    values = {
        "source_id": "d1",
        "username": "ny.skoterska",
        "school_unit_code": school.school_unit_code,
        "duty_role": "Skolsköterska",
        "start_date": START,
    }
    return DutyRecord(**(values | kw))


def test_a_duty_is_only_a_proposal_until_confirmed(world, nurse_member, registry_admin_a):
    world.duties = [duty(world.school)]
    registry_apply(batch=world.batch())
    proposal = ProposedAssignment.objects.get()
    assert proposal.status == ProposedAssignment.Status.PROPOSED
    assert not Assignment.objects.filter(staff_member=nurse_member).exists()
    assert not visible_students(nurse_member.user).exists()
    # Idempotent: the same duty again makes no second proposal.
    assert registry_apply(batch=world.batch()).created == 0
    assert ProposedAssignment.objects.count() == 1

    [assignment] = assignment_confirm(
        proposals=ProposedAssignment.objects.all(), by=registry_admin_a
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposedAssignment.Status.CONFIRMED
    assert proposal.assignment == assignment and proposal.decided_by == registry_admin_a
    assert visible_students(nurse_member.user).count() == 2


def test_confirming_another_organisations_proposal_is_refused(
    world, nurse_member, registry_admin_b
):
    from django.core.exceptions import ValidationError

    world.duties = [duty(world.school)]
    registry_apply(batch=world.batch())
    with pytest.raises(ValidationError):
        assignment_confirm(proposals=ProposedAssignment.objects.all(), by=registry_admin_b)
    assert not Assignment.objects.filter(staff_member=nurse_member).exists()


def test_the_end_of_a_duty_ends_the_proposal_and_the_assignment(
    world, nurse_member, registry_admin_a
):
    world.duties = [duty(world.school)]
    registry_apply(batch=world.batch())
    assignment_confirm(proposals=ProposedAssignment.objects.all(), by=registry_admin_a)
    world.duties = [duty(world.school, end_date=days(-1))]
    run = registry_apply(batch=world.batch())
    proposal = ProposedAssignment.objects.get()
    assert proposal.status == ProposedAssignment.Status.ENDED
    assert proposal.assignment.end_date == days(-1)
    assert run.ended == 1
    assert not visible_students(nurse_member.user).exists()


def test_a_duty_missing_from_a_complete_batch_ends_the_assignment(
    world, nurse_member, registry_admin_a
):
    world.duties = [duty(world.school)]
    registry_apply(batch=world.batch())
    assignment_confirm(proposals=ProposedAssignment.objects.all(), by=registry_admin_a)
    world.duties = []
    registry_apply(batch=world.batch())
    proposal = ProposedAssignment.objects.get()
    assert proposal.status == ProposedAssignment.Status.ENDED
    assert proposal.assignment.end_date == days(-1)


def test_a_duty_of_an_unknown_user_is_refused(world):
    world.duties = [duty(world.school, username="finns.inte")]
    run = registry_apply(batch=world.batch())
    assert run.items.get(kind="refused", entity="duty").source_id == "d1"
    assert not ProposedAssignment.objects.exists()


# --- Cost ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("repeat", [False, True], ids=["first", "again"])
def test_query_count_does_not_grow_with_the_number_of_students(org_a, school_a, repeat):
    def queries(n: int, offset: int) -> int:
        world = World(org_a, school_a, n=n)
        world.students = [student_record(offset + i) for i in range(n)]
        world.guardians = [
            GuardianRecord(
                source_id=f"g{offset + i}",
                identity=identity_number_for(datetime.date(1980, 3, 1 + i % 28), female=False),
                given_name="F",
                family_name="E",
            )
            for i in range(n)
        ]
        world.where = {
            s.source_id: (school_a.school_unit_code, f"K{offset}") for s in world.students
        }
        batch = world.batch(complete=False)
        batch.source = f"test:{offset}"
        if repeat:
            registry_apply(batch=batch)
        with CaptureQueriesContext(connection) as captured:
            run = registry_apply(batch=batch)
        assert run.refused == 0
        return len(captured)

    few = queries(10, 1000)
    many = queries(50, 2000)
    # SQLite caps a statement at 999 parameters, so its bulk INSERTs split every few hundred
    # rows; PostgreSQL needs no split. Either way: a constant, not a query per student.
    assert many - few <= (0 if connection.vendor == "postgresql" else 4)
