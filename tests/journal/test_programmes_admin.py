"""The health-visit programme in the admin: registry admins see the national programme
(read-only) and their own organisation's; a change is an own draft ("Skapa egen version"),
edited while a draft, published with "Publicera"; nothing is deleted."""

import pytest
from django.urls import reverse

from journal.models.visits import HealthProgramme
from journal.services.programmes import programme_create_draft, programme_publish
from journal.services.visits import programme_for
from tests.schools.factories import UserFactory

CHANGELIST = "admin:journal_healthprogramme_changelist"


def change_url(programme) -> str:
    return reverse("admin:journal_healthprogramme_change", args=[programme.pk])


def changelist_pks(response) -> set[int]:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def action(client, name: str, *programmes, follow=False):
    return client.post(
        reverse(CHANGELIST),
        {"action": name, "_selected_action": [p.pk for p in programmes]},
        follow=follow,
    )


def point_rows(programme) -> dict:
    points = list(programme.points.order_by("order"))
    data = {
        "points-TOTAL_FORMS": str(len(points)),
        "points-INITIAL_FORMS": str(len(points)),
    }
    for i, point in enumerate(points):
        row = {
            "id": point.pk,
            "programme": programme.pk,
            "order": point.order,
            "label": point.label,
            "school_type": point.school_type,
            "grade": point.grade,
            "alternative_grade": point.alternative_grade or "",
            "template": point.template_id,
        }
        data.update({f"points-{i}-{name}": value for name, value in row.items()})
    return data


@pytest.fixture
def national(db):
    return HealthProgramme.objects.get(organisation=None, status="published")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def programme_b(org_b, registry_admin_b, national):
    return programme_create_draft(source=national, organisation=org_b, by=registry_admin_b)


def test_a_registry_admin_sees_the_national_and_her_own_programmes(
    client, registry_admin_a, org_a, national, programme_b
):
    own = programme_create_draft(source=national, organisation=org_a, by=registry_admin_a)
    client.force_login(registry_admin_a)
    seen = changelist_pks(client.get(reverse(CHANGELIST)))
    assert {national.pk, own.pk} <= seen
    assert programme_b.pk not in seen
    response = client.get(change_url(programme_b))
    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_create_edit_and_publish_an_own_version(client, registry_admin_a, org_a, national):
    earlier = programme_create_draft(source=national, organisation=org_a, by=registry_admin_a)
    programme_publish(programme=earlier, by=registry_admin_a)
    client.force_login(registry_admin_a)

    response = action(client, "create_own_version", national)
    assert response.status_code == 302
    draft = HealthProgramme.objects.get(organisation=org_a, number=2)
    assert draft.status == HealthProgramme.Status.DRAFT
    assert list(draft.points.values_list("label", "school_type", "grade", "template")) == list(
        national.points.values_list("label", "school_type", "grade", "template")
    )

    page = client.get(change_url(draft))
    assert page.status_code == 200
    assert page.context["has_change_permission"]
    data = {"name": draft.name, "change_note": "Åk 2 heter nu Hälsobesök åk 2", **point_rows(draft)}
    point = draft.points.get(order=2)
    index = list(draft.points.order_by("order")).index(point)
    data[f"points-{index}-label"] = "Hälsobesök åk 2"
    response = client.post(change_url(draft), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    point.refresh_from_db()
    assert point.label == "Hälsobesök åk 2"

    action(client, "publish", draft)
    draft.refresh_from_db()
    earlier.refresh_from_db()
    national.refresh_from_db()
    assert draft.status == HealthProgramme.Status.PUBLISHED
    assert draft.published_at is not None
    assert earlier.status == HealthProgramme.Status.RETIRED
    assert national.status == HealthProgramme.Status.PUBLISHED
    assert programme_for(org_a) == draft


def test_the_template_choices_are_national_and_own_emi_templates(
    client, registry_admin_a, org_a, org_b, national
):
    from journal.models import DocumentTemplate

    own = DocumentTemplate.objects.create(organisation=org_a, area="EMI", code="egen", name="Egen")
    other = DocumentTemplate.objects.create(organisation=org_b, area="EMI", code="b", name="B")
    draft = programme_create_draft(source=national, organisation=org_a, by=registry_admin_a)
    client.force_login(registry_admin_a)
    formset = client.get(change_url(draft)).context["inline_admin_formsets"][0].formset
    choices = set(formset.forms[0].fields["template"].queryset)
    assert own in choices
    assert other not in choices
    assert {t.area for t in choices} == {"EMI"}
    assert DocumentTemplate.objects.get(organisation=None, code="halsobesok-ak4") in choices


def test_publishing_a_draft_without_points_is_refused_with_a_message(
    client, registry_admin_a, org_a
):
    empty = HealthProgramme.objects.create(organisation=org_a, number=1, name="Tomt")
    client.force_login(registry_admin_a)
    response = action(client, "publish", empty, follow=True)
    assert "inga programpunkter" in response.content.decode()
    empty.refresh_from_db()
    assert empty.status == HealthProgramme.Status.DRAFT


def test_the_national_programme_is_read_only_for_a_registry_admin(
    client, registry_admin_a, national
):
    client.force_login(registry_admin_a)
    response = client.get(change_url(national))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    response = client.post(change_url(national), {"name": "Kapat", **point_rows(national)})
    assert response.status_code == 403
    action(client, "publish", national)
    national.refresh_from_db()
    assert national.name != "Kapat"
    assert national.status == HealthProgramme.Status.PUBLISHED


def test_a_published_own_programme_is_read_only(client, registry_admin_a, org_a, national):
    programme = programme_create_draft(source=national, organisation=org_a, by=registry_admin_a)
    programme_publish(programme=programme, by=registry_admin_a)
    client.force_login(registry_admin_a)
    response = client.get(change_url(programme))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    formset = response.context["inline_admin_formsets"][0]
    assert not formset.has_change_permission and not formset.has_add_permission
    data = {"name": "Ändrat", "change_note": "", **point_rows(programme)}
    assert client.post(change_url(programme), data).status_code == 403
    programme.refresh_from_db()
    assert programme.name != "Ändrat"


def test_a_superuser_may_change_the_national_programme(client, superuser, national):
    client.force_login(superuser)
    assert not client.get(change_url(national)).context["has_change_permission"]  # published
    action(client, "create_own_version", national)
    draft = HealthProgramme.objects.get(organisation=None, number=2)
    assert draft.points.count() == national.points.count()
    assert client.get(change_url(draft)).context["has_change_permission"]


def test_the_log_reviewer_is_refused(client, log_reviewer_a, national):
    # Staff (she reaches the admin for the access log), but holds no registry-admin role.
    log_reviewer_a.is_staff = True
    log_reviewer_a.save(update_fields=["is_staff"])
    client.force_login(log_reviewer_a)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    assert client.get(change_url(national)).status_code == 403


def test_nothing_is_deleted(client, superuser, registry_admin_a, org_a, national):
    draft = programme_create_draft(source=national, organisation=org_a, by=registry_admin_a)
    delete = reverse("admin:journal_healthprogramme_delete", args=[draft.pk])
    for user in (superuser, registry_admin_a):
        client.force_login(user)
        assert client.get(delete).status_code == 403
        assert client.post(delete, {"post": "yes"}).status_code == 403
        response = client.get(reverse(CHANGELIST))
        assert "delete_selected" not in response.context["action_form"].fields["action"].choices
    assert HealthProgramme.objects.filter(pk=draft.pk).exists()
    assert not reverse_exists("admin:journal_programmepoint_changelist")


def reverse_exists(name: str) -> bool:
    from django.urls import NoReverseMatch

    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True
