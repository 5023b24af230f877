"""Swedish by default, English on request, and the committed .mo files match the .po files."""

import gettext
import importlib.util
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests.helpers import visible_text

ROOT = Path(settings.BASE_DIR)
PO_FILES = sorted(ROOT.glob("locale/*/LC_MESSAGES/*.po"))


@pytest.fixture
def nurse_client(client, nurse_a, school_a):
    client.force_login(nurse_a)
    return client


def test_home_is_swedish_by_default(nurse_client):
    response = nurse_client.get(reverse("home"))
    assert '<html lang="sv">' in response.content.decode()
    assert "Mina skolor" in visible_text(response)


def test_home_is_english_with_accept_language(nurse_client):
    response = nurse_client.get(reverse("home"), headers={"accept-language": "en"})
    text = visible_text(response)
    assert '<html lang="en">' in response.content.decode()
    assert "My schools" in text
    assert "Mina skolor" not in text


def test_home_is_english_with_the_language_cookie(nurse_client):
    nurse_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = visible_text(nurse_client.get(reverse("home")))
    assert "My schools" in text
    assert "Log out" in text


def test_language_switch_sets_the_cookie_and_returns_to_the_page(nurse_client):
    response = nurse_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response.url == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "My schools" in visible_text(nurse_client.get(reverse("home")))


def test_model_choices_are_translated(nurse_client, student_a):
    from tests.schools.factories import GuardianRelationFactory

    GuardianRelationFactory(student=student_a)
    response = nurse_client.get(student_a.get_absolute_url(), headers={"accept-language": "en"})
    text = visible_text(response)
    assert "Guardians" in text  # the heading
    assert "Guardian" in text.replace("Guardians", "")  # the relation type choice


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_po_file_is_complete(po_path):
    catalogue = polib.pofile(str(po_path))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_mo_file_matches_its_po_file(po_path, tmp_path):
    # Forgetting scripts/compile_translations.py after editing a .po file fails here.
    fresh = tmp_path / "fresh.mo"
    polib.pofile(str(po_path)).save_as_mofile(str(fresh))
    with fresh.open("rb") as expected, po_path.with_suffix(".mo").open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == (
            gettext.GNUTranslations(expected)._catalog
        )


def test_compile_script_writes_a_readable_mo_file(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "compile_translations", ROOT / "scripts" / "compile_translations.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    po_path = tmp_path / "django.po"
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    catalogue.append(polib.POEntry(msgid="Sök", msgstr="Search"))
    catalogue.append(polib.POEntry(msgid="Saknas", msgstr=""))
    catalogue.save(str(po_path))

    problems = module.compile_catalogue(po_path)

    assert problems == ["untranslated: 'Saknas'"]
    with po_path.with_suffix(".mo").open("rb") as compiled:
        assert gettext.GNUTranslations(compiled).gettext("Sök") == "Search"
