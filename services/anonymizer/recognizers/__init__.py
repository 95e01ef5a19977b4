"""Presidio recognizers for Portuguese government documents (one class per module).

Each class holds its own defaults; `build_recognizers()` (registry.py) instantiates the ones that
`services/anonymizer/recognizers.yaml` lists, with the settings it overrides. `supported_entities()`
is the list of entity types the anonymizer knows (NER labels plus each class's `ENTITY`).
"""

from __future__ import annotations

from .base import BrPatternRecognizer, ContextSettings, PatternSpec
from .cep import BrCepRecognizer
from .cnh import BrCnhRecognizer
from .cnpj import BrCnpjRecognizer
from .cns import BrCnsRecognizer
from .cpf import BrCpfRecognizer
from .credit_card import CreditCardRecognizer
from .date_time import DateTimeRecognizer
from .email import EmailRecognizer
from .matricula import BrMatriculaRecognizer
from .ip import IpRecognizer
from .phone import PhoneRecognizer
from .pis import BrPisRecognizer
from .placa import BrPlacaRecognizer
from .processo_cnj import BrProcessoCnjRecognizer
from .registry import (DEFAULT_CONFIG_PATH, RECOGNIZER_CLASSES, RecognizerConfigError, build_recognizers,
                       code_entities, supported_entities)
from .rg import BrRgRecognizer
from .titulo_eleitor import BrTituloEleitorRecognizer
from .url import UrlRecognizer

__all__ = [
    "BrPatternRecognizer",
    "ContextSettings",
    "PatternSpec",
    "BrCepRecognizer",
    "BrCnhRecognizer",
    "BrCnpjRecognizer",
    "BrCnsRecognizer",
    "BrCpfRecognizer",
    "BrMatriculaRecognizer",
    "BrPisRecognizer",
    "BrPlacaRecognizer",
    "BrProcessoCnjRecognizer",
    "BrRgRecognizer",
    "BrTituloEleitorRecognizer",
    "CreditCardRecognizer",
    "DateTimeRecognizer",
    "EmailRecognizer",
    "IpRecognizer",
    "PhoneRecognizer",
    "UrlRecognizer",
    "DEFAULT_CONFIG_PATH",
    "RECOGNIZER_CLASSES",
    "RecognizerConfigError",
    "build_recognizers",
    "code_entities",
    "supported_entities",
]
