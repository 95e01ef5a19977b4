"""BR_CEP: Código de Endereçamento Postal."""

from __future__ import annotations

from ..identifiers import is_valid_cep
from .base import NUM_END, NUM_START, BrPatternRecognizer, PatternSpec


class BrCepRecognizer(BrPatternRecognizer):
    """CEPs; `12345-678` / `12.345-678` pass on their own, bare 8 digits need a label."""

    ENTITY = "BR_CEP"
    CODE = True
    PATTERNS = (
        PatternSpec("cep_formatted", NUM_START + r"\d{5}-\d{3}" + NUM_END, 0.5),
        PatternSpec("cep_dotted", NUM_START + r"\d{2}\.\d{3}-\d{3}" + NUM_END, 0.5),
        PatternSpec("cep_bare", NUM_START + r"\d{8}" + NUM_END, 0.05),
    )
    CONTEXT = (
        "cep", "c.e.p", "c.e.p.", "código postal", "código de endereçamento postal", "endereço",
        "residente", "domiciliado", "domiciliada", "bairro", "logradouro",
    )

    def validate_value(self, text: str) -> bool:
        return is_valid_cep(text)
