"""The CSV source (schools.registry.csv_source): a school-register file → a Batch and row errors.
Synthetic people only; no database needed."""

import datetime

import pytest

from schools.identity import MASK, generate_identity_number
from schools.models import GuardianRelation, ProtectedIdentity
from schools.registry.csv_source import (
    REQUIRED_COLUMNS,
    parse_registry_csv,
    person_source_id,
)

ORG = "2120000001"
AS_OF = datetime.date(2026, 9, 14)
SCHOOL = "12345678"
SCHOOL_2 = "87654321"
HEADER = (
    "skolenhetskod;klass;läsår;årskurs;skolform;elev_personnummer;elev_förnamn;elev_efternamn;"
    "skyddade_personuppgifter;elev_adress;elev_postnummer;elev_ort;"
    "vh1_personnummer;vh1_förnamn;vh1_efternamn;vh1_relation;vh1_telefon;vh1_epost;"
    "vh2_personnummer;vh2_förnamn;vh2_efternamn;vh2_relation;vh2_telefon;vh2_epost"
)


def pnr(year: int, serial: int, *, female: bool = True) -> str:
    return generate_identity_number(datetime.date(year, 3, 14), serial, female=female)


ALVA = pnr(2016, 1)
BO = pnr(2016, 2, female=False)
MAMMA = pnr(1985, 3)
PAPPA = pnr(1984, 4, female=False)


def row(
    *,
    school=SCHOOL,
    klass="4A",
    year="2026/27",
    grade="4",
    form="GR",
    student=ALVA,
    given="Alva",
    family="Exempelsson",
    protected="",
    vh1=(MAMMA, "Maria", "Exempelsson", "Vårdnadshavare", "070-1234567", "maria@example.se"),
    vh2=("", "", "", "", "", ""),
) -> str:
    return ";".join(
        [
            school,
            klass,
            year,
            grade,
            form,
            student,
            given,
            family,
            protected,
            "Storgatan 1",
            "123 45",
            "Exempelstad",
            *vh1,
            *vh2,
        ]
    )


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([header, *rows]).encode(encoding) + b"\r\n"


def parse(data: bytes, **kwargs):
    return parse_registry_csv(data, organisation_number=ORG, as_of=AS_OF, **kwargs)


def test_a_valid_file_becomes_a_batch():
    result = parse(
        csv_bytes(
            row(vh2=(PAPPA, "Per", "Exempelsson", "vårdnadshavare", "", "")),
            row(student=BO, given="Bo", family="Provsson", klass="4B"),
        )
    )
    assert result.errors == []
    batch = result.batch
    assert batch.source == f"csv:{ORG}"
    assert batch.organisation_number == ORG
    assert batch.as_of == AS_OF
    assert batch.complete_for_schools == {SCHOOL}
    assert [s.given_name for s in batch.students] == ["Alva", "Bo"]
    alva = batch.students[0]
    assert alva.identity == ALVA
    assert alva.birth_date == datetime.date(2016, 3, 14)
    assert (alva.street_address, alva.postal_code, alva.city) == (
        "Storgatan 1",
        "123 45",
        "Exempelstad",
    )
    assert {c.source_id for c in batch.classes} == {f"{SCHOOL}/2026/27/4A", f"{SCHOOL}/2026/27/4B"}
    klass = batch.classes[0]
    assert (klass.name, klass.grade, klass.school_type, klass.school_year) == (
        "4A",
        4,
        "GR",
        "2026/27",
    )
    assert [m.student_source_id for m in klass.members] == [alva.source_id]
    assert klass.members[0].start_date == datetime.date(2026, 7, 1)  # the school year's start
    assert batch.enrolments[0].source_id == f"{alva.source_id}@{SCHOOL}"
    assert batch.enrolments[0].start_date == datetime.date(2026, 7, 1)
    # Maria is guardian of both children: one guardian, two relations.
    assert sorted(g.given_name for g in batch.guardians) == ["Maria", "Per"]
    assert len(batch.guardian_relations) == 3
    assert {r.relation_type for r in batch.guardian_relations} == {GuardianRelation.Type.CUSTODIAN}
    maria = next(g for g in batch.guardians if g.given_name == "Maria")
    assert (maria.phone, maria.email, maria.identity) == ("070-1234567", "maria@example.se", MAMMA)
    assert [r.row for r in result.rows] == [2, 3]


