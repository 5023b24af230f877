"""The growth chart (journal.growth.charts): SVG for 0, 1 and 10 measurements, CSP-safe, named
reference, and the table beside it."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from journal.growth.charts import ChartPoint, chart_context, format_age, format_z
from journal.growth.reference import DAYS_PER_MONTH, default_reference, load_reference

SVG = "{http://www.w3.org/2000/svg}"
BIRTH = datetime.date(2014, 3, 1)


@pytest.fixture
def who(db):
    return load_reference(default_reference())


def measured(reference, measure, sex, ages_months, values):
    points = []
    for months, value in zip(ages_months, values, strict=True):
        age = round(months * DAYS_PER_MONTH)
        points.append(
            ChartPoint(
                age_days=age,
                value=value,
                z=reference.z(measure, sex, age, value),
                date=BIRTH + datetime.timedelta(days=age),
            )
        )
    return points


def render(chart) -> tuple[str, ET.Element, str]:
    svg = render_to_string("journal/growth/_chart.svg.html", {"chart": chart})
    table = render_to_string("journal/growth/_chart_table.html", {"chart": chart})
    return svg, ET.fromstring(svg.strip()), table


def assert_csp_safe(svg: str) -> None:
    assert "style=" not in svg
    assert "<script" not in svg.lower()
    assert not re.search(r"\son\w+=", svg)  # no event handlers


def channel_lines(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}polyline") if e.get("class") == "growth-channel"]


def test_chart_without_measurements_draws_channels_and_says_so(who):
    chart = chart_context(who, "height", "F", [])
    svg, root, table = render(chart)
    assert_csp_safe(svg)
    assert root.get("role") == "img"
    assert len(channel_lines(root)) == 7
    assert sorted(int(e.get("data-z")) for e in channel_lines(root)) == [-3, -2, -1, 0, 1, 2, 3]
    assert "Inga mätningar" in svg
    assert root.find(f"{SVG}circle") is None
    assert "Inga mätningar." in table
    # The whole reference range: 5 to 19 years.
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "6" in labels and "19" in labels


def test_chart_with_one_measurement(who):
    points = measured(who, "weight", "M", [96], [25.6])
    svg, root, table = render(chart_context(who, "weight", "M", points))
    assert_csp_safe(svg)
    assert len(channel_lines(root)) == 7
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 1
    assert "Inga mätningar" not in svg
    assert "8 år 0 mån" in table and "25,6 kg" in table


def test_chart_with_ten_measurements(who):
    ages = [62, 74, 86, 98, 110, 122, 134, 146, 158, 170]
    heights = [110.0, 116.2, 122.0, 127.5, 133.1, 138.4, 143.9, 150.2, 156.0, 160.1]
    points = measured(who, "height", "F", ages, heights)
    chart = chart_context(who, "height", "F", points)
    svg, root, table = render(chart)
    assert_csp_safe(svg)
    assert len(channel_lines(root)) == 7
    assert len(list(root.iter(f"{SVG}circle"))) == 10
    joined = [e for e in root.iter(f"{SVG}polyline") if e.get("class") != "growth-channel"]
    assert len(joined) == 1 and len(joined[0].get("points").split()) == 10
    rows = re.findall(r"<tr>\s*<th scope=\"row\">", table)
    assert len(rows) == 10
    for point in points:
        assert point.date.isoformat() in table


def test_title_names_the_reference_and_says_not_swedish(who):
    svg, root, table = render(chart_context(who, "bmi", "F", []))
    title = root.find(f"{SVG}title").text
    assert "WHO 2007" in title and "version 2007" in title and "ej svensk referens" in title
    assert "WHO 2007 – ej svensk referens" in svg
    assert "WHO 2007 – ej svensk referens" in table
    assert root.get("aria-labelledby") == "growth-bmi-title growth-bmi-desc"


def test_channels_differ_by_line_style_not_only_colour(who):
    chart = chart_context(who, "bmi", "M", [])
    styles = {c["z"]: (c["dasharray"], c["stroke_width"]) for c in chart["channels"]}
    assert styles[0] != styles[1] != styles[2] != styles[3]
    assert styles[1] == styles[-1] and styles[3] == styles[-3]
    assert [c["label"] for c in chart["channels"]] == ["+3", "+2", "+1", "M", "−1", "−2", "−3"]


def test_coordinates_use_a_decimal_point_in_swedish(who):
    points = measured(who, "bmi", "F", [100, 130], [16.2, 18.7])
    with translation.override("sv"):
        _svg, root, _table = render(chart_context(who, "bmi", "F", points))
    for circle in root.iter(f"{SVG}circle"):
        float(circle.get("cx"))
        float(circle.get("cy"))
    for line in channel_lines(root):
        for pair in line.get("points").split():
            x, y = pair.split(",")
            float(x), float(y)


def test_a_measurement_outside_the_reference_is_listed_not_drawn(who):
    # Weight at 11 years: WHO 2007 weight-for-age ends at 10.
    points = measured(who, "weight", "F", [100, 132], [26.0, 38.0])
    assert points[1].z is None
    _svg, root, table = render(chart_context(who, "weight", "F", points))
    assert len(list(root.iter(f"{SVG}circle"))) == 1
    assert "inget referensvärde" in table


def test_mid_parental_target_band(who):
    points = measured(who, "height", "M", [100], [133.0])
    chart = chart_context(who, "height", "M", points, target=(172.0, 185.0))
    svg, root, table = render(chart)
    assert_csp_safe(svg)
    assert "Målängd 172–185 cm" in svg and "Målängd 172–185 cm" in table
    band = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(band) == 1 and float(band[0].get("height")) > 1
    # The band sits at the end of the reference (adult height), so the axis reaches 19.
    assert "19" in [t.text for t in root.iter(f"{SVG}text")]


def test_student_span_with_margin_inside_the_range(who):
    points = measured(who, "height", "F", [100, 106], [130.0, 133.0])
    chart = chart_context(who, "height", "F", points)
    years = [int(t["label"]) for t in chart["x_ticks"]]
    assert years[0] >= 6 and years[-1] <= 12
    assert years[-1] - years[0] >= 3


def test_a_measure_without_table_says_no_reference_value(who):
    svg, root, _table = render(chart_context(who, "head", "F", []))
    assert_csp_safe(svg)
    assert channel_lines(root) == []
    assert "Inget referensvärde" in svg


def test_a_stored_reference_is_accepted(db):
    chart = chart_context(default_reference(), "height", "M", [], width=600, height=300)
    assert chart["width"] == "600" and len(chart["channels"]) == 7


def test_formatting_helpers():
    with translation.override("sv"):
        assert format_z(1.24) == "+1,2"
        assert format_z(-0.44) == "−0,4"
        assert format_z(0.01) == "±0,0"
        assert format_z(-0.04) == "±0,0"
        assert format_z(-0.05) == "−0,1"
        assert format_age(round(100 * DAYS_PER_MONTH)) == "8 år 4 mån"
