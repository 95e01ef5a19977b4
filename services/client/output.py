"""What the client's commands print: JSON on stdout for scripts (--json), or tables and `key  value`
lines for people; messages and progress bars go to stderr so stdout stays clean for pipes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import typer


def err(message: str) -> None:
    """A message on stderr."""
    typer.echo(message, err=True)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def when(value: Any) -> str:
    """A timestamp (epoch seconds or ISO 8601) as `YYYY-MM-DD HH:MM:SS[Z]`; `-` when there is none."""
    if value is None:
        return "-"
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    text = str(value)
    return text.replace("T", " ")[:19] + ("Z" if text.endswith(("Z", "+00:00")) else "")


def table(rows: list[list[Any]], header: list[str]) -> None:
    cells = [header] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        typer.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def fields(pairs: list[tuple[str, Any]]) -> None:
    """Aligned `key  value` lines; empty values are left out."""
    width = max(len(k) for k, _ in pairs)
    for key, value in pairs:
        if value is not None and value != "":
            typer.echo(f"{key.ljust(width)}  {value}")


def show(value: Any, json_out: bool, for_people: Callable[[Any], None]) -> None:
    """`value` as JSON with --json, else as `for_people` prints it."""
    if json_out:
        print_json(value)
    else:
        for_people(value)


def print_list(listing: dict[str, Any], json_out: bool, header: list[str],
               row: Callable[[dict[str, Any]], list[Any]], empty: str) -> None:
    """A list answer (`{data: [...]}`): as JSON, or a table of one `row` per item (`empty` when none)."""
    if json_out:
        print_json(listing)
        return
    rows = [row(item) for item in listing.get("data", [])]
    if rows:
        table(rows, header)
    else:
        typer.echo(empty)


def event_line(event: dict[str, Any]) -> str:
    data = event.get("data") or {}
    parts = []
    for key, value in data.items():
        if isinstance(value, float):
            value = f"{value:.6g}"
        elif isinstance(value, (dict, list)):
            value = json.dumps(value, ensure_ascii=False)
            if len(value) > 120:
                value = value[:117] + "..."
        parts.append(f"{key}={value}")
    return f"{when(event.get('created_at'))}  {event.get('type', ''):<20} {' '.join(parts)}".rstrip()


def print_events(events: dict[str, Any], json_out: bool) -> None:
    """A job's events: as JSON, or one line each."""
    if json_out:
        print_json(events)
        return
    for event in events.get("data", []):
        typer.echo(event_line(event))


def progress_bar(total: int | None, unit: str, desc: str, scale: bool = False) -> Any:
    """A tqdm bar on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, dynamic_ncols=True, unit_scale=scale,
                unit_divisor=1024 if scale else 1000, leave=True)
