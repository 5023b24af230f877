"""School, class and student pages: who sees what, 404 outside the care relation, few queries."""

import datetime
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from schools.models import Assignment, ClassMembership, GuardianRelation, ProtectedIdentity
from schools.schoolyear import current_school_year
from tests.helpers import assert_constant_queries, visible_text
from tests.schools.factories import (
    ClassMembershipFactory,
    EnrolmentFactory,
    GuardianFactory,
    GuardianRelationFactory,
    SchoolClassFactory,
    StudentFactory,
    enrol_in_class,
    identity_number_for,
)

YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)
SEARCH_URL = reverse("schools:student-search")


def this_years_class(school, **kwargs):
    return SchoolClassFactory(school=school, school_year=current_school_year(), **kwargs)


def add_students(school_class, count, **kwargs):
    return [enrol_in_class(StudentFactory(**kwargs), school_class) for _ in range(count)]


@pytest.fixture
def client_a(client, nurse_a):
    client.force_login(nurse_a)
    return client


# School page


def test_nurse_sees_her_school_with_this_years_classes_and_member_counts(client_a, school_a):
    class_4a = this_years_class(school_a, name="4A-nu", grade=4)
    add_students(class_4a, 3)
    SchoolClassFactory(school=school_a, school_year="2019/20", name="Gammal")

    response = client_a.get(school_a.get_absolute_url())

    assert response.status_code == 200
    assert list(response.context["page"]) == [class_4a]
    assert response.context["page"][0].member_count == 3
    text = visible_text(response)
    assert "4A-nu" in text
    assert "Gammal" not in text


def test_school_member_count_leaves_out_former_members(client_a, school_a):
    school_class = this_years_class(school_a)
    leaver, _stayer = add_students(school_class, 2)
    ClassMembership.objects.filter(student=leaver).update(end_date=YESTERDAY)
    response = client_a.get(school_a.get_absolute_url())
    assert response.context["page"][0].member_count == 1


def test_nurse_at_another_organisation_gets_404_for_the_school(client, nurse_b, school_a):
    client.force_login(nurse_b)
    assert client.get(school_a.get_absolute_url()).status_code == 404


