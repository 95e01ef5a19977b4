"""Context words around a match, the way Brazilian documents label their values.

Presidio's stock enhancer compares lemmas by substring ("nit" hits "definitivo", "rg" hits "cargo")
and needs an NLP pipeline that fills lemmas. Labels in government text are short and sit right
before the value ("CPF nº ...", "inscrito no PIS sob o nº ..."), so this matcher:

* reads the words before the match (and, where a recognizer asks, a few after it), stopping at the
  previous value, so that in "CPF 123.456.789-09, PIS 12345678909" the second number only sees "PIS";
* matches whole words, case- and accent-insensitively, multi-word labels included;
* reports whether the label is *adjacent* (only filler such as "nº", "sob o", ":" between the label
  and the value), which lets the nearest label win when two types claim the same digits.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Iterable

import regex as re

_FILLER = (
    """n no na nos nas nº n° n.º n.° nr nro num numero número sob o a os as de do da dos das em e é
    sendo seu sua respectivo respectiva registrado registrada inscrito inscrita cadastrado
    cadastrada portador portadora titular com nao não"""
)

_WORD = re.compile(r"\S+")
_PUNCT_EDGES = re.compile(r"^[^\w]+|[^\w]+$")
_MULTI_DIGITS = re.compile(r"\d.*\d")


def normalize(text: str) -> str:
    """Lower-case and strip accents ("Habilitação" -> "habilitacao")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


#: Words that may sit between a label and its value without breaking adjacency (normalized).
FILLER_WORDS = frozenset(normalize(w) for w in _FILLER.split())


@dataclass(frozen=True)
class ContextHit:
    """The supporting word that was found and whether it labels the value directly."""

    word: str
    adjacent: bool


class ContextMatcher:
    """Find a recognizer's context words next to a match (see module docstring)."""

    def __init__(
        self,
        words: Iterable[str],
        suffix_words: Iterable[str] = (),
        prefix_count: int = 6,
        suffix_count: int = 3,
    ) -> None:
        self.words = tuple(words)
        self.suffix_words = tuple(suffix_words)
        self.prefix_count = prefix_count
        self.suffix_count = suffix_count
        self._prefix_re = _compile(self.words)
        self._suffix_re = _compile(self.suffix_words)
        self._normalized = {normalize(w) for w in self.words}

    def find(
        self, text: str, start: int, end: int, request_context: Iterable[str] | None = None
    ) -> ContextHit | None:
        """Return the nearest supporting word for the match text[start:end], or None."""
        if self._prefix_re is not None and self.prefix_count > 0:
            window_start = _window_before(text, start, self.prefix_count)
            window = normalize(text[window_start:start])
            hits = list(self._prefix_re.finditer(window))
            if hits:
                last = hits[-1]
                return ContextHit(last.group(), _only_filler(window[last.end():]))
        if self._suffix_re is not None and self.suffix_count > 0:
            window = normalize(text[end:_window_after(text, end, self.suffix_count)])
            hit = self._suffix_re.search(window)
            if hit:
                return ContextHit(hit.group(), _only_filler(window[: hit.start()]))
        for word in request_context or ():
            if normalize(word) in self._normalized:
                return ContextHit(word.lower(), False)
        return None


def _compile(words: Iterable[str]) -> re.Pattern | None:
    alternatives = sorted({normalize(w) for w in words if w.strip()}, key=len, reverse=True)
    if not alternatives:
        return None
    body = "|".join(re.escape(w) for w in alternatives)
    return re.compile(rf"(?<![0-9a-z])(?:{body})(?![0-9a-z])")


def _window_before(text: str, start: int, count: int) -> int:
    """Offset where the `count` words before `start` begin, stopping after a previous value."""
    lookback = max(0, start - 40 * count)
    words = list(_WORD.finditer(text, lookback, start))
    window_start = start
    for word in reversed(words[-count:]):
        if _MULTI_DIGITS.search(word.group()) and word.end() < start:
            break
        window_start = word.start()
    return min(window_start, start)


def _window_after(text: str, end: int, count: int) -> int:
    """Offset where the `count` words after `end` finish, stopping before the next value."""
    window_end = end
    for i, word in enumerate(_WORD.finditer(text, end, min(len(text), end + 40 * count))):
        if i >= count or (_MULTI_DIGITS.search(word.group()) and word.start() > end):
            break
        window_end = word.end()
    return window_end


def _only_filler(between: str) -> bool:
    words = (_PUNCT_EDGES.sub("", w) for w in between.split())
    return all(not w or w in FILLER_WORDS for w in words)
