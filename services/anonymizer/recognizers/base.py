"""Shared machinery of the project's pattern recognizers.

Each recognizer declares its patterns as `PatternSpec`s, a validator and context words; this base
class turns them into a Presidio `PatternRecognizer` with a scoring policy that fits documents whose
numbers carry check digits:

* a value whose check digits fail is dropped;
* a value in the document's canonical layout (`123.456.789-09`) whose check digits pass is certain
  (score 1.0) — formatted, valid document numbers are never lost to a threshold;
* anything else keeps its pattern score (bare 11-digit strings: low, as CPF, PIS and CNH share them),
  raised by context words found by `ContextMatcher` (see context.py).

Context is applied at recognizer level and every result is marked as already enhanced, so the
analyzer's lemma-based enhancer (substring matching, depends on the NLP pipeline) leaves these
scores alone.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, replace
from typing import ClassVar, Iterable, Mapping

import regex as re
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from shared.errors import ServiceUnavailable

from .context import ContextMatcher

#: Boundaries for values made of digits: no letter/digit glued on either side, and no separator
#: that continues the number ("1.234.567,89" must not yield "1.234.567"). A slash followed by a
#: letter may follow (court headers write "3-23.2017.7.08.0008/PA").
NUM_START = r"(?<![0-9A-Za-z])(?<![0-9][.,/-])"
NUM_END = r"(?![0-9A-Za-z])(?![.,-][0-9A-Za-z])(?!/[0-9])"
#: Looser boundaries for canonical masks with check digits: letters may be glued on ("nº123...",
#: OCR's "0000IDF"), digits may not. The mask and the check digits carry the evidence.
LOOSE_START = r"(?<![0-9])(?<![0-9][.,/-])"
LOOSE_END = r"(?![0-9])(?![.,/-][0-9])"
#: Stricter boundaries for values whose groups are separated by spaces ("1234 5678 9012"), so that a
#: window of a longer digit sequence (a card number) is not taken for the value.
GROUP_START = r"(?<![0-9A-Za-z])(?<![0-9][\x20.,/-])"
GROUP_END = r"(?![0-9A-Za-z])(?![\x20.,/-][0-9])"

REGEX_TIMEOUT_SECONDS = float(os.environ.get("REGEX_TIMEOUT_SECONDS", 60))  # as Presidio

logger = logging.getLogger("presidio-analyzer")


@dataclass(frozen=True)
class PatternSpec:
    """One regex of a recognizer.

    `certain`: a hit whose validator returns True is the document's canonical layout -> score 1.0.
    Otherwise the hit keeps `score` (validator True or None) or is dropped (validator False).
    """

    name: str
    regex: str
    score: float
    certain: bool = False


@dataclass(frozen=True)
class ContextSettings:
    """How much a supporting context word raises a score (Presidio's defaults are 0.35 / 0.4)."""

    boost: float = 0.35
    adjacent_bonus: float = 0.1
    min_score: float = 0.45
    prefix_words: int = 6
    suffix_words: int = 3


class BrPatternRecognizer(PatternRecognizer):
    """Base class: patterns from `PATTERNS`, validation by `validate_value`, context by label.

    The class constants are the recognizer's defaults, the single source of them: recognizers.yaml
    only names the recognizers to load and the settings that differ (see registry.py). Each
    constructor argument left as None takes the constant below.
    """

    #: The entity type of every hit (also what the API accepts: registry.supported_entities()).
    ENTITY: ClassVar[str]
    #: Patterns with their scores (per-pattern overrides: the `scores` argument).
    PATTERNS: ClassVar[tuple[PatternSpec, ...]]
    #: Words before the value that support the match (lower-case, whole words, accents ignored).
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    #: Words that support the match when they follow it (e.g. the RG issuer "SSP/SP").
    SUFFIX_CONTEXT: ClassVar[tuple[str, ...]] = ()
    SUPPORTED_LANGUAGE: ClassVar[str] = "pt"
    #: Hits below this are dropped when analyze() gets no explicit score_threshold.
    SCORE_THRESHOLD: ClassVar[float] = 0.4
    CONTEXT_SETTINGS: ClassVar[ContextSettings] = ContextSettings()
    #: Values are codes: only their letters and digits identify them (`123.456.789-09` is
    #: `12345678909`), which is how operators number and hash them (registry.code_entities()).
    CODE: ClassVar[bool] = False
    FLAGS: ClassVar[int] = re.DOTALL | re.MULTILINE

    def __init__(
        self,
        supported_language: str | None = None,
        context: Iterable[str] | None = None,
        suffix_context: Iterable[str] | None = None,
        scores: Mapping[str, float] | None = None,
        score_threshold: float | None = None,
        context_settings: ContextSettings | None = None,
        name: str | None = None,
    ) -> None:
        specs = _apply_score_overrides(type(self).__name__, self.PATTERNS, scores or {})
        super().__init__(
            supported_entity=self.ENTITY,
            name=name,
            supported_language=supported_language or self.SUPPORTED_LANGUAGE,
            patterns=[Pattern(spec.name, spec.regex, spec.score) for spec in specs],
            context=[w.lower() for w in (self.CONTEXT if context is None else context)],
            global_regex_flags=self.FLAGS,
        )
        self.specs = specs
        self._compiled = [(spec, re.compile(spec.regex, self.FLAGS)) for spec in specs]
        self.score_thresholds = {"default": self.SCORE_THRESHOLD if score_threshold is None else score_threshold}
        self.context_settings = context_settings or self.CONTEXT_SETTINGS
        self.suffix_context = [w.lower() for w in (self.SUFFIX_CONTEXT if suffix_context is None else suffix_context)]
        self.context_matcher = ContextMatcher(
            self.context,
            self.suffix_context,
            prefix_count=self.context_settings.prefix_words,
            suffix_count=self.context_settings.suffix_words,
        )

    # --- hooks for subclasses -------------------------------------------------------------------

    def validate_value(self, text: str) -> bool | None:
        """Check digits or structural validation: True valid, False invalid, None unknown."""
        return None

    def base_score(self, text: str, spec: PatternSpec, validated: bool | None) -> float:
        """Score before context; 0 drops the hit."""
        if validated is False:
            return 0.0
        if validated and spec.certain:
            return EntityRecognizer.MAX_SCORE
        return spec.score

    # --- Presidio API ---------------------------------------------------------------------------

    def validate_result(self, pattern_text: str) -> bool | None:  # noqa: D102 - Presidio hook
        return self.validate_value(pattern_text)

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Run every pattern, validate and score each hit (see module docstring).

        `regex_flags` is ignored: each class compiles its patterns with its own `FLAGS` (plates
        and CNPJ letters are case-sensitive on purpose).
        """
        results = []
        for spec, compiled in self._compiled:
            try:
                matches = list(compiled.finditer(text, timeout=REGEX_TIMEOUT_SECONDS))
            except TimeoutError:
                # never a silent pass: skipping the pattern would let its PII through unmasked
                logger.warning("pattern %s of %s timed out; the analysis fails", spec.name, self.name)
                raise ServiceUnavailable(f"The analysis timed out (recognizer {self.name}); nothing was "
                                         "returned. Retry, or split the text.") from None
            for match in matches:
                result = self._score_match(spec, match.start(), match.end(), text[match.start():match.end()])
                if result is not None:
                    results.append(result)
        return EntityRecognizer.remove_duplicates(results)

    def _score_match(self, spec: PatternSpec, start: int, end: int, value: str) -> RecognizerResult | None:
        if not value:
            return None
        validated = self.validate_value(value)
        score = 0.0 if self.invalidate_result(value) else self.base_score(value, spec, validated)
        if score <= 0:
            return None
        explanation = self.build_regex_explanation(
            self.name, spec.name, spec.regex, spec.score, validated, self.FLAGS
        )
        explanation.score = score
        return RecognizerResult(
            entity_type=self.ENTITY,
            start=start,
            end=end,
            score=score,
            analysis_explanation=explanation,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )

    def enhance_using_context(
        self,
        text: str,
        raw_recognizer_results: list[RecognizerResult],
        other_raw_recognizer_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts | None,
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        """Raise scores of hits labelled by a context word; mark every hit as handled."""
        settings = self.context_settings
        for result in raw_recognizer_results:
            hit = self.context_matcher.find(text, result.start, result.end, context)
            if hit is not None:
                boost = settings.boost + (settings.adjacent_bonus if hit.adjacent else 0.0)
                score = max(result.score + boost, settings.min_score)
                result.score = min(score, EntityRecognizer.MAX_SCORE)
                if result.analysis_explanation is not None:
                    result.analysis_explanation.set_supportive_context_word(hit.word)
                    result.analysis_explanation.set_improved_score(result.score)
            if result.recognition_metadata is None:
                result.recognition_metadata = {}
            result.recognition_metadata[RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY] = True
        return raw_recognizer_results


def _apply_score_overrides(
    owner: str, specs: tuple[PatternSpec, ...], scores: Mapping[str, float]
) -> tuple[PatternSpec, ...]:
    known = {spec.name for spec in specs}
    unknown = set(scores) - known
    if unknown:
        raise ValueError(f"{owner}: unknown pattern name(s) {sorted(unknown)}; known: {sorted(known)}")
    for name, value in scores.items():
        if not isinstance(value, (int, float)) or not 0.0 < float(value) <= 1.0:
            raise ValueError(f"{owner}: score for pattern {name!r} must be in (0, 1], got {value!r}")
    return tuple(replace(spec, score=float(scores.get(spec.name, spec.score))) for spec in specs)
