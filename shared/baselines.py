"""Baselines every training job scores beside its student, on the same validation records.

A student's agreement means little alone: on 41 severity documents a constant answer scored 0.56 and
TF-IDF + logistic regression 0.61. So each job reports the majority class and a TF-IDF (word 1-2-grams)
+ logistic-regression classifier fitted on its own training split, per label field, and the
`if_better` promotion refuses a student that does not beat the majority class.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from shared.label_head import tfidf_vectorizer
from shared.records import Record, user_prompt_text
from shared.scoring import score_labels
from shared.tasks import Task


def baseline_scores(task: Task, train: Sequence[Record], validation: Sequence[Record]) -> dict[str, Any]:
    """`{majority: scores, tfidf_logreg: scores}` on `validation` (shared.scoring.score_labels format)."""
    from sklearn.linear_model import LogisticRegression

    train = [r for r in train if r.teacher_output is not None]
    validation = [r for r in validation if r.teacher_output is not None]
    if not task.label_fields or not train or not validation:
        return {}
    references = [r.teacher_output or {} for r in validation]
    majority = {f: Counter(str(r.teacher_output[f]) for r in train if r.teacher_output).most_common(1)[0][0]
                for f in task.label_fields}
    vectorizer = tfidf_vectorizer()
    x_train = vectorizer.fit_transform([user_prompt_text(r.user_prompt) for r in train])
    x_val = vectorizer.transform([user_prompt_text(r.user_prompt) for r in validation])
    tfidf: list[dict[str, Any]] = [{} for _ in validation]
    for field in task.label_fields:
        y = [str(r.teacher_output[field]) for r in train if r.teacher_output]
        if len(set(y)) == 1:
            predicted = [y[0]] * len(validation)
        else:
            predicted = list(LogisticRegression(max_iter=2000).fit(x_train, y).predict(x_val))
        for row, value in zip(tfidf, predicted):
            row[field] = str(value)
    return {"majority": {"labels": majority, **score_labels(task, references, [majority] * len(validation))},
            "tfidf_logreg": score_labels(task, references, tfidf)}


def beats_majority(metrics: dict[str, Any]) -> tuple[bool, str]:
    """Whether the student's macro-F1 is above the majority baseline's (True when none was measured)."""
    majority = (metrics.get("baselines") or {}).get("majority")
    if not majority or metrics.get("macro_f1") is None:
        return True, ""
    if metrics["macro_f1"] > majority["macro_f1"]:
        return True, ""
    return False, (f"the student's validation macro-F1 {metrics['macro_f1']} does not beat the majority-class "
                   f"baseline's {majority['macro_f1']}")
