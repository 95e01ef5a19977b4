"""Presidio recognizers for Portuguese government documents (one class per module).

`build_recognizers()` (registry.py) instantiates them from `services/anonymizer/recognizers.yaml`.
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
from .registry import DEFAULT_CONFIG_PATH, RECOGNIZER_CLASSES, build_recognizers
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
    "build_recognizers",
]
