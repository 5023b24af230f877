"""Templates in the admin: registry admins see national defaults (read-only) and their own
organisation's templates; published versions are read-only; new versions and publishing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal.models import DocumentTemplate, Keyword, TemplateVersion
from journal.services.templates import version_publish
from tests.schools.factories import UserFactory


def url(model, action: str, *args) -> str:
    return reverse(f"admin:journal_{model._meta.model_name}_{action}", args=args)


def changelist_pks(response) -> set[int]:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def own_template(organisation, code="egen-mall", *, publish_by=None) -> DocumentTemplate:
    template = DocumentTemplate.objects.create(
        organisation=organisation, area="EMI", code=code, name=f"Mall {code}"
    )
    version = TemplateVersion.objects.create(template=template, number=1)
    Keyword.objects.create(
        version=version, order=1, code="anamnes", label="Anamnes", vips_heading="anamnes"
    )
    if publish_by is not None:
        version_publish(version=version, by=publish_by)
    return template


@pytest.fixture
def template_a(org_a, registry_admin_a):
    return own_template(org_a)


@pytest.fixture
def national_template(db):
    return DocumentTemplate.objects.get(organisation=None, code="halsobesok-ak4")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


# --- Scope -----------------------------------------------------------------------------------


def test_admin_of_b_does_not_see_a_s_templates_but_both_see_national_ones(
    client, registry_admin_a, registry_admin_b, template_a, national_template
):
    client.force_login(registry_admin_a)
    seen_by_a = changelist_pks(client.get(url(DocumentTemplate, "changelist")))
    assert {template_a.pk, national_template.pk} <= seen_by_a

    client.force_login(registry_admin_b)
    seen_by_b = changelist_pks(client.get(url(DocumentTemplate, "changelist")))
    assert national_template.pk in seen_by_b
    assert template_a.pk not in seen_by_b
    response = client.get(url(DocumentTemplate, "change", template_a.pk))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    versions = changelist_pks(client.get(url(TemplateVersion, "changelist")))
    assert not versions & set(template_a.versions.values_list("pk", flat=True))


def test_a_user_without_the_registry_admin_role_is_refused(client, org_a, template_a):
    from tests.schools.factories import StaffMemberFactory

    member = StaffMemberFactory(organisation=org_a, user__is_staff=True)
    client.force_login(member.user)
    assert client.get(url(DocumentTemplate, "changelist")).status_code == 403
    assert client.get(url(DocumentTemplate, "change", template_a.pk)).status_code == 403


def test_national_templates_are_read_only_for_a_registry_admin(
    client, registry_admin_a, national_template
):
    client.force_login(registry_admin_a)
    response = client.get(url(DocumentTemplate, "change", national_template.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    data = {"name": "Kapad", "description": "", "is_active": "on"}
    response = client.post(url(DocumentTemplate, "change", national_template.pk), data)
    assert response.status_code == 403
    national_template.refresh_from_db()
    assert national_template.name == "Hälsobesök åk 4"


def test_a_superuser_may_change_a_national_template(client, superuser, national_template):
    client.force_login(superuser)
    response = client.get(url(DocumentTemplate, "change", national_template.pk))
    assert response.context["has_change_permission"]


def test_a_registry_admin_adds_a_template_for_her_own_organisation(client, registry_admin_a, org_a):
    client.force_login(registry_admin_a)
    data = {
        "area": "EMI",
        "code": "egen-kontroll",
        "name": "Egen kontroll",
        "description": "",
        "is_active": "on",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
    }
    response = client.post(url(DocumentTemplate, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    template = DocumentTemplate.objects.get(code="egen-kontroll")
    assert template.organisation == org_a
    assert template.history.get().history_user == registry_admin_a

    response = client.post(url(DocumentTemplate, "add"), data)
    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors


def test_nothing_is_deleted(client, superuser, template_a):
    client.force_login(superuser)
    version = template_a.versions.get()
    assert client.get(url(DocumentTemplate, "delete", template_a.pk)).status_code == 403
    assert client.get(url(TemplateVersion, "delete", version.pk)).status_code == 403


# --- Versions ----------------------------------------------------------------------------------


def test_a_published_version_is_read_only_in_the_admin(client, registry_admin_a, org_a):
    template = own_template(org_a, publish_by=registry_admin_a)
    version = template.versions.get()
    client.force_login(registry_admin_a)
    response = client.get(url(TemplateVersion, "change", version.pk))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client.post(
        url(TemplateVersion, "change", version.pk),
        {"change_note": "Ändrad", "keywords-TOTAL_FORMS": "0", "keywords-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.change_note == ""


def test_a_draft_s_keywords_are_edited_in_the_admin(client, registry_admin_a, template_a):
    version = template_a.versions.get()
    keyword = version.keywords.get()
    client.force_login(registry_admin_a)
    assert client.get(url(TemplateVersion, "change", version.pk)).context["has_change_permission"]
    prefix = "keywords"
    row = {
        "id": keyword.pk,
        "version": version.pk,
        "order": 1,
        "code": "anamnes",
        "label": "Anamnes och bakgrund",
        "vips_heading": "anamnes",
        "kind": "text",
        "choices": "[]",
        "binds_to": "",
    }
    data = {
        "change_note": "Ny rubrik",
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-INITIAL_FORMS": "1",
        **{f"{prefix}-0-{name}": value for name, value in row.items()},
    }
    response = client.post(url(TemplateVersion, "change", version.pk), data)
    assert response.status_code == 302
    keyword.refresh_from_db()
    assert keyword.label == "Anamnes och bakgrund"


def test_publish_and_new_version_buttons(client, registry_admin_a, template_a):
    draft = template_a.versions.get()
    client.force_login(registry_admin_a)
    response = client.post(url(TemplateVersion, "publish", draft.pk))
    assert response.url == url(TemplateVersion, "change", draft.pk)
    draft.refresh_from_db()
    assert draft.status == TemplateVersion.Status.PUBLISHED

    response = client.post(url(TemplateVersion, "new_version", draft.pk))
    new = template_a.versions.get(number=2)
    assert response.url == url(TemplateVersion, "change", new.pk)
    assert new.is_draft
    assert list(new.keywords.values_list("code", flat=True)) == ["anamnes"]


def test_publish_refuses_an_empty_draft_with_a_message(client, registry_admin_a, org_a):
    template = DocumentTemplate.objects.create(
        organisation=org_a, area="EPI", code="tom", name="Tom"
    )
    draft = TemplateVersion.objects.create(template=template, number=1)
    client.force_login(registry_admin_a)
    response = client.post(url(TemplateVersion, "publish", draft.pk), follow=True)
    assert "inga sökord" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_registry_admin_may_not_make_a_new_version_of_a_national_template(
    client, registry_admin_a, national_template, superuser
):
    version = national_template.versions.get(status="published")  # 2 since migration 0015
    client.force_login(registry_admin_a)
    assert client.post(url(TemplateVersion, "new_version", version.pk)).status_code == 403
    assert not national_template.versions.filter(number=version.number + 1).exists()

    client.force_login(superuser)
    client.post(url(TemplateVersion, "new_version", version.pk))
    assert national_template.versions.get(number=version.number + 1).is_draft


def test_admin_of_b_cannot_publish_a_s_draft(client, registry_admin_b, template_a):
    draft = template_a.versions.get()
    client.force_login(registry_admin_b)
    response = client.post(url(TemplateVersion, "publish", draft.pk))
    assert response.url == reverse("admin:index")
    draft.refresh_from_db()
    assert draft.is_draft


def test_the_publish_action_on_the_changelist(client, registry_admin_a, template_a):
    draft = template_a.versions.get()
    client.force_login(registry_admin_a)
    client.post(
        url(TemplateVersion, "changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == TemplateVersion.Status.PUBLISHED


# --- Query counts ------------------------------------------------------------------------------


def _changelist_queries(client, model) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(model, "changelist")).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", [DocumentTemplate, TemplateVersion])
def test_the_changelist_query_count_is_constant(client, registry_admin_a, org_a, model):
    client.force_login(registry_admin_a)
    own_template(org_a, "mall-0", publish_by=registry_admin_a)
    few = _changelist_queries(client, model)
    for n in range(1, 11):
        own_template(org_a, f"mall-{n}", publish_by=registry_admin_a)
    assert _changelist_queries(client, model) == few
