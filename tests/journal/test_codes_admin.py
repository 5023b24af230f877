"""Code lists in the admin: registry admins and superusers look, nobody adds, changes or deletes;
"Aktivera" only with the activate permission; constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal.models import CodeListVersion, CodeSystem
from tests.journal.codes_helpers import load
from tests.schools.factories import UserFactory

VERSIONS = reverse("admin:journal_codelistversion_changelist")
CODES = reverse("admin:journal_code_changelist")


@pytest.fixture
def superuser(db):
    return UserFactory(username="drift", is_staff=True, is_superuser=True)


@pytest.fixture
def two_versions(db):
    old = load("kva", label="KVÅ 2025")
    new = load("kva", [("DV113", "Kvalificerat rådgivande samtal om tobaksbruk", "")])
    return old, new


def activate(client, version):
    return client.post(
        VERSIONS, {"action": "activate", "_selected_action": [version.pk]}, follow=True
    )


def test_registry_admin_sees_versions_and_codes_of_the_installation(
    client, registry_admin_b, two_versions
):
    old, _new = two_versions
    client.force_login(registry_admin_b)
    assert client.get(VERSIONS).status_code == 200
    assert (
        client.get(reverse("admin:journal_codelistversion_change", args=[old.pk])).status_code
        == 200
    )
    response = client.get(CODES, {"q": "tobak"})
    assert {c.code for c in response.context["cl"].result_list} == {"DV111", "DV112", "DV113"}
    response = client.get(CODES, {"q": "DV11", "version__id__exact": old.pk})
    assert {c.code for c in response.context["cl"].result_list} == {"DV111", "DV112"}


def test_log_reviewer_and_clinicians_do_not_see_code_lists(client, log_reviewer_a, nurse_a, db):
    for user in (log_reviewer_a, nurse_a):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        assert client.get(VERSIONS).status_code == 403
        assert client.get(CODES).status_code == 403


def test_nobody_adds_changes_or_deletes_versions_or_codes(client, superuser, two_versions):
    old, _new = two_versions
    code = old.codes.first()
    client.force_login(superuser)
    assert client.get(reverse("admin:journal_codelistversion_add")).status_code == 403
    assert client.get(reverse("admin:journal_code_add")).status_code == 403
    change = reverse("admin:journal_code_change", args=[code.pk])
    response = client.post(change, {"title": "Ändrad", "code": "XX999"})
    assert response.status_code == 403
    version_change = reverse("admin:journal_codelistversion_change", args=[old.pk])
    assert client.post(version_change, {"label": "Ändrad", "is_active": "on"}).status_code == 403
    for name, obj in (("journal_code_delete", code), ("journal_codelistversion_delete", old)):
        assert (
            client.post(reverse(f"admin:{name}", args=[obj.pk]), {"post": "yes"}).status_code == 403
        )
    history = old.history.latest()
    revert = reverse("admin:journal_codelistversion_simple_history", args=[old.pk, history.pk])
    assert client.get(revert).status_code == 200
    assert client.post(revert, {"label": "Ändrad"}).status_code == 405
    old.refresh_from_db()
    code.refresh_from_db()
    assert old.label == "KVÅ 2025" and code.title != "Ändrad"
    assert client.get(CODES).context["action_form"] is None  # no actions, no bulk delete


def test_superuser_activates_a_version_and_exactly_one_stays_active(
    client, superuser, two_versions
):
    old, _new = two_versions
    client.force_login(superuser)
    response = activate(client, old)
    assert "KVÅ 2025 är nu aktiv version för KVÅ." in response.content.decode()
    active = CodeListVersion.objects.filter(system=CodeSystem.KVA, is_active=True)
    assert list(active) == [old]
    record = old.history.latest()
    assert record.is_active and record.history_user == superuser


def test_activating_two_versions_at_once_is_refused(client, superuser, two_versions):
    old, new = two_versions
    client.force_login(superuser)
    response = client.post(
        VERSIONS, {"action": "activate", "_selected_action": [old.pk, new.pk]}, follow=True
    )
    assert "Välj exakt en version" in response.content.decode()
    new.refresh_from_db()
    assert new.is_active


def test_registry_admin_without_the_permission_cannot_activate(
    client, registry_admin_a, two_versions
):
    old, _new = two_versions
    client.force_login(registry_admin_a)
    assert client.get(VERSIONS).context["action_form"] is None  # "Aktivera" is not offered
    activate(client, old)
    old.refresh_from_db()
    assert not old.is_active


def test_registry_admin_with_the_permission_activates(client, registry_admin_a, two_versions):
    from django.contrib.auth.models import Permission

    old, _new = two_versions
    registry_admin_a.user_permissions.add(
        Permission.objects.get(codename="activate_codelistversion")
    )
    client.force_login(registry_admin_a)
    activate(client, old)
    old.refresh_from_db()
    assert old.is_active


@pytest.mark.parametrize("url", [VERSIONS, CODES])
def test_changelist_query_count_is_constant(client, superuser, db, url):
    load("kva", label="KVÅ 1")
    client.force_login(superuser)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for year in range(2, 6):
        rows = [(f"DV{year}{n:02d}", f"Åtgärd {n}", "Grupp") for n in range(20)]
        load("kva", rows, label=f"KVÅ {year}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["cl"].result_list) >= 5  # 1 → 5 versions, 3 → 83 codes
    assert len(many) == len(few)
