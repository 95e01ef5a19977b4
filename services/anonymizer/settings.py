"""Anonymizer settings: `LLM4GOV_ANONYMIZER__<FIELD>` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from shared.config import ServiceSettings


class AnonymizerOptions(BaseModel):
    #: spaCy pipeline directory; None = the model shipped in services/anonymizer/models/pt_ner.
    ner_model_path: Path | None = None
    #: "identifying": DATE_TIME only for dates that can identify a person (birth/death dates, a date
    #: right after a name), unless a request lists DATE_TIME explicitly; "all": every date and time.
    date_time_policy: Literal["identifying", "all"] = "identifying"
    #: Capitalised sequences starting with a known first name are PERSON where NER found nothing.
    name_heuristic: bool = True
    #: Recognizer YAML: which recognizers to load and what differs from their class defaults (see
    #: recognizers/registry.py); None = services/anonymizer/recognizers.yaml. Checked at start-up.
    recognizers_config: Path | None = None
    #: Detections scoring below this are ignored unless a request sets its own threshold.
    score_threshold: float = Field(default=0.4, ge=0.0, le=1.0)
    #: Public bodies ("Tribunal de Contas da União") are not personal data: kept unless this is true.
    anonymize_public_bodies: bool = False
    max_text_chars: int = Field(default=100_000, ge=1)
    max_batch_items: int = Field(default=128, ge=1)
    #: Strings inside one JSON document (documents are walked recursively).
    max_document_strings: int = Field(default=10_000, ge=1)
    max_document_depth: int = Field(default=32, ge=1)
    nlp_batch_size: int = Field(default=32, ge=1)
    #: Master key for hash (HMAC), encrypt and the pseudonymization vault. When unset, a random key
    #: is created once in `<data_dir>/anonymizer.key` (mode 0600): fine locally, set it in production.
    secret_key: SecretStr | None = None


class AnonymizerSettings(ServiceSettings):
    anonymizer: AnonymizerOptions = AnonymizerOptions()
