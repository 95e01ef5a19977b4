"""URL, offline, and deaf to the abbreviations of legal Portuguese ("art.", "fls.", "CPC.art")."""

from __future__ import annotations

import regex as re

from .base import BrPatternRecognizer, PatternSpec

#: Top-level domains accepted for a bare domain (no scheme, no "www."): common generic ones and
#: Lusophone/neighbour ccTLDs. Two-letter codes that are Portuguese words or abbreviations
#: ("de", "do", "no", "se", "ex", "pe", "ma", ...) are deliberately left out.
BARE_TLDS = (
    "com", "net", "org", "gov", "edu", "mil", "int", "info", "biz", "io", "app", "dev", "tech",
    "online", "site", "br", "pt", "ao", "mz", "cv", "eu", "uk", "us", "ar", "cl", "uy", "py", "mx",
)

_TAIL = r"[^\s<>\"'{}|\\^`\[\]]*[^\s<>\"'{}|\\^`\[\].,;:!?)]"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"  # bounded: no quadratic backtracking


class UrlRecognizer(BrPatternRecognizer):
    """URLs with a scheme, `www.` hosts, and bare lower-case domains with a known TLD."""

    ENTITY = "URL"
    PATTERNS = (
        PatternSpec("url_scheme", r"(?<![\w@])(?i:https?|ftp)://" + _TAIL, 0.7, certain=True),
        PatternSpec(
            "url_www",
            r"(?<![\w@./-])(?i:www\d{0,3})\.[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}(?:[/?#]" + _TAIL + ")?"
            r"(?![\w-])",
            0.8,
        ),
        PatternSpec(
            "url_domain",
            rf"(?<![\w@./-])(?:{_LABEL}\.){{0,8}}[a-z0-9][a-z0-9-]{{0,61}}[a-z0-9]\.(?:{'|'.join(BARE_TLDS)})"
            r"(?![\w@-]|\.[A-Za-z0-9])(?:/" + _TAIL + ")?",
            0.5,
        ),
    )
    CONTEXT = ("site", "sítio", "página", "portal", "endereço eletrônico", "link", "url", "acesse", "disponível")

    def validate_value(self, text: str) -> bool:
        host = re.sub(r"^(?i:https?|ftp)://", "", text).split("/", 1)[0].split("?", 1)[0]
        host = host.rsplit("@", 1)[-1].split(":", 1)[0]
        if host.lower() == "localhost" or re.fullmatch(r"[\d.]+|\[[0-9a-fA-F:.]+\]", host):
            return True
        labels = host.split(".")
        return len(labels) >= 2 and all(labels) and labels[-1].isalpha() and len(labels[-1]) >= 2
