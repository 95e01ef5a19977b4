"""The student's label head: the label fields of a task come from a linear classifier, not from free decoding.

Why: measured on Portuguese tasks of a few hundred records, a small generative student (SmolLM2-135M,
Gemma-3-270M) fine-tuned with LoRA does not reproduce its teacher's labels (it settles on one label),
while a linear classifier on the frozen base model's pooled hidden states, or on the document's words
(TF-IDF), does. The head combines both feature blocks — the base model's representation of the document
and its lexical content — in one logistic regression per label field, with the block weights and the
regularization chosen by cross-validation on the training records only. The generative LoRA student
still writes the free-text fields, decoding under a schema in which each label field is pinned to the
head's answer, so one JSON answer comes out, always schema-valid.

The same `LabelHead.predict` and `shared.embeddings.BaseEmbedder` run in the trainer's validation and in
the inference service, on the same base-model files in float32: the label a job validated is the label
users are served. Saved as JSON + NumPy arrays (no pickle: a published adapter is data, never code).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HEAD_DIR = "label_head"
_CONFIG = "head.json"
_ARRAYS = "head.npz"
FORMAT = "llm4gov-label-head-v1"

#: Candidate (tfidf weight, embedding weight) pairs; CV picks one per field. (1, 0) is words alone,
#: (0, 1) the base model's representation alone.
BLOCK_WEIGHTS: tuple[tuple[float, float], ...] = ((1.0, 0.0), (0.0, 1.0), (1.0, 0.5), (1.0, 1.0), (1.0, 2.0))
C_VALUES: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0, 30.0)
CLASS_WEIGHTS: tuple[str | None, ...] = (None, "balanced")
TFIDF_OPTIONS: dict[str, Any] = {"ngram_range": (1, 2), "sublinear_tf": True, "min_df": 1, "lowercase": True,
                                 "max_features": 50_000}


def tfidf_vectorizer(vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(vocabulary=vocabulary, **TFIDF_OPTIONS)


@dataclass
class FieldHead:
    """One label field: a logistic regression over the weighted feature blocks (or a constant)."""

    classes: list[str]
    tfidf_weight: float
    embedding_weight: float
    coef: np.ndarray  # (n_classes or 1, n_features)
    intercept: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    cv: dict[str, Any] = field(default_factory=dict)

    def scores(self, tfidf: Any, embedding: np.ndarray) -> np.ndarray:
        """Class probabilities, (n_docs, n_classes)."""
        from scipy import sparse

        n = embedding.shape[0]
        if len(self.classes) == 1:
            return np.ones((n, 1))
        x = sparse.hstack([tfidf * self.tfidf_weight, sparse.csr_matrix(embedding * self.embedding_weight)]).tocsr()
        logits = np.asarray(x @ self.coef.T) + self.intercept
        if len(self.classes) == 2:  # sklearn's binary form: one column for the second class
            p = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            return np.stack([1.0 - p, p], axis=1)
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)


@dataclass
class LabelHead:
    """Per label field, a classifier over [TF-IDF of the document, standardized base-model embedding]."""

    fields: dict[str, FieldHead]
    vocabulary: dict[str, int]
    idf: np.ndarray
    embedding_mean: np.ndarray
    embedding_scale: np.ndarray
    embedder: dict[str, Any]

    # --- features -------------------------------------------------------------------------------
    def features(self, texts: Sequence[str], embeddings: np.ndarray) -> tuple[Any, np.ndarray]:
        vectorizer = tfidf_vectorizer(self.vocabulary)
        vectorizer.idf_ = self.idf
        return vectorizer.transform(list(texts)), _standardize(embeddings, self.embedding_mean, self.embedding_scale)

    def predict(self, texts: Sequence[str], embeddings: np.ndarray) -> list[dict[str, str]]:
        """The label of every field for each document."""
        tfidf, emb = self.features(texts, embeddings)
        out: list[dict[str, str]] = [{} for _ in texts]
        for name, head in self.fields.items():
            best = head.scores(tfidf, emb).argmax(axis=1)
            for row, index in enumerate(best):
                out[row][name] = head.classes[int(index)]
        return out

    def summary(self) -> dict[str, Any]:
        """What the manifest records: the chosen features and their cross-validated scores."""
        return {"format": FORMAT, "embedder": self.embedder, "vocabulary_size": len(self.vocabulary),
                "fields": {name: {"classes": h.classes, "tfidf_weight": h.tfidf_weight,
                                  "embedding_weight": h.embedding_weight, **h.params, "cv": h.cv}
                           for name, h in self.fields.items()}}

    # --- persistence ----------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {"idf": self.idf, "embedding_mean": self.embedding_mean, "embedding_scale": self.embedding_scale}
        for i, head in enumerate(self.fields.values()):
            arrays[f"coef_{i}"], arrays[f"intercept_{i}"] = head.coef, head.intercept
        np.savez(directory / _ARRAYS, **arrays)
        config = {"format": FORMAT, "embedder": self.embedder, "vocabulary": self.vocabulary,
                  "fields": [{"name": name, "classes": h.classes, "tfidf_weight": h.tfidf_weight,
                              "embedding_weight": h.embedding_weight, "params": h.params, "cv": h.cv}
                             for name, h in self.fields.items()]}
        (directory / _CONFIG).write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "LabelHead":
        """Read a saved head; ValueError if it is missing, of another format or inconsistent."""
        try:
            config = json.loads((directory / _CONFIG).read_text(encoding="utf-8"))
            with np.load(directory / _ARRAYS, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, KeyError) as exc:
            raise ValueError(f"label head unreadable ({type(exc).__name__})") from None
        if config.get("format") != FORMAT:
            raise ValueError(f"label head format {config.get('format')!r} is not {FORMAT!r}")
        fields = {}
        width = len(config["vocabulary"]) + arrays["embedding_mean"].shape[0]
        for i, item in enumerate(config["fields"]):
            coef, intercept = arrays[f"coef_{i}"], arrays[f"intercept_{i}"]
            if len(item["classes"]) > 1 and coef.shape[1] != width:
                raise ValueError(f"label head field {item['name']!r}: {coef.shape[1]} weights for {width} features")
            fields[item["name"]] = FieldHead(item["classes"], item["tfidf_weight"], item["embedding_weight"],
                                             coef, intercept, item.get("params", {}), item.get("cv", {}))
        return cls(fields, config["vocabulary"], arrays["idf"], arrays["embedding_mean"], arrays["embedding_scale"],
                   config["embedder"])

    @classmethod
    def exists(cls, directory: Path) -> bool:
        return (directory / _CONFIG).is_file()


def _standardize(embeddings: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per dimension, then divided by sqrt(dim): the block's norm is ~1, like TF-IDF's."""
    return (np.asarray(embeddings, dtype=np.float64) - mean) / scale / np.sqrt(max(1, mean.shape[0]))


