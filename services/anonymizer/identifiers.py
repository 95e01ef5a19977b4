"""Brazilian document identifiers: check-digit validation and valid random generators.

Pure functions, no third-party dependencies. The recognizers use the validators to turn a regex hit
into a confident detection (or to drop it); tests, synthetic training data and benchmarks use the
generators, which only ever produce values that pass the matching validator.

Every validator accepts the formatted and the unformatted spelling of a value (separators are
ignored, the number of significant characters must be exact) and returns a plain bool.
"""

from __future__ import annotations

import random
import re
import string

__all__ = [
    "CNPJ_ALPHABET",
    "VALID_DDDS",
    "UF_TITULO_CODES",
    "only_digits",
    "format_cpf",
    "format_cnpj",
    "format_pis",
    "format_cns",
    "format_titulo_eleitor",
    "format_processo_cnj",
    "is_valid_cpf",
    "generate_cpf",
    "is_valid_cnpj",
    "generate_cnpj",
    "is_valid_pis",
    "generate_pis",
    "is_valid_cns",
    "generate_cns",
    "is_valid_titulo_eleitor",
    "generate_titulo_eleitor",
    "is_valid_cnh",
    "generate_cnh",
    "is_valid_processo_cnj",
    "generate_processo_cnj",
    "is_valid_rg_sp",
    "generate_rg",
    "is_valid_cep",
    "generate_cep",
    "is_valid_placa",
    "generate_placa",
    "is_valid_phone",
    "generate_phone",
    "is_valid_luhn",
    "generate_credit_card",
]

#: Characters allowed in the first 12 positions of a CNPJ (alphanumeric since July 2026).
CNPJ_ALPHABET = string.digits + string.ascii_uppercase

#: Area codes (DDD) in use in Brazil (Anatel).
VALID_DDDS = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28}
    | set(range(31, 36)) | {37, 38}
    | set(range(41, 47)) | {47, 48, 49, 51, 53, 54, 55}
    | set(range(61, 70)) | {71, 73, 74, 75, 77, 79}
    | set(range(81, 90)) | set(range(91, 100))
)

#: Título de eleitor UF codes: 01 SP, 02 MG, ... 27 TO, 28 ZZ (abroad).
UF_TITULO_CODES = tuple(range(1, 29))

