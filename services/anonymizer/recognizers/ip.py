"""IP_ADDRESS: IPv4 and IPv6."""

from __future__ import annotations

import ipaddress

import regex as re

from .base import BrPatternRecognizer, PatternSpec

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"


class IpRecognizer(BrPatternRecognizer):
    """IP addresses, validated by `ipaddress`.

    Dotted quads of single digits ("1.2.3.4") are mostly item numbers in legal text, so they need
    a label such as "IP"; three-part numbers ("1.2.3") and octets with leading zeros never match.
    """

    ENTITY = "IP_ADDRESS"
    FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE
    PATTERNS = (
        PatternSpec(
            "ipv4",
            rf"(?<![\w.])(?<!\d\.)(?:{_OCTET}\.){{3}}{_OCTET}(?:/(?:3[0-2]|[12]?\d))?(?![\w]|[.,]\d)",
            0.6,
        ),
        PatternSpec(
            "ipv6",
            r"(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:[0-9a-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?"
            r"(?:/\d{1,3})?(?![\w:]|\.\d)",
            0.7,
        ),
    )
    CONTEXT = (
        "ip", "endereço ip", "ipv4", "ipv6", "servidor", "host", "acesso", "conexão", "origem",
        "log", "rede", "gateway", "dns",
    )

    def validate_value(self, text: str) -> bool:
        try:
            ipaddress.ip_interface(text)
        except ValueError:
            return False
        return ":" not in text or sum(c.isalnum() for c in text) >= 2

    def base_score(self, text: str, spec: PatternSpec, validated: bool | None) -> float:
        score = super().base_score(text, spec, validated)
        if spec.name == "ipv4" and all(len(part) == 1 for part in text.split("/")[0].split(".")):
            return min(score, 0.1)
        return score
