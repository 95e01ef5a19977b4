"""PHONE_NUMBER: Brazilian phone numbers."""

from __future__ import annotations

import regex as re

from ..identifiers import is_valid_phone, only_digits
from .base import GROUP_END, NUM_START, BrPatternRecognizer, PatternSpec

_SUBSCRIBER = r"(?:9\x20?)?\d{4}[-\x20.]?\d{4}"
_YEAR_RANGE = re.compile(r"(?:19|20)\d{2}-(?:19|20)\d{2}")


class PhoneRecognizer(BrPatternRecognizer):
    """Phones with area code (DDD), +55, 0800 numbers, and local numbers after a label.

    Validation checks the DDD against the numbering plan and the first subscriber digit (9 for
    mobiles, 2-5 for landlines), which keeps dates, years and amounts out.
    """

    ENTITY = "PHONE_NUMBER"
    CODE = True
    PATTERNS = (
        PatternSpec(
            "phone_international",
            r"(?<![\w+])\+\x20?55\x20?(?:\(\x20?\d{2}\x20?\)|\d{2})[-\x20]?" + _SUBSCRIBER + GROUP_END,
            0.75,
        ),
        PatternSpec("phone_ddd_parentheses", r"(?<!\w)\(\x20?0?\d{2}\x20?\)\x20?" + _SUBSCRIBER + GROUP_END, 0.7),
        PatternSpec("phone_ddd", NUM_START + r"0?\d{2}[-\x20](?:9\x20?)?\d{4}[-\x20]\d{4}" + GROUP_END, 0.6),
        PatternSpec("phone_toll_free", NUM_START + r"0[3589]00[-\x20]?\d{3}[-\x20]?\d{4}" + GROUP_END, 0.75),
        PatternSpec("phone_local", NUM_START + r"(?:9\x20?)?\d{4}-\d{4}" + GROUP_END, 0.25),
        PatternSpec("phone_bare", NUM_START + r"\d{10,11}" + GROUP_END, 0.2),
    )
    CONTEXT = (
        "telefone", "telefones", "tel", "tel.", "fone", "celular", "cel", "cel.", "whatsapp", "whats",
        "zap", "contato", "ramal", "fax", "ligar", "ligação", "sac",
    )

    def validate_value(self, text: str) -> bool:
        digits = only_digits(text)
        if len(digits) == 9 and "+" not in text:
            return digits[0] == "9"
        if len(digits) == 8:
            return digits[0] in "2345"
        return is_valid_phone(text)

    def invalidate_result(self, pattern_text: str) -> bool:
        return _YEAR_RANGE.fullmatch(pattern_text) is not None