def test_source_ids_are_stable_and_hold_no_identity_number():
    first = parse(csv_bytes(row())).batch
    again = parse(csv_bytes(row(klass="4B", given="Alvina"))).batch
    assert first.students[0].source_id == again.students[0].source_id
    assert first.guardians[0].source_id == again.guardians[0].source_id
    for source_id in (first.students[0].source_id, first.guardians[0].source_id):
        assert ALVA not in source_id and MAMMA not in source_id
        assert ALVA[2:] not in source_id and MAMMA[2:] not in source_id
    assert first.students[0].source_id == person_source_id("elev", ALVA)
    assert first.students[0].source_id.startswith("elev-")
    assert first.guardians[0].source_id.startswith("vh-")
    # The written form does not matter: ÅÅMMDD-NNNN gives the same id.
    short = f"{ALVA[2:8]}-{ALVA[8:]}"
    assert parse(csv_bytes(row(student=short))).batch.students[0].source_id == (
        first.students[0].source_id
    )


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("separator", [";", ","])
def test_both_encodings_and_separators_with_or_without_bom(encoding, separator):
    text_rows = [row(given="Åsa", family="Öberg-Ärlig")]
    header = HEADER
    if separator == ",":
        header = header.replace(";", ",")
        text_rows = [r.replace(";", ",") for r in text_rows]
    result = parse(csv_bytes(*text_rows, header=header, encoding=encoding))
    assert result.errors == []
    student = result.batch.students[0]
    assert (student.given_name, student.family_name) == ("Åsa", "Öberg-Ärlig")


def test_quoted_values_with_the_separator_inside():
    data = csv_bytes(row(family='"Exempelsson; Andersson"'))
    result = parse(data)
    assert result.errors == []
    assert result.batch.students[0].family_name == "Exempelsson; Andersson"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("Åsa".encode("utf-16"), "UTF-16"),
        (b"PK\x03\x04rest-of-a-zip", "Excel-arbetsbok"),
        (b"\x81\x8d\x8f\x90" + csv_bytes(row()), "teckenkodning"),
        (b"bara en rad utan kolumner\n", "ingen CSV-fil"),
        (csv_bytes(header="skolenhetskod;klass"), "Kolumner saknas"),
        (csv_bytes(header=HEADER), "inga elever"),
        (csv_bytes(row() + ";extra;kolumner"), "fler kolumner"),
    ],
    ids=["utf16", "xlsx", "undefined-bytes", "not-csv", "missing-columns", "empty", "too-wide"],
)
def test_a_malformed_file_gives_one_file_error_and_no_batch(data, message):
    result = parse(data)
    assert result.batch is None
    assert len(result.errors) == 1
    assert result.errors[0].row is None
    assert message in result.errors[0].message


def test_missing_columns_are_named():
    header = ";".join(c for c in REQUIRED_COLUMNS if c not in ("läsår", "elev_efternamn"))
    message = parse(csv_bytes(header=header)).file_error.message
    assert "läsår" in message and "elev_efternamn" in message


def test_too_large_file_is_refused():
    result = parse(b"x" * (5 * 1024 * 1024 + 1))
    assert result.batch is None
    assert "5 MB" in result.file_error.message


BAD_ROWS = {
    "invalid-identity": (
        {"student": ALVA[:-1] + str((int(ALVA[-1]) + 1) % 10)},
        "ogiltigt person- eller samordningsnummer",
    ),
    "missing-identity": ({"student": ""}, "Eleven saknar personnummer"),
    "missing-names": ({"given": ""}, "förnamn eller efternamn saknas"),
    "bad-school-unit-code": ({"school": "1234"}, "åtta siffror"),
    "bad-school-year": ({"year": "2026/28"}, "Läsåret"),
    "bad-grade": ({"grade": "elva"}, "Årskursen"),
    "unknown-school-type": ({"form": "Universitet"}, "Okänd skolform"),
    "unknown-protected-value": ({"protected": "kanske"}, "skyddade_personuppgifter"),
    "unknown-relation": (
        {"vh1": (MAMMA, "Maria", "Exempelsson", "Moster", "", "")},
        "okänd relation",
    ),
    "guardian-without-identity": (
        {"vh1": ("", "Maria", "Exempelsson", "Vårdnadshavare", "", "")},
        "Vårdnadshavare 1 saknar personnummer",
    ),
    "guardian-invalid-identity": (
        {"vh1": ("19850314-0000", "Maria", "Exempelsson", "", "", "")},
        "Vårdnadshavare 1 har ett ogiltigt",
    ),
    "guardian-without-names": (
        {"vh1": (MAMMA, "", "", "", "", "")},
        "Vårdnadshavare 1 saknar förnamn eller efternamn",
    ),
}


