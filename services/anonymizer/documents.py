"""Walk JSON documents: collect the strings to process, then rebuild with processed strings.

Keys and structure are kept; only string values change. Integers long enough to be document numbers
(a CPF stored as a number) are analyzed too; if one is found to be PII it becomes a string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.errors import PayloadTooLarge, Unprocessable

#: Integers with at least this many digits are checked for PII (CPF, CNPJ, phone...).
NUMERIC_PII_MIN_DIGITS = 8


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def collect_strings(document: Any, max_strings: int, max_depth: int) -> list[tuple[str, str]]:
    """(JSON pointer, text) of every string value, plus long integers as text, in document order."""
    found: list[tuple[str, str]] = []

    def visit(value: Any, pointer: str, depth: int) -> None:
        if depth > max_depth:
            raise Unprocessable(f"The document is nested deeper than {max_depth} levels.")
        if isinstance(value, str):
            found.append((pointer, value))
        elif isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= NUMERIC_PII_MIN_DIGITS:
            found.append((pointer, str(value)))
        elif isinstance(value, dict):
            for key, child in value.items():
                visit(child, f"{pointer}/{_escape(str(key))}", depth + 1)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                visit(child, f"{pointer}/{i}", depth + 1)
        if len(found) > max_strings:
            raise PayloadTooLarge(f"The document holds more than {max_strings} strings.")

    visit(document, "", 0)
    return found


def rebuild(document: Any, replace: Callable[[str, Any], Any]) -> Any:
    """Copy `document`, calling replace(pointer, value) for each string / long integer."""

    def visit(value: Any, pointer: str) -> Any:
        if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)
                                      and len(str(abs(value))) >= NUMERIC_PII_MIN_DIGITS):
            return replace(pointer, value)
        if isinstance(value, dict):
            return {key: visit(child, f"{pointer}/{_escape(str(key))}") for key, child in value.items()}
        if isinstance(value, list):
            return [visit(child, f"{pointer}/{i}") for i, child in enumerate(value)]
        return value

    return visit(document, "")
