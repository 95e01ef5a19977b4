"""Walk JSON documents: collect the texts to process, then rebuild with processed texts.

Structure is kept; everything that can hold personal data is analyzed: string values, object keys
(`{"Maria Souza, CPF ...": ...}`) and numbers, as their text form (spreadsheet exports keep CPFs as
numbers: `52998224725`, `52998224725.0`, `5.2998224725e10` all read as `52998224725`). A number found to
be PII becomes a string (its placeholder); one that is not stays the number it was.

Texts are addressed by JSON pointer; an object key by its member's pointer followed by `KEY_SUFFIX`
(`~key` cannot occur in an escaped pointer, where `~` is always followed by 0 or 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from shared.errors import PayloadTooLarge, Unprocessable

KEY_SUFFIX = "~key"


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def number_text(value: int | float) -> str:
    """The digits a number is read as: an integral float as the integer (`5.2998224725e10` ->
    `52998224725`), any other number as Python writes it."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e18:
        return str(int(value))
    return str(value)


def collect_strings(document: Any, max_strings: int, max_depth: int) -> list[tuple[str, str]]:
    """(pointer, text) of every string value, object key and number, in document order."""
    found: list[tuple[str, str]] = []

    def visit(value: Any, pointer: str, depth: int) -> None:
        if depth > max_depth:
            raise Unprocessable(f"The document is nested deeper than {max_depth} levels.")
        if isinstance(value, str):
            found.append((pointer, value))
        elif _is_number(value):
            found.append((pointer, number_text(value)))
        elif isinstance(value, dict):
            for key, child in value.items():
                child_pointer = f"{pointer}/{_escape(str(key))}"
                found.append((child_pointer + KEY_SUFFIX, str(key)))
                visit(child, child_pointer, depth + 1)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                visit(child, f"{pointer}/{i}", depth + 1)
        if len(found) > max_strings:
            raise PayloadTooLarge(f"The document holds more than {max_strings} strings.")

    visit(document, "", 0)
    return found


def rebuild(document: Any, replace: Callable[[str, Any], Any]) -> Any:
    """Copy `document`, calling replace(pointer, value) for each string, number and key. Two keys that
    become the same text (two spellings of one name) are kept apart with a numeric suffix."""

    def visit(value: Any, pointer: str) -> Any:
        if isinstance(value, str) or _is_number(value):
            return replace(pointer, value)
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, child in value.items():
                child_pointer = f"{pointer}/{_escape(str(key))}"
                new_key = str(replace(child_pointer + KEY_SUFFIX, str(key)))
                unique, n = new_key, 2
                while unique in out:
                    unique, n = f"{new_key} ({n})", n + 1
                out[unique] = visit(child, child_pointer)
            return out
        if isinstance(value, list):
            return [visit(child, f"{pointer}/{i}") for i, child in enumerate(value)]
        return value

    return visit(document, "")
