"""Templates, versions and keywords: constraints, clean(), immutability after publishing, new
versions, publishing, and the default set of migration 0002."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from journal.bindings import BINDINGS, BindingKey, KeywordKind
from journal.models import DocumentTemplate, Keyword, TemplateVersion, VipsHeading
from journal.services.templates import version_create_draft, version_publish
from journal.template_defaults import DEFAULT_TEMPLATES
from tests.schools.factories import UserFactory


def make_template(organisation=None, code="testmall", area="EMI") -> DocumentTemplate:
    return DocumentTemplate.objects.create(
        organisation=organisation, code=code, area=area, name=f"Mall {code}"
    )


def make_keyword(version, order=1, code=None, **fields) -> Keyword:
    fields.setdefault("vips_heading", VipsHeading.ANAMNES)
    return Keyword.objects.create(
        version=version, order=order, code=code or f"sokord-{order}", label="Sökord", **fields
    )


@pytest.fixture
def draft(org_a):
    return TemplateVersion.objects.create(template=make_template(org_a), number=1)


@pytest.fixture
def publisher(db):
    return UserFactory(username="publicerare")


def keyword(version, **fields) -> Keyword:
    fields.setdefault("order", 1)
    fields.setdefault("code", "sokord")
    fields.setdefault("label", "Sökord")
    fields.setdefault("vips_heading", VipsHeading.STATUS)
    return Keyword(version=version, **fields)


# --- clean() ---------------------------------------------------------------------------------


def test_a_number_keyword_with_unit_and_range_is_valid(draft):
    keyword(draft, kind=KeywordKind.NUMBER, unit="cm", min_value=40, max_value=230).full_clean()


def test_a_choice_keyword_without_choices_is_refused(draft):
    with pytest.raises(ValidationError) as error:
        keyword(draft, kind=KeywordKind.CHOICE, choices=[]).full_clean()
    assert "choices" in error.value.message_dict


def test_choices_on_a_text_keyword_are_refused(draft):
    with pytest.raises(ValidationError) as error:
        keyword(draft, kind=KeywordKind.TEXT, choices=["Ja"]).full_clean()
    assert "choices" in error.value.message_dict


def test_choices_must_be_distinct_texts(draft):
    for choices in (["Ua", "Ua"], [1, 2], "Ua"):
        with pytest.raises(ValidationError):
            keyword(draft, kind=KeywordKind.CHOICE, choices=choices).full_clean()


def test_min_above_max_is_refused(draft):
    with pytest.raises(ValidationError) as error:
        keyword(draft, kind=KeywordKind.NUMBER, min_value=5, max_value=1).full_clean()
    assert "max_value" in error.value.message_dict


def test_a_unit_on_a_text_keyword_is_refused(draft):
    with pytest.raises(ValidationError) as error:
        keyword(draft, kind=KeywordKind.TEXT, unit="cm").full_clean()
    assert "unit" in error.value.message_dict


def test_a_binding_refuses_the_wrong_kind(draft):
    with pytest.raises(ValidationError) as error:
        keyword(draft, kind=KeywordKind.TEXT, binds_to=BindingKey.VISION_LEFT).full_clean()
    assert "kind" in error.value.message_dict


def test_a_binding_refuses_the_wrong_unit(draft):
    bad = keyword(draft, kind=KeywordKind.NUMBER, unit="m", binds_to=BindingKey.GROWTH_HEIGHT)
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "unit" in error.value.message_dict


def test_a_binding_refuses_a_range_outside_its_own(draft):
    bad = keyword(
        draft, kind=KeywordKind.NUMBER, binds_to=BindingKey.VISION_LEFT, max_value=Decimal("5")
    )
    with pytest.raises(ValidationError) as error:
        bad.full_clean()
    assert "max_value" in error.value.message_dict


def test_a_vision_keyword_fits_its_binding(draft):
    keyword(
        draft, kind=KeywordKind.NUMBER, binds_to=BindingKey.VISION_RIGHT, flag_below=Decimal("0.65")
    ).full_clean()


def test_every_binding_names_a_record_model_and_a_kind():
    assert set(BINDINGS) == set(BindingKey.values) - {""}
    for binding in BINDINGS.values():
        assert binding.kind in KeywordKind.values
        assert "." in binding.record_model


# --- Database constraints --------------------------------------------------------------------


def test_version_numbers_are_unique_per_template(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        TemplateVersion.objects.create(template=draft.template, number=1, status="retired")


def test_a_template_has_at_most_one_draft(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        TemplateVersion.objects.create(template=draft.template, number=2)


def test_keyword_order_and_code_are_unique_per_version(draft):
    make_keyword(draft, order=1, code="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_keyword(draft, order=1, code="b")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_keyword(draft, order=2, code="a")


def test_the_database_refuses_choices_without_kind_choice(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_keyword(draft, kind=KeywordKind.TEXT, choices=["Ja"])
    with pytest.raises(IntegrityError), transaction.atomic():
        make_keyword(draft, kind=KeywordKind.CHOICE, choices=[])
    make_keyword(draft, kind=KeywordKind.CHOICE, choices=["Ja", "Nej"])


def test_the_database_refuses_min_above_max(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_keyword(draft, kind=KeywordKind.NUMBER, min_value=3, max_value=2)


def test_template_codes_are_unique_per_organisation_and_among_national_ones(org_a, org_b):
    make_template(org_a, code="egen")
    make_template(org_b, code="egen")
    make_template(None, code="egen-nationell")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_template(org_a, code="egen")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_template(None, code="egen-nationell")


# --- A published version never changes -------------------------------------------------------


@pytest.fixture
def published(draft, publisher):
    make_keyword(draft, order=1)
    return version_publish(version=draft, by=publisher)


def test_publishing_records_who_and_when(published, publisher):
    published.refresh_from_db()
    assert published.status == TemplateVersion.Status.PUBLISHED
    assert published.published_by == publisher
    assert published.published_at is not None
    assert published.history.latest().history_user == publisher


def test_saving_a_published_version_raises(published):
    published.change_note = "Ändrad i efterhand"
    with pytest.raises(ValidationError):
        published.save()
    published.refresh_from_db()
    published.status = TemplateVersion.Status.DRAFT
    with pytest.raises(ValidationError):
        published.save()


def test_a_keyword_of_a_published_version_cannot_be_saved_added_or_deleted(published):
    existing = published.keywords.get()
    existing.label = "Ändrad"
    with pytest.raises(ValidationError):
        existing.save()
    with pytest.raises(ValidationError):
        make_keyword(published, order=2)
    with pytest.raises(ValidationError):
        existing.delete()
    assert published.keywords.get().label == "Sökord"


def test_a_version_is_never_deleted(published, draft):
    with pytest.raises(ValidationError):
        published.delete()


# --- New versions and publishing -------------------------------------------------------------


def test_a_new_version_copies_the_keywords_into_a_draft(published, publisher):
    original = published.keywords.get()
    new = version_create_draft(template=published.template, from_version=published, by=publisher)
    assert (new.number, new.status) == (2, TemplateVersion.Status.DRAFT)
    copy = new.keywords.get()
    assert copy.pk != original.pk
    assert (copy.code, copy.label, copy.order) == (original.code, original.label, original.order)
    assert copy.history.count() == 1
    copy.label = "Ny rubrik"
    copy.save()  # the draft is editable
    assert published.keywords.get().label == "Sökord"


def test_publishing_the_new_version_retires_the_old_one(published, publisher):
    new = version_create_draft(template=published.template, by=publisher)
    version_publish(version=new, by=publisher)
    published.refresh_from_db()
    assert published.status == TemplateVersion.Status.RETIRED
    assert published.template.versions.get(status="published") == new


def test_a_second_draft_is_refused(published, publisher):
    version_create_draft(template=published.template, by=publisher)
    with pytest.raises(ValidationError):
        version_create_draft(template=published.template, by=publisher)


def test_an_empty_draft_is_not_published(draft, publisher):
    with pytest.raises(ValidationError, match="inga sökord"):
        version_publish(version=draft, by=publisher)


def test_a_draft_with_a_gap_in_the_order_is_not_published(draft, publisher):
    make_keyword(draft, order=1)
    make_keyword(draft, order=3)
    with pytest.raises(ValidationError, match="luckor"):
        version_publish(version=draft, by=publisher)
    draft.refresh_from_db()
    assert draft.is_draft


def test_a_draft_with_an_invalid_keyword_is_not_published(draft, publisher):
    make_keyword(draft, order=1, kind=KeywordKind.TEXT, binds_to=BindingKey.VISION_LEFT)
    with pytest.raises(ValidationError, match="Kopplingen"):
        version_publish(version=draft, by=publisher)


def test_a_published_version_is_not_published_again(published, publisher):
    with pytest.raises(ValidationError):
        version_publish(version=published, by=publisher)


# --- The default set (migration 0002) --------------------------------------------------------

EXPECTED_CODES = {
    "halsobesok-fklass",
    "halsobesok-ak2",
    "halsobesok-ak4",
    "halsobesok-ak7-8",
    "halsobesok-gy1",
    "oppen-mottagning",
    "telefonkontakt",
    "vaccination",
    "sammanfattning-overlamning",
    "skollakarbedomning",
    "psykologbedomning",
    "psykologsamtal",
}


def national(code: str, number: int | None = None) -> TemplateVersion:
    """The published version of a national template (or version ``number``)."""
    versions = TemplateVersion.objects.filter(template__organisation=None, template__code=code)
    if number is not None:
        return versions.get(number=number)
    return versions.get(status=TemplateVersion.Status.PUBLISHED)


def codes_of(version: TemplateVersion) -> list[str]:
    return list(version.keywords.order_by("order").values_list("code", flat=True))


@pytest.mark.django_db
def test_the_default_set_is_loaded_as_published_version_1():
    defaults = DocumentTemplate.objects.filter(organisation=None)
    assert set(defaults.values_list("code", flat=True)) >= EXPECTED_CODES
    assert {spec["code"] for spec in DEFAULT_TEMPLATES} == EXPECTED_CODES
    for code in EXPECTED_CODES:
        first = national(code, number=1)
        assert codes_of(first)
        assert first.history.exists()
        # The health visits are at version 2: migration 0015 binds height and weight (issue 7);
        # the vaccination note too: migration 0020 binds its dose (issue 8).
        expected = 2 if code.startswith("halsobesok-") or code == "vaccination" else 1
        version = national(code)
        assert (version.number, version.status) == (expected, TemplateVersion.Status.PUBLISHED)


@pytest.mark.django_db
def test_every_default_keyword_is_valid_and_in_contiguous_order():
    for code in EXPECTED_CODES:
        version = national(code)
        orders = list(version.keywords.order_by("order").values_list("order", flat=True))
        assert orders == list(range(1, len(orders) + 1)), code
        for kw in version.keywords.all():
            kw.full_clean()


@pytest.mark.django_db
def test_back_is_checked_in_year_4_and_7_8_only():
    for code in EXPECTED_CODES:
        assert ("rygg" in codes_of(national(code))) == (
            code in {"halsobesok-ak4", "halsobesok-ak7-8"}
        ), code


@pytest.mark.django_db
def test_forskoleklass_has_vision_and_hearing_and_growth():
    codes = codes_of(national("halsobesok-fklass"))
    assert {"syn-vanster", "syn-hoger", "horsel", "langd", "vikt"} <= set(codes)


@pytest.mark.django_db
def test_vision_keywords_bind_with_the_0_8_flag():
    version = national("halsobesok-fklass")
    for code, binding in (("syn-vanster", "vision.left"), ("syn-hoger", "vision.right")):
        kw = version.keywords.get(code=code)
        assert kw.binds_to == binding
        assert kw.kind == KeywordKind.NUMBER
        assert kw.flag_below == Decimal("0.8")


@pytest.mark.django_db
def test_growth_is_numbers_in_cm_and_kg_unbound_in_version_1():
    for code in ("halsobesok-fklass", "halsobesok-ak2", "halsobesok-ak4", "halsobesok-gy1"):
        version = national(code, number=1)
        height, weight = version.keywords.get(code="langd"), version.keywords.get(code="vikt")
        assert (height.kind, height.unit, height.binds_to) == (KeywordKind.NUMBER, "cm", "")
        assert (weight.kind, weight.unit, weight.binds_to) == (KeywordKind.NUMBER, "kg", "")


@pytest.mark.django_db
def test_every_default_template_has_assessment_information_and_declined_care():
    for code in EXPECTED_CODES:
        headings = set(national(code).keywords.values_list("vips_heading", flat=True))
        assert {VipsHeading.INFORMATION_GIVEN, VipsHeading.DECLINED_CARE} <= headings, code
        assert VipsHeading.ANAMNES in headings, code


@pytest.mark.django_db
def test_psychologist_templates_are_epi_and_the_others_emi():
    areas = dict(DocumentTemplate.objects.filter(organisation=None).values_list("code", "area"))
    assert areas["psykologbedomning"] == areas["psykologsamtal"] == "EPI"
    assert {areas[code] for code in EXPECTED_CODES - {"psykologbedomning", "psykologsamtal"}} == {
        "EMI"
    }


@pytest.mark.django_db
def test_the_summary_template_has_a_summary_keyword():
    version = national("sammanfattning-overlamning")
    assert version.keywords.filter(vips_heading=VipsHeading.SUMMARY).exists()
