"""BR_TITULO_ELEITOR: título de eleitor (inscrição eleitoral)."""

from __future__ import annotations

from ..identifiers import is_valid_titulo_eleitor
from .base import GROUP_END, GROUP_START, NUM_END, NUM_START, BrPatternRecognizer, PatternSpec


class BrTituloEleitorRecognizer(BrPatternRecognizer):
    """Títulos de eleitor; `1234 5678 9012` (or dotted) is certain when the UF code and DVs pass."""

    ENTITY = "BR_TITULO_ELEITOR"
    CODE = True
    PATTERNS = (
        PatternSpec(
            "titulo_formatted",
            GROUP_START + r"\d{4}([\x20.])\d{4}\1\d{4}" + GROUP_END,
            0.7,
            certain=True,
        ),
        PatternSpec("titulo_bare", NUM_START + r"\d{12}" + NUM_END, 0.45),
    )
    CONTEXT = (
        "título de eleitor", "título eleitoral", "título", "eleitor", "eleitora", "eleitoral",
        "inscrição eleitoral", "zona eleitoral", "zona", "seção", "tse", "tre",
    )

    def validate_value(self, text: str) -> bool:
        return is_valid_titulo_eleitor(text)
