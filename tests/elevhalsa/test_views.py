"""Start page, login/logout and the language switch."""

import pytest
from django.urls import reverse

from schools.schoolyear import current_school_year
from tests.helpers import assert_constant_queries, visible_text
from tests.schools.factories import (
    AssignmentFactory,
    SchoolClassFactory,
    SchoolFactory,
    UserFactory,
)

HOME = reverse("home")


def test_home_lists_the_nurses_schools_with_this_years_class_count(
    client, nurse_a, school_a, school_a2, school_b
):
    SchoolClassFactory.create_batch(2, school=school_a, school_year=current_school_year())
    SchoolClassFactory(school=school_a, school_year="2019/20")
    client.force_login(nurse_a)

    response = client.get(HOME)

    assert response.status_code == 200
    assert list(response.context["page"]) == [school_a]
    assert response.context["page"][0].class_count == 2
    text = visible_text(response)
    assert "Mina skolor" in text
    assert "Skola A2" not in text
    assert "Skola B" not in text
    assert school_a.get_absolute_url() in response.content.decode()


def test_home_without_assignment_says_so(client, db):
    client.force_login(UserFactory())
    response = client.get(HOME)
    assert list(response.context["page"]) == []
    assert "Du har ingen pågående tjänstgöring" in visible_text(response)


def test_home_sends_anonymous_user_to_login(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_home_queries_do_not_grow_with_schools(
    client, nurse_a, school_a, django_assert_max_num_queries, django_assert_num_queries
):
    member = nurse_a.staff_member

    def assign(count):
        for _ in range(count):
            school = SchoolFactory(organisation=member.organisation)
            AssignmentFactory(staff_member=member, school=school)
            SchoolClassFactory(school=school, school_year=current_school_year())

    assign(2)
    client.force_login(nurse_a)
    assert_constant_queries(
        client, HOME, lambda: assign(27), django_assert_max_num_queries, django_assert_num_queries
    )


def test_login_page_renders_for_anonymous_user(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert reverse("login") == "/konto/logga-in/"
    assert '<label class="form-label" for="id_username">' in response.content.decode()


def test_login_with_right_password_goes_to_the_second_factor_not_home(client, nurse_a):
    # The second factor itself is tested in tests/elevhalsa/test_auth*.py.
    response = client.post(reverse("login"), {"username": "nurse_a", "password": "demo-losen-123"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account:enrol"))
    assert client.get(HOME).status_code == 302


def test_login_with_wrong_password_shows_error(client, nurse_a):
    response = client.post(reverse("login"), {"username": "nurse_a", "password": "fel"})
    assert response.status_code == 200
    assert "Fel användarnamn eller lösenord." in visible_text(response)
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client, nurse_a):
    client.force_login(nurse_a)
    assert reverse("logout") == "/konto/logga-ut/"
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_base_layout_has_skip_link_lang_and_user_name(client, nurse_a):
    nurse_a.first_name, nurse_a.last_name = "Siri", "Sköterska"
    nurse_a.save()
    client.force_login(nurse_a)
    content = client.get(HOME).content.decode()
    assert '<html lang="sv">' in content
    assert 'href="#main"' in content
    assert 'id="main"' in content
    assert "Siri Sköterska" in content
    assert f'action="{reverse("logout")}"' in content
    assert f'action="{reverse("set_language")}"' in content


@pytest.mark.parametrize("path", ["/finns-inte/", "/skolor/abc/", "/klasser/-1/"])
def test_unknown_paths_are_404(client, nurse_a, path):
    client.force_login(nurse_a)
    assert client.get(path).status_code == 404
