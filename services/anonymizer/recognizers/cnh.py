"""BR_CNH: registro da Carteira Nacional de Habilitação."""

from __future__ import annotations

from ..identifiers import is_valid_cnh
from .base import NUM_END, NUM_START, BrPatternRecognizer, PatternSpec


class BrCnhRecognizer(BrPatternRecognizer):
    """CNH registration numbers: 11 digits, no mask.

    Two check digits pass for ~1% of random numbers, like CPF's, so a valid bare value is kept
    without a label (0.4) but loses to CPF (0.5) unless a CNH label is near.
    """

    ENTITY = "BR_CNH"
    CODE = True
    PATTERNS = (
        PatternSpec("cnh_bare", NUM_START + r"\d{11}" + NUM_END, 0.4),
        PatternSpec("cnh_partial", NUM_START + r"\d{9}-\d{2}" + NUM_END, 0.4),
    )
    CONTEXT = (
        "cnh", "c.n.h", "c.n.h.", "habilitação", "carteira de motorista", "carteira nacional de habilitação",
        "registro nacional de habilitação", "renach", "detran", "condutor", "motorista", "habilitado",
        "habilitada",
    )

    def validate_value(self, text: str) -> bool:
        return is_valid_cnh(text)
