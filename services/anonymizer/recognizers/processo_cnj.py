"""BR_PROCESSO_CNJ: número único de processo judicial (Resolução CNJ 65/2008)."""

from __future__ import annotations

from ..identifiers import is_valid_processo_cnj
from .base import LOOSE_START, NUM_END, NUM_START, BrPatternRecognizer, PatternSpec

_TAIL = r"-\d{2}\.\d{4}\.\d\.\d{2}\.\d{4}"
#: Court headers append the state or an incident number: "...0008/PA", "...0000/50000", "...0000-DF".
_END = r"(?![0-9])(?![.,-][0-9])"


class BrProcessoCnjRecognizer(BrPatternRecognizer):
    """Case numbers `NNNNNNN-DD.AAAA.J.TR.OOOO`, checked with ISO 7064 mod 97-10."""

    ENTITY = "BR_PROCESSO_CNJ"
    CODE = True
    PATTERNS = (
        PatternSpec("cnj_formatted", LOOSE_START + r"\d{7}" + _TAIL + _END, 0.7, certain=True),
        PatternSpec("cnj_short_sequence", LOOSE_START + r"\d{1,6}" + _TAIL + _END, 0.9),
        PatternSpec("cnj_bare", NUM_START + r"\d{20}" + NUM_END, 0.6),
    )
    CONTEXT = (
        "processo", "proc", "autos", "ação", "feito", "recurso", "apelação", "agravo", "execução",
        "mandado de segurança", "reclamação", "cnj", "numeração única", "pje",
    )

    def validate_value(self, text: str) -> bool:
        return is_valid_processo_cnj(text)
