"""The served base model's own tokenizer and document embedder, next to the engine.

Prompts go to the engine as token ids built by `shared.prompts.prompt_token_ids`, the function the
trainer built its examples with (BOS included): vLLM, given a string, would tokenize it its own way.
Students with a label head get their label fields from `shared.embeddings.BaseEmbedder` on the same
base-model files the trainer validated the head with. Both load on first use (torch and transformers
come with the engine's packages).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from shared.embeddings import BaseEmbedder


class BaseModelTools:
    def __init__(self) -> None:
        self.model_dir: Path | None = None
        self._tokenizer: Any = None
        self._embedder: BaseEmbedder | None = None
        self._lock = threading.Lock()

    def set_model_dir(self, model_dir: Path) -> None:
        if model_dir != self.model_dir:
            with self._lock:
                self.model_dir, self._tokenizer, self._embedder = model_dir, None, None

    def _require_dir(self) -> Path:
        if self.model_dir is None:
            raise RuntimeError("the base model is not resolved yet")
        return self.model_dir

    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            with self._lock:
                if self._tokenizer is None:
                    self._tokenizer = AutoTokenizer.from_pretrained(str(self._require_dir()))
        return self._tokenizer

    def embedder(self) -> BaseEmbedder:
        """Built once (loads the base model in float32 beside the engine: ~4 bytes a parameter)."""
        if self._embedder is None:
            with self._lock:
                if self._embedder is None:
                    self._embedder = BaseEmbedder(self._require_dir())
        return self._embedder
