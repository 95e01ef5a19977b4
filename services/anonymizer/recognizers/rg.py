"""BR_RG: Registro Geral (carteira de identidade), issued by each state."""

from __future__ import annotations

import regex as re

from ..identifiers import is_valid_rg_sp
from .base import NUM_END, NUM_START, BrPatternRecognizer, PatternSpec

_SP_SHAPE = re.compile(r"\d{1,2}\.?\d{3}\.?\d{3}-?[\dXx]")


class BrRgRecognizer(BrPatternRecognizer):
    """RG numbers in the common state layouts.

    There is no national check digit: `12.345.678-9` is certain when it passes the São Paulo digit
    and keeps a passing score otherwise (other states use the same mask); MG's `MG-12.345.678` is
    distinctive. Dotted or bare digits without a digit suffix look like amounts and counts, so they
    need a label ("RG", "identidade") before them or an issuer ("SSP/DF") after them.
    """

    ENTITY = "BR_RG"
    CODE = True
    PATTERNS = (
        PatternSpec("rg_sp_layout", NUM_START + r"\d{1,2}\.\d{3}\.\d{3}-[\dXx]" + NUM_END, 0.6, certain=True),
        PatternSpec("rg_mg", r"(?<![0-9A-Za-z])MG?(?:-|\x20)?\d{1,2}\.\d{3}\.\d{3}" + NUM_END, 0.7),
        PatternSpec("rg_dotted", NUM_START + r"\d{1,2}\.\d{3}\.\d{3}" + NUM_END, 0.05),
        PatternSpec("rg_digits_dv", NUM_START + r"(?:\d{5,9}-[\dXx]|\d{7,9}[Xx])" + NUM_END, 0.05),
        PatternSpec("rg_digits", NUM_START + r"\d{5,10}" + NUM_END, 0.05),
    )
    CONTEXT = (
        "rg", "r.g", "r.g.", "identidade", "carteira de identidade", "cédula de identidade",
        "registro geral", "ci", "c.i", "c.i.", "documento de identidade", "doc. identidade",
    )
    SUFFIX_CONTEXT = (
        "ssp", "sesp", "sspds", "sds", "ifp", "igp", "sejusp", "dgpc", "detran", "pc", "pm",
        "órgão expedidor", "expedido", "expedida", "emissor",
    )

    def validate_value(self, text: str) -> bool | None:
        """True when the São Paulo check digit passes; never False (other states differ)."""
        if _SP_SHAPE.fullmatch(text) and is_valid_rg_sp(text):
            return True
        return None