def fit_label_head(texts: Sequence[str], embeddings: np.ndarray, labels: dict[str, Sequence[str]],
                   embedder: dict[str, Any], seed: int = 42, folds: int = 5) -> LabelHead:
    """Fit one classifier per label field; block weights, C and class weighting chosen by stratified
    k-fold cross-validation (accuracy, then macro-F1) on these records only."""
    vectorizer = tfidf_vectorizer()
    tfidf = vectorizer.fit_transform(list(texts))
    raw = np.asarray(embeddings, dtype=np.float64)
    mean, scale = raw.mean(axis=0), raw.std(axis=0)
    scale[scale < 1e-8] = 1.0
    emb = _standardize(raw, mean, scale)
    heads = {name: _fit_field(tfidf, emb, list(values), seed, folds) for name, values in labels.items()}
    vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
    return LabelHead(heads, vocabulary, np.asarray(vectorizer.idf_), mean, scale, embedder)


def _fit_field(tfidf: Any, emb: np.ndarray, y: list[str], seed: int, folds: int) -> FieldHead:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    classes = sorted(set(y))
    width = tfidf.shape[1] + emb.shape[1]
    if len(classes) == 1:
        return FieldHead(classes, 0.0, 0.0, np.zeros((1, width)), np.zeros(1), {"constant": True})

    def design(w_t: float, w_e: float) -> Any:
        return sparse.hstack([tfidf * w_t, sparse.csr_matrix(emb * w_e)]).tocsr()

    def model(c: float, cw: str | None) -> Any:
        return LogisticRegression(C=c, class_weight=cw, max_iter=2000, random_state=seed)

    labels = np.asarray(y)
    k = min(folds, min(Counter(y).values()))
    grid = [(w, c, cw) for w in BLOCK_WEIGHTS for c in C_VALUES for cw in CLASS_WEIGHTS]
    chosen, cv = grid[3 * len(C_VALUES) * len(CLASS_WEIGHTS) + 2], {"folds": 0}  # (1, 1), C=1, no weights
    if k >= 2:
        splits = list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), labels))
        designs = {w: design(*w) for w in BLOCK_WEIGHTS}
        best: tuple[float, float] | None = None
        for w, c, cw in grid:
            predicted = np.empty(len(y), dtype=object)
            for train, test in splits:
                predicted[test] = model(c, cw).fit(designs[w][train], labels[train]).predict(designs[w][test])
            score = (accuracy_score(labels, predicted), f1_score(labels, predicted, average="macro"))
            if best is None or score > best:
                best, chosen = score, (w, c, cw)
        assert best is not None
        cv = {"folds": k, "accuracy": round(float(best[0]), 4), "macro_f1": round(float(best[1]), 4)}
    (w_t, w_e), c, cw = chosen
    fitted = model(c, cw).fit(design(w_t, w_e), labels)
    return FieldHead([str(x) for x in fitted.classes_], w_t, w_e, np.asarray(fitted.coef_), np.asarray(fitted.intercept_),
                     {"C": c, "class_weight": cw}, cv)
