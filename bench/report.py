"""How the benchmarks print their figures: numbers, ours/peer ratios, tables and the closing JSON line."""

from __future__ import annotations

import json
import math


def ratio(ours: float | None, peer: float | None) -> float | None:
    """ours / peer; None when undefined (peer at 0 or missing), which `fmt_ratio` prints as "inf"."""
    if ours is None or peer is None or peer == 0:
        return None
    return round(ours / peer, 3)


def fmt(x: float | None, nd: int = 3) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def fmt_ratio(ours: float | None, peer: float | None) -> str:
    r = ratio(ours, peer)
    if r is not None:
        return f"{r:.2f}x"
    if ours and peer == 0:
        return "inf (peer 0)"
    return "-"


def json_line(obj: dict) -> str:
    """One line of strict JSON (NaN/inf replaced by null)."""
    def clean(v):  # type: ignore[no-untyped-def]
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    return json.dumps(clean(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
