"""Readers of UlyssesNER-Br (CoNLL) and First HAREM (JSON): label mapping and PERSON conventions.
The inputs are written here by hand in the corpora's formats (no corpus text is copied)."""

from __future__ import annotations

import json
from pathlib import Path

from services.anonymizer.ner import harem, ulysses

CONLL = """Do B-PESSOA
Deputado I-PESSOA
Fulano I-PESSOA
de I-PESSOA
Tal I-PESSOA
( O
PXX B-ORGANIZACAO
) O
os O
motoristas B-PESSOA
de O
Cidadela B-LOCAL
em O
2019 B-DATA
ver O
https://exemplo.gov.br B-LOCAL
"""


def test_ulysses_reader(tmp_path: Path) -> None:
    path = tmp_path / "x.conll"
    path.write_text(CONLL, encoding="utf-8")
    (ex,) = ulysses.load(path)
    got = [(ex.text[s:e], label) for s, e, label in ex.spans]
    # role words stripped from PERSON, a group ("motoristas") is not a PERSON, DATA ignored, URL not a place
    assert got == [("Fulano de Tal", "PERSON"), ("PXX", "ORGANIZATION"), ("Cidadela", "LOCATION")]


def test_harem_reader(tmp_path: Path) -> None:
    text = "Bom dia.\nO senhor deputado Zeferino Quintal falou em Vilarejo pela Associação Tal. A Senhora Presidente riu."
    ents = []
    for value, label in (("senhor deputado Zeferino Quintal", "PESSOA"), ("Vilarejo", "LOCAL"),
                         ("Associação Tal", "ORGANIZACAO"), ("Senhora Presidente", "PESSOA"), ("Bom dia", "TEMPO")):
        start = text.index(value)
        ents.append({"text": value, "label": label, "start_offset": start, "end_offset": start + len(value)})
    path = tmp_path / "h.json"
    path.write_text(json.dumps([{"doc_id": "d", "doc_text": text, "entities": ents}]), encoding="utf-8")
    examples = harem.load(path)
    assert [ex.text for ex in examples] == ["Bom dia.", text.split("\n")[1]]
    got = [(ex.text[s:e], label) for ex in examples for s, e, label in ex.spans]
    assert got == [("Zeferino Quintal", "PERSON"), ("Vilarejo", "LOCATION"), ("Associação Tal", "ORGANIZATION")]


def test_harem_long_paragraphs_are_split_outside_entities(tmp_path: Path) -> None:
    sentence = "Zeferino Quintal chegou ontem a Vilarejo com a família. "
    text = sentence * 30
    ents = []
    for i in range(30):
        start = i * len(sentence)
        ents.append({"text": "Zeferino Quintal", "label": "PESSOA", "start_offset": start, "end_offset": start + 16})
    path = tmp_path / "h.json"
    path.write_text(json.dumps([{"doc_id": "d", "doc_text": text, "entities": ents}]), encoding="utf-8")
    examples = harem.load(path, max_chars=200)
    assert len(examples) > 1 and all(len(ex.text) <= 200 for ex in examples)
    assert sum(len(ex.spans) for ex in examples) == 30
    assert all(ex.text[s:e] == "Zeferino Quintal" for ex in examples for s, e, _ in ex.spans)
