"""EMAIL_ADDRESS, offline: no public-suffix download (unlike Presidio's stock recognizer)."""

from __future__ import annotations

import regex as re

from .base import BrPatternRecognizer, PatternSpec


class EmailRecognizer(BrPatternRecognizer):
    """E-mail addresses; the `@` and an alphabetic top-level label make them certain."""

    ENTITY = "EMAIL_ADDRESS"
    FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE
    PATTERNS = (
        PatternSpec(
            "email",
            r"(?<![\w.%+-])[a-z0-9_](?:[a-z0-9._%+-]{0,62}[a-z0-9_])?"
            r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}(?![\w-]|\.[a-z0-9])",
            0.7,
            certain=True,
        ),
    )
    CONTEXT = ("e-mail", "email", "correio eletrônico", "endereço eletrônico", "contato")

    def validate_value(self, text: str) -> bool:
        local, _, domain = text.rpartition("@")
        return ".." not in local and ".." not in domain and len(text) <= 254
