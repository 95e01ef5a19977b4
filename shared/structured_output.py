"""The task's JSON schema as a student is decoded under it, and the check of what comes out.

One place for both, because the trainer's evaluation must decode exactly the way the inference service
serves (vLLM structured outputs with xgrammar): a score measured under another decoding would not be the
score users get.
"""

from __future__ import annotations

import json
from typing import Any

from shared.tasks import Task, ValidationError

#: Default bound on every free-text string while decoding (the inference service's `max_string_chars`).
DEFAULT_MAX_STRING_CHARS = 600

#: How the grammar engine (xgrammar) compiles the schema: no whitespace between JSON tokens, which is what
#: the inference service runs vLLM with (`disable_any_whitespace`) and what students are trained to write
#: (`shared.prompts.build_completion`). Whitespace-free output cannot drift into runs of blank lines.
XGRAMMAR_JSON_OPTIONS: dict[str, Any] = {"any_whitespace": False, "separators": (",", ":")}


def decoding_schema(schema: dict[str, Any], max_string_chars: int, order: list[str] | None = None) -> dict[str, Any]:
    """The task schema as the engine enforces it while decoding: every free-text string bounded to
    `max_string_chars` (or its own smaller maxLength), so a weak student cannot loop inside a string until
    it runs out of tokens. The task's own schema, which this one implies, validates the result. `order`
    lists the top-level properties in the order the student was trained to write them
    (`shared.prompts.answer_fields`).

    (A bounded `pattern` excluding control characters would be stricter, but xgrammar 0.2.8 fails to
    compile character-class repetitions above ~100; raw control characters inside strings are accepted
    by the parser instead, see `parse_output`.)
    """
    kind = schema.get("type")
    if kind == "object":
        # the engine writes properties in this order: `order` (top level) is the student's answer order
        names = order or list(schema["properties"])
        return {**schema, "properties": {k: decoding_schema(schema["properties"][k], max_string_chars)
                                         for k in names}}
    if kind == "array":
        return {**schema, "items": decoding_schema(schema["items"], max_string_chars)}
    if kind == "string" and "enum" not in schema:
        return {**schema, "maxLength": min(schema.get("maxLength", max_string_chars), max_string_chars)}
    return dict(schema)


def pin_labels(schema: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """The decoding schema with each given label field reduced to one allowed value: the label head's
    answer (shared.label_head). The student then writes the other fields around it."""
    properties = dict(schema["properties"])
    for name, value in labels.items():
        properties[name] = {**properties[name], "enum": [value]}
    return {**schema, "properties": properties}


def parse_output(task: Task, text: str) -> dict[str, Any]:
    """The validated output object, or ValueError with a reason that quotes nothing of the text."""
    try:
        # strict=False: the grammar lets a raw control character (e.g. a tab) into a string; the value
        # is still a well-formed string, and it is escaped again when the response is serialized
        value = json.loads(text, strict=False)
    except ValueError:
        raise ValueError("the output is not valid JSON") from None
    try:
        return task.validate_output(value)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "$" for e in exc.errors()})
        raise ValueError(f"the output does not match the task schema (fields: {', '.join(fields)[:200]})") from None
