"""The one rule of versioned programmes (journal.services.versioned_programmes), through the
public services of both programmes: a draft copies its source and children with history, is
numbered within its owner, and publishing it retires the owner's previous one. The national
path locks rows with FOR UPDATE, which PostgreSQL refuses with a join: run it there too."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from journal.models.vaccination import VaccinationProgramme
from journal.models.visits import HealthProgramme
from journal.services import programmes, vaccination_programmes
from tests.schools.factories import UserFactory


@dataclass
class Kind:
    model: Any
    create_draft: Any
    publish: Any
    publish_errors: Any
    children: str
    child_fields: tuple[str, ...]
    no_children: str


HEALTH = Kind(
    model=HealthProgramme,
    create_draft=programmes.programme_create_draft,
    publish=programmes.programme_publish,
    publish_errors=programmes.publish_errors,
    children="points",
    child_fields=("order", "label", "school_type", "grade", "alternative_grade", "template"),
    no_children="Programmet har inga programpunkter.",
)
VACCINATION = Kind(
    model=VaccinationProgramme,
    create_draft=vaccination_programmes.vaccination_programme_create_draft,
    publish=vaccination_programmes.vaccination_programme_publish,
    publish_errors=vaccination_programmes.publish_errors,
    children="doses",
    child_fields=("order", "series", "dose_number", "name", "school_type", "vaccines"),
    no_children="Programmet har inga doser.",
)


@pytest.fixture(params=[HEALTH, VACCINATION], ids=["health", "vaccination"])
def kind(request, db) -> Kind:
    return request.param


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def national(kind: Kind):
    return kind.model.objects.get(organisation=None, status="published")


def children(programme, kind: Kind) -> list:
    rows = getattr(programme, kind.children).order_by("order", "pk")
    return list(rows.values_list(*kind.child_fields))


def test_an_own_draft_copies_the_source_with_history_and_is_numbered_per_organisation(
    kind, org_a, org_b, registry_admin_a
):
    source = national(kind)
    first = kind.create_draft(source=source, organisation=org_a, by=registry_admin_a)
    second = kind.create_draft(source=first, organisation=org_a, by=registry_admin_a)
    other = kind.create_draft(source=source, organisation=org_b, by=None)

    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert (second.organisation, second.status, second.name) == (org_a, "draft", source.name)
    if kind is VACCINATION:
        assert second.source == source.source
    assert children(second, kind) == children(source, kind) != []
    assert second.history.get().history_user == registry_admin_a
    copied = getattr(second, kind.children).all()
    # Every history row of every copy (a dose gets a second one when its vaccines are set).
    users = {row.history_user_id for child in copied for row in child.history.all()}
    assert users == {registry_admin_a.pk}
    source.refresh_from_db()
    assert source.status == "published"  # the source is left alone


def test_a_draft_of_another_organisations_programme_is_refused(
    kind, org_a, org_b, registry_admin_a
):
    of_b = kind.create_draft(source=national(kind), organisation=org_b, by=None)
    with pytest.raises(ValidationError) as error:
        kind.create_draft(source=of_b, organisation=org_a, by=registry_admin_a)
    assert error.value.code == "other_organisation"
    assert error.value.messages == ["Programmet hör till en annan huvudman."]
    assert not kind.model.objects.filter(organisation=org_a).exists()


def test_publishing_retires_only_the_own_previous_programme(kind, org_a, org_b, registry_admin_a):
    of_b = kind.create_draft(source=national(kind), organisation=org_b, by=None)
    kind.publish(programme=of_b, by=None)
    earlier = kind.create_draft(source=national(kind), organisation=org_a, by=registry_admin_a)
    kind.publish(programme=earlier, by=registry_admin_a)
    draft = kind.create_draft(source=earlier, organisation=org_a, by=registry_admin_a)

    published = kind.publish(programme=draft, by=registry_admin_a)

    assert (published.status, published.published_at is not None) == ("published", True)
    earlier.refresh_from_db()
    of_b.refresh_from_db()
    assert earlier.status == "retired"
    assert earlier.history.latest().history_user == registry_admin_a
    assert of_b.status == "published"
    assert national(kind).status == "published"
    assert published.history.latest().history_user == registry_admin_a


def test_a_superuser_drafts_and_publishes_a_new_national_version(kind, superuser):
    # The national path: the lock is FOR UPDATE on the national programmes themselves.
    previous = national(kind)
    draft = kind.create_draft(source=previous, organisation=None, by=superuser)
    assert draft.organisation_id is None
    assert draft.number == previous.number + 1
    assert children(draft, kind) == children(previous, kind)

    kind.publish(programme=draft, by=superuser)

    previous.refresh_from_db()
    assert previous.status == "retired"
    assert national(kind) == draft


def test_only_a_draft_with_children_is_published(kind, org_a, registry_admin_a):
    published = national(kind)
    assert kind.publish_errors(published) == ["Bara ett utkast kan publiceras."]
    empty = kind.model.objects.create(organisation=org_a, number=1, name="Tomt")
    assert kind.publish_errors(empty) == [kind.no_children]
    with pytest.raises(ValidationError) as error:
        kind.publish(programme=empty, by=registry_admin_a)
    assert error.value.messages == [kind.no_children]
    empty.refresh_from_db()
    assert empty.status == "draft"
