"""Classification metrics of a student's generated JSON against the teacher's labels.

Used by the trainer's validation (stored in the adapter manifest, compared by the registry's
if-better gate) and by benchmarks. Plain Python: a few hundred items need no numerical library.
An output that is not usable JSON still counts: its label is None and it is wrong for every field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from shared.tasks import Task


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def classification_report(labels: Sequence[str], predicted: Sequence[str | None]) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix for one field.

    Macro-F1 averages over the union of reference and predicted classes (like scikit-learn's
    `f1_score(average="macro")`), so predicting a class that never occurs is penalized.
    """
    if not labels:
        raise ValueError("no items to score")
    if len(labels) != len(predicted):
        raise ValueError("labels and predictions differ in length")
    classes = sorted(set(labels) | {p for p in predicted if p is not None})
    index = {c: i for i, c in enumerate(classes)}
    matrix = [[0] * len(classes) for _ in classes]
    for ref, pred in zip(labels, predicted):
        if pred is not None:
            matrix[index[ref]][index[pred]] += 1
    per_class: dict[str, dict[str, float | int]] = {}
    f1_sum = 0.0
    for c in classes:
        i = index[c]
        tp = matrix[i][i]
        support = sum(1 for ref in labels if ref == c)
        predicted_as = sum(row[i] for row in matrix)
        precision, recall = _ratio(tp, predicted_as), _ratio(tp, support)
        f1 = _ratio(2 * precision * recall, precision + recall)
        f1_sum += f1
        per_class[c] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                        "support": support}
    correct = sum(1 for ref, pred in zip(labels, predicted) if ref == pred)
    return {"accuracy": round(correct / len(labels), 4),
            "macro_f1": round(f1_sum / len(classes), 4),
            "per_class": per_class,
            "confusion_matrix": {"classes": classes, "matrix": matrix},
            "unparsed": sum(1 for p in predicted if p is None)}


def _parse_object(text: str) -> dict[str, Any] | None:
    """The JSON object, read as the inference service reads it (`shared.structured_output.parse_output`:
    raw control characters inside strings, which the grammar lets through, are accepted)."""
    try:
        value = json.loads(text, strict=False)
    except (json.JSONDecodeError, TypeError):
        return None
    return value if isinstance(value, dict) else None


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % (z=1.96) Wilson score interval of a proportion: honest for small n (10 validation records
    at 0.7 agreement give 0.40-0.89)."""
    if n <= 0:
        return 0.0, 0.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)


def score_labels(task: Task, references: Sequence[dict[str, Any]],
                 predicted: Sequence[dict[str, Any] | None]) -> dict[str, Any]:
    """Per-label-field reports, agreement (every label field equal to the teacher's) with its 95 % Wilson
    interval, and the mean macro-F1 of the label fields. `predicted` items may be None (no usable output)."""
    if len(references) != len(predicted):
        raise ValueError("references and predictions differ in length")
    if not references:
        raise ValueError("no items to score")
    fields: dict[str, Any] = {}
    agree = [True] * len(references)
    for field in task.label_fields:
        labels = [str(ref[field]) for ref in references]
        values = [v[field] if v is not None and isinstance(v.get(field), str) else None for v in predicted]
        fields[field] = classification_report(labels, values)
        agree = [a and ref == pred for a, ref, pred in zip(agree, labels, values)]
    n = len(references)
    if not fields:
        return {"n": n, "fields": fields, "agreement": None, "agreement_ci95": None, "macro_f1": None}
    return {"n": n, "fields": fields, "agreement": round(sum(agree) / n, 4),
            "agreement_ci95": list(wilson_interval(sum(agree), n)),
            "macro_f1": round(sum(f["macro_f1"] for f in fields.values()) / len(fields), 4)}


def score_outputs(task: Task, references: Sequence[dict[str, Any]], generations: Sequence[str]) -> dict[str, Any]:
    """JSON validity, schema validity, and the label scores of `score_labels`."""
    if len(references) != len(generations):
        raise ValueError("references and generations differ in length")
    if not references:
        raise ValueError("no items to score")
    parsed = [_parse_object(g) for g in generations]
    schema_valid = 0
    for value in parsed:
        if value is None:
            continue
        try:
            task.validate_output(value)
            schema_valid += 1
        except ValidationError:
            pass
    n = len(references)
    labels = score_labels(task, references, parsed)
    return {"n": n, "json_valid_rate": round(sum(v is not None for v in parsed) / n, 4),
            "schema_valid_rate": round(schema_valid / n, 4), **{k: v for k, v in labels.items() if k != "n"}}


def primary_score(metrics: dict[str, Any]) -> tuple[float, float]:
    """What decides whether one adapter is better than another: macro-F1, then agreement
    (a missing figure counts as -1, below any measured one)."""
    def value(key: str) -> float:
        v = metrics.get(key)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else -1.0

    return value("macro_f1"), value("agreement")
