"""BR_CNS: Cartão Nacional de Saúde (cartão do SUS)."""

from __future__ import annotations

from ..identifiers import is_valid_cns
from .base import GROUP_END, GROUP_START, NUM_END, NUM_START, BrPatternRecognizer, PatternSpec


class BrCnsRecognizer(BrPatternRecognizer):
    """CNS numbers; `123 4567 8901 2345` (or dotted) is certain when its check rule passes."""

    ENTITY = "BR_CNS"
    CODE = True
    PATTERNS = (
        PatternSpec(
            "cns_formatted",
            GROUP_START + r"[12789]\d{2}([\x20.])\d{4}\1\d{4}\1\d{4}" + GROUP_END,
            0.7,
            certain=True,
        ),
        PatternSpec("cns_bare", NUM_START + r"[12789]\d{14}" + NUM_END, 0.45),
    )
    CONTEXT = (
        "cns", "sus", "cartão sus", "cartão do sus", "cartão nacional de saúde", "cartão de saúde",
        "saúde",
    )

    def validate_value(self, text: str) -> bool:
        return is_valid_cns(text)
