"""Document embeddings from the frozen base model: the label head's view of a document.

The trainer (to fit and validate the head) and the inference service (to serve it) both call
`BaseEmbedder.embed` on the same base-model files, in float32 on the CPU, so the features a job was
validated on are the features users are served on. Mean-pooled hidden states of the middle layer
and of the last one: the middle layers of a small LM carry most of what a linear classifier can read
about a document's topic and tone.

torch and transformers are imported only when an embedder is built, so light processes stay light.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shared.prompts import prompt_token_ids

EMBEDDER = "mean-mid-last-v1"
DEFAULT_MAX_TOKENS = 512


def document_token_ids(tokenizer: Any, text: str, max_tokens: int) -> list[int]:
    """The token ids a document is embedded from: the student's own prompt encoding (BOS, then the text),
    cut to `max_tokens` (the beginning of an administrative document says what it is)."""
    return prompt_token_ids(tokenizer, text)[:max_tokens]


class BaseEmbedder:
    """Mean-pooled middle- and last-layer hidden states of a causal LM; thread-safe (one forward at a time)."""

    def __init__(self, model_dir: str | Path, max_tokens: int = DEFAULT_MAX_TOKENS, batch_size: int = 8) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model_dir = Path(model_dir)
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
        model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32, device_map="cpu")
        model.eval()
        self._base = model.base_model  # the decoder stack without the LM head (no logits to compute)
        self._pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        """Recorded in the adapter manifest; inference checks it before serving the head."""
        return {"name": EMBEDDER, "max_tokens": self.max_tokens, "dtype": "float32"}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 2 * hidden_size) float32 array."""
        import torch

        ids = [document_token_ids(self.tokenizer, t, self.max_tokens) for t in texts]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # similar lengths batch together
        out: list[np.ndarray | None] = [None] * len(ids)
        with self._lock, torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start:start + self.batch_size]
                width = max(len(ids[i]) for i in chunk)
                input_ids = torch.tensor([ids[i] + [self._pad] * (width - len(ids[i])) for i in chunk])
                mask = torch.tensor([[1] * len(ids[i]) + [0] * (width - len(ids[i])) for i in chunk])
                hidden = self._base(input_ids=input_ids, attention_mask=mask, output_hidden_states=True).hidden_states
                weights = mask.unsqueeze(-1).to(torch.float32)
                pooled = [(h.float() * weights).sum(1) / weights.sum(1) for h in (hidden[len(hidden) // 2], hidden[-1])]
                vectors = torch.cat(pooled, dim=1).numpy()
                for row, i in enumerate(chunk):
                    out[i] = vectors[row]
        return np.stack(out).astype(np.float32) if out else np.zeros((0, 0), dtype=np.float32)  # type: ignore[arg-type]
