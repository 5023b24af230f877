"""The registry import in the admin: upload → preview (nothing saved) → import through the
service → the run's report; runs scoped to the admin's organisation; proposals confirmed in
bulk; the command and the inbox job. Synthetic people only."""

import datetime
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from elevhalsa.jobs import run_job
from elevhalsa.models import JobRun
from schools.admin_registry import PENDING_FOLDER, PENDING_SESSION_KEY
from schools.identity import generate_identity_number
from schools.jobs import INBOX_JOB
from schools.models import (
    ClassMembership,
    Enrolment,
    Guardian,
    GuardianRelation,
    SchoolClass,
    Student,
)
from schools.models.registry import ImportRun, ImportRunItem, ProposedAssignment
from tests.schools.factories import SchoolFactory, StaffMemberFactory

UPLOAD = reverse("admin:schools_importrun_upload")
PREVIEW = reverse("admin:schools_importrun_preview")
CHANGELIST = reverse("admin:schools_importrun_changelist")
HEADER = (
    "skolenhetskod;klass;läsår;årskurs;skolform;elev_personnummer;elev_förnamn;elev_efternamn;"
    "vh1_personnummer;vh1_förnamn;vh1_efternamn;vh1_relation;"
    "vh2_personnummer;vh2_förnamn;vh2_efternamn;vh2_relation"
)


def pnr(year: int, serial: int, *, female: bool = True) -> str:
    return generate_identity_number(datetime.date(year, 5, 20), serial, female=female)


KIDS = [pnr(2016, n) for n in range(1, 6)]
PARENTS = [pnr(1985, n) for n in range(1, 6)]


def line(code, klass, kid, given, family, *guardians) -> str:
    cells = [code, klass, "2026/27", klass[0], "GR", kid, given, family]
    for number, name in guardians:
        cells += [number, name, family, "Vårdnadshavare"]
    cells += [""] * (16 - len(cells))
    return ";".join(cells)


def csv_file(*lines: str, encoding="utf-8") -> bytes:
    return "\r\n".join([HEADER, *lines]).encode(encoding)


def upload(client, data: bytes, name="elever.csv", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data), **extra})


def preview_token(client) -> str:
    return client.session[PENDING_SESSION_KEY]["token"]


def registry_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (Student, Guardian, GuardianRelation, Enrolment, ClassMembership, SchoolClass)
    } | {"ImportRun": ImportRun.objects.count()}


@pytest.fixture
def school_x(org_a):
    return SchoolFactory(organisation=org_a, name="Exempelskolan", school_unit_code="11112222")


@pytest.fixture
def school_y(org_a):
    return SchoolFactory(organisation=org_a, name="Provskolan", school_unit_code="33334444")


@pytest.fixture
def week_one(school_x, school_y):
    x, y = school_x.school_unit_code, school_y.school_unit_code
    return csv_file(
        line(x, "4A", KIDS[0], "Alva", "Ek", (PARENTS[0], "Maria")),
        line(x, "4A", KIDS[1], "Bo", "Lind", (PARENTS[1], "Per"), (PARENTS[2], "Eva")),
        line(x, "5B", KIDS[2], "Cia", "Asp"),
        line(y, "4C", KIDS[3], "Dan", "Alm", (PARENTS[3], "Olle")),
        line(y, "4C", KIDS[4], "Eli", "Gran"),
    )


# --- Upload and preview -----------------------------------------------------------------------


def test_preview_shows_contents_and_every_row_error_and_saves_nothing(
    client, registry_admin_a, school_x
):
    code = school_x.school_unit_code
    data = csv_file(
        line(code, "4A", KIDS[0], "Alva", "Ek", (PARENTS[0], "Maria")),
        line(code, "4A", KIDS[1][:-1] + "x", "Bo", "Lind"),
        line("99998888", "4A", KIDS[2], "Cia", "Asp"),
        line(code, "4A", KIDS[3], "Dan", "Alm", ("", "Olle")),
    )
    before = registry_counts()
    client.force_login(registry_admin_a)
    response = upload(client, data)
    assert response.status_code == 302 and response["Location"] == PREVIEW
    response = client.get(PREVIEW)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Exempelskolan" in content and "Alva Ek" in content
    for row in (3, 4, 5):
        assert f"<td>{row}</td>" in content
    assert "finns inte hos huvudmannen" in content
    assert "saknar personnummer" in content
    for number in (*KIDS, *PARENTS):
        assert number not in content and f"{number[:8]}-{number[8:]}" not in content
    assert "Genomför import" in content
    assert registry_counts() == before
    # The file waits in the storage, named by the session, not in any URL.
    token = preview_token(client)
    assert default_storage.exists(f"{PENDING_FOLDER}/{token}.csv")
    assert token not in response.request["PATH_INFO"]


