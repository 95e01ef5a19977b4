"""Classification metrics of generated JSON, checked against figures computed by hand."""

from __future__ import annotations

import json

import pytest

from shared.scoring import classification_report, primary_score, score_outputs
from shared.tasks import Task

TASK = Task.from_example("severity", {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA|CRITICA",
                                      "explanation": "..."})


def test_three_class_report_by_hand() -> None:
    labels = ["A", "A", "A", "B", "B", "C"]
    predicted = ["A", "A", "B", "B", "C", None]
    report = classification_report(labels, predicted)
    # A: tp 2, predicted 2, support 3 -> P 1, R 2/3, F1 0.8; B: tp 1, predicted 2, support 2 -> 0.5, 0.5, 0.5;
    # C: tp 0, predicted 1, support 1 -> 0, 0, 0
    assert report["per_class"]["A"] == {"precision": 1.0, "recall": 0.6667, "f1": 0.8, "support": 3}
    assert report["per_class"]["B"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert report["per_class"]["C"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert report["macro_f1"] == round((0.8 + 0.5 + 0.0) / 3, 4)
    assert report["accuracy"] == 0.5 and report["unparsed"] == 1
    assert report["confusion_matrix"] == {"classes": ["A", "B", "C"], "matrix": [[2, 1, 0], [0, 1, 1], [0, 0, 0]]}


def test_hallucinated_class_lowers_macro_f1() -> None:
    report = classification_report(["A", "A"], ["A", "Z"])
    assert set(report["per_class"]) == {"A", "Z"}
    assert report["macro_f1"] == round((2 / 3 + 0.0) / 2, 4)


def test_errors_on_empty_or_mismatched_input() -> None:
    with pytest.raises(ValueError):
        classification_report([], [])
    with pytest.raises(ValueError):
        score_outputs(TASK, [{"severity_level": "ALTA"}], [])


def test_score_outputs_counts_json_and_schema_validity() -> None:
    references = [{"document_id": f"D{i}", "severity_level": level, "explanation": "x"}
                  for i, level in enumerate(["BAIXA", "MEDIA", "ALTA", "BAIXA"])]
    generations = [
        json.dumps({"document_id": "D0", "severity_level": "BAIXA", "explanation": "ok"}),  # valid, right
        json.dumps({"document_id": "D1", "severity_level": "MEDIA"}),  # JSON, violates schema, label right
        '{"document_id": "D2", "severity_level": "AL',  # cut off: no label
        json.dumps({"document_id": "D3", "severity_level": "ALTA", "explanation": "no"}),  # valid, wrong
    ]
    scores = score_outputs(TASK, references, generations)
    assert scores["n"] == 4
    assert scores["json_valid_rate"] == 0.75 and scores["schema_valid_rate"] == 0.5
    assert scores["agreement"] == 0.5
    field = scores["fields"]["severity_level"]
    assert field["unparsed"] == 1 and field["accuracy"] == 0.5
    assert scores["macro_f1"] == field["macro_f1"]


def test_primary_score_orders_by_macro_f1_then_agreement() -> None:
    assert primary_score({"macro_f1": 0.6, "agreement": 0.5}) > primary_score({"macro_f1": 0.5, "agreement": 0.9})
    assert primary_score({"macro_f1": 0.5, "agreement": 0.6}) > primary_score({"macro_f1": 0.5, "agreement": 0.4})
    assert primary_score({}) == (-1.0, -1.0) < primary_score({"macro_f1": 0.0, "agreement": 0.0})


def test_non_string_or_missing_label_counts_as_unparsed() -> None:
    references = [{"severity_level": "ALTA"}, {"severity_level": "BAIXA"}, {"severity_level": "BAIXA"}]
    generations = ['{"severity_level": 3}', '["BAIXA"]', '{"document_id": "D2"}']
    scores = score_outputs(TASK, references, generations)
    assert scores["json_valid_rate"] == round(2 / 3, 4) and scores["schema_valid_rate"] == 0.0
    field = scores["fields"]["severity_level"]
    assert field["unparsed"] == 3 and field["accuracy"] == 0.0 and scores["agreement"] == 0.0
    # None predictions add no column: only the reference classes appear, with all-zero rows
    assert field["confusion_matrix"] == {"classes": ["ALTA", "BAIXA"], "matrix": [[0, 0], [0, 0]]}
    assert field["macro_f1"] == 0.0


def test_perfect_predictions_score_one() -> None:
    report = classification_report(["X", "Y", "Y"], ["X", "Y", "Y"])
    assert report["accuracy"] == 1.0 and report["macro_f1"] == 1.0 and report["unparsed"] == 0
    assert report["per_class"]["Y"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}


def test_outputs_are_read_as_the_inference_service_reads_them() -> None:
    from shared.scoring import score_outputs
    from shared.tasks import Task

    task = Task.from_example("t", {"kind": "A|B", "note": "x"})
    # a raw control character inside a string: the grammar allows it, parse_output accepts it
    scores = score_outputs(task, [{"kind": "A", "note": "n"}], ['{"kind":"A","note":"a\x19b"}'])
    assert scores["json_valid_rate"] == 1.0 and scores["agreement"] == 1.0