_SEPARATORS = re.compile(r"[\s.\-/]")
_CPF_W1 = (10, 9, 8, 7, 6, 5, 4, 3, 2)
_CPF_W2 = (11, 10, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_CNPJ_W2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
_PIS_W = (3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def only_digits(text: str) -> str:
    """Return the decimal digits of `text`, in order."""
    return "".join(ch for ch in text if ch.isdigit() and ch.isascii())


def _strip(text: str) -> str:
    """Drop the usual separators (space, dot, hyphen, slash) and upper-case."""
    return _SEPARATORS.sub("", text).upper()


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _digit_code(text: str, length: int) -> str | None:
    """`text` without separators when it is `length` digits, not all the same digit; else None."""
    value = _strip(text)
    if len(value) != length or not value.isdigit() or len(set(value)) == 1:
        return None
    return value


def _mod11_dv(values: list[int] | tuple[int, ...], weights: tuple[int, ...]) -> int:
    """The common "remainder < 2 -> 0, else 11 - remainder" check digit."""
    remainder = sum(v * w for v, w in zip(values, weights)) % 11
    return 0 if remainder < 2 else 11 - remainder


# --- CPF -----------------------------------------------------------------------------------------


def _cpf_dvs(base: str) -> str:
    nums = [int(c) for c in base]
    dv1 = _mod11_dv(nums, _CPF_W1)
    dv2 = _mod11_dv(nums + [dv1], _CPF_W2)
    return f"{dv1}{dv2}"


def is_valid_cpf(text: str) -> bool:
    """CPF: 11 digits, two mod-11 check digits; all-same-digit values are invalid."""
    value = _digit_code(text, 11)
    return value is not None and _cpf_dvs(value[:9]) == value[9:]


def format_cpf(digits: str) -> str:
    """`12345678909` -> `123.456.789-09`."""
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def generate_cpf(rng: random.Random, formatted: bool = True) -> str:
    """A random valid CPF."""
    while True:
        base = _digits(rng, 9)
        if len(set(base)) > 1:
            break
    value = base + _cpf_dvs(base)
    return format_cpf(value) if formatted else value


# --- CNPJ (numeric and alphanumeric) -------------------------------------------------------------


def _cnpj_dvs(base: str) -> str:
    values = [ord(c) - 48 for c in base]
    dv1 = _mod11_dv(values, _CNPJ_W1)
    dv2 = _mod11_dv(values + [dv1], _CNPJ_W2)
    return f"{dv1}{dv2}"


def is_valid_cnpj(text: str) -> bool:
    """CNPJ, numeric or alphanumeric (IN RFB 2.229/2024): 12 chars [0-9A-Z] + 2 numeric DVs.

    Each character is worth ord(char) - 48, so digits keep their value and the old numeric
    algorithm is a special case. Letters must be upper-case (the official spelling).
    """
    value = _SEPARATORS.sub("", text)
    if len(value) != 14 or not value[12:].isdigit():
        return False
    if any(c not in CNPJ_ALPHABET for c in value[:12]) or len(set(value)) == 1:
        return False
    return _cnpj_dvs(value[:12]) == value[12:]


def format_cnpj(value: str) -> str:
    """`12ABC34501DE35` -> `12.ABC.345/01DE-35`."""
    return f"{value[:2]}.{value[2:5]}.{value[5:8]}/{value[8:12]}-{value[12:]}"


def generate_cnpj(
    rng: random.Random, formatted: bool = True, alphanumeric: bool | None = None
) -> str:
    """A random valid CNPJ; `alphanumeric=None` picks the numeric or the new format at random.

    Alphanumeric values always contain at least one letter, and the branch part (positions 9-12)
    is `0001` for half of the numeric ones, as headquarters are the most common case.
    """
    if alphanumeric is None:
        alphanumeric = rng.random() < 0.5
    while True:
        if alphanumeric:
            base = "".join(rng.choice(CNPJ_ALPHABET) for _ in range(12))
            if not any(c.isalpha() for c in base):
                continue
        else:
            branch = "0001" if rng.random() < 0.5 else _digits(rng, 4)
            base = _digits(rng, 8) + branch
        if len(set(base)) > 1:
            break
    value = base + _cnpj_dvs(base)
    return format_cnpj(value) if formatted else value


# --- PIS / PASEP / NIT / NIS ---------------------------------------------------------------------


def _pis_dv(base: str) -> int:
    return _mod11_dv([int(c) for c in base], _PIS_W)


def is_valid_pis(text: str) -> bool:
    """PIS/PASEP/NIT/NIS: 11 digits, one mod-11 check digit (weights 3,2,9,8,7,6,5,4,3,2)."""
    value = _digit_code(text, 11)
    return value is not None and _pis_dv(value[:10]) == int(value[10])


def format_pis(digits: str) -> str:
    """`12345678901` -> `123.45678.90-1`."""
    return f"{digits[:3]}.{digits[3:8]}.{digits[8:10]}-{digits[10]}"


def generate_pis(rng: random.Random, formatted: bool = True) -> str:
    """A random valid PIS/PASEP/NIT (first digit 1, as issued numbers are)."""
    while True:
        base = "1" + _digits(rng, 9)
        if len(set(base)) > 1:
            break
    value = base + str(_pis_dv(base))
    return format_pis(value) if formatted else value


# --- CNS (Cartão Nacional de Saúde) --------------------------------------------------------------


def _cns_weighted_sum(value: str) -> int:
    return sum(int(c) * w for c, w in zip(value, range(15, 0, -1)))


def _cns_definitive_from_pis(pis: str) -> str:
    """Definitive CNS (first digit 1 or 2): built from an 11-digit PIS-like prefix."""
    total = sum(int(c) * w for c, w in zip(pis, range(15, 4, -1)))
    dv = 11 - total % 11
    if dv == 11:
        dv = 0
    if dv == 10:
        total += 2
        dv = 11 - total % 11
        return f"{pis}001{dv}"
    return f"{pis}000{dv}"


def is_valid_cns(text: str) -> bool:
    """CNS: 15 digits. First digit 1/2: definitive card derived from the PIS-like prefix;
    7/8/9: provisional card, weighted sum (weights 15..1) divisible by 11."""
    value = _strip(text)
    if len(value) != 15 or not value.isdigit():
        return False
    if value[0] in "12":
        return _cns_definitive_from_pis(value[:11]) == value
    if value[0] in "789":
        return _cns_weighted_sum(value) % 11 == 0
    return False


def format_cns(digits: str) -> str:
    """`123456789012345` -> `123 4567 8901 2345`."""
    return f"{digits[:3]} {digits[3:7]} {digits[7:11]} {digits[11:]}"


def generate_cns(rng: random.Random, formatted: bool = True) -> str:
    """A random valid CNS, definitive (1/2) or provisional (7/8/9)."""
    first = rng.choice("12789")
    if first in "12":
        value = _cns_definitive_from_pis(first + _digits(rng, 10))
    else:
        while True:
            body = first + _digits(rng, 13)
            last = -_cns_weighted_sum(body + "0") % 11
            if last < 10:
                value = body + str(last)
                break
    return format_cns(value) if formatted else value


# --- Título de eleitor ---------------------------------------------------------------------------


def _titulo_dvs(seq: str, uf: str) -> str:
    sp_or_mg = uf in ("01", "02")
    rest1 = sum(int(c) * w for c, w in zip(seq, range(2, 10))) % 11
    dv1 = 0 if rest1 == 10 else (1 if rest1 == 0 and sp_or_mg else rest1)
    rest2 = (int(uf[0]) * 7 + int(uf[1]) * 8 + dv1 * 9) % 11
    dv2 = 0 if rest2 == 10 else (1 if rest2 == 0 and sp_or_mg else rest2)
    return f"{dv1}{dv2}"


def is_valid_titulo_eleitor(text: str) -> bool:
    """Título de eleitor: 8 sequential digits + UF code (01..28) + 2 mod-11 check digits.

    SP (01) and MG (02) turn a remainder of 0 into check digit 1.
    """
    value = _digit_code(text, 12)
    if value is None:
        return False
    uf = value[8:10]
    if not 1 <= int(uf) <= 28:
        return False
    return _titulo_dvs(value[:8], uf) == value[10:]


def format_titulo_eleitor(digits: str) -> str:
    """`123456789012` -> `1234 5678 9012`."""
    return f"{digits[:4]} {digits[4:8]} {digits[8:]}"


def generate_titulo_eleitor(rng: random.Random, formatted: bool = True) -> str:
    """A random valid título de eleitor."""
    seq = _digits(rng, 8)
    uf = f"{rng.choice(UF_TITULO_CODES):02d}"
    value = seq + uf + _titulo_dvs(seq, uf)
    return format_titulo_eleitor(value) if formatted else value


# --- CNH -----------------------------------------------------------------------------------------


def _cnh_dvs(base: str) -> str | None:
    """DETRAN's two check digits; None for the few bases that have no valid completion."""
    nums = [int(c) for c in base]
    dv1 = sum(n * w for n, w in zip(nums, range(9, 0, -1))) % 11
    discount = 0
    if dv1 >= 10:
        dv1, discount = 0, 2
    rest = sum(n * w for n, w in zip(nums, range(1, 10))) % 11
    dv2 = 0 if rest >= 10 else rest - discount
    if dv2 < 0:
        return None
    return f"{dv1}{dv2}"


def is_valid_cnh(text: str) -> bool:
    """CNH (registro nacional): 11 digits, 9 + 2 check digits (DETRAN mod-11 with discount)."""
    value = _digit_code(text, 11)
    return value is not None and _cnh_dvs(value[:9]) == value[9:]


def generate_cnh(rng: random.Random, formatted: bool = True) -> str:
    """A random valid CNH. CNH numbers are written without separators; `formatted` is accepted
    for a uniform signature and changes nothing."""
    while True:
        base = _digits(rng, 9)
        dvs = _cnh_dvs(base)
        if dvs is not None and len(set(base)) > 1:
            return base + dvs


# --- Processo judicial (numeração única CNJ) -----------------------------------------------------


def _cnj_dv(seq: str, year: str, segment: str, court: str, origin: str) -> str:
    remainder = int(f"{seq}{year}{segment}{court}{origin}00") % 97
    return f"{98 - remainder:02d}"


def is_valid_processo_cnj(text: str) -> bool:
    """Processo CNJ `NNNNNNN-DD.AAAA.J.TR.OOOO` (Resolução CNJ 65/2008): ISO 7064 mod 97-10.

    Accepts the 20 digits with or without the mask; the sequential part may have lost its
    leading zeros in the masked form (`1234-56.2024.8.26.0100`).
    """
    masked = re.fullmatch(r"\s*(\d{1,7})-(\d{2})\.(\d{4})\.(\d)\.(\d{2})\.(\d{4})\s*", text)
    if masked:
        seq, dv, year, segment, court, origin = masked.groups()
        seq = seq.zfill(7)
    else:
        value = _strip(text)
        if len(value) != 20 or not value.isdigit():
            return False
        seq, dv, year, segment, court, origin = (
            value[:7], value[7:9], value[9:13], value[13], value[14:16], value[16:]
        )
    if segment == "0":
        return False
    return int(f"{seq}{year}{segment}{court}{origin}{dv}") % 97 == 1


def format_processo_cnj(digits: str) -> str:
    """20 digits -> `NNNNNNN-DD.AAAA.J.TR.OOOO`."""
    d = digits
    return f"{d[:7]}-{d[7:9]}.{d[9:13]}.{d[13]}.{d[14:16]}.{d[16:]}"


def generate_processo_cnj(rng: random.Random, formatted: bool = True) -> str:
    """A random valid CNJ case number (realistic year, segment 1-9, court and origin codes)."""
    seq = _digits(rng, 7)
    year = str(rng.randint(1995, 2026))
    segment = str(rng.randint(1, 9))
    court = f"{rng.randint(1, 27):02d}"
    origin = f"{rng.randint(0, 9999):04d}"
    value = f"{seq}{_cnj_dv(seq, year, segment, court, origin)}{year}{segment}{court}{origin}"
    return format_processo_cnj(value) if formatted else value


# --- RG ------------------------------------------------------------------------------------------


def _rg_sp_dv(base: str) -> str:
    remainder = sum(int(c) * w for c, w in zip(base, range(2, 10))) % 11
    dv = (11 - remainder) % 11
    return "X" if dv == 10 else str(dv)


def is_valid_rg_sp(text: str) -> bool:
    """RG of São Paulo (SSP-SP): 8 digits + mod-11 digit (weights 2..9, 10 -> X).

    RG has no national check digit: a value that fails this test may still be a valid RG issued
    by another state, so recognizers use this only to raise confidence.
    """
    value = _strip(text)
    if len(value) == 8:  # older SP numbers written with a single leading digit
        value = "0" + value
    if len(value) != 9 or not value[:8].isdigit() or len(set(value)) == 1:
        return False
    return _rg_sp_dv(value[:8]) == value[8]


_RG_STYLES = ("sp", "sp", "rj", "mg", "dotted", "plain")


def generate_rg(rng: random.Random, formatted: bool = True, style: str | None = None) -> str:
    """A random RG in a common state format.

    Styles: `sp` `12.345.678-9`/`-X` (SP check digit), `rj` `12.345.678-9` (arbitrary digit),
    `mg` `MG-12.345.678`, `dotted` `1.234.567` (DF and others), `plain` `123456789`.
    `formatted=False` returns the bare characters (digits, and `X` for SP).
    """
    style = style or rng.choice(_RG_STYLES)
    if style in ("sp", "rj"):
        base = _digits(rng, 8)
        while len(set(base)) == 1 or base[0] == "0":
            base = _digits(rng, 8)
        dv = _rg_sp_dv(base) if style == "sp" else rng.choice(string.digits)
        if not formatted:
            return base + dv
        return f"{base[:2]}.{base[2:5]}.{base[5:]}-{dv}"
    if style == "mg":
        base = str(rng.randint(1_000_000, 99_999_999))
        if not formatted:
            return base
        body = f"{int(base):,}".replace(",", ".")
        return f"{rng.choice(('MG-', 'M-', 'MG '))}{body}"
    if style == "dotted":
        base = str(rng.randint(1_000_000, 9_999_999))
        return f"{int(base):,}".replace(",", ".") if formatted else base
    if style == "plain":
        return str(rng.randint(10_000_000, 999_999_999))
    raise ValueError(f"unknown RG style: {style!r}")


# --- CEP -----------------------------------------------------------------------------------------


def is_valid_cep(text: str) -> bool:
    """CEP: 8 digits (no check digit); `00000000` and the all-same-digit values are not used."""
    value = _strip(text)
    return len(value) == 8 and value.isdigit() and len(set(value)) > 1 and value[:2] != "00"


def generate_cep(rng: random.Random, formatted: bool = True) -> str:
    """A random CEP; formatted as `12345-678` or, a quarter of the time, `12.345-678`."""
    while True:
        value = f"{rng.randint(1, 99):02d}" + _digits(rng, 6)
        if is_valid_cep(value):
            break
    if not formatted:
        return value
    if rng.random() < 0.25:
        return f"{value[:2]}.{value[2:5]}-{value[5:]}"
    return f"{value[:5]}-{value[5:]}"


# --- Placas de veículos --------------------------------------------------------------------------

_PLACA_RE = re.compile(r"[A-Z]{3}(?:[\s-]?\d{4}|-?\d[A-Z]\d{2})")


def is_valid_placa(text: str) -> bool:
    """Vehicle plate: old `ABC-1234`/`ABC1234` or Mercosul `ABC1D23` (upper-case)."""
    return _PLACA_RE.fullmatch(text.strip()) is not None


def generate_placa(rng: random.Random, formatted: bool = True, mercosul: bool | None = None) -> str:
    """A random plate; old plates are hyphenated when `formatted`, Mercosul ones never are."""
    if mercosul is None:
        mercosul = rng.random() < 0.5
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
    if mercosul:
        return f"{letters}{rng.choice(string.digits)}{rng.choice(string.ascii_uppercase)}{_digits(rng, 2)}"
    digits = _digits(rng, 4)
    return f"{letters}-{digits}" if formatted else f"{letters}{digits}"


# --- Telefones -----------------------------------------------------------------------------------


def is_valid_phone(text: str) -> bool:
    """Brazilian phone number with area code (optionally +55), or an 0800/0300/0500/0900 number.

    Mobile: 9 digits starting with 9; landline: 8 digits starting with 2-5; the DDD must exist.
    """
    value = re.sub(r"[^\d]", "", text)
    if re.fullmatch(r"0[3589]00\d{6,7}", value):
        return True
    if value.startswith("55") and len(value) in (12, 13):
        value = value[2:]
    elif value.startswith("0") and len(value) in (11, 12):  # long-distance prefix 0XX
        value = value[1:]
    if len(value) not in (10, 11) or int(value[:2]) not in VALID_DDDS:
        return False
    subscriber = value[2:]
    if len(subscriber) == 9:
        return subscriber[0] == "9"
    return subscriber[0] in "2345"


_PHONE_LAYOUTS = (
    "+55 ({ddd}) {a}-{b}",
    "({ddd}) {a}-{b}",
    "{ddd} {a}-{b}",
    "({ddd}) {a} {b}",
    "+55 {ddd} {a} {b}",
    "+55{ddd}{a}{b}",
    "({ddd}){a}-{b}",
    "0{ddd} {a}-{b}",
)


def generate_phone(rng: random.Random, formatted: bool = True) -> str:
    """A random valid Brazilian phone number in one of the common spellings.

    `formatted=False` gives the bare digits with area code (`11912345678`).
    """
    if formatted and rng.random() < 0.08:
        return f"0800 {_digits(rng, 3)} {_digits(rng, 4)}"
    ddd = rng.choice(sorted(VALID_DDDS))
    if rng.random() < 0.6:
        a, b = "9" + _digits(rng, 4), _digits(rng, 4)
    else:
        a, b = rng.choice("2345") + _digits(rng, 3), _digits(rng, 4)
    if not formatted:
        return f"{ddd}{a}{b}"
    return rng.choice(_PHONE_LAYOUTS).format(ddd=ddd, a=a, b=b)


# --- Cartões de crédito --------------------------------------------------------------------------


def is_valid_luhn(text: str) -> bool:
    """Luhn (mod 10) check over the digits of `text` (13-19 digits, as card numbers have)."""
    digits = only_digits(text)
    if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


_CARD_PREFIXES = (("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15),
                  ("636368", 16), ("6062", 16), ("36", 14))


def generate_credit_card(rng: random.Random, formatted: bool = True) -> str:
    """A random Luhn-valid card number with a real brand prefix (Visa, Master, Amex, Elo, ...)."""
    prefix, length = rng.choice(_CARD_PREFIXES)
    body = prefix + _digits(rng, length - len(prefix) - 1)
    value = next(body + d for d in string.digits if is_valid_luhn(body + d))
    if not formatted:
        return value
    if length in (14, 15):  # Amex and Diners print 4-6-5 / 4-6-4
        return f"{value[:4]} {value[4:10]} {value[10:]}"
    sep = rng.choice((" ", "-"))
    return sep.join(value[i:i + 4] for i in range(0, length, 4))
