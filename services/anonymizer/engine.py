"""PII detection: Presidio's AnalyzerEngine with our Portuguese NER and Brazilian recognizers.

Texts are processed in batches (one spaCy `pipe` over all the strings of a request), then each
text's recognizers run on the precomputed NLP artifacts. Overlapping detections are resolved to one
non-overlapping set so that every character is replaced at most once.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from services.anonymizer.detections import Detection
from services.anonymizer.nlp import DEFAULT_MODEL_PATH, NER_LABELS, build_nlp_engine
from services.anonymizer.gazetteer import place_candidates
from services.anonymizer.person_spans import name_candidates, split_person
from services.anonymizer.public_bodies import is_public_body
from services.anonymizer.recognizers.registry import build_recognizers

LANGUAGE = "pt"

# Presidio logs one INFO line per analyzed text; keep the service's log to what matters.
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)


NER_RECOGNIZER = "SpacyRecognizer"
NAME_HEURISTIC = "NameHeuristic"
#: Score of a capitalised sequence that starts with a known first name and that NER left alone: above
#: the default threshold (recall first), below NER's 0.85 so that any NER span there wins.
NAME_HEURISTIC_SCORE = 0.6
#: DATE_TIME policies: "identifying" keeps only dates that can identify a person (birth / death dates,
#: a date written right after a name); "all" keeps every date and time.
DATE_TIME_POLICIES = ("identifying", "all")
_BIRTH_CONTEXT = re.compile(
    r"(?i)(?<!\w)(?:nascid[oa]s?|nascimento|nasc\.?|nasceu|natalício|aniversário|d\.?\s?n\.?|"
    r"dt\.?\s+nasc\.?|óbito|obito|falecid[oa]|faleceu|falecimento|idade)(?!\w)[^\n.;]{0,25}$")
_NAME_THEN_DATE = re.compile(r"^\s*(?:,\s*|\(\s*|-\s*|–\s*)?(?:n\.\s*|nasc\.\s*|\*\s*)?$")
NER_TYPES = frozenset(NER_LABELS)
#: Words NER sometimes tags that are labels of identifiers or form fields, not entities.
NOT_ENTITIES = frozenset({
    "sus", "cns", "nit", "cnh", "pis", "pasep", "nis", "cpf", "cnpj", "rg", "cep", "placa", "renavam", "chassi",
    "cartão nacional de saúde", "cartão sus", "carteira de identidade", "cidade", "uf", "estado", "município",
    "bairro", "endereço", "telefone", "e-mail", "email", "celular", "processo", "protocolo", "ofício", "assunto",
})
_TITLES = re.compile(r"^(?:(?:o|a)\s+)?(?:sr\.?|sra\.?|srta\.?|senhor|senhora|dr\.?|dra\.?|doutor|doutora|dom|dona|"
                     r"prof\.?|profa\.?|professor|professora|exmo\.?|exma\.?|ilmo\.?|ilma\.?)\s+", re.IGNORECASE)
_EDGE = " \t\n\r,;:()[]{}\"'«»“”/|-–"


def _is_ner(result: RecognizerResult) -> bool:
    return (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY) == NER_RECOGNIZER


def _strong(result: RecognizerResult) -> bool:
    """Detections that win any overlap with NER: identifiers, and confident contextual patterns."""
    return not _is_ner(result) and (result.entity_type not in NER_TYPES | {"DATE_TIME"} or result.score >= 0.85)


def _clip(result: RecognizerResult, kept: Sequence[RecognizerResult]) -> RecognizerResult | None:
    """The longest part of `result` that overlaps none of `kept`."""
    pieces = [(result.start, result.end)]
    for k in kept:
        pieces = [p for a, b in pieces
                  for p in ((a, min(b, k.start)), (max(a, k.end), b)) if p[1] > p[0]] \
            if any(a < k.end and k.start < b for a, b in pieces) else pieces
    if not pieces:
        return None
    start, end = max(pieces, key=lambda p: p[1] - p[0])
    return RecognizerResult(result.entity_type, start, end, result.score, recognition_metadata=result.recognition_metadata)


def _greedy(results: Sequence[RecognizerResult], kept: list[RecognizerResult]) -> None:
    for candidate in sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start)):
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)


def resolve_overlaps(text: str, results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """One non-overlapping set: strong detections first (best score, then longest), then the rest,
    NER spans clipped around what is already kept instead of being dropped whole."""
    kept: list[RecognizerResult] = []
    results = [piece for r in results for piece in _person_pieces(text, r)]
    _greedy([r for r in results if _strong(r)], kept)
    rest = []
    for r in results:
        if _strong(r):
            continue
        clipped = _clip(r, kept) if _is_ner(r) else r
        if clipped is not None:
            cleaned = _trim(text, clipped)
            if cleaned is not None:
                rest.append(cleaned)
    _greedy(rest, kept)
    return sorted(kept, key=lambda r: r.start)


#: NER LOCATION spans that are the federal government as a party (LeNER-Br, UlyssesNER-Br conventions).
_UNION = frozenset({"união", "uniao", "união federal"})


def _person_pieces(text: str, result: RecognizerResult) -> list[RecognizerResult]:
    """A NER PERSON span cut down to the name(s) it contains (person_spans.split_person)."""
    if result.entity_type == "LOCATION" and _is_ner(result) and text[result.start:result.end].casefold() in _UNION:
        return [RecognizerResult("ORGANIZATION", result.start, result.end, result.score,
                                 recognition_metadata=result.recognition_metadata)]
    if result.entity_type != "PERSON" or not _is_ner(result):
        return [result]
    return [RecognizerResult(t, s, e, result.score, recognition_metadata=result.recognition_metadata)
            for t, s, e in split_person(text, result.start, result.end)]


def _name_heuristic(text: str, wanted: Sequence[str]) -> list[RecognizerResult]:
    """Gazetteer / capitalised-name candidates (person_spans, gazetteer), below NER's score."""
    meta = {RecognizerResult.RECOGNIZER_NAME_KEY: NAME_HEURISTIC, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: NAME_HEURISTIC}
    out = []
    if "PERSON" in wanted:
        out += [RecognizerResult("PERSON", s, e, NAME_HEURISTIC_SCORE, recognition_metadata=dict(meta))
                for s, e in name_candidates(text)]
    if "LOCATION" in wanted:
        out += [RecognizerResult("LOCATION", s, e, NAME_HEURISTIC_SCORE, recognition_metadata=dict(meta))
                for s, e in place_candidates(text)]
    return out


