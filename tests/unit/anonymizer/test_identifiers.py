"""Check-digit validators and generators of Brazilian identifiers (services/anonymizer/identifiers.py)."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.anonymizer import identifiers as ids

# Published or hand-computed valid values, each with an invalid twin (one check digit changed).
VALID_AND_INVALID = [
    (ids.is_valid_cpf, "529.982.247-25", "529.982.247-26"),
    (ids.is_valid_cpf, "52998224725", "52998224715"),
    (ids.is_valid_cpf, "111.444.777-35", "111.444.777-53"),
    (ids.is_valid_cnpj, "11.222.333/0001-81", "11.222.333/0001-82"),
    (ids.is_valid_cnpj, "11444777000161", "11444777000160"),
    (ids.is_valid_cnpj, "12.ABC.345/01DE-35", "12.ABC.345/01DE-53"),
    (ids.is_valid_cnpj, "12ABC34501DE35", "12ABC34501DE36"),
    (ids.is_valid_pis, "120.54843.99-9", "120.54843.99-8"),
    (ids.is_valid_pis, "12054843999", "12054843990"),
    (ids.is_valid_cns, "123 4567 8901 0000", "123 4567 8901 0001"),
    (ids.is_valid_cns, "700000000000005", "700000000000006"),
    (ids.is_valid_titulo_eleitor, "0043 5687 0906", "0043 5687 0907"),
    (ids.is_valid_titulo_eleitor, "004356870906", "004356870916"),
    (ids.is_valid_cnh, "02650306461", "02650306462"),
    (ids.is_valid_cnh, "62472927637", "62472927673"),
    (ids.is_valid_processo_cnj, "0000001-15.2019.8.26.0100", "0000001-45.2019.8.26.0100"),
    (ids.is_valid_processo_cnj, "00000011520198260100", "00000011620198260100"),
    (ids.is_valid_rg_sp, "24.678.131-2", "24.678.131-4"),
    (ids.is_valid_luhn, "4111 1111 1111 1111", "4111 1111 1111 1112"),
]


@pytest.mark.parametrize(("validator", "valid", "invalid"), VALID_AND_INVALID)
def test_known_values(validator, valid, invalid):
    assert validator(valid)
    assert not validator(invalid)


def test_pis_worked_example():
    # 1*3 + 2*2 + 0*9 + 5*8 + 4*7 + 8*6 + 4*5 + 3*4 + 9*3 + 9*2 = 200; 200 % 11 = 2; DV = 11 - 2 = 9
    assert ids.is_valid_pis("120.54843.99-9")


def test_cnj_worked_example():
    # DV = 98 - (NNNNNNN AAAA J TR OOOO 00 mod 97); the full number mod 97 is then 1.
    assert 98 - int("0000001" "2019" "8" "26" "0100" "00") % 97 == 15
    assert int("00000011520198260100"[:7] + "2019826010015") % 97 == 1


def test_cnpj_alphanumeric_values_are_ord_minus_48():
    # 'A' counts as 17, 'B' 18, ...; recomputing by hand the official example's check digits:
    values = [ord(c) - 48 for c in "12ABC34501DE"]
    w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    r1 = sum(v * w for v, w in zip(values, w1)) % 11
    dv1 = 0 if r1 < 2 else 11 - r1
    w2 = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    r2 = sum(v * w for v, w in zip(values + [dv1], w2)) % 11
    dv2 = 0 if r2 < 2 else 11 - r2
    assert f"{dv1}{dv2}" == "35"


def test_cnpj_rejects_lower_case_and_letters_in_check_digits():
    assert not ids.is_valid_cnpj("12.abc.345/01de-35")
    assert not ids.is_valid_cnpj("12.ABC.345/01DE-3A")


@pytest.mark.parametrize(
    "validator",
    [ids.is_valid_cpf, ids.is_valid_cnpj, ids.is_valid_pis, ids.is_valid_cnh, ids.is_valid_titulo_eleitor],
)
@pytest.mark.parametrize("digit", "0123456789")
def test_all_same_digit_values_are_rejected(validator, digit):
    for length in (11, 12, 14):
        assert not validator(digit * length)


@pytest.mark.parametrize("text", ["", "123", "529.982.247-2", "529.982.247-255", "abc.def.ghi-jk"])
def test_wrong_lengths_and_garbage(text):
    for validator in (ids.is_valid_cpf, ids.is_valid_cnpj, ids.is_valid_pis, ids.is_valid_cnh,
                      ids.is_valid_cns, ids.is_valid_titulo_eleitor, ids.is_valid_processo_cnj):
        assert not validator(text)


def test_titulo_sp_mg_remainder_zero_gives_one():
    # sequence 00000014: first remainder is 0 -> DV 1 for SP (01) and MG (02), 0 elsewhere.
    assert ids.is_valid_titulo_eleitor("0000 0014 0116")
    assert not ids.is_valid_titulo_eleitor("0000 0014 0108")
    assert ids.is_valid_titulo_eleitor("0000 0014 0302")


def test_titulo_uf_code_must_exist():
    seq = "12345678"
    for uf in ("00", "29", "99"):
        dvs = ids._titulo_dvs(seq, uf)
        assert not ids.is_valid_titulo_eleitor(seq + uf + dvs)


def test_cns_definitive_uses_the_pis_rule():
    # weighted sum 15..5 of 12345678901 is 440, a multiple of 11 -> "000" + DV 0
    assert ids.is_valid_cns("123456789010000")
    assert not ids.is_valid_cns("123456789010010")  # digits 12-14 must be 000 or 001
    assert not ids.is_valid_cns("323456789010000")  # first digit 3-6 is never issued


def test_processo_accepts_sequence_without_leading_zeros():
    assert ids.is_valid_processo_cnj("1-15.2019.8.26.0100")
    assert not ids.is_valid_processo_cnj("0000001-15.2019.0.26.0100")  # segment 0 does not exist


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("+55 (11) 91234-5678", True),
        ("(11) 91234-5678", True),
        ("11 91234-5678", True),
        ("(61) 3312-4567", True),
        ("0800 123 4567", True),
        ("+55 61 3312 4567", True),
        ("+5561933124567", True),
        ("011 91234-5678", True),
        ("(20) 3312-4567", False),  # DDD 20 does not exist
        ("(61) 1312-4567", False),  # landlines start with 2-5
        ("(61) 81234-5678", False),  # 9-digit numbers are mobiles starting with 9
        ("12/03/2024", False),
    ],
)
def test_phone_validation(text, valid):
    assert ids.is_valid_phone(text) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [("ABC-1234", True), ("ABC1234", True), ("BRA2E19", True), ("BRA-2E19", True), ("abc-1234", False),
     ("AB-1234", False), ("ABC-12345", False), ("ABCD123", False)],
)
def test_placa_shapes(text, valid):
    assert ids.is_valid_placa(text) is valid


@pytest.mark.parametrize(("text", "valid"), [("70040-010", True), ("70.040-010", True), ("70040010", True),
                                              ("00000-000", False), ("11111111", False), ("7004-0010", True)])
def test_cep(text, valid):
    # the validator only counts digits: layouts are the recognizer's business
    assert ids.is_valid_cep(text) is valid


FORMATS = {
    "cpf": (ids.generate_cpf, ids.is_valid_cpf, r"\d{3}\.\d{3}\.\d{3}-\d{2}", r"\d{11}"),
    "cnpj": (ids.generate_cnpj, ids.is_valid_cnpj, r"[0-9A-Z]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{3}/[0-9A-Z]{4}-\d{2}",
             r"[0-9A-Z]{12}\d{2}"),
    "pis": (ids.generate_pis, ids.is_valid_pis, r"\d{3}\.\d{5}\.\d{2}-\d", r"\d{11}"),
    "cns": (ids.generate_cns, ids.is_valid_cns, r"[12789]\d{2} \d{4} \d{4} \d{4}", r"[12789]\d{14}"),
    "titulo": (ids.generate_titulo_eleitor, ids.is_valid_titulo_eleitor, r"\d{4} \d{4} \d{4}", r"\d{12}"),
    "cnh": (ids.generate_cnh, ids.is_valid_cnh, r"\d{11}", r"\d{11}"),
    "cnj": (ids.generate_processo_cnj, ids.is_valid_processo_cnj, r"\d{7}-\d{2}\.\d{4}\.\d\.\d{2}\.\d{4}",
            r"\d{20}"),
    "cep": (ids.generate_cep, ids.is_valid_cep, r"\d{5}-\d{3}|\d{2}\.\d{3}-\d{3}", r"\d{8}"),
    "placa": (ids.generate_placa, ids.is_valid_placa, r"[A-Z]{3}-\d{4}|[A-Z]{3}\d[A-Z]\d{2}",
              r"[A-Z]{3}\d{4}|[A-Z]{3}\d[A-Z]\d{2}"),
    "phone": (ids.generate_phone, ids.is_valid_phone, r"[+()\d -]+", r"\d{10,11}"),
    "card": (ids.generate_credit_card, ids.is_valid_luhn, r"[\d -]+", r"\d{13,19}"),
}


@pytest.mark.parametrize("kind", sorted(FORMATS))
@pytest.mark.parametrize("formatted", [True, False])
def test_generators_produce_valid_values_in_the_documented_layout(kind, formatted):
    generate, validate, formatted_re, bare_re = FORMATS[kind]
    rng = random.Random(f"{kind}-{formatted}")
    for _ in range(500):
        value = generate(rng, formatted=formatted)
        assert validate(value), value
        assert re.fullmatch(formatted_re if formatted else bare_re, value), value


def test_generators_are_deterministic_for_a_seed():
    assert ids.generate_cpf(random.Random(7)) == ids.generate_cpf(random.Random(7))


def test_cnpj_generator_makes_both_formats():
    rng = random.Random(3)
    values = [ids.generate_cnpj(rng, formatted=False) for _ in range(200)]
    assert any(v.isdigit() for v in values)
    assert any(not v.isdigit() for v in values)
    assert all(any(c.isalpha() for c in ids.generate_cnpj(rng, alphanumeric=True)) for _ in range(50))


@pytest.mark.parametrize("style", ["sp", "rj", "mg", "dotted", "plain"])
def test_rg_generator_styles(style):
    rng = random.Random(style)
    patterns = {
        "sp": r"\d{2}\.\d{3}\.\d{3}-[\dX]",
        "rj": r"\d{2}\.\d{3}\.\d{3}-\d",
        "mg": r"(MG-|M-|MG )\d{1,2}\.\d{3}\.\d{3}",
        "dotted": r"\d\.\d{3}\.\d{3}",
        "plain": r"\d{8,9}",
    }
    for _ in range(200):
        value = ids.generate_rg(rng, style=style)
        assert re.fullmatch(patterns[style], value), value
        if style == "sp":
            assert ids.is_valid_rg_sp(value)
    with pytest.raises(ValueError):
        ids.generate_rg(rng, style="xx")


CHECKED = {
    "cpf": (ids.generate_cpf, ids.is_valid_cpf),
    "cnpj": (ids.generate_cnpj, ids.is_valid_cnpj),
    "pis": (ids.generate_pis, ids.is_valid_pis),
    "cns": (ids.generate_cns, ids.is_valid_cns),
    "titulo": (ids.generate_titulo_eleitor, ids.is_valid_titulo_eleitor),
    "cnh": (ids.generate_cnh, ids.is_valid_cnh),
    "cnj": (ids.generate_processo_cnj, ids.is_valid_processo_cnj),
    "card": (ids.generate_credit_card, ids.is_valid_luhn),
}


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(CHECKED)), seed=st.integers(0, 2**32), formatted=st.booleans(),
       delta=st.integers(1, 9))
def test_changing_the_last_check_digit_invalidates(kind, seed, formatted, delta):
    generate, validate = CHECKED[kind]
    value = generate(random.Random(seed), formatted=formatted)
    last = len(value) - 1
    changed = value[:last] + str((int(value[last]) + delta) % 10)
    assert validate(value)
    assert not validate(changed)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.-/ ABCXZ", max_size=25))
def test_validators_never_raise(text):
    for validator in (ids.is_valid_cpf, ids.is_valid_cnpj, ids.is_valid_pis, ids.is_valid_cns,
                      ids.is_valid_titulo_eleitor, ids.is_valid_cnh, ids.is_valid_processo_cnj,
                      ids.is_valid_rg_sp, ids.is_valid_cep, ids.is_valid_placa, ids.is_valid_phone,
                      ids.is_valid_luhn):
        assert validator(text) in (True, False)


def test_random_digit_strings_rarely_validate():
    # the check digits are what make bare numbers usable: about 1 in 100 random strings pass
    rng = random.Random(11)
    samples = ["".join(rng.choice("0123456789") for _ in range(11)) for _ in range(20_000)]
    assert sum(map(ids.is_valid_cpf, samples)) / len(samples) < 0.015
    assert sum(map(ids.is_valid_cnh, samples)) / len(samples) < 0.015
    assert sum(map(ids.is_valid_pis, samples)) / len(samples) < 0.12
