"""Reader for First HAREM (general-domain Portuguese NER: news, web, literature, EP and BR).

Files: `FirstHAREM-selective-train.json` and `FirstHAREM-selective-dev.json` in
`../shared/data/harem/` (see its SOURCE.txt): a JSON list of {doc_id, doc_text, entities: [{text,
label, start_offset, end_offset}]}, labels PESSOA, ORGANIZACAO, LOCAL, TEMPO, VALOR. Read at train/eval
time only, never copied into the repository. The dev file is used for evaluation only.

Mapping (SOURCE.txt, conventions.LABEL_MAP): PESSOA -> PERSON, LOCAL -> LOCATION, ORGANIZACAO -> ORGANIZATION; TEMPO and VALOR
-> O. Conventions (conventions.py): titles and forms of address are not part of PERSON ("Senhora
Presidente" -> O, "professor Romero" -> "Romero", "D. Teresa" -> "Teresa"); URL-like LOCAL spans -> O.

Documents are split into segments (lines, then sentences of at most `max_chars` characters, never
inside an entity) so that one training example stays sentence-sized.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .conventions import LABEL_MAP, normalize_spans
from .synthetic import Example

_SENT_END = re.compile(r"[.!?]\s+(?=[\"'«“(]?[A-ZÀ-Ý0-9])")


def _spans(doc: dict) -> list[tuple[int, int, str]]:
    text = doc["doc_text"]
    out = []
    for ent in doc["entities"]:
        label = LABEL_MAP.get(ent["label"])
        if label is None:
            continue
        s, e = int(ent["start_offset"]), int(ent["end_offset"])
        while e > s and text[e - 1].isspace():
            e -= 1
        while s < e and text[s].isspace():
            s += 1
        if e <= s:
            continue
        out.append((s, e, label))
    return sorted(normalize_spans(text, out))


def _cut_points(text: str, start: int, end: int, spans, max_chars: int) -> list[tuple[int, int]]:
    """Split text[start:end] at sentence ends (outside entities) into pieces of <= max_chars."""
    if end - start <= max_chars:
        return [(start, end)]
    inside = lambda i: any(s < i < e for s, e, _ in spans)  # noqa: E731
    cuts = [m.end() for m in _SENT_END.finditer(text, start, end) if not inside(m.end())]
    pieces, cur = [], start
    last = start
    for c in cuts + [end]:
        if c - cur > max_chars and last > cur:
            pieces.append((cur, last))
            cur = last
        last = c
    pieces.append((cur, end))
    return pieces


def doc_to_examples(doc: dict, max_chars: int = 600, register: str = "harem") -> list[Example]:
    text = doc["doc_text"]
    spans = _spans(doc)
    examples = []
    pos = 0
    for line in text.split("\n"):
        lstart, lend = pos, pos + len(line)
        pos = lend + 1
        for a, b in _cut_points(text, lstart, lend, spans, max_chars):
            while a < b and text[a].isspace():
                a += 1
            while b > a and text[b - 1].isspace():
                b -= 1
            if b <= a:
                continue
            local = [(s - a, e - a, lab) for s, e, lab in spans if s >= a and e <= b]
            examples.append(Example(text[a:b], local, register))
    return examples


def load(path: str | Path, max_chars: int = 600, register: str | None = None) -> list[Example]:
    reg = register or ("harem_dev" if "dev" in Path(path).name else "harem_train")
    docs = json.loads(Path(path).read_text(encoding="utf-8"))
    return [ex for doc in docs for ex in doc_to_examples(doc, max_chars, reg)]
