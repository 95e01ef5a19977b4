"""The task builders of bench/student.py, on small hand-made corpus files (the real ones are read only by
the benchmark itself)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.student import _conll_sentences, _passages, _tagged_sentences, person_split, register_split

CONLL = "O O\nMinistro B-PESSOA\nFux I-PESSOA\nvotou O\n. O\n\nA O\nlei B-LEGISLACAO\nvale O\n. O\n"


def test_conll_sentences_keep_tokens_and_their_entity_types(tmp_path: Path) -> None:
    path = tmp_path / "x.conll"
    path.write_text(CONLL, encoding="utf-8")
    assert _conll_sentences(path) == ["O Ministro Fux votou .", "A lei vale ."]
    assert _tagged_sentences(path) == [("O Ministro Fux votou .", {"PESSOA"}), ("A lei vale .", {"LEGISLACAO"})]


def test_passages_join_pieces_up_to_a_length() -> None:
    assert _passages(["a" * 5, "b" * 5, "c" * 20, "d"], low=10, high=15) == ["aaaaa bbbbb", "c" * 15]


def _corpus(root: Path) -> None:
    sentence = "Texto de exemplo número {i} sobre {what} com palavras suficientes para um trecho."
    for folder, names, what in (("lener-br", ("train.conll", "dev.conll"), "o réu"),
                                ("ulysses-ner-br", ("pl_train.conll", "pl_valid.conll"), "o projeto")):
        (root / folder).mkdir(parents=True)
        for name in names:
            lines = []
            for i in range(400):
                tag = "B-PESSOA" if i % 2 else "O"
                lines += [f"{w} O" for w in sentence.format(i=i, what=what).split()] + [f"Maria {tag}", ""]
            (root / folder / name).write_text("\n".join(lines), encoding="utf-8")
    (root / "harem").mkdir()
    docs = [{"doc_id": str(i), "doc_text": "\n".join(sentence.format(i=j, what="a cidade") for j in range(20))}
            for i in range(30)]
    (root / "harem" / "FirstHAREM-selective-train.json").write_text(json.dumps(docs), encoding="utf-8")


def test_register_and_person_tasks_are_balanced_and_disjoint(tmp_path: Path) -> None:
    _corpus(tmp_path)
    task, train, test = register_split(tmp_path, per_class_train=10, per_class_test=5)
    assert task.label_fields == ["tipo"] and len(train) == 30 and len(test) == 15
    assert {r.teacher_output["tipo"] for r in test} == {"DECISAO_JUDICIAL", "PROJETO_DE_LEI", "NOTICIA"}
    task, train, test = person_split(tmp_path, per_class_train=20, per_class_test=10)
    assert [r.teacher_output["cita_pessoa"] for r in train].count("SIM") == 20 and len(test) == 20
