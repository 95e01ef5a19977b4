"""Fit a training job's label head (shared.label_head) on the frozen base model's document embeddings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shared.embeddings import BaseEmbedder
from shared.label_head import LabelHead, fit_label_head
from shared.records import Record, user_prompt_text
from shared.scoring import score_labels
from shared.tasks import Task


@dataclass
class FittedHead:
    head: LabelHead
    #: The head's labels for each validation record (what the inference service will answer).
    validation_labels: list[dict[str, str]]
    #: k-fold cross-validation of the head over every labeled record, when asked for.
    cross_validation: dict[str, Any] | None = None


def fit_head(base_model: Path, task: Task, train: Sequence[Record], validation: Sequence[Record],
             seed: int, folds: int | None = None) -> FittedHead | None:
    """None when the task has no label field or no labeled record."""
    labeled = [r for r in train if r.teacher_output is not None]
    if not task.label_fields or not labeled:
        return None
    embedder = BaseEmbedder(base_model)
    texts = [user_prompt_text(r.user_prompt) for r in labeled]
    embeddings = embedder.embed(texts)
    labels = {f: [str(r.teacher_output[f]) for r in labeled if r.teacher_output] for f in task.label_fields}
    head = fit_label_head(texts, embeddings, labels, embedder.describe(), seed=seed)
    val_texts = [user_prompt_text(r.user_prompt) for r in validation]
    val_embeddings = embedder.embed(val_texts) if val_texts else np.zeros((0, embeddings.shape[1]), np.float32)
    predicted = head.predict(val_texts, val_embeddings) if val_texts else []
    cv = None
    if folds:
        everything = [*labeled, *(r for r in validation if r.teacher_output is not None)]
        keep = [i for i, r in enumerate(validation) if r.teacher_output is not None]
        cv = cross_validate(task, everything, [*texts, *(val_texts[i] for i in keep)],
                            np.concatenate([embeddings, val_embeddings[keep]]), folds, seed)
    return FittedHead(head, predicted, cv)


def cross_validate(task: Task, records: Sequence[Record], texts: Sequence[str], embeddings: np.ndarray, folds: int,
                   seed: int) -> dict[str, Any]:
    """Agreement (with its Wilson interval) and macro-F1 of heads fitted on k-1 folds, scored on the k-th,
    over all `records` (stratified on the first label field)."""
    from sklearn.model_selection import StratifiedKFold

    first = [str((r.teacher_output or {})[task.label_fields[0]]) for r in records]
    k = max(2, min(folds, min(first.count(c) for c in set(first))))
    predicted: list[dict[str, str]] = [{} for _ in records]
    for train_idx, test_idx in StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(texts, first):
        labels = {f: [str((records[i].teacher_output or {})[f]) for i in train_idx] for f in task.label_fields}
        head = fit_label_head([texts[i] for i in train_idx], embeddings[train_idx], labels, {}, seed=seed)
        for i, value in zip(test_idx, head.predict([texts[i] for i in test_idx], embeddings[test_idx])):
            predicted[i] = value
    scores = score_labels(task, [r.teacher_output or {} for r in records], predicted)
    return {"folds": k, **{key: scores[key] for key in ("n", "agreement", "agreement_ci95", "macro_f1")}}