def test_a_file_in_another_encoding_is_refused_with_a_message(client, registry_admin_a):
    client.force_login(registry_admin_a)
    upload(client, "skolenhetskod;klass\n".encode("utf-16"))
    content = client.get(PREVIEW).content.decode()
    assert "UTF-16" in content
    assert "Genomför import" not in content


def test_cancel_discards_the_file(client, registry_admin_a, week_one):
    client.force_login(registry_admin_a)
    upload(client, week_one)
    token = preview_token(client)
    response = client.post(PREVIEW, {"token": token, "cancel": "1"})
    assert response["Location"] == CHANGELIST
    assert not default_storage.exists(f"{PENDING_FOLDER}/{token}.csv")
    assert PENDING_SESSION_KEY not in client.session
    assert ImportRun.objects.count() == 0


def test_an_old_preview_tab_cannot_import_a_newer_upload(client, registry_admin_a, week_one):
    client.force_login(registry_admin_a)
    upload(client, week_one)
    old_token = preview_token(client)
    upload(client, week_one)
    response = client.post(PREVIEW, {"token": old_token, "apply": "1"})
    assert response["Location"] == PREVIEW
    assert ImportRun.objects.count() == 0


def test_preview_without_an_upload_goes_back_to_the_form(client, registry_admin_a):
    client.force_login(registry_admin_a)
    assert client.get(PREVIEW)["Location"] == UPLOAD


def test_admin_without_the_registry_role_may_not_upload(client, log_reviewer_a):
    log_reviewer_a.is_staff = True
    log_reviewer_a.save(update_fields=["is_staff"])
    client.force_login(log_reviewer_a)
    assert client.get(UPLOAD).status_code == 403
    assert client.get(CHANGELIST).status_code == 403


# --- Import through the service, the week after ------------------------------------------------


def apply_file(client, data: bytes):
    upload(client, data)
    response = client.post(PREVIEW, {"token": preview_token(client), "apply": "1"})
    assert response.status_code == 302, response.content[:500]
    run = ImportRun.objects.latest("pk")
    assert response["Location"] == reverse("admin:schools_importrun_change", args=[run.pk])
    return run


def test_import_then_reimport_then_a_changed_file_a_week_later(
    client, registry_admin_a, school_x, school_y, week_one
):
    client.force_login(registry_admin_a)
    run = apply_file(client, week_one)
    assert run.organisation == school_x.organisation
    assert run.triggered_by == registry_admin_a
    assert run.created > 0 and run.refused == 0
    assert Student.objects.count() == 5
    assert Guardian.objects.count() == 4
    assert ClassMembership.objects.current().count() == 5
    page = client.get(reverse("admin:schools_importrun_change", args=[run.pk]))
    assert page.status_code == 200
    assert "Rapport" in page.content.decode()
    assert PENDING_SESSION_KEY not in client.session

    before = registry_counts()
    again = apply_file(client, week_one)
    assert (again.created, again.changed, again.ended, again.refused) == (0, 0, 0, 0)
    assert registry_counts() | {"ImportRun": 0} == before | {"ImportRun": 0}

    # A week later: Alva moves to 4B, Cia leaves, Dan moves to Exempelskolan, Bo gets a new
    # guardian instead of Eva.
    x, y = school_x.school_unit_code, school_y.school_unit_code
    week_two = csv_file(
        line(x, "4B", KIDS[0], "Alva", "Ek", (PARENTS[0], "Maria")),
        line(x, "4A", KIDS[1], "Bo", "Lind", (PARENTS[1], "Per"), (PARENTS[4], "Stina")),
        line(x, "4C", KIDS[3], "Dan", "Alm", (PARENTS[3], "Olle")),
        line(y, "4C", KIDS[4], "Eli", "Gran"),
    )
    later = apply_file(client, week_two)
    assert later.ended > 0 and later.created > 0

    today = timezone.localdate()
    alva = Student.objects.get(identity_number=KIDS[0])
    assert [m.school_class.name for m in alva.class_memberships.current(today)] == ["4B"]
    cia = Student.objects.get(identity_number=KIDS[2])
    assert not cia.enrolments.current(today).exists()
    assert cia.enrolments.count() == 1  # ended, not deleted
    dan = Student.objects.get(identity_number=KIDS[3])
    assert {e.school for e in dan.enrolments.current(today)} == {school_x}
    bo = Student.objects.get(identity_number=KIDS[1])
    current = {r.guardian.given_name for r in bo.guardian_relations.current(today)}
    assert current == {"Per", "Stina"}
    assert bo.guardian_relations.count() == 3  # Eva's relation ended, kept


