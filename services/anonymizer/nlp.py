"""The Portuguese spaCy pipeline behind Presidio, loaded from disk only.

Presidio's stock spaCy engine would try to download `en_core_web_lg`; here the pipeline is always a
local directory (the project's own trained model, or a blank Portuguese pipeline for tests), so
nothing is fetched at run time.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.tokens import Doc

#: The trained pipeline shipped with the service (see services/anonymizer/ner/README.md).
DEFAULT_MODEL_PATH = Path(__file__).parent / "models" / "pt_ner"

NER_LABELS = ("PERSON", "LOCATION", "ORGANIZATION")


class PortugueseSpacyNlpEngine(SpacyNlpEngine):
    """SpacyNlpEngine whose lemmas are lower-cased tokens.

    Our pipeline has no lemmatizer (none is installable for Portuguese); Presidio's context enhancer
    matches context words against lemmas, so lower-cased surface forms make "CPF:" or "Portador do RG"
    boost the right recognizers.
    """

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        artifacts = super()._doc_to_nlp_artifact(doc, language)
        artifacts.lemmas = [token.lower_ for token in doc]
        artifacts.keywords = artifacts.set_keywords(self, artifacts.lemmas, language)
        return artifacts


@functools.cache
def _blank_pipeline_dir() -> Path:
    """One blank Portuguese pipeline on disk per process (Presidio loads pipelines by path)."""
    holder = tempfile.TemporaryDirectory(prefix="llm4gov-blank-pt-")
    _TEMP_DIRS.append(holder)
    target = Path(holder.name)
    spacy.blank("pt").to_disk(target)
    return target


_TEMP_DIRS: list[tempfile.TemporaryDirectory] = []  # removed at interpreter exit


def build_nlp_engine(model_path: str | Path | None = None, default_score: float = 0.85) -> SpacyNlpEngine:
    """Build and load the NLP engine for language "pt".

    `model_path=None` gives a blank pipeline (tokenizer only, no NER): useful for tests of the pattern
    recognizers. A path that does not exist raises FileNotFoundError instead of triggering a download.
    """
    if model_path is None:
        path = _blank_pipeline_dir()
    else:
        path = Path(model_path)
        if not (path / "config.cfg").is_file():
            raise FileNotFoundError(f"no spaCy pipeline at {path} (config.cfg missing)")
    ner_config = NerModelConfiguration(
        model_to_presidio_entity_mapping={label: label for label in NER_LABELS},
        labels_to_ignore=[],
        default_score=default_score,
        low_score_entity_names=[],
    )
    # a GPU is used when one is there (spaCy with cupy installed); otherwise this is a no-op on CPU
    spacy.prefer_gpu()
    engine = PortugueseSpacyNlpEngine(
        models=[{"lang_code": "pt", "model_name": str(path)}],
        ner_model_configuration=ner_config,
    )
    engine.load()
    return engine