def identifying_date(text: str, date: Detection | RecognizerResult, people: Sequence) -> bool:
    """A date that can identify a person: a birth/death label shortly before it, or a name right before
    it ("Maria Souza, 12/03/1980", "Maria Souza (n. 12/03/1980)")."""
    line_start = text.rfind("\n", 0, date.start) + 1
    if _BIRTH_CONTEXT.search(text[max(line_start, date.start - 60):date.start]):
        return True
    return any(p.end <= date.start and _NAME_THEN_DATE.match(text[p.end:date.start]) for p in people)


def _closes_inside(text: str, start: int, end: int, open_: str, close: str) -> bool:
    """An opening bracket at `start` whose closing bracket is inside the span: keep it."""
    return text[start] == open_ and close in text[start + 1:end]


def _opens_inside(text: str, start: int, end: int, open_: str, close: str) -> bool:
    """A closing bracket at `end - 1` that closes a bracket opened inside the span: keep it."""
    return text[end - 1] == close and open_ in text[start:end - 1]


def _trim(text: str, result: RecognizerResult) -> RecognizerResult | None:
    """Drop the punctuation and titles NER spans sometimes include, and spans that are mere labels."""
    start, end = result.start, result.end
    while end - start > 2 and text[start] == "(" and text[end - 1] == ")":
        start, end = start + 1, end - 1
    while start < end and text[start] in _EDGE and not _closes_inside(text, start, end, "(", ")"):
        start += 1
    while end > start and text[end - 1] in _EDGE and not _opens_inside(text, start, end, "(", ")"):
        end -= 1
    if _is_ner(result) and result.entity_type == "PERSON":
        title = _TITLES.match(text[start:end])
        if title and title.end() < end - start:
            start += title.end()
    value = text[start:end]
    if end <= start or (_is_ner(result) and " ".join(value.casefold().split()) in NOT_ENTITIES):
        return None
    return RecognizerResult(result.entity_type, start, end, result.score, recognition_metadata=result.recognition_metadata)


class PiiAnalyzer:
    """Find PII in Portuguese texts."""

    def __init__(self, model_path: Path | None = None, recognizers_config: Path | None = None,
                 score_threshold: float = 0.4, nlp_batch_size: int = 32,
                 date_time_policy: str = "identifying", name_heuristic: bool = True) -> None:
        if date_time_policy not in DATE_TIME_POLICIES:
            raise ValueError(f"date_time_policy must be one of {DATE_TIME_POLICIES}, got {date_time_policy!r}")
        # the configuration first: a bad recognizers YAML fails at once, not after loading the model
        recognizers = build_recognizers(recognizers_config)
        self.nlp_engine = build_nlp_engine(model_path or DEFAULT_MODEL_PATH)
        self.date_time_policy = date_time_policy
        self.name_heuristic = name_heuristic
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
            if self.name_heuristic and NAME_HEURISTIC_SCORE >= threshold:
                raw = raw + _name_heuristic(text, wanted)
            resolved = resolve_overlaps(text, raw)
            if self.date_time_policy == "identifying" and not (entities and "DATE_TIME" in entities):
                people = [r for r in resolved if r.entity_type == "PERSON"]
                resolved = [r for r in resolved if r.entity_type != "DATE_TIME" or identifying_date(text, r, people)]
            out.append([
                Detection(r.entity_type, r.start, r.end, round(float(r.score), 4),
                          public_body=r.entity_type == "ORGANIZATION" and is_public_body(text[r.start:r.end]))
                for r in resolved
            ])
        return out

    def analyze(self, text: str, entities: Sequence[str] | None = None,
                score_threshold: float | None = None) -> list[Detection]:
        return self.analyze_batch([text], entities, score_threshold)[0]
