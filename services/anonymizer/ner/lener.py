"""Reader for LeNER-Br style CoNLL files ("token TAG" per line, blank line between sentences, IOB2).

Maps PESSOA -> PERSON, LOCAL -> LOCATION, ORGANIZACAO -> ORGANIZATION; every other type (TEMPO,
LEGISLACAO, JURISPRUDENCIA, ...) becomes O. The corpus itself is read from disk at train/eval time and
is never copied into the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

LABEL_MAP = {"PESSOA": "PERSON", "LOCAL": "LOCATION", "ORGANIZACAO": "ORGANIZATION"}


def read_conll(lines: Iterable[str]) -> Iterator[list[tuple[str, str]]]:
    """Yield sentences as lists of (token, raw_tag)."""
    sent: list[tuple[str, str]] = []
    for line in lines:
        parts = line.split()
        if not parts:
            if sent:
                yield sent
                sent = []
            continue
        if parts[0].startswith("-DOCSTART-"):
            continue
        token = parts[0]
        tag = parts[-1] if len(parts) > 1 else "O"
        sent.append((token, tag))
    if sent:
        yield sent


def map_tag(tag: str) -> str:
    """Map a LeNER IOB2 tag to our label set ('O' for unmapped types)."""
    if tag == "O" or "-" not in tag:
        return "O"
    prefix, _, typ = tag.partition("-")
    label = LABEL_MAP.get(typ)
    if label is None or prefix not in ("B", "I"):
        return "O"
    return f"{prefix}-{label}"


def sentence_to_doc(vocab: Vocab, sent: list[tuple[str, str]]) -> Doc:
    words = [tok for tok, _ in sent]
    tags = [map_tag(tag) for _, tag in sent]
    doc = Doc(vocab, words=words, spaces=[True] * (len(words) - 1) + [False])
    ents: list[Span] = []
    start = None
    label = None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, typ = tag.partition("-")
        # close the running entity on O, on B-, or on I- of another type
        if start is not None and (tag == "O" or prefix == "B" or typ != label):
            ents.append(Span(doc, start, i, label=label))
            start, label = None, None
        if prefix == "B" or (prefix == "I" and start is None):  # tolerate I- without B-
            start, label = i, typ
    doc.ents = ents
    return doc


def conll_to_docs(vocab: Vocab, lines: Iterable[str]) -> list[Doc]:
    return [sentence_to_doc(vocab, sent) for sent in read_conll(lines)]


def load_conll(vocab: Vocab, path: str | Path) -> list[Doc]:
    with open(path, encoding="utf-8") as fh:
        return conll_to_docs(vocab, fh)
