"""Code lists: code shapes, lookups in the active version only, immutability, and the
PostgreSQL trigram index and append-only trigger."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from journal.models import Code, CodeListVersion, CodeSystem
from journal.models.codes import (
    ImmutableRowError,
    active_codes,
    code_lookup,
    normalise_code,
    validate_code_shape,
)
from journal.services.codes import code_list_activate
from tests.journal.codes_helpers import load


@pytest.mark.parametrize("code", ["DV112", "AF020", "ZXA10", "QDB10"])
def test_kva_accepts_both_shapes(code):
    validate_code_shape(CodeSystem.KVA, code)


@pytest.mark.parametrize("code", ["DV11", "DV1123", "D1112", "DVX1A", "Z00.1", "ÅÄÖ12"])
def test_kva_refuses_other_shapes(code):
    with pytest.raises(ValidationError):
        validate_code_shape(CodeSystem.KVA, code)


@pytest.mark.parametrize("code", ["Z00", "Z00.1", "J45.9", "F90.0", "S72.00", "F32.9A", "U07.1"])
def test_icd10se_accepts_categories_and_subcodes(code):
    validate_code_shape(CodeSystem.ICD10SE, code)


@pytest.mark.parametrize("code", ["45.9", "Z0", "ZZ0.1", "Z00.", "Z00.12345", "DV112"])
def test_icd10se_refuses_other_shapes(code):
    with pytest.raises(ValidationError):
        validate_code_shape(CodeSystem.ICD10SE, code)


def test_normalising_upper_cases_and_puts_the_icd_dot_back():
    assert normalise_code(CodeSystem.ICD10SE, " j459 ") == "J45.9"
    assert normalise_code(CodeSystem.ICD10SE, "z00") == "Z00"
    assert normalise_code(CodeSystem.KVA, "dv 112") == "DV112"


def test_code_lookup_finds_codes_of_the_active_version_only(db):
    old = load("kva", label="KVÅ 2025")  # DV111, DV112, ZXA10
    new = load("kva", [("DV113", "Kvalificerat rådgivande samtal om tobaksbruk", "")])
    assert code_lookup(CodeSystem.KVA, "DV113").version == new
    assert code_lookup(CodeSystem.KVA, "DV111") is None  # only in the inactive version
    code_list_activate(version=old)
    assert code_lookup(CodeSystem.KVA, "dv111").version == old
    assert code_lookup(CodeSystem.KVA, "DV113") is None
    assert code_lookup(CodeSystem.ICD10SE, "DV111") is None  # another system


def test_nothing_is_found_before_a_version_is_active(db):
    load("icd10se", activate=False)
    assert code_lookup(CodeSystem.ICD10SE, "Z00.1") is None
    assert not active_codes(CodeSystem.ICD10SE).exists()


def test_active_codes_offers_the_selectable_codes_of_the_active_version(db):
    load("icd10se")  # J45 (heading), J45.9, Z00.1
    load("kva")
    assert list(active_codes(CodeSystem.ICD10SE).values_list("code", flat=True)) == [
        "J45.9",
        "Z00.1",
    ]
    assert code_lookup(CodeSystem.ICD10SE, "J45").is_selectable is False


def test_loaded_codes_and_versions_do_not_change_through_the_models(db):
    version = load("kva")
    code = version.codes.first()
    code.title = "Ändrad"
    with pytest.raises(ImmutableRowError):
        code.save()
    with pytest.raises(ImmutableRowError):
        code.delete()
    version.label = "Ändrad"
    with pytest.raises(ImmutableRowError):
        version.save()
    with pytest.raises(ImmutableRowError):
        version.save(update_fields=["label", "is_active"])
    with pytest.raises(ImmutableRowError):
        version.delete()
    version.refresh_from_db()
    assert version.label != "Ändrad"


# --- PostgreSQL ----------------------------------------------------------------------------------


def test_title_has_a_trigram_index_on_postgresql(postgres):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'journal_code' "
            "AND indexname = 'code_title_trgm_idx'"
        )
        row = cursor.fetchone()
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() is not None
    assert row is not None
    assert "gin" in row[0].lower() and "gin_trgm_ops" in row[0]
    assert "upper" in row[0].lower()


def test_title_search_works_on_postgresql(postgres):
    load("icd10se")
    assert list(Code.objects.filter(title__icontains="ospecif").values_list("code", flat=True)) == [
        "J45.9"
    ]


def test_the_database_refuses_to_change_or_delete_loaded_codes(postgres):
    version = load("kva")
    with pytest.raises(DatabaseError), transaction.atomic():
        Code.objects.filter(version=version).update(title="Ändrad")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM journal_code")
    assert Code.objects.filter(title="Ändrad").count() == 0
    assert CodeListVersion.objects.get(pk=version.pk).code_count == Code.objects.count()
