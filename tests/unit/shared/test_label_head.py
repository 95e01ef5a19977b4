"""The student's label head: fitting, cross-validated choice, save/load round trip, and the pieces that keep
train and serve identical (prompt token ids, pinned decoding schema, serving-config check)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from shared.label_head import FORMAT, LabelHead, fit_label_head  # noqa: E402
from shared.prompts import prompt_token_ids  # noqa: E402
from shared.scoring import score_labels, wilson_interval  # noqa: E402
from shared.structured_output import decoding_schema, pin_labels  # noqa: E402
from shared.tasks import Task  # noqa: E402

TASK = Task.from_example("triage", {"kind": "FURTO|INCENDIO|OUTRO", "urgent": "SIM|NAO", "note": "texto"})
WORDS = {"FURTO": ["furto", "roubo", "carteira"], "INCENDIO": ["fogo", "fumaça", "chamas"], "OUTRO": ["reunião", "ofício"]}


def corpus(n: int, seed: int = 0) -> tuple[list[str], np.ndarray, dict[str, list[str]]]:
    rng = random.Random(seed)
    texts, kinds, urgent, emb = [], [], [], []
    for i in range(n):
        kind = ["FURTO", "INCENDIO", "OUTRO"][i % 3]
        texts.append(f"Relato {i}: houve {rng.choice(WORDS[kind])} no setor {rng.randint(1, 9)}.")
        kinds.append(kind)
        is_urgent = kind == "INCENDIO" or rng.random() < 0.2
        urgent.append("SIM" if is_urgent else "NAO")
        # the "embedding" carries the urgency signal the words do not
        emb.append([1.0 if is_urgent else -1.0, rng.gauss(0, 1), rng.gauss(0, 1)])
    return texts, np.asarray(emb, dtype=np.float32), {"kind": kinds, "urgent": urgent}


def test_head_learns_from_words_and_embeddings_and_round_trips(tmp_path: Path) -> None:
    texts, emb, labels = corpus(60)
    head = fit_label_head(texts, emb, labels, {"name": "test"})
    test_texts, test_emb, test_labels = corpus(30, seed=1)
    predicted = head.predict(test_texts, test_emb)
    assert [p["kind"] for p in predicted] == test_labels["kind"]
    assert [p["urgent"] for p in predicted] == test_labels["urgent"]
    summary = head.summary()
    assert summary["format"] == FORMAT and summary["fields"]["kind"]["cv"]["folds"] == 5
    assert summary["fields"]["urgent"]["embedding_weight"] > 0  # only the embedding knows urgency

    head.save(tmp_path / "head")
    loaded = LabelHead.load(tmp_path / "head")
    assert loaded.predict(test_texts, test_emb) == predicted
    files = sorted(p.name for p in (tmp_path / "head").iterdir())
    assert files == ["head.json", "head.npz"]  # data only, no pickle


def test_a_field_with_one_class_is_constant_and_tiny_data_skips_cv() -> None:
    texts, emb, labels = corpus(4)
    head = fit_label_head(texts, emb, {"kind": ["OUTRO"] * 4, "urgent": ["SIM", "NAO", "SIM", "NAO"]}, {})
    assert {p["kind"] for p in head.predict(texts, emb)} == {"OUTRO"}
    assert head.summary()["fields"]["urgent"]["cv"]["folds"] == 2


def test_a_damaged_head_is_refused(tmp_path: Path) -> None:
    texts, emb, labels = corpus(30)
    fit_label_head(texts, emb, labels, {}).save(tmp_path)
    (tmp_path / "head.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(ValueError, match="format"):
        LabelHead.load(tmp_path)
    with pytest.raises(ValueError, match="unreadable"):
        LabelHead.load(tmp_path / "missing")


def test_pinned_schema_allows_only_the_heads_label() -> None:
    schema = decoding_schema(TASK.output_schema, 50)
    pinned = pin_labels(schema, {"kind": "FURTO"})
    assert pinned["properties"]["kind"]["enum"] == ["FURTO"]
    assert pinned["properties"]["urgent"]["enum"] == ["SIM", "NAO"]
    assert schema["properties"]["kind"]["enum"] == ["FURTO", "INCENDIO", "OUTRO"]  # not modified in place


def test_prompt_token_ids_put_bos_first_and_add_nothing_else() -> None:
    class Tok:
        bos_token_id = 1

        def __call__(self, text: str, add_special_tokens: bool = True) -> dict[str, list[int]]:
            assert add_special_tokens is False
            return {"input_ids": [ord(c) for c in text]}

    assert prompt_token_ids(Tok(), "ab") == [1, 97, 98]
    Tok.bos_token_id = None  # type: ignore[assignment]
    assert prompt_token_ids(Tok(), "ab") == [97, 98]


def test_wilson_interval_and_label_scores() -> None:
    assert wilson_interval(7, 10) == (0.3968, 0.8922)
    assert wilson_interval(0, 0) == (0.0, 0.0)
    refs = [{"kind": "FURTO", "urgent": "SIM"}, {"kind": "OUTRO", "urgent": "NAO"}]
    scores = score_labels(TASK, refs, [{"kind": "FURTO", "urgent": "SIM"}, None])
    assert scores["agreement"] == 0.5 and scores["agreement_ci95"] == list(wilson_interval(1, 2))


def test_k_fold_cross_validation_scores_every_record_once() -> None:
    from services.trainer.label_heads import cross_validate
    from shared.records import Record

    texts, emb, labels = corpus(45)
    records = [Record(user_prompt=t, teacher_output={"kind": k, "urgent": u, "note": "x"})
               for t, k, u in zip(texts, labels["kind"], labels["urgent"])]
    scores = cross_validate(TASK, records, texts, emb, folds=5, seed=0)
    assert scores["folds"] == 5 and scores["n"] == 45
    assert scores["agreement"] >= 0.9 and scores["agreement_ci95"][0] < scores["agreement"]