def test_nurse_whose_assignment_ended_gets_404_for_the_school(client_a, nurse_a, school_a):
    Assignment.objects.filter(staff_member__user=nurse_a).update(end_date=YESTERDAY)
    assert client_a.get(school_a.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("pk", [0, 999_999, 2**70])
def test_unknown_school_is_404_not_500(client_a, pk):
    assert client_a.get(f"/skolor/{pk}/").status_code == 404


def test_anonymous_user_is_sent_to_login(client, school_a):
    response = client.get(school_a.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_school_page_queries_do_not_grow_with_classes_and_students(
    client_a, school_a, django_assert_max_num_queries, django_assert_num_queries
):
    first = this_years_class(school_a)
    add_students(first, 3)

    def grow():
        add_students(first, 27)
        for _ in range(10):
            add_students(this_years_class(school_a), 2)

    assert_constant_queries(
        client_a,
        school_a.get_absolute_url(),
        grow,
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


# Class page


def test_nurse_sees_the_class_list_with_links_and_age(client_a, class_a, student_a):
    response = client_a.get(class_a.get_absolute_url())
    assert response.status_code == 200
    assert list(response.context["page"]) == [student_a]
    assert student_a.get_absolute_url() in response.content.decode()
    assert f"{student_a.age()} år" in visible_text(response)


def test_nurse_at_another_organisation_gets_404_for_the_class(client, nurse_b, class_a):
    client.force_login(nurse_b)
    assert client.get(class_a.get_absolute_url()).status_code == 404


def test_nurse_at_another_school_of_the_organisation_gets_404_for_the_class(
    client, nurse_a2, class_a
):
    client.force_login(nurse_a2)
    assert client.get(class_a.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("pk", [0, 999_999, 2**70])
def test_unknown_class_is_404_not_500(client_a, pk):
    assert client_a.get(f"/klasser/{pk}/").status_code == 404


def test_class_list_leaves_out_former_members(client_a, class_a, student_a):
    ClassMembership.objects.filter(student=student_a).update(end_date=YESTERDAY)
    response = client_a.get(class_a.get_absolute_url())
    assert list(response.context["page"]) == []


def test_class_list_leaves_out_members_outside_the_care_relation(client_a, class_a, school_b):
    # A member whose health-responsible school is elsewhere: the list never shows what the
    # student page would refuse.
    outsider = StudentFactory()
    EnrolmentFactory(student=outsider, school=school_b)
    ClassMembershipFactory(student=outsider, school_class=class_a)
    response = client_a.get(class_a.get_absolute_url())
    assert outsider not in response.context["page"]


def test_protected_student_is_listed_with_badge_and_without_address(client_a, class_a):
    student = StudentFactory(
        protected_identity=ProtectedIdentity.PROTECTED_REGISTRATION,
        street_address="Hemliga vägen 7",
    )
    enrol_in_class(student, class_a)
    response = client_a.get(class_a.get_absolute_url())
    text = visible_text(response)
    assert student.family_name in text
    assert "Skyddade personuppgifter" in text
    assert "Hemliga vägen" not in text


def test_class_list_paginates_by_25(client_a, class_a):
    add_students(class_a, 30)
    first = client_a.get(class_a.get_absolute_url())
    second = client_a.get(class_a.get_absolute_url() + "?page=2")
    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 5
    assert 'href="?page=2"' in first.content.decode()


def test_class_page_queries_do_not_grow_with_students(
    client_a, class_a, django_assert_max_num_queries, django_assert_num_queries
):
    add_students(class_a, 3)
    assert_constant_queries(
        client_a,
        class_a.get_absolute_url(),
        lambda: add_students(class_a, 27),
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


# Student page


def test_student_page_shows_the_header(client_a, student_a):
    guardian = GuardianFactory(given_name="Gustav", family_name="Förälder", phone="070-123 45 67")
    GuardianRelationFactory(student=student_a, guardian=guardian)

    response = client_a.get(student_a.get_absolute_url())

    assert response.status_code == 200
    text = visible_text(response)
    for shown in [
        "Alva Exempelsson",
        f"Personnummer {student_a.identity_number[:8]}-{student_a.identity_number[8:]}",
        student_a.birth_date.isoformat(),
        f"{student_a.age()} år",
        "Skola A",
        "4A",
        "Gustav Förälder",
        "Vårdnadshavare",
        "070-123 45 67",
        student_a.street_address,
    ]:
        assert shown in text
    assert "Skyddade personuppgifter" not in text


def test_student_page_hides_address_of_protected_student(client_a, student_a):
    student_a.protected_identity = ProtectedIdentity.SECRECY_MARKING
    student_a.street_address = "Hemliga vägen 7"
    student_a.save()
    text = visible_text(client_a.get(student_a.get_absolute_url()))
    assert "Skyddade personuppgifter" in text
    assert "Hemliga vägen" not in text
    assert "Exempelstad" not in text


def test_student_page_leaves_out_ended_guardian_relations(client_a, student_a):
    relation = GuardianRelationFactory(student=student_a, guardian__family_name="Tidigare")
    GuardianRelation.objects.filter(pk=relation.pk).update(end_date=YESTERDAY)
    assert "Tidigare" not in visible_text(client_a.get(student_a.get_absolute_url()))


def test_nurse_at_another_organisation_gets_404_for_the_student(client, nurse_b, student_a):
    client.force_login(nurse_b)
    assert client.get(student_a.get_absolute_url()).status_code == 404


def test_administrator_gets_404_for_the_student(client, registry_admin_a, student_a):
    client.force_login(registry_admin_a)
    assert client.get(student_a.get_absolute_url()).status_code == 404


UNKNOWN_UUID = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize("path", [f"/elever/{UNKNOWN_UUID}/", "/elever/inte-ett-uuid/"])
def test_unknown_or_malformed_student_id_is_404(client_a, student_a, path):
    assert client_a.get(path).status_code == 404


def test_student_page_queries_do_not_grow_with_guardians(
    client_a, student_a, django_assert_max_num_queries, django_assert_num_queries
):
    GuardianRelationFactory(student=student_a)
    assert_constant_queries(
        client_a,
        student_a.get_absolute_url(),
        lambda: GuardianRelationFactory.create_batch(4, student=student_a),
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


# Student search: by name (GET)


def test_name_search_finds_visible_students_only(client_a, student_a, school_b):
    stranger = StudentFactory(given_name="Alva", family_name="Annanskola")
    EnrolmentFactory(student=stranger, school=school_b)
    response = client_a.get(SEARCH_URL, {"q": "alva"})
    assert list(response.context["page"]) == [student_a]
    assert student_a.get_absolute_url() in response.content.decode()


def test_name_search_matches_every_term_in_given_or_family_name(client_a, class_a, student_a):
    enrol_in_class(StudentFactory(given_name="Alva", family_name="Andersson"), class_a)
    response = client_a.get(SEARCH_URL, {"q": "exempels ALVA"})
    assert list(response.context["page"]) == [student_a]


def test_name_search_needs_two_characters(client_a, student_a):
    response = client_a.get(SEARCH_URL, {"q": "a"})
    assert response.context["page"] is None
    assert "Skriv minst två tecken" in visible_text(response)
    assert 'aria-invalid="true"' in response.content.decode()


def test_search_page_without_query_shows_no_results_and_no_error(client_a, student_a):
    response = client_a.get(SEARCH_URL)
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "is-invalid" not in response.content.decode()


def test_name_search_queries_do_not_grow_with_hits(
    client_a, class_a, django_assert_max_num_queries, django_assert_num_queries
):
    add_students(class_a, 3, family_name="Sökbar")
    assert_constant_queries(
        client_a,
        f"{SEARCH_URL}?q=s%C3%B6kbar",
        lambda: add_students(class_a, 27, family_name="Sökbar"),
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


# Student search: by identity number (POST only)


def test_identity_search_finds_visible_student(client_a, student_a, caplog):
    caplog.set_level(logging.DEBUG)
    number = student_a.identity_number
    response = client_a.post(SEARCH_URL, {"identity_number": f"{number[2:8]}-{number[8:]}"})
    assert response.status_code == 200  # rendered, not redirected: no URL carries the number
    assert response.context["identity_hits"] == [student_a]
    assert student_a.get_absolute_url() in response.content.decode()
    assert number not in caplog.text
    assert response.wsgi_request.sensitive_post_parameters == ("identity_number",)


def test_identity_search_outside_visible_set_is_as_neutral_as_no_match(
    client_a, school_b, student_a
):
    stranger = StudentFactory()
    EnrolmentFactory(student=stranger, school=school_b)
    outside = client_a.post(SEARCH_URL, {"identity_number": stranger.identity_number})
    unknown_number = identity_number_for(datetime.date(2015, 5, 5))  # nobody has it
    unknown = client_a.post(SEARCH_URL, {"identity_number": unknown_number})
    for response in (outside, unknown):
        assert response.context["identity_hits"] == []
        assert "Ingen elev hittades." in visible_text(response)
    assert stranger.get_absolute_url() not in outside.content.decode()
    messages = [str(m) for m in outside.context["messages"]]
    assert not any(stranger.identity_number[2:8] in m for m in messages)


def test_invalid_identity_number_redisplays_the_form_with_the_typed_text(client_a, student_a):
    response = client_a.post(SEARCH_URL, {"identity_number": "19990101-0000"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ogiltigt person- eller samordningsnummer" in visible_text(response)
    assert 'value="19990101-0000"' in content
    assert 'aria-describedby="id_identity_number_error' in content


def test_identity_number_in_the_query_string_is_ignored(client_a, student_a):
    response = client_a.get(SEARCH_URL, {"identity_number": student_a.identity_number})
    assert response.context["identity_hits"] == []


def test_anonymous_identity_search_is_sent_to_login_without_the_number(client, student_a):
    response = client.post(SEARCH_URL, {"identity_number": student_a.identity_number})
    assert response.status_code == 302
    assert student_a.identity_number not in response.url


# Access policy and log on these pages (more in tests/consent/test_logging_views.py)


def test_student_page_header_says_why_the_nurse_has_access(client_a, student_a):
    text = visible_text(client_a.get(student_a.get_absolute_url()))
    assert "Åtkomst: vårdrelation via tjänstgöring på Skola A" in text


def test_recently_left_student_page_is_403_without_the_name(client_a, student_left_a):
    response = client_a.get(student_left_a.get_absolute_url())
    assert response.status_code == 403
    assert student_left_a.family_name not in response.content.decode()


def test_class_page_queries_stay_constant_with_protected_students(
    client_a, class_a, django_assert_max_num_queries, django_assert_num_queries
):
    # The log insert is one query however many protected students the page shows.
    add_students(class_a, 2, protected_identity=ProtectedIdentity.SECRECY_MARKING)
    assert_constant_queries(
        client_a,
        class_a.get_absolute_url(),
        lambda: add_students(class_a, 10, protected_identity=ProtectedIdentity.SECRECY_MARKING),
        django_assert_max_num_queries,
        django_assert_num_queries,
    )


def test_name_search_queries_stay_constant_with_protected_hits(
    client_a, class_a, django_assert_max_num_queries, django_assert_num_queries
):
    kwargs = {"family_name": "Skyddsson", "protected_identity": ProtectedIdentity.FICTITIOUS}
    add_students(class_a, 2, **kwargs)
    assert_constant_queries(
        client_a,
        f"{SEARCH_URL}?q=skyddsson",
        lambda: add_students(class_a, 10, **kwargs),
        django_assert_max_num_queries,
        django_assert_num_queries,
    )