@pytest.mark.parametrize("kind", BAD_ROWS)
def test_each_bad_row_is_refused_with_its_row_number_and_the_rest_is_kept(kind):
    changes, message = BAD_ROWS[kind]
    result = parse(csv_bytes(row(student=BO, given="Bo"), row(**changes)))
    assert [error.row for error in result.errors] == [3]
    assert message in result.errors[0].message
    assert [s.given_name for s in result.batch.students] == ["Bo"]
    # A school with a refused row is not a complete snapshot: nothing ends there this run.
    expected = {SCHOOL} if kind == "bad-school-unit-code" else set()
    assert result.batch.complete_for_schools == expected


def test_row_error_messages_mask_identity_numbers():
    result = parse(csv_bytes(row(klass=f"Klass {ALVA}", form="X"), row(form=MAMMA)))
    assert len(result.errors) == 2
    for error in result.errors:
        assert ALVA not in error.message and MAMMA not in error.message
    assert MASK in result.errors[1].message


def test_a_student_in_two_classes_of_one_school_is_refused_on_the_second_row():
    result = parse(csv_bytes(row(klass="4A"), row(klass="4B"), row(student=BO, school=SCHOOL_2)))
    assert [(e.row, e.message) for e in result.errors] == [
        (3, result.errors[0].message),
    ]
    assert "klass 4A på rad 2" in result.errors[0].message
    assert [c.name for c in result.batch.classes] == ["4A", "4A"]
    assert result.batch.complete_for_schools == {SCHOOL_2}


def test_the_same_student_at_two_schools_is_two_enrolments_around_a_move():
    result = parse(csv_bytes(row(), row(school=SCHOOL_2, klass="4C")))
    assert result.errors == []
    assert len(result.batch.students) == 1
    assert {e.school_unit_code for e in result.batch.enrolments} == {SCHOOL, SCHOOL_2}
    assert len(result.batch.guardian_relations) == 1


def test_unknown_school_units_are_refused_when_the_organisation_is_known():
    result = parse(csv_bytes(row(), row(student=BO, school=SCHOOL_2)), known_school_codes={SCHOOL})
    assert [e.row for e in result.errors] == [3]
    assert "finns inte hos huvudmannen" in result.errors[0].message
    assert result.batch.complete_for_schools == {SCHOOL}


def test_a_temporary_number_with_letters_is_kept_with_its_birth_date():
    result = parse(csv_bytes(row(student="20130101-TF01")))
    assert result.errors == []
    student = result.batch.students[0]
    assert student.identity == "20130101TF01"
    assert student.birth_date == datetime.date(2013, 1, 1)
    assert "TF01" not in student.source_id


def test_protected_identity_and_relation_values():
    result = parse(
        csv_bytes(
            row(
                protected="Skyddad folkbokföring",
                vh1=(MAMMA, "Maria", "E", "God man", "", ""),
                vh2=(PAPPA, "Per", "E", "annan ansvarig", "", ""),
            )
        )
    )
    assert result.errors == []
    assert result.batch.students[0].protected_identity == ProtectedIdentity.PROTECTED_REGISTRATION
    assert [r.relation_type for r in result.batch.guardian_relations] == [
        GuardianRelation.Type.TRUSTEE,
        GuardianRelation.Type.OTHER_RESPONSIBLE,
    ]


def test_optional_columns_may_be_left_out_and_start_date_is_used():
    header = ";".join([*REQUIRED_COLUMNS, "startdatum"])
    line = f"{SCHOOL};FA;2026/2027;F;FKLASS;{ALVA};Alva;Exempelsson;2026-10-05"
    result = parse(csv_bytes(line, header=header))
    assert result.errors == []
    batch = result.batch
    assert batch.classes[0].grade == 0
    assert batch.classes[0].school_year == "2026/27"
    assert batch.classes[0].members[0].start_date == datetime.date(2026, 10, 5)
    assert batch.enrolments[0].start_date == datetime.date(2026, 10, 5)
    assert batch.guardians == []


def test_summary_counts_per_school():
    result = parse(
        csv_bytes(
            row(),
            row(student=BO, given="Bo", klass="4B"),
            row(student=pnr(2015, 9), school=SCHOOL_2, klass="5A"),
            row(student="fel", school=SCHOOL_2),
        )
    )
    summary = {s["code"]: s for s in result.school_summary()}
    assert summary[SCHOOL] | {} == {
        "code": SCHOOL,
        "rows": 2,
        "students": 2,
        "classes": 2,
        "errors": 0,
        "complete": True,
    }
    assert (summary[SCHOOL_2]["students"], summary[SCHOOL_2]["errors"]) == (1, 1)
    assert summary[SCHOOL_2]["complete"] is False
