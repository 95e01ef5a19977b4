"""Fit a training job's label head (shared.label_head) on the frozen base model's document embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.embeddings import BaseEmbedder
from shared.label_head import LabelHead, fit_label_head
from shared.records import Record, user_prompt_text
from shared.tasks import Task


@dataclass
class FittedHead:
    head: LabelHead
    #: The head's labels for each validation record (what the inference service will answer).
    validation_labels: list[dict[str, str]]


def fit_head(base_model: Path, task: Task, train: Sequence[Record], validation: Sequence[Record],
             seed: int) -> FittedHead | None:
    """None when the task has no label field or no labeled record."""
    labeled = [r for r in train if r.teacher_output is not None]
    if not task.label_fields or not labeled:
        return None
    embedder = BaseEmbedder(base_model)
    texts = [user_prompt_text(r.user_prompt) for r in labeled]
    labels = {f: [str(r.teacher_output[f]) for r in labeled if r.teacher_output] for f in task.label_fields}
    head = fit_label_head(texts, embedder.embed(texts), labels, embedder.describe(), seed=seed)
    val_texts = [user_prompt_text(r.user_prompt) for r in validation]
    predicted = head.predict(val_texts, embedder.embed(val_texts)) if val_texts else []
    return FittedHead(head, predicted)
