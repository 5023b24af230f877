"""Loading code lists: the file format (docs/code-lists.md), both encodings, bad lines with their
numbers, idempotent re-loads, new versions and activation (exactly one active per system)."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from journal.models import Code, CodeListVersion, CodeSystem
from journal.services.codes import CodeFileError, code_list_activate, code_list_load
from tests.journal.codes_helpers import ICD_ROWS, KVA_ROWS, code_file, load

DATA = Path(settings.BASE_DIR) / "journal" / "data"


def run(*args) -> str:
    out = StringIO()
    call_command("load_codes", *args, stdout=out)
    return out.getvalue()


def test_the_committed_samples_load_and_activate(db):
    out = run("--system", "kva", str(DATA / "kva-sample.txt"), "--version", "KVÅ exempel")
    assert "Inläst: KVÅ exempel" in out
    run("--system", "icd10se", str(DATA / "icd10se-sample.txt"), "--activate")
    kva = CodeListVersion.objects.get(system=CodeSystem.KVA)
    icd = CodeListVersion.objects.get(system=CodeSystem.ICD10SE)
    assert not kva.is_active and icd.is_active
    assert kva.code_count == kva.codes.count() >= 12
    assert icd.codes.filter(code="Z00.1", is_selectable=True).exists()
    assert icd.codes.get(code="J45").is_selectable is False  # a heading: J45.0 and J45.9 exist


def test_windows_1252_file_is_read_with_its_swedish_letters(db):
    data = code_file(KVA_ROWS, encoding="cp1252", newline="\r\n")
    result = code_list_load(system="kva", data=data, source_name="kva.txt")
    assert result.version.codes.get(code="DV112").title == "Rådgivande samtal om tobaksbruk"


def test_utf8_with_bom_is_read(db):
    data = b"\xef\xbb\xbf" + code_file(ICD_ROWS)
    version = code_list_load(system="icd10se", data=data, source_name="icd.txt").version
    assert set(version.codes.values_list("code", flat=True)) == {"J45", "J45.9", "Z00.1"}


def test_icd_codes_without_dot_are_stored_with_it(db):
    version = load("icd10se", [("J459", "Astma, ospecificerad", ""), ("z001", "Kontroll", "")])
    assert set(version.codes.values_list("code", flat=True)) == {"J45.9", "Z00.1"}


def test_header_columns_may_come_in_any_order_and_group_is_optional(db):
    data = code_file([("Astma", "J45.9")], header=("Benämning", "Kod"))
    version = code_list_load(system="icd10se", data=data, source_name="x.txt").version
    code = version.codes.get()
    assert (code.code, code.title, code.group) == ("J45.9", "Astma", "")


def test_bad_lines_are_all_reported_with_their_line_numbers_and_nothing_is_saved(db):
    data = (
        "# kommentar\n"
        "kod\ttitel\n"
        "DV111\tEnkla råd om tobaksbruk\n"
        "DV11\tFör kort\n"
        "DV112\n"
        "DV111\tDubblett\n"
        "AB123\t\n"
        "DV113 Kvalificerat samtal (mellanslag i stället för tabb)\n"
    ).encode()
    with pytest.raises(CodeFileError) as raised:
        code_list_load(system="kva", data=data, source_name="kva.txt")
    errors = raised.value.errors
    assert [e.split(":")[0] for e in errors] == ["Rad 4", "Rad 5", "Rad 6", "Rad 7", "Rad 8"]
    assert "DV11 är ingen KVÅ-kod" in errors[0]
    assert "finns redan på rad 3" in errors[2]
    assert "benämningen saknas" in errors[3]
    assert "tabb" in errors[4]
    assert not CodeListVersion.objects.exists() and not Code.objects.exists()


def test_command_reports_bad_lines_as_a_command_error(db, tmp_path):
    path = tmp_path / "icd.txt"
    path.write_bytes(code_file([("J45.9", "Astma"), ("45.9", "Fel")], header=("kod", "titel")))
    with pytest.raises(CommandError, match=r"Rad 3: 45.9 är ingen ICD-10-SE-kod"):
        run("--system", "icd10se", str(path))
    assert not CodeListVersion.objects.exists()


def test_missing_header_and_undecodable_bytes_are_refused(db):
    with pytest.raises(CodeFileError, match="Rad 1: rubrikraden saknar kolumnen kod och titel"):
        code_list_load(system="kva", data=b"DV111\tEnkla\n", source_name="x.txt")
    with pytest.raises(CodeFileError, match="Rad 3: tecknen går inte att läsa som UTF-8"):
        code_list_load(
            system="kva",
            data=b"kod\ttitel\nDV111\tA\nDV112\t\xe5\n",
            source_name="x.txt",
            encoding="utf-8",
        )
    with pytest.raises(CodeFileError, match="inga koder"):
        code_list_load(system="kva", data=b"kod\ttitel\n", source_name="x.txt")


def test_the_same_file_twice_is_the_same_version_and_nothing_new(db, tmp_path):
    path = tmp_path / "kva.txt"
    path.write_bytes(code_file(KVA_ROWS))
    run("--system", "kva", str(path), "--version", "KVÅ 2026")
    out = run("--system", "kva", str(path), "--version", "KVÅ 2026 igen")
    assert "redan inläst som KVÅ 2026" in out
    assert CodeListVersion.objects.count() == 1
    assert Code.objects.count() == len(KVA_ROWS)


def test_reloading_a_known_file_with_activate_activates_it(db, tmp_path):
    path = tmp_path / "kva.txt"
    path.write_bytes(code_file(KVA_ROWS))
    run("--system", "kva", str(path))
    out = run("--system", "kva", str(path), "--activate")
    assert "är nu aktiv version" in out
    assert CodeListVersion.objects.get().is_active


def test_a_new_file_is_a_new_version_and_activation_keeps_exactly_one_active(db):
    first = load("kva", label="KVÅ 2025")
    second = load("kva", [*KVA_ROWS, ("DV113", "Kvalificerat", "")], label="KVÅ 2026")
    other_system = load("icd10se", label="ICD-10-SE 2026")
    first.refresh_from_db()
    assert second.is_active and not first.is_active
    assert other_system.is_active  # another system's active version is untouched
    assert code_list_activate(version=first) is True
    assert code_list_activate(version=first) is False  # already active: nothing changes
    active = CodeListVersion.objects.filter(system=CodeSystem.KVA, is_active=True)
    assert list(active) == [first]
    assert first.history.filter(is_active=True).exists()  # who activated when, in history


def test_a_label_is_not_reused_for_another_file(db):
    load("kva", label="KVÅ 2026")
    with pytest.raises(CodeFileError, match="finns redan med en annan fil"):
        load("kva", [("DV113", "Kvalificerat", "")], label="KVÅ 2026")


def test_the_database_refuses_two_active_versions_of_one_system(db):
    load("kva", label="KVÅ 2025")
    second = load("kva", [("DV113", "Kvalificerat", "")], label="KVÅ 2026", activate=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        CodeListVersion.objects.filter(pk=second.pk).update(is_active=True)


def test_unknown_system_is_refused_by_the_command(db, tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(code_file(KVA_ROWS))
    with pytest.raises(CommandError):
        run("--system", "snomed", str(path))


def test_seed_demo_style_call_with_keyword_options(db):
    call_command(
        "load_codes",
        str(DATA / "icd10se-sample.txt"),
        system="icd10se",
        label="ICD-10-SE (exempel)",
        activate=True,
        stdout=StringIO(),
    )
    assert CodeListVersion.objects.get(label="ICD-10-SE (exempel)").is_active
