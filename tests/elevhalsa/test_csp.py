"""Every page keeps the strict CSP: same-origin assets and links, no inline styles, and no
script without the request's nonce."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from schools.schoolyear import current_school_year
from tests.schools.factories import (
    GuardianRelationFactory,
    SchoolClassFactory,
    StudentFactory,
    enrol_in_class,
)

URL_ATTRIBUTES = {"src", "href", "action", "formaction", "srcset", "poster", "data"}


class PageAudit(HTMLParser):
    """Collects the CSP and same-origin violations of one HTML page."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.nonces: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.problems.append(f"inline style on <{tag}>")
        if any(name.startswith("on") for name in attributes):
            self.problems.append(f"inline event handler on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            if not attributes.get("nonce"):
                self.problems.append("<script> without nonce")
            else:
                self.nonces.add(attributes["nonce"])
        for name, value in attrs:
            if name in URL_ATTRIBUTES and not is_same_origin(value or ""):
                self.problems.append(f"<{tag} {name}={value!r}> is not same-origin relative")

    handle_startendtag = handle_starttag


def is_same_origin(url: str) -> bool:
    if url.startswith(("#", "mailto:", "?")):
        return True
    return url.startswith("/") and not url.startswith("//")


def audit(response) -> PageAudit:
    assert response.status_code == 200
    header = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in header
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    page = PageAudit()
    page.feed(response.content.decode())
    assert page.problems == []
    for nonce in page.nonces:  # a nonce in the page must be the one the header allows
        assert f"'nonce-{nonce}'" in header
    return page


@pytest.fixture
def pages(client, nurse_a, class_a, student_a):
    """Every staff page, with enough rows to show pagination links."""
    GuardianRelationFactory(student=student_a)
    this_year = SchoolClassFactory(school=class_a.school, school_year=current_school_year())
    for _ in range(26):
        enrol_in_class(StudentFactory(family_name="Sidbyte"), this_year)
    client.force_login(nurse_a)
    search = reverse("schools:student-search")
    return {
        "home": lambda: client.get(reverse("home")),
        "school": lambda: client.get(class_a.school.get_absolute_url()),
        "class": lambda: client.get(this_year.get_absolute_url()),
        "class page 2": lambda: client.get(this_year.get_absolute_url() + "?page=2"),
        "student": lambda: client.get(student_a.get_absolute_url()),
        "search": lambda: client.get(search),
        "search by name": lambda: client.get(search, {"q": "sidbyte"}),
        "search too short": lambda: client.get(search, {"q": "s"}),
        "search by number": lambda: client.post(
            search, {"identity_number": student_a.identity_number}
        ),
        "search bad number": lambda: client.post(search, {"identity_number": "123"}),
    }


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "school",
        "class",
        "class page 2",
        "student",
        "search",
        "search by name",
        "search too short",
        "search by number",
        "search bad number",
    ],
)
def test_staff_page_keeps_the_csp(pages, name):
    audit(pages[name]())


def test_login_page_keeps_the_csp(client, db):
    audit(client.get(reverse("login")))


def test_login_page_with_error_keeps_the_csp(client, db):
    audit(client.post(reverse("login"), {"username": "x", "password": "y"}))


def test_bootstrap_and_app_css_come_from_our_static_files(client, db):
    content = client.get(reverse("login")).content.decode()
    assert 'href="/static/bootstrap/css/bootstrap.min.css"' in content
    assert 'href="/static/css/app.css"' in content


def test_audit_catches_what_the_csp_forbids():
    # The checker itself must be able to fail, or the tests above prove nothing.
    page = PageAudit()
    page.feed(
        '<p style="color:red"></p><script>alert(1)</script>'
        '<link href="https://cdn.example/x.css"><img src="//evil.example/x.png">'
        '<button onclick="x()"></button>'
    )
    assert len(page.problems) == 5
