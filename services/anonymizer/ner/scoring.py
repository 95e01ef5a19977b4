"""Span scoring: per-type precision / recall / F1 with exact or overlap matching, and uncovered PII characters.

The one scorer of the NER evaluation (`evaluate.score`) and of the anonymizer benchmarks
(bench/anonymizer_quality.py). Scores are per entity type, micro-averaged over the types of a dataset:

* **exact**: a predicted span is correct when a gold span has the same type, start and end;
  precision = correct predictions / predictions, recall = matched gold spans / gold spans.
* **overlap**: a predicted span is correct when it shares at least one character with a gold span
  of the same type; a gold span is found when at least one predicted span of its type overlaps it
  (precision and recall are counted on their own sides, so one long prediction covering two gold
  spans counts once for precision and twice for recall).
* **uncovered PII characters**: the share of the non-whitespace characters inside gold PII spans
  that no predicted span of *any* type covers: what would be left in clear after anonymization.

Predicted types that a dataset does not annotate (e.g. DATE_TIME on LeNER-Br) are not scored for
precision, but they do cover characters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

MODES = ("exact", "overlap")


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int
    #: False for annotated entities that are not personal data (public bodies, states): they count
    #: for the per-type scores but not for the uncovered-PII-characters share.
    pii: bool = True


class Scored(Protocol):
    """A text with its gold spans (what `evaluate` reads of an example)."""

    text: str
    spans: Sequence[Span]


@dataclass
class TypeCounts:
    n_gold: int = 0
    n_pred: int = 0
    gold_found: int = 0
    pred_correct: int = 0

    def add(self, other: "TypeCounts") -> None:
        self.n_gold += other.n_gold
        self.n_pred += other.n_pred
        self.gold_found += other.gold_found
        self.pred_correct += other.pred_correct

    @property
    def precision(self) -> float | None:
        return self.pred_correct / self.n_pred if self.n_pred else None

    @property
    def recall(self) -> float | None:
        return self.gold_found / self.n_gold if self.n_gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if self.n_gold == 0 and self.n_pred == 0:
            return None
        p, r = p or 0.0, r or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int | None]:
        return {"p": rounded(self.precision), "r": rounded(self.recall), "f1": rounded(self.f1),
                "n_gold": self.n_gold, "n_pred": self.n_pred}


def match_counts(gold: Sequence[Span], pred: Sequence[Span], types: Iterable[str],
                 mode: str = "exact") -> dict[str, TypeCounts]:
    """Per-type counts for one text; only `types` are scored. `mode` is "exact" or "overlap"."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    out: dict[str, TypeCounts] = {}
    for t in types:
        g = sorted({(s.start, s.end) for s in gold if s.type == t})
        p = sorted({(s.start, s.end) for s in pred if s.type == t})
        c = TypeCounts(n_gold=len(g), n_pred=len(p))
        if mode == "exact":
            common = len(set(g) & set(p))
            c.gold_found = c.pred_correct = common
        else:
            c.gold_found = sum(any(ps < ge and gs < pe for ps, pe in p) for gs, ge in g)
            c.pred_correct = sum(any(gs < pe and ps < ge for gs, ge in g) for ps, pe in p)
        out[t] = c
    return out


def uncovered_chars(text: str, gold: Sequence[Span], pred: Sequence[Span],
                    pii_only: bool = True) -> tuple[int, int]:
    """(uncovered, total): non-whitespace characters of gold (PII) spans not covered by any prediction."""
    gold_chars: set[int] = set()
    for s in gold:
        if s.pii or not pii_only:
            gold_chars.update(i for i in range(s.start, s.end) if not text[i].isspace())
    covered: set[int] = set()
    for s in pred:
        covered.update(range(s.start, s.end))
    return len(gold_chars - covered), len(gold_chars)


@dataclass
class Evaluation:
    """Accumulated scores of one system on one dataset."""

    types: tuple[str, ...]
    exact: dict[str, TypeCounts] = field(default_factory=dict)
    overlap: dict[str, TypeCounts] = field(default_factory=dict)
    uncovered: int = 0
    pii_chars: int = 0
    #: (uncovered, total) per gold type, to see which types leak characters.
    uncovered_by_type: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def __post_init__(self) -> None:
        for t in self.types:
            self.exact.setdefault(t, TypeCounts())
            self.overlap.setdefault(t, TypeCounts())

    def add(self, text: str, gold: Sequence[Span], pred: Sequence[Span]) -> None:
        for mode, acc in (("exact", self.exact), ("overlap", self.overlap)):
            for t, c in match_counts(gold, pred, self.types, mode).items():
                acc[t].add(c)
        u, n = uncovered_chars(text, gold, pred)
        self.uncovered += u
        self.pii_chars += n
        for t in {s.type for s in gold if s.pii}:
            u, n = uncovered_chars(text, [s for s in gold if s.type == t], pred)
            self.uncovered_by_type[t][0] += u
            self.uncovered_by_type[t][1] += n

    def micro(self, mode: str, types: Iterable[str] | None = None) -> TypeCounts:
        acc = self.exact if mode == "exact" else self.overlap
        total = TypeCounts()
        for t in types if types is not None else self.types:
            if t in acc:
                total.add(acc[t])
        return total

    @property
    def uncovered_share(self) -> float | None:
        return self.uncovered / self.pii_chars if self.pii_chars else None

    def as_dict(self, groups: Mapping[str, Iterable[str]] | None = None) -> dict:
        """Every figure; `groups` adds a micro average over some of the types under each given name
        (a group none of whose types is scored here is left out)."""
        out: dict = {
            "per_type": {t: {"exact": self.exact[t].as_dict(), "overlap": self.overlap[t].as_dict()}
                         for t in self.types},
            "micro": {"exact": self.micro("exact").as_dict(), "overlap": self.micro("overlap").as_dict()},
            "uncovered_pii_chars": {"share": rounded(self.uncovered_share), "uncovered": self.uncovered,
                                    "total": self.pii_chars},
            "uncovered_by_type": {t: {"share": rounded(u / n if n else None), "uncovered": u, "total": n}
                                  for t, (u, n) in sorted(self.uncovered_by_type.items())},
        }
        for name, group in (groups or {}).items():
            members = set(group)
            scored = [t for t in self.types if t in members]
            if scored:
                out[name] = {"exact": self.micro("exact", scored).as_dict(),
                             "overlap": self.micro("overlap", scored).as_dict()}
        return out


def evaluate(examples: Sequence[Scored], predictions: Sequence[Sequence[Span]],
             types: Sequence[str]) -> Evaluation:
    ev = Evaluation(tuple(types))
    for ex, pred in zip(examples, predictions, strict=True):
        ev.add(ex.text, ex.spans, pred)
    return ev


def rounded(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(x, nd)
