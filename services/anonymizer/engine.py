"""PII detection: Presidio's AnalyzerEngine with our Portuguese NER and Brazilian recognizers.

Texts are processed in batches (one spaCy `pipe` over all the strings of a request), then each
text's recognizers run on the precomputed NLP artifacts. Overlapping detections are resolved to one
non-overlapping set so that every character is replaced at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from services.anonymizer.detections import Detection
from services.anonymizer.nlp import DEFAULT_MODEL_PATH, NER_LABELS, build_nlp_engine
from services.anonymizer.public_bodies import is_public_body
from services.anonymizer.recognizers.registry import build_recognizers

LANGUAGE = "pt"


def resolve_overlaps(results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """Keep the best of overlapping detections: higher score, then longer span, then earlier start."""
    ranked = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    kept: list[RecognizerResult] = []
    for candidate in ranked:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    return sorted(kept, key=lambda r: r.start)


def _trim(text: str, result: RecognizerResult) -> RecognizerResult:
    """Drop whitespace and trailing punctuation NER spans sometimes include."""
    start, end = result.start, result.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1
    return RecognizerResult(result.entity_type, start, end, result.score)


class PiiAnalyzer:
    """Find PII in Portuguese texts."""

    def __init__(self, model_path: Path | None = None, recognizers_config: Path | None = None,
                 score_threshold: float = 0.4, nlp_batch_size: int = 32) -> None:
        self.nlp_engine = build_nlp_engine(model_path or DEFAULT_MODEL_PATH)
        recognizers = build_recognizers(recognizers_config)
        recognizers.append(SpacyRecognizer(supported_language=LANGUAGE, supported_entities=list(NER_LABELS)))
        registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[LANGUAGE])
        self.analyzer = AnalyzerEngine(nlp_engine=self.nlp_engine, registry=registry,
                                       supported_languages=[LANGUAGE], default_score_threshold=0.0)
        self.score_threshold = score_threshold
        self.nlp_batch_size = nlp_batch_size
        self.supported_entities = sorted(set(self.analyzer.get_supported_entities(LANGUAGE)))

    def analyze_batch(self, texts: Sequence[str], entities: Sequence[str] | None = None,
                      score_threshold: float | None = None) -> list[list[Detection]]:
        """Detections for each text, non-overlapping and sorted by offset."""
        threshold = self.score_threshold if score_threshold is None else score_threshold
        wanted = list(entities) if entities else self.supported_entities
        out: list[list[Detection]] = []
        artifacts = self.nlp_engine.process_batch(list(texts), LANGUAGE, batch_size=self.nlp_batch_size)
        for text, nlp_artifacts in artifacts:
            if not text.strip():
                out.append([])
                continue
            raw = self.analyzer.analyze(text=text, language=LANGUAGE, entities=wanted,
                                        nlp_artifacts=nlp_artifacts, score_threshold=threshold)
            trimmed = [t for t in (_trim(text, r) for r in raw) if t.end > t.start]
            out.append([
                Detection(r.entity_type, r.start, r.end, round(float(r.score), 4),
                          public_body=r.entity_type == "ORGANIZATION" and is_public_body(text[r.start:r.end]))
                for r in resolve_overlaps(trimmed)
            ])
        return out

    def analyze(self, text: str, entities: Sequence[str] | None = None,
                score_threshold: float | None = None) -> list[Detection]:
        return self.analyze_batch([text], entities, score_threshold)[0]
