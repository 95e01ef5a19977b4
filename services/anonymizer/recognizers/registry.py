"""Build the recognizer list from `services/anonymizer/recognizers.yaml`.

The YAML follows the shape of Presidio's recognizer registry configuration (a list of recognizers
with `enabled` and `context`), naming the project's classes explicitly:

    supported_language: pt
    defaults:
      score_threshold: 0.4
      context: {boost: 0.35, adjacent_bonus: 0.1, min_score: 0.45, prefix_words: 6, suffix_words: 3}
    recognizers:
      - class: BrCpfRecognizer
        enabled: true
        context: [cpf, cpf/mf]     # optional: replaces the class default
        suffix_context: [ssp]      # optional: words after the value (RG issuer)
        scores: {cpf_bare: 0.5}    # optional: per pattern name
        score_threshold: 0.4       # optional
        name: BrCpfRecognizer      # optional

Anything malformed raises ValueError naming the entry, so a bad deployment fails at start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from presidio_analyzer import EntityRecognizer

from .base import BrPatternRecognizer, ContextSettings
from .addresses import CompanyRecognizer, DateLineCityRecognizer, DistrictRecognizer, StreetRecognizer
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

RECOGNIZER_CLASSES: dict[str, type[BrPatternRecognizer]] = {
    cls.__name__: cls
    for cls in (
        BrCpfRecognizer, BrCnpjRecognizer, BrRgRecognizer, BrCnhRecognizer, BrPisRecognizer,
        BrTituloEleitorRecognizer, BrCnsRecognizer, BrCepRecognizer, BrPlacaRecognizer,
        BrProcessoCnjRecognizer, BrMatriculaRecognizer, PhoneRecognizer, EmailRecognizer, IpRecognizer, UrlRecognizer,
        CreditCardRecognizer, DateTimeRecognizer, StreetRecognizer, DistrictRecognizer, DateLineCityRecognizer,
        LabeledPersonRecognizer, CompanyRecognizer,
    )
}

_TOP_KEYS = {"supported_language", "defaults", "recognizers"}
_DEFAULT_KEYS = {"score_threshold", "context"}
_ENTRY_KEYS = {"class", "enabled", "context", "suffix_context", "scores", "score_threshold", "name"}
_CONTEXT_KEYS = {"boost", "adjacent_bonus", "min_score", "prefix_words", "suffix_words"}


def build_recognizers(config_path: Path | None = None) -> list[EntityRecognizer]:
    """Instantiate the enabled recognizers described by the YAML file (default: the shipped one)."""
    path = Path(config_path) if config_path is not None else DEFAULT_CONFIG_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read recognizer configuration {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"recognizer configuration {path} is not valid YAML: {exc}") from exc
    return recognizers_from_config(raw, source=str(path))


def recognizers_from_config(raw: Any, source: str = "<config>") -> list[EntityRecognizer]:
    """Same as `build_recognizers`, from an already parsed mapping."""
    config = _mapping(raw, source, _TOP_KEYS)
    language = config.get("supported_language", "pt")
    if not isinstance(language, str) or not language:
        raise ValueError(f"{source}: supported_language must be a non-empty string")
    defaults = _mapping(config.get("defaults", {}), f"{source}: defaults", _DEFAULT_KEYS)
    default_threshold = _score(defaults.get("score_threshold", 0.4), f"{source}: defaults.score_threshold")
    settings = _context_settings(defaults.get("context", {}), f"{source}: defaults.context")

    entries = config.get("recognizers")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: 'recognizers' must be a non-empty list")
    recognizers: list[EntityRecognizer] = []
    for index, entry in enumerate(entries):
        where = f"{source}: recognizers[{index}]"
        entry = _mapping(entry, where, _ENTRY_KEYS)
        class_name = entry.get("class")
        cls = RECOGNIZER_CLASSES.get(class_name) if isinstance(class_name, str) else None
        if cls is None:
            raise ValueError(f"{where}: unknown recognizer class {class_name!r}; known: {sorted(RECOGNIZER_CLASSES)}")
        enabled = entry.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ValueError(f"{where}: 'enabled' must be true or false")
        if not enabled:
            continue
        scores = entry.get("scores") or {}
        if not isinstance(scores, dict):
            raise ValueError(f"{where}: 'scores' must map pattern names to numbers")
        name = entry.get("name")
        if name is not None and not isinstance(name, str):
            raise ValueError(f"{where}: 'name' must be a string")
        recognizers.append(
            cls(
                supported_language=language,
                context=_words(entry.get("context"), f"{where}.context"),
                suffix_context=_words(entry.get("suffix_context"), f"{where}.suffix_context"),
                scores=scores,
                score_threshold=_score(entry.get("score_threshold", default_threshold), f"{where}.score_threshold"),
                context_settings=settings,
                name=name,
            )
        )
    return recognizers


def _mapping(value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(value).__name__}")
    unknown = set(value) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(map(str, unknown))}; allowed: {sorted(allowed)}")
    return value


def _words(value: Any, where: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise ValueError(f"{where}: expected a list of non-empty strings")
    return [w.strip().lower() for w in value]


def _score(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{where}: expected a number between 0 and 1, got {value!r}")
    return float(value)


def _context_settings(value: Any, where: str) -> ContextSettings:
    raw = _mapping(value, where, _CONTEXT_KEYS)
    fields: dict[str, Any] = {}
    for key in ("boost", "adjacent_bonus", "min_score"):
        if key in raw:
            fields[key] = _score(raw[key], f"{where}.{key}")
    for key in ("prefix_words", "suffix_words"):
        if key in raw:
            if isinstance(raw[key], bool) or not isinstance(raw[key], int) or raw[key] < 0:
                raise ValueError(f"{where}.{key}: expected a non-negative integer")
            fields[key] = raw[key]
    return ContextSettings(**fields)
