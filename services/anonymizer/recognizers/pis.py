"""BR_PIS: PIS / PASEP / NIT / NIS (one number, several names)."""

from __future__ import annotations

from ..identifiers import is_valid_pis
from .base import LOOSE_END, LOOSE_START, NUM_END, NUM_START, BrPatternRecognizer, PatternSpec


class BrPisRecognizer(BrPatternRecognizer):
    """PIS/PASEP/NIT; the canonical `123.45678.90-1` is certain when valid.

    Bare 11 digits start below the threshold: about 1 random number in 10 passes the single check
    digit, so a label ("PIS", "NIT", ...) is needed.
    """

    ENTITY = "BR_PIS"
    CODE = True
    PATTERNS = (
        PatternSpec("pis_formatted", LOOSE_START + r"\d{3}\.\d{5}\.\d{2}-\d" + LOOSE_END, 0.7, certain=True),
        PatternSpec("pis_partial", NUM_START + r"\d{10}-\d" + NUM_END, 0.3),
        PatternSpec("pis_bare", NUM_START + r"\d{11}" + NUM_END, 0.3),
    )
    CONTEXT = (
        "pis", "pasep", "pis/pasep", "pis-pasep", "nit", "nis", "nis/pis", "pis/nit", "nit/pis",
        "cnis", "inss", "número de identificação do trabalhador", "número de identificação social",
    )

    def validate_value(self, text: str) -> bool:
        return is_valid_pis(text)
