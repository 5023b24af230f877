import datetime

import pytest
from django.core.exceptions import ValidationError

from schools.identity import (
    IdentityKind,
    LegalSex,
    generate_identity_number,
    is_reserve_number,
    mask_identity_numbers,
    parse_identity_number,
)

BIRTH = datetime.date(2013, 4, 5)
PNR = generate_identity_number(BIRTH, 17, female=True)
SAMNR = generate_identity_number(BIRTH, 18, female=False, coordination=True)


@pytest.mark.parametrize(
    "written",
    [PNR, f"{PNR[:8]}-{PNR[8:]}", PNR[2:], f"{PNR[2:8]}-{PNR[8:]}", f" {PNR} "],
)
def test_every_written_form_parses_to_twelve_canonical_digits(written):
    parsed = parse_identity_number(written)
    assert parsed.value == PNR
    assert parsed.kind == IdentityKind.PERSONNUMMER
    assert parsed.birth_date == BIRTH
    assert parsed.legal_sex == LegalSex.FEMALE


def test_plus_sign_means_a_century_earlier():
    old = generate_identity_number(datetime.date(1920, 1, 2), 3, female=False)
    assert parse_identity_number(f"{old[2:8]}+{old[8:]}").value == old


def test_samordningsnummer_is_recognised_and_can_be_refused():
    parsed = parse_identity_number(SAMNR)
    assert parsed.kind == IdentityKind.SAMORDNINGSNUMMER
    assert parsed.birth_date == BIRTH
    assert parsed.legal_sex == LegalSex.MALE
    with pytest.raises(ValidationError) as excinfo:
        parse_identity_number(SAMNR, allow_coordination=False)
    assert excinfo.value.code == "coordination_not_allowed"


@pytest.mark.parametrize(
    "bad",
    [
        PNR[:-1] + str((int(PNR[-1]) + 1) % 10),  # wrong check digit
        "201302300346",  # 30 February
        "20130405AB12",  # letters
        "2013040",  # too short
        "",
    ],
)
def test_invalid_numbers_are_refused_without_repeating_the_number(bad):
    with pytest.raises(ValidationError) as excinfo:
        parse_identity_number(bad)
    if bad:
        assert bad not in str(excinfo.value)
    assert "Ogiltigt" in " ".join(excinfo.value.messages)


def test_reserve_numbers_with_letters_are_local_identifiers():
    assert is_reserve_number("20130101TF01")
    assert not is_reserve_number(PNR)


def test_repr_never_shows_the_number():
    assert PNR not in repr(parse_identity_number(PNR))


@pytest.mark.parametrize(
    "written",
    [
        PNR,
        f"{PNR[:8]}-{PNR[8:]}",
        PNR[2:],
        f"{PNR[2:8]}-{PNR[8:]}",
        f"{PNR[2:8]}+{PNR[8:]}",
        SAMNR,
        "20130101TF01",
    ],
)
def test_masking_covers_every_written_form(written):
    masked = mask_identity_numbers(f"user looked up pnr={written}, ok")
    assert written not in masked
    assert "[identitetsnummer]" in masked


def test_masking_leaves_uuids_alone():
    text = "student 12345678-1234-1234-1234-123456789012"
    assert mask_identity_numbers(text) == text
