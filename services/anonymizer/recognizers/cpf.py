"""BR_CPF: Cadastro de Pessoas Físicas."""

from __future__ import annotations

from ..identifiers import is_valid_cpf
from .base import LOOSE_END, LOOSE_START, NUM_END, NUM_START, BrPatternRecognizer, PatternSpec


class BrCpfRecognizer(BrPatternRecognizer):
    """CPF numbers; the canonical `123.456.789-09` is certain when its check digits pass.

    A bare 11-digit value that validates still scores 0.5 without context (the checksum rules out
    99% of random numbers); PIS and CNH share the shape and start lower, so their labels decide.
    """

    ENTITY = "BR_CPF"
    CODE = True
    PATTERNS = (
        PatternSpec("cpf_formatted", LOOSE_START + r"\d{3}\.\d{3}\.\d{3}-\d{2}" + LOOSE_END, 0.7, certain=True),
        PatternSpec(
            "cpf_partial",
            NUM_START + r"\d{3}([.\x20]?)\d{3}\1\d{3}(?:\x20?[-/.\u2013]\x20?|\x20)\d{2}" + NUM_END,
            0.6,
        ),
        PatternSpec("cpf_bare", NUM_START + r"\d{11}" + NUM_END, 0.5),
    )
    CONTEXT = (
        "cpf", "c.p.f", "c.p.f.", "cpf/mf", "cic",
        "cadastro de pessoa física", "cadastro de pessoas físicas",
    )

    def validate_value(self, text: str) -> bool:
        return is_valid_cpf(text)
