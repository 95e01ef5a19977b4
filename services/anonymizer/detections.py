"""Detections (type, offsets, score) and the rules that combine them, free of NLP dependencies."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Detection:
    type: str
    start: int
    end: int
    score: float
    public_body: bool = False

    @property
    def length(self) -> int:
        return self.end - self.start


#: Repeats of detected values shorter than this are not propagated (too likely to be common words).
MIN_PROPAGATED_LENGTH = 3


def propagate_detections(texts: Sequence[str], detections: Sequence[list[Detection]]) -> list[list[Detection]]:
    """Also mark every other whole-word occurrence of a detected value, in all texts of one unit.

    A name recognized in a header ("JOÃO DA SILVA") but missed later in the body ("João da Silva")
    would otherwise leak; a unit is one text or all the strings of one document.
    """
    values: dict[str, Detection] = {}
    for text, dets in zip(texts, detections):
        for d in dets:
            value = text[d.start:d.end]
            key = value.casefold()
            if len(value.strip()) >= MIN_PROPAGATED_LENGTH and (key not in values or d.score > values[key].score):
                values[key] = d
    if not values:
        return [list(d) for d in detections]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True))
                         + r")(?!\w)", re.IGNORECASE)
    out = []
    for text, dets in zip(texts, detections):
        merged = list(dets)
        for match in pattern.finditer(text):
            if any(match.start() < d.end and d.start < match.end() for d in merged):
                continue
            source = values.get(match.group(0).casefold())
            if source is not None:
                merged.append(Detection(source.type, match.start(), match.end(), source.score, source.public_body))
        out.append(sorted(merged, key=lambda d: d.start))
    return out
