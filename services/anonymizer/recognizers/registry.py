"""The recognizer registry: which recognizers exist, which entity types they give, and loading them
from `services/anonymizer/recognizers.yaml` (or a deployment's own file, settings `recognizers_config`).

Each recognizer class is the single source of its defaults (`ENTITY`, `PATTERNS` and their scores,
`CONTEXT`, `SUFFIX_CONTEXT`, `SCORE_THRESHOLD`, `SUPPORTED_LANGUAGE`, `CONTEXT_SETTINGS`: see
base.py). The YAML, shaped like Presidio's recognizer registry configuration, lists the recognizers
to load and only what differs from those defaults:

    supported_language: pt          # optional: every recognizer's language
    defaults:                       # optional: for every recognizer
      score_threshold: 0.4
      context: {boost: 0.35, adjacent_bonus: 0.1, min_score: 0.45, prefix_words: 6, suffix_words: 3}
    recognizers:
      - BrCpfRecognizer             # the class with its defaults
      - class: BrPisRecognizer
        enabled: false              # optional (default true)
      - class: BrRgRecognizer
        context: [rg, identidade]   # optional: replaces the class's CONTEXT
        suffix_context: [ssp]       # optional: replaces the class's SUFFIX_CONTEXT
        scores: {rg_digits: 0.1}    # optional: per pattern name (the class's PATTERNS)
        score_threshold: 0.5        # optional: wins over defaults.score_threshold
        name: BrRgRecognizer        # optional: the recognizer's name in explanations

An entry's setting wins over `defaults`, which wins over the class. Anything malformed (an unknown
class, an unknown key, a value of the wrong kind) raises `RecognizerConfigError` naming the file,
the entry and the key, before anything else is loaded, so a bad deployment fails at start-up.

The API's entity types come from here too (`supported_entities()`), as Presidio derives them from
its registry: the NER model's labels plus every recognizer class's `ENTITY`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml
from presidio_analyzer import EntityRecognizer

from ..nlp import NER_LABELS
from .addresses import CompanyRecognizer, DateLineCityRecognizer, DistrictRecognizer, StreetRecognizer
from .base import BrPatternRecognizer
from .cep import BrCepRecognizer
from .cnh import BrCnhRecognizer
from .cnpj import BrCnpjRecognizer
from .cns import BrCnsRecognizer
from .cpf import BrCpfRecognizer
from .credit_card import CreditCardRecognizer
from .date_time import DateTimeRecognizer
from .email import EmailRecognizer
from .ip import IpRecognizer
from .labeled_person import LabeledPersonRecognizer
from .matricula import BrMatriculaRecognizer
from .phone import PhoneRecognizer
from .pis import BrPisRecognizer
from .placa import BrPlacaRecognizer
from .processo_cnj import BrProcessoCnjRecognizer
from .rg import BrRgRecognizer
from .titulo_eleitor import BrTituloEleitorRecognizer
from .url import UrlRecognizer

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "recognizers.yaml"

#: Every recognizer a configuration may name, by class name. Their order gives the order of the API's
#: entity enum (supported_entities()): append new classes at the end.
RECOGNIZER_CLASSES: dict[str, type[BrPatternRecognizer]] = {
    cls.__name__: cls
    for cls in (
        EmailRecognizer, PhoneRecognizer, IpRecognizer, UrlRecognizer, DateTimeRecognizer, CreditCardRecognizer,
        BrCpfRecognizer, BrCnpjRecognizer, BrRgRecognizer, BrCnhRecognizer, BrPisRecognizer,
        BrTituloEleitorRecognizer, BrCnsRecognizer, BrCepRecognizer, BrPlacaRecognizer, BrProcessoCnjRecognizer,
        BrMatriculaRecognizer, StreetRecognizer, DistrictRecognizer, DateLineCityRecognizer,
        LabeledPersonRecognizer, CompanyRecognizer,
    )
}


class RecognizerConfigError(ValueError):
    """The recognizer configuration is unusable; the message names the file, entry and key."""


def supported_entities() -> tuple[str, ...]:
    """Every entity type the anonymizer can detect: the NER model's labels, then each recognizer
    class's `ENTITY` (no duplicates). What requests may name; a deployment's YAML may load fewer
    (the engine's `supported_entities` are the loaded ones)."""
    return tuple(dict.fromkeys([*NER_LABELS, *(cls.ENTITY for cls in RECOGNIZER_CLASSES.values())]))


def code_entities() -> frozenset[str]:
    """Entity types whose values are codes (class constant `CODE`): only letters and digits count."""
    return frozenset(cls.ENTITY for cls in RECOGNIZER_CLASSES.values() if cls.CODE)


def build_recognizers(config_path: Path | None = None) -> list[EntityRecognizer]:
    """Instantiate the enabled recognizers described by the YAML file (default: the shipped one)."""
    path = Path(config_path) if config_path is not None else DEFAULT_CONFIG_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RecognizerConfigError(f"cannot read recognizer configuration {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise RecognizerConfigError(f"recognizer configuration {path} is not valid YAML: {exc}") from None
    return recognizers_from_config(raw, source=str(path))


_TOP_KEYS = {"supported_language", "defaults", "recognizers"}
_DEFAULT_KEYS = {"score_threshold", "context"}
_ENTRY_KEYS = {"class", "enabled", "context", "suffix_context", "scores", "score_threshold", "name"}
_CONTEXT_KEYS = {"boost", "adjacent_bonus", "min_score", "prefix_words", "suffix_words"}


def recognizers_from_config(raw: Any, source: str = "<config>") -> list[EntityRecognizer]:
    """Same as `build_recognizers`, from an already parsed mapping."""
    config = _mapping(raw, source, _TOP_KEYS)
    language = config.get("supported_language")
    if language is not None and (not isinstance(language, str) or not language):
        raise RecognizerConfigError(f"{source}: supported_language must be a non-empty string")
    defaults = _mapping(config.get("defaults") or {}, f"{source}: defaults", _DEFAULT_KEYS)
    common = _Common(
        language=language,
        score_threshold=_optional_score(defaults.get("score_threshold"), f"{source}: defaults.score_threshold"),
        context_fields=_context_fields(defaults.get("context") or {}, f"{source}: defaults.context"),
    )
    entries = config.get("recognizers")
    if not isinstance(entries, list) or not entries:
        raise RecognizerConfigError(f"{source}: 'recognizers' must be a non-empty list")
    recognizers: list[EntityRecognizer] = []
    seen: dict[str, str] = {}  # recognizer name -> the entry that configures it
    for index, entry in enumerate(entries):
        where = f"{source}: recognizers[{index}]"
        entry = _mapping({"class": entry} if isinstance(entry, str) else entry, where)
        cls = _recognizer_class(entry.get("class"), where)
        where = f"{where} ({cls.__name__})"
        _known_keys(entry, where, _ENTRY_KEYS)
        recognizer = _recognizer(cls, entry, where, common)  # disabled entries are checked too
        if recognizer.name in seen:
            raise RecognizerConfigError(f"{where}: {recognizer.name} is already configured by "
                                        f"{seen[recognizer.name]}; give one of them another 'name'")
        seen[recognizer.name] = where
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise RecognizerConfigError(f"{where}.enabled: expected true or false, got {enabled!r}")
        if enabled:
            recognizers.append(recognizer)
    return recognizers


@dataclass(frozen=True)
class _Common:
    """What the top of the file sets for every recognizer (None / empty: each class's own)."""

    language: str | None
    score_threshold: float | None
    context_fields: dict[str, Any]


def _recognizer(cls: type[BrPatternRecognizer], entry: dict[str, Any], where: str,
                common: _Common) -> BrPatternRecognizer:
    """The entry's recognizer: its settings, else the file's defaults, else the class's constants."""
    name = entry.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise RecognizerConfigError(f"{where}.name: expected a non-empty string")
    scores = entry.get("scores") or {}
    if not isinstance(scores, dict):
        raise RecognizerConfigError(f"{where}.scores: expected a mapping of pattern names to numbers")
    threshold = _optional_score(entry.get("score_threshold"), f"{where}.score_threshold")
    context = _words(entry.get("context"), f"{where}.context")
    suffix_context = _words(entry.get("suffix_context"), f"{where}.suffix_context")
    try:
        return cls(
            supported_language=common.language,
            context=context,
            suffix_context=suffix_context,
            scores=scores,
            score_threshold=common.score_threshold if threshold is None else threshold,
            context_settings=replace(cls.CONTEXT_SETTINGS, **common.context_fields) if common.context_fields else None,
            name=name,
        )
    except ValueError as exc:  # a pattern name or score the class rejects
        raise RecognizerConfigError(f"{where}: {exc}") from None


def _recognizer_class(class_name: Any, where: str) -> type[BrPatternRecognizer]:
    cls = RECOGNIZER_CLASSES.get(class_name) if isinstance(class_name, str) else None
    if cls is None:
        raise RecognizerConfigError(f"{where}: unknown recognizer class {class_name!r}; "
                                    f"known: {sorted(RECOGNIZER_CLASSES)}")
    return cls


def _mapping(value: Any, where: str, allowed: set[str] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecognizerConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    if allowed is not None:
        _known_keys(value, where, allowed)
    return value


def _known_keys(value: dict[str, Any], where: str, allowed: set[str]) -> None:
    unknown = set(value) - allowed
    if unknown:
        raise RecognizerConfigError(f"{where}: unknown key(s) {sorted(map(str, unknown))}; "
                                    f"allowed: {sorted(allowed)}")


def _words(value: Any, where: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise RecognizerConfigError(f"{where}: expected a list of non-empty strings")
    return [w.strip().lower() for w in value]


def _optional_score(value: Any, where: str) -> float | None:
    return None if value is None else _score(value, where)


def _score(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise RecognizerConfigError(f"{where}: expected a number between 0 and 1, got {value!r}")
    return float(value)


def _context_fields(value: Any, where: str) -> dict[str, Any]:
    """The ContextSettings fields a configuration sets (the others keep each class's values)."""
    raw = _mapping(value, where, _CONTEXT_KEYS)
    fields: dict[str, Any] = {}
    for key, given in raw.items():
        if key in ("prefix_words", "suffix_words"):
            if isinstance(given, bool) or not isinstance(given, int) or given < 0:
                raise RecognizerConfigError(f"{where}.{key}: expected a non-negative integer, got {given!r}")
            fields[key] = given
        else:
            fields[key] = _score(given, f"{where}.{key}")
    return fields
