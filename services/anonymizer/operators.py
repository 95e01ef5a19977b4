"""Replace detected values in text, consistently across every string of one request.

Presidio's anonymizer operators are stateless per string; we need request-wide state (the same
person is `<PESSOA_1>` everywhere in a document, and pseudonyms are collected for the vault), so
replacement is done here, on the already non-overlapping detections.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from services.anonymizer.crypto import OperatorKeys
from services.anonymizer.detections import Detection
from services.anonymizer.protocol import (EncryptOperator, HashOperator, KeepOperator, MaskOperator,
                                          Operator, PlaceholderOperator, PseudonymizeOperator,
                                          RedactOperator)
from services.anonymizer.recognizers.registry import code_entities

#: Portuguese placeholder names shown to readers (and to the teacher LLM), where the entity type is not
#: enough: a `BR_` type drops its prefix (`BR_CPF` -> `<CPF_1>`), any other type keeps its name.
PLACEHOLDER_NAMES: dict[str, str] = {
    "PERSON": "PESSOA", "LOCATION": "LOCAL", "ORGANIZATION": "ORGANIZACAO", "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "TELEFONE", "IP_ADDRESS": "IP", "DATE_TIME": "DATA", "CREDIT_CARD": "CARTAO",
    "BR_PROCESSO_CNJ": "PROCESSO",
}
PLACEHOLDER_RE = re.compile(r"<([A-Z_]+)_(\d+)>")
ENCRYPTED_RE = re.compile(r"<ENC:([A-Za-z0-9_\-]+=*)>")
#: Types whose values are codes (the recognizer class says so): only their letters and digits count.
_CODE_TYPES = code_entities()

DEFAULT_OPERATOR = PlaceholderOperator()


def normalize_value(entity_type: str, value: str) -> str:
    """The identity of a value: `123.456.789-09` == `12345678909`, `JOÃO SILVA` == `João  Silva`."""
    if entity_type in _CODE_TYPES:
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    folded = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(folded.split())


def placeholder_name(entity_type: str) -> str:
    """The name inside a placeholder: `PESSOA` for PERSON, `CPF` for BR_CPF."""
    return PLACEHOLDER_NAMES.get(entity_type) or entity_type.removeprefix("BR_")


@dataclass
class Replacement:
    detection: Detection
    operator: str
    output_start: int
    output_end: int


@dataclass
class RequestState:
    """Per-request numbering and the pseudonyms to store in the vault."""

    keys: OperatorKeys
    _tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    _counters: dict[str, int] = field(default_factory=dict)
    vault_mapping: dict[str, str] = field(default_factory=dict)

    def placeholder(self, entity_type: str, value: str) -> str:
        key = (entity_type, normalize_value(entity_type, value))
        token = self._tokens.get(key)
        if token is None:
            name = placeholder_name(entity_type)
            self._counters[name] = self._counters.get(name, 0) + 1
            token = f"<{name}_{self._counters[name]}>"
            self._tokens[key] = token
        return token

    def replace(self, op: Operator, entity_type: str, value: str) -> str:
        if isinstance(op, PlaceholderOperator):
            return self.placeholder(entity_type, value)
        if isinstance(op, PseudonymizeOperator):
            token = self.placeholder(entity_type, value)
            self.vault_mapping.setdefault(token, value)
            return token
        if isinstance(op, RedactOperator):
            return ""
        if isinstance(op, MaskOperator):
            n = len(value) if op.chars_to_mask is None else min(op.chars_to_mask, len(value))
            return value[:len(value) - n] + op.masking_char * n if op.from_end else op.masking_char * n + value[n:]
        if isinstance(op, HashOperator):
            return self.keys.keyed_hash(normalize_value(entity_type, value))
        if isinstance(op, EncryptOperator):
            return f"<ENC:{self.keys.encryption.encrypt(value.encode('utf-8')).decode('ascii')}>"
        if isinstance(op, KeepOperator):
            return value
        raise TypeError(f"unknown operator {op!r}")  # pragma: no cover - the protocol union is closed


def choose_operator(operators: dict[str, Operator] | None, entity_type: str) -> Operator:
    if not operators:
        return DEFAULT_OPERATOR
    return operators.get(entity_type) or operators.get("DEFAULT") or DEFAULT_OPERATOR


def anonymize_text(text: str, detections: list[Detection], operators: dict[str, Operator] | None,
                   state: RequestState) -> tuple[str, list[Replacement]]:
    """Apply operators to non-overlapping, sorted detections; return the new text and where each went."""
    parts: list[str] = []
    replacements: list[Replacement] = []
    cursor = out_len = 0
    for det in detections:
        op = choose_operator(operators, det.type)
        before = text[cursor:det.start]
        parts.append(before)
        out_len += len(before)
        new = state.replace(op, det.type, text[det.start:det.end])
        parts.append(new)
        replacements.append(Replacement(det, op.type, out_len, out_len + len(new)))
        out_len += len(new)
        cursor = det.end
    parts.append(text[cursor:])
    return "".join(parts), replacements


def restore_text(text: str, mapping: dict[str, str], keys: OperatorKeys) -> tuple[str, int]:
    """Undo pseudonymization (vault mapping) and encryption in one string; count restored tokens."""
    restored = 0

    def from_vault(match: re.Match[str]) -> str:
        nonlocal restored
        original = mapping.get(match.group(0))
        if original is None:
            return match.group(0)
        restored += 1
        return original

    def decrypt(match: re.Match[str]) -> str:
        nonlocal restored
        try:
            value = keys.encryption.decrypt(match.group(1).encode("ascii")).decode("utf-8")
        except Exception:  # not ours, or tampered with: leave it as it is
            return match.group(0)
        restored += 1
        return value

    text = PLACEHOLDER_RE.sub(from_vault, text) if mapping else text
    return ENCRYPTED_RE.sub(decrypt, text), restored
