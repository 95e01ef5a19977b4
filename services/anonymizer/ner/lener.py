"""Reader for LeNER-Br style CoNLL files ("token TAG" per line, blank line between sentences, IOB2).

Maps PESSOA -> PERSON, LOCAL -> LOCATION, ORGANIZACAO -> ORGANIZATION (conventions.LABEL_MAP); every
other type (TEMPO, LEGISLACAO, JURISPRUDENCIA, ...) becomes O. Sentences are read as spaCy Docs on the
corpus tokens (`load_conll`: training and `evaluate`) or as text with character spans (`load_texts`, the
tokens joined by single spaces: the UlyssesNER-Br reader and the benchmarks). The corpus itself is read
from disk at train/eval time and is never copied into the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator

from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from .conventions import LABEL_MAP


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


def map_tag(tag: str, label_map: dict[str, str] = LABEL_MAP) -> str:
    """Map a LeNER IOB2 tag to our label set ('O' for unmapped types)."""
    if tag == "O" or "-" not in tag:
        return "O"
    prefix, _, typ = tag.partition("-")
    label = label_map.get(typ)
    if label is None or prefix not in ("B", "I"):
        return "O"
    return f"{prefix}-{label}"


def entity_runs(tags: list[str]) -> list[tuple[str, int, int]]:
    """(label, first token, end token) of each entity in IOB2 tags (mapped by `map_tag`)."""
    runs: list[tuple[str, int, int]] = []
    start = None
    label = None
    for i, tag in enumerate(tags + ["O"]):
        prefix, _, typ = tag.partition("-")
        # close the running entity on O, on B-, or on I- of another type
        if start is not None and (tag == "O" or prefix == "B" or typ != label):
            runs.append((label, start, i))  # type: ignore[arg-type]
            start, label = None, None
        if prefix == "B" or (prefix == "I" and start is None):  # tolerate I- without B-
            start, label = i, typ
    return runs


def sentence_to_doc(vocab: Vocab, sent: list[tuple[str, str]]) -> Doc:
    words = [tok for tok, _ in sent]
    doc = Doc(vocab, words=words, spaces=[True] * (len(words) - 1) + [False])
    doc.ents = [Span(doc, start, end, label=label)
                for label, start, end in entity_runs([map_tag(tag) for _, tag in sent])]
    return doc


def sentence_to_text(sent: list[tuple[str, str]],
                     label_map: dict[str, str] = LABEL_MAP) -> tuple[str, list[tuple[int, int, str]]]:
    """The sentence's tokens joined by single spaces, and its entities as character spans (start, end, label)."""
    words = [tok for tok, _ in sent]
    starts = []
    pos = 0
    for word in words:
        starts.append(pos)
        pos += len(word) + 1
    runs = entity_runs([map_tag(tag, label_map) for _, tag in sent])
    return " ".join(words), [(starts[s], starts[e - 1] + len(words[e - 1]), label) for label, s, e in runs]


def load_texts(path: str | Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """One (text, character spans) per sentence of a CoNLL file (`sentence_to_text`); no conventions applied."""
    with open(path, encoding="utf-8") as fh:
        return [sentence_to_text(sent) for sent in read_conll(fh)]


def conll_to_docs(vocab: Vocab, lines: Iterable[str]) -> list[Doc]:
    return [sentence_to_doc(vocab, sent) for sent in read_conll(lines)]


def load_conll(vocab: Vocab, path: str | Path) -> list[Doc]:
    with open(path, encoding="utf-8") as fh:
        return conll_to_docs(vocab, fh)
