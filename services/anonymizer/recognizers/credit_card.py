"""CREDIT_CARD: payment card numbers (Luhn and brand prefix)."""

from __future__ import annotations

from ..identifiers import is_valid_luhn, only_digits
from .base import GROUP_END, GROUP_START, NUM_END, NUM_START, BrPatternRecognizer, PatternSpec


def has_card_prefix(digits: str) -> bool:
    """Brand ranges (Visa, Mastercard incl. 2-series, Amex, Diners, Elo, Hipercard, JCB, ...).

    Keeping to them leaves CNS numbers (first digit 1, 2, 7, 8, 9; 15 digits) alone.
    """
    if digits[:1] in "3456":
        return True
    return len(digits) == 16 and 2221 <= int(digits[:4]) <= 2720


class CreditCardRecognizer(BrPatternRecognizer):
    """Card numbers; grouped 4-4-4-4 (or 4-6-5 for Amex) and valid is certain, bare needs a label."""

    ENTITY = "CREDIT_CARD"
    CODE = True
    PATTERNS = (
        PatternSpec(
            "card_grouped",
            GROUP_START + r"\d{4}([\x20-])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?" + GROUP_END,
            0.6,
            certain=True,
        ),
        PatternSpec("card_amex_diners", GROUP_START + r"3\d{3}([\x20-])\d{6}\1\d{4,5}" + GROUP_END, 0.6, certain=True),
        PatternSpec("card_bare", NUM_START + r"\d{13,19}" + NUM_END, 0.3),
    )
    CONTEXT = (
        "cartão", "cartão de crédito", "cartão de débito", "crédito", "débito", "visa", "mastercard",
        "master", "elo", "amex", "american express", "hipercard", "diners",
    )

    def validate_value(self, text: str) -> bool:
        digits = only_digits(text)
        return is_valid_luhn(digits) and has_card_prefix(digits)
