"""The nurse's day in a real browser: an åk 4 health visit from the default template, signed,
corrected, and both versions readable on the record."""

import pytest

from journal.models import JournalEntry
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_nurse_documents_signs_and_corrects_an_ak4_visit(
    page,
    console_errors,
    nurse_a,
    student_a,
):
    log_in(page, "nurse_a")
    page.goto(f"/elever/{student_a.public_id}/")
    page.get_by_role("link", name="Ny anteckning").first.click()
    page.get_by_label("Mall").select_option(label="Hälsobesök åk 4")
    page.get_by_role("button", name="Påbörja anteckningen").click()

    # The template's keywords, in order; a Swedish decimal comma is fine.
    page.get_by_label("Anamnes", exact=True).fill("Mår bra, trivs i klassen.")
    page.get_by_label("Längd").fill("142,5")
    page.get_by_label("Vikt").fill("35,2")
    page.get_by_label("Rygg (skolios)").select_option("Utan anmärkning")
    page.get_by_label("Bedömning").fill("Frisk elev som växer enligt sin kurva.")
    page.get_by_role("button", name="Spara och signera").click()
    page.get_by_text("Anteckningen signerades.").wait_for()

    original = JournalEntry.objects.get(student=student_a)
    assert original.is_signed
    assert original.values.get(keyword__code="langd").number == 142.5

    # A wrong weight: correct it. The original is never changed.
    page.get_by_role("link", name="Rätta").click()
    page.get_by_role("textbox", name="Skäl till rättelsen").fill("Fel vikt: 32,5 kg, inte 35,2 kg.")
    page.get_by_role("button", name="Påbörja rättelsen").click()
    weight = page.get_by_label("Vikt")
    assert weight.input_value() in ("35,2", "35,200", "35.2")  # the copy of the original
    weight.fill("32,5")
    page.get_by_role("button", name="Spara och signera").click()
    page.get_by_text("Anteckningen signerades.").wait_for()

    # The record shows both: the correction, and the original struck through with the reason.
    page.goto(f"/elever/{student_a.public_id}/journal/")
    struck = page.locator("del")
    struck.first.wait_for()
    assert "35,2" in " ".join(struck.all_inner_texts())
    body = page.locator("main").inner_text()
    assert "32,5 kg" in body
    assert "Fel vikt: 32,5 kg, inte 35,2 kg." in body

    original.refresh_from_db()
    correction = JournalEntry.objects.get(corrects=original)
    assert correction.is_signed
    assert str(correction.values.get(keyword__code="vikt").number) == "32.500"
    assert str(original.values.get(keyword__code="vikt").number) == "35.200"
    assert console_errors == []
