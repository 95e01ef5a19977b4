"""The baselines every training job reports, and the if-better gate against the majority class."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from shared.baselines import baseline_scores, beats_majority  # noqa: E402
from shared.records import Record  # noqa: E402
from shared.tasks import Task  # noqa: E402

TASK = Task.from_example("incidents", {"kind": "FURTO|INCENDIO", "note": "texto"})


def _records(n: int, offset: int = 0) -> list[Record]:
    out = []
    for i in range(offset, offset + n):
        kind = "INCENDIO" if i % 4 == 0 else "FURTO"
        word = "fogo e fumaça" if kind == "INCENDIO" else "levaram a carteira"
        out.append(Record(user_prompt=f"Relato {i}: {word}.", teacher_output={"kind": kind, "note": "x"}))
    return out


def test_majority_and_tfidf_are_scored_on_the_validation_records() -> None:
    scores = baseline_scores(TASK, _records(40), _records(20, offset=100))
    assert scores["majority"]["labels"] == {"kind": "FURTO"}
    assert scores["majority"]["agreement"] == 0.75
    assert scores["tfidf_logreg"]["agreement"] == 1.0
    low, high = scores["tfidf_logreg"]["agreement_ci95"]
    assert 0.8 < low < 1.0 == high
    assert baseline_scores(TASK, _records(4), []) == {}


def test_if_better_needs_a_student_above_the_majority_class() -> None:
    baselines = {"majority": {"macro_f1": 0.43}}
    assert beats_majority({"macro_f1": 0.6, "baselines": baselines}) == (True, "")
    ok, reason = beats_majority({"macro_f1": 0.43, "baselines": baselines})
    assert not ok and "does not beat the majority-class baseline's 0.43" in reason
    assert beats_majority({"macro_f1": 0.1})[0]  # nothing to compare with
