"""BR_CNPJ: Cadastro Nacional da Pessoa Jurídica, numeric and alphanumeric (since July 2026)."""

from __future__ import annotations

from ..identifiers import is_valid_cnpj
from .base import LOOSE_END, LOOSE_START, NUM_END, NUM_START, BrPatternRecognizer, PatternSpec

_C = "[0-9A-Z]"


class BrCnpjRecognizer(BrPatternRecognizer):
    """CNPJ numbers, including `12.ABC.345/01DE-35`: letters (upper-case) in the first 12 positions."""

    ENTITY = "BR_CNPJ"
    CODE = True
    PATTERNS = (
        PatternSpec(
            "cnpj_formatted",
            LOOSE_START + rf"{_C}{{2}}\.{_C}{{3}}\.{_C}{{3}}/{_C}{{4}}-\d{{2}}" + LOOSE_END,
            0.7,
            certain=True,
        ),
        PatternSpec(
            "cnpj_partial",
            NUM_START + rf"{_C}{{2}}\.?{_C}{{3}}\.?{_C}{{3}}(?:/{_C}{{4}}-?|{_C}{{4}}-)\d{{2}}" + NUM_END,
            0.6,
        ),
        PatternSpec("cnpj_bare", NUM_START + r"\d{14}" + NUM_END, 0.5),
        PatternSpec(
            "cnpj_bare_alphanumeric",
            NUM_START + rf"(?={_C}{{0,11}}[A-Z]){_C}{{12}}\d{{2}}" + NUM_END,
            0.45,
        ),
    )
    CONTEXT = (
        "cnpj", "c.n.p.j", "c.n.p.j.", "cnpj/mf", "cgc",
        "cadastro nacional da pessoa jurídica", "pessoa jurídica", "razão social", "empresa",
    )

    def validate_value(self, text: str) -> bool:
        return is_valid_cnpj(text)
