"""The vaccination status pages: a student's status and history, a class's status, a school's
due and catch-up lists with the CSV export (journal.views.vaccination_status)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consent.models import AccessLogEntry
from schools.models import ProtectedIdentity
from tests.journal.test_vaccination_status import make_student, record
from tests.schools.factories import SchoolClassFactory

pytestmark = pytest.mark.django_db


def _student_page(student):
    return reverse("journal:student-vaccinations", args=[student.public_id])


@pytest.fixture
def class_5(school_a):
    return SchoolClassFactory(school=school_a, grade=5, school_year="2026/27", name="5B")


@pytest.fixture
def hpv_girl(class_5, org_a, nurse_a):
    girl = make_student(datetime.date(2015, 2, 1), school_class=class_5, family_name="Hpvsdotter")
    record(girl, "HPV", 1, datetime.date(2026, 9, 1), organisation=org_a, by=nurse_a)
    return girl


def test_the_nurse_sees_status_and_history(client, nurse_a, hpv_girl):
    client.force_login(nurse_a)
    response = client.get(_student_page(hpv_girl))
    assert response.status_code == 200
    body = response.content.decode()
    assert "HPV dos 1 (åk 5, flickor)" in body
    assert "Gardasil 9" in body  # the history's dose details
    assert 'aria-current="page">Vaccinationer' in body  # the tab
    statuses = {s.dose.name: s.state for s in response.context["statuses"]}
    assert statuses["HPV dos 1 (åk 5, flickor)"] == "given"
    assert statuses["HPV dos 2 (åk 5, flickor)"] in ("not_yet_due", "due")
    assert len(response.context["history"]) == 1


def test_the_psychologist_sees_status_only(client, psychologist_a, hpv_girl):
    client.force_login(psychologist_a)
    response = client.get(_student_page(hpv_girl))
    assert response.status_code == 200
    body = response.content.decode()
    assert "HPV dos 1 (åk 5, flickor)" in body and "Given" in body
    assert "Gardasil 9" not in body
    assert response.context["history"] == []


def test_another_organisations_nurse_gets_404(client, nurse_b, hpv_girl):
    client.force_login(nurse_b)
    assert client.get(_student_page(hpv_girl)).status_code == 404


def test_the_class_page_shows_each_member_and_is_emi_only(
    client, nurse_a, psychologist_a, class_5, hpv_girl
):
    url = reverse("journal:class-vaccinations", args=[class_5.pk])
    client.force_login(nurse_a)
    response = client.get(url)
    assert response.status_code == 200
    assert "Hpvsdotter" in response.content.decode()
    assert response.context["columns"] == ["MPR", "HPV", "DTP"]
    assert AccessLogEntry.objects.filter(student=hpv_girl, user=nurse_a).exists()
    client.force_login(psychologist_a)
    assert client.get(url).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_class_page_takes_constant_queries(client, nurse_a, class_5, org_a):
    url = reverse("journal:class-vaccinations", args=[class_5.pk])
    client.force_login(nurse_a)

    def grow(count):
        for n in range(count):
            student = make_student(datetime.date(2015, 2, 1), school_class=class_5)
            if n % 2:
                record(student, "HPV", 1, datetime.date(2026, 9, 1), organisation=org_a)

    grow(5)
    client.get(url)  # warm the session's one-time queries
    few = _queries(client, url)
    grow(25)
    assert _queries(client, url) == few
    assert len(client.get(url).context["rows"]) == 30


def test_the_school_due_list_filters_paginates_and_takes_constant_queries(
    client, nurse_a, school_a, class_5, class_a, hpv_girl, org_a
):
    url = reverse("journal:school-vaccinations", args=[school_a.pk])
    other = make_student(datetime.date(2015, 3, 3), school_class=class_5, family_name="Ovaccinerad")
    fourth = make_student(datetime.date(2016, 3, 3), school_class=class_a, family_name="Fyrasson")
    done = make_student(datetime.date(2016, 4, 4), school_class=class_a, family_name="Klarsson")
    record(done, "MPR", 2, datetime.date(2024, 5, 1), organisation=org_a)
    record(other, "MPR", 2, datetime.date(2023, 5, 1), organisation=org_a, source="bhv")
    client.force_login(nurse_a)
    response = client.get(url)
    shown = {row["student"] for row in response.context["rows"]}
    assert other in shown and fourth in shown  # HPV 1 due in åk 5; MPR overdue in åk 4
    assert done not in shown
    by_class = client.get(url, {"klass": class_a.pk})
    assert {row["student"] for row in by_class.context["rows"]} == {fourth}
    catch_up = client.get(url, {"visa": "ikapp"})
    assert other not in {row["student"] for row in catch_up.context["rows"]}  # due, not late
    assert fourth in {row["student"] for row in catch_up.context["rows"]}
    # A class of another school is no filter; a bad page number falls back.
    assert client.get(url, {"klass": "x", "page": "999"}).status_code == 200

    few = _queries(client, url)
    for _ in range(40):
        make_student(datetime.date(2016, 1, 1), school_class=class_a)
    response = client.get(url)
    assert response.context["total"] > 40 and len(response.context["rows"]) == 25
    assert _queries(client, url) == few


def test_the_csv_leaves_out_protected_identity(client, nurse_a, school_a, class_a):
    visible = make_student(
        datetime.date(2016, 3, 3), school_class=class_a, family_name="Synligsson"
    )
    hidden = make_student(
        datetime.date(2016, 3, 4),
        school_class=class_a,
        family_name="Skyddadsson",
        protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION,
    )
    client.force_login(nurse_a)
    response = client.get(
        reverse("journal:school-vaccinations", args=[school_a.pk]), {"format": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "Synligsson" in body and visible.identity_display in body
    assert "MPR dos 2 (åk 1–2)" in body and "Försenad" in body
    assert "Skyddadsson" not in body and hidden.identity_display not in body
    assert AccessLogEntry.objects.filter(student=visible, action="export").exists()
    assert not AccessLogEntry.objects.filter(student=hidden, action="export").exists()


def test_the_due_lists_are_for_emi_at_the_school(
    client, psychologist_a, nurse_b, school_a, class_a
):
    url = reverse("journal:school-vaccinations", args=[school_a.pk])
    client.force_login(psychologist_a)
    assert client.get(url).status_code == 404
    client.force_login(nurse_b)
    assert client.get(url).status_code == 404
    assert client.get(reverse("journal:class-vaccinations", args=[class_a.pk])).status_code == 404


def test_the_portal_section_shows_status_and_history_without_details(hpv_girl, org_a, org_b):
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from journal.portal.vaccinations import vaccinations_context

    record(hpv_girl, "MPR", 2, datetime.date(2022, 5, 1), organisation=org_b, source="bhv")
    context = vaccinations_context(SimpleNamespace(student=hpv_girl, organisation=org_a))
    states = {row.dose.name: row.state for row in context["statuses"]}
    assert states["HPV dos 1 (åk 5, flickor)"] == "given"
    assert states["MPR dos 2 (åk 1–2)"] == "given"  # counted, whoever recorded it
    assert "dTp dos 5 (åk 8–9)" in states
    assert all(row.state != "not_applicable" for row in context["statuses"])
    # The history: the care provider's own rows only, without lot or vaccinator.
    assert [(row["series"], row["vaccine"]) for row in context["history"]] == [
        ("HPV", "Gardasil 9")
    ]
    html = render_to_string("portal/sections/_vaccinations.html", context)
    assert "Gardasil 9" in html and "Given" in html


# --- The admin (journal.admin_vaccination) ---------------------------------------------------

PROGRAMMES = "admin:journal_vaccinationprogramme_changelist"


def test_an_own_programme_version_is_drafted_from_the_national_one_and_published(
    client, registry_admin_a, org_a, org_b
):
    from journal.models.vaccination import VaccinationProgramme
    from journal.services.vaccination_status import programme_doses_for

    national = VaccinationProgramme.objects.get(organisation=None)
    client.force_login(registry_admin_a)
    response = client.post(
        reverse(PROGRAMMES), {"action": "create_own_version", "_selected_action": [national.pk]}
    )
    assert response.status_code == 302
    draft = VaccinationProgramme.objects.get(organisation=org_a)
    assert (draft.status, draft.number) == ("draft", 1)
    assert draft.doses.count() == national.doses.count() == 12
    gardasil = draft.doses.filter(series="HPV").first().vaccines.get()
    assert gardasil.name == "Gardasil 9"
    assert programme_doses_for(org_a)[0].programme == national  # a draft is not in use
    client.post(reverse(PROGRAMMES), {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "published"
    assert programme_doses_for(org_a)[0].programme == draft
    assert programme_doses_for(org_b)[0].programme == national
    # Published: read-only, for her as for the national one.
    for programme in (draft, national):
        url = reverse("admin:journal_vaccinationprogramme_change", args=[programme.pk])
        response = client.get(url)
        assert response.status_code == 200 and not response.context["has_change_permission"]
        assert client.post(url, {"name": "Ändrat"}).status_code == 403
        programme.refresh_from_db()
        assert programme.name != "Ändrat"


def test_registry_admins_add_vaccines_and_lots_with_history(client, registry_admin_b):
    from journal.models.vaccination import Vaccine, VaccineLot

    client.force_login(registry_admin_b)
    response = client.post(
        reverse("admin:journal_vaccine_add"),
        {
            "name": "Testvaccin",
            "npl_id": "",
            "atc_code": "J07BM03",
            "diseases": "HPV",
            "series": "HPV",
            "strength": "",
            "route": "",
            "active": "on",
        },
    )
    assert response.status_code == 302
    vaccine = Vaccine.objects.get(name="Testvaccin")
    assert vaccine.npl_id is None and vaccine.history.count() == 1
    response = client.post(
        reverse("admin:journal_vaccinelot_add"),
        {"vaccine": vaccine.pk, "lot_number": "X1", "expires_on": "2027-01-31"},
    )
    assert response.status_code == 302
    assert VaccineLot.objects.get(vaccine=vaccine).history.count() == 1
    delete = reverse("admin:journal_vaccine_delete", args=[vaccine.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
