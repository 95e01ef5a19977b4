"""Records in the seed's format: `{id?, system_prompt, user_prompt: str | object, teacher_output?}`.

Input may be a JSON array or JSONL; output is always JSONL. Parse errors name the line or item, never
its content (records hold sensitive text).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError


class Record(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    system_prompt: str = ""
    user_prompt: str | dict[str, Any]
    teacher_output: dict[str, Any] | None = None


class RecordsError(ValueError):
    """The dataset cannot be read; the message says where."""


def _validate(item: Any, where: str) -> Record:
    try:
        return Record.model_validate(item)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) or "record" for e in exc.errors()})
        raise RecordsError(f"{where}: invalid record (fields: {', '.join(fields)})") from None


def parse_records(data: bytes | str) -> list[Record]:
    """Parse a JSON array or JSONL dataset."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    stripped = text.strip()
    if not stripped:
        raise RecordsError("the dataset is empty")
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise RecordsError(f"invalid JSON array at line {exc.lineno}, column {exc.colno}") from None
        records = [_validate(item, f"item {i}") for i, item in enumerate(items)]
    else:
        records = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                raise RecordsError(f"line {lineno}: not valid JSON") from None
            records.append(_validate(item, f"line {lineno}"))
    if not records:
        raise RecordsError("the dataset has no records")
    return records


def dump_jsonl(records: Iterable[Record | dict[str, Any]]) -> bytes:
    lines = []
    for record in records:
        value = record.model_dump(exclude_none=True) if isinstance(record, Record) else record
        lines.append(json.dumps(value, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""


def user_prompt_text(user_prompt: str | dict[str, Any]) -> str:
    """The user prompt as the model sees it: objects are serialized as compact JSON."""
    if isinstance(user_prompt, str):
        return user_prompt
    return json.dumps(user_prompt, ensure_ascii=False)