# --- Runs in the admin --------------------------------------------------------------------------


def test_admin_of_b_sees_no_runs_of_a(client, registry_admin_a, registry_admin_b, week_one):
    client.force_login(registry_admin_a)
    run = apply_file(client, week_one)
    client.force_login(registry_admin_b)
    response = client.get(CHANGELIST)
    assert list(response.context["cl"].result_list) == []
    change = client.get(reverse("admin:schools_importrun_change", args=[run.pk]))
    assert change.status_code == 302  # the admin's "does not exist" redirect
    items = client.get(reverse("admin:schools_importrunitem_changelist"))
    assert list(items.context["cl"].result_list) == []


def test_run_changelist_query_count_is_constant(client, registry_admin_a, org_a):
    def runs(n):
        now = timezone.now()
        ImportRun.objects.bulk_create(
            [
                ImportRun(
                    source="csv:test",
                    organisation=org_a,
                    started_at=now,
                    finished_at=now,
                    triggered_by=registry_admin_a,
                )
                for _ in range(n)
            ]
        )

    client.force_login(registry_admin_a)
    runs(3)
    client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)
    runs(27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 30
    assert len(many) == len(few)


def test_runs_and_items_cannot_be_added_changed_or_deleted(client, registry_admin_a):
    client.force_login(registry_admin_a)
    assert client.get(reverse("admin:schools_importrun_add")).status_code == 403
    assert client.get(reverse("admin:schools_importrunitem_add")).status_code == 403


# --- Proposed assignments ------------------------------------------------------------------------


def test_registry_admin_confirms_proposals_in_bulk(client, registry_admin_a, school_x):
    nurses = StaffMemberFactory.create_batch(2, organisation=school_x.organisation)
    proposals = [
        ProposedAssignment.objects.create(
            organisation=school_x.organisation,
            staff_member=nurse,
            school=school_x,
            start_date=timezone.localdate(),
        )
        for nurse in nurses
    ]
    client.force_login(registry_admin_a)
    url = reverse("admin:schools_proposedassignment_changelist")
    assert len(client.get(url).context["cl"].result_list) == 2
    response = client.post(
        url,
        {"action": "confirm_selected", "_selected_action": [p.pk for p in proposals]},
        follow=True,
    )
    assert response.status_code == 200
    for proposal in proposals:
        proposal.refresh_from_db()
        assert proposal.status == ProposedAssignment.Status.CONFIRMED
        assert proposal.assignment is not None
        assert proposal.decided_by == registry_admin_a


def test_admin_of_b_sees_no_proposals_of_a(client, registry_admin_b, school_x):
    ProposedAssignment.objects.create(
        organisation=school_x.organisation,
        staff_member=StaffMemberFactory(organisation=school_x.organisation),
        school=school_x,
        start_date=timezone.localdate(),
    )
    client.force_login(registry_admin_b)
    response = client.get(reverse("admin:schools_proposedassignment_changelist"))
    assert list(response.context["cl"].result_list) == []


# --- The command and the job -------------------------------------------------------------------


def test_command_dry_run_prints_masked_preview_and_saves_nothing(tmp_path, org_a, school_x):
    code = school_x.school_unit_code
    file = tmp_path / "elever.csv"
    file.write_bytes(
        csv_file(line(code, "4A", KIDS[0], "Alva", "Ek"), line(code, "4A", "x", "B", "C"))
    )
    from io import StringIO

    out = StringIO()
    call_command(
        "registry_import",
        str(file),
        organisation=org_a.organisation_number,
        dry_run=True,
        stdout=out,
    )
    text = out.getvalue()
    assert f"{code}: 1 rader, 1 elever" in text
    assert "Rad 3:" in text
    assert "inget sparades" in text
    assert KIDS[0] not in text
    assert Student.objects.count() == 0 and ImportRun.objects.count() == 0


def test_command_imports(tmp_path, org_a, school_x):
    file = tmp_path / "elever.csv"
    file.write_bytes(csv_file(line(school_x.school_unit_code, "4A", KIDS[0], "Alva", "Ek")))
    call_command("registry_import", str(file), organisation=org_a.organisation_number, stdout=None)
    assert Student.objects.filter(identity_number=KIDS[0]).exists()
    assert ImportRun.objects.get().triggered_by is None


def test_inbox_job_does_nothing_without_a_folder(settings, db):
    from io import StringIO

    settings.REGISTRY_IMPORT_INBOX = ""
    out = StringIO()
    call_command("registry_import_inbox", stdout=out)
    assert "inte satt" in out.getvalue()
    assert (INBOX_JOB.name, INBOX_JOB.command) == ("registry_import_inbox",) * 2


def test_inbox_job_imports_and_moves_files_to_done(settings, tmp_path, org_a, school_x):
    settings.REGISTRY_IMPORT_INBOX = str(tmp_path)
    folder = tmp_path / org_a.organisation_number
    folder.mkdir()
    (folder / "elever.csv").write_bytes(
        csv_file(line(school_x.school_unit_code, "4A", KIDS[0], "Alva", "Ek"), encoding="cp1252")
    )
    run = run_job(INBOX_JOB, force=True)
    assert run.outcome == JobRun.Outcome.OK, run.output
    assert Student.objects.filter(identity_number=KIDS[0]).exists()
    assert list(folder.glob("*.csv")) == []
    assert [p.name.endswith("-elever.csv") for p in Path(folder / "done").iterdir()] == [True]


def test_refused_rows_are_in_the_runs_report_masked(client, registry_admin_a, school_x):
    code = school_x.school_unit_code
    bad = KIDS[1][:-1] + str((int(KIDS[1][-1]) + 1) % 10)
    data = csv_file(
        line(code, "4A", KIDS[0], "Alva", "Ek"),
        line(code, "4A", bad, "Bo", "Lind"),
        line(code, f"4 {bad}", KIDS[2], "Cia", "Asp", ("", "Olle")),
    )
    client.force_login(registry_admin_a)
    run = apply_file(client, data)
    refused = run.items.filter(kind=ImportRunItem.Kind.REFUSED).order_by("row")
    assert [item.row for item in refused] == [3, 4]
    assert run.refused == 2
    assert Student.objects.count() == 1
    content = client.get(reverse("admin:schools_importrun_change", args=[run.pk])).content
    assert b"ogiltigt person- eller samordningsnummer" in content
    assert bad.encode() not in content and bad[2:].encode() not in content


def test_superuser_picks_the_organisation(client, admin_user, org_a, school_x, week_one):
    client.force_login(admin_user)
    assert "organisation" in client.get(UPLOAD).context["form"].fields
    response = upload(client, week_one, organisation=org_a.pk)
    assert response["Location"] == PREVIEW
    assert client.session[PENDING_SESSION_KEY]["organisation_id"] == org_a.pk


def test_registry_admin_rejects_proposals(client, registry_admin_a, school_x):
    proposal = ProposedAssignment.objects.create(
        organisation=school_x.organisation,
        staff_member=StaffMemberFactory(organisation=school_x.organisation),
        school=school_x,
        start_date=timezone.localdate(),
    )
    client.force_login(registry_admin_a)
    client.post(
        reverse("admin:schools_proposedassignment_changelist"),
        {"action": "reject_selected", "_selected_action": [proposal.pk]},
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposedAssignment.Status.REJECTED
    assert proposal.assignment is None
