"""Tests for the Portuguese NER data tooling and the shipped model (services/anonymizer/ner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

spacy = pytest.importorskip("spacy")

from services.anonymizer.ner import lener, lexicon, synthetic  # noqa: E402

MODEL_DIR = Path(__file__).resolve().parents[3] / "services" / "anonymizer" / "models" / "pt_ner"


@pytest.fixture(scope="module")
def blank_pt():
    return spacy.blank("pt")


# --- lexicon ----------------------------------------------------------------------------------------

def test_lexicon_sizes():
    assert len(lexicon.FIRST_NAMES) >= 300
    assert len(lexicon.SURNAMES) >= 300
    assert len(lexicon.UFS) == 27
    assert "Ministério da Justiça e Segurança Pública" in lexicon.PUBLIC_BODIES
    assert all("  " not in x and x == x.strip() for x in lexicon.PUBLIC_BODIES)


# --- synthetic generator ---------------------------------------------------------------------------

@pytest.mark.parametrize("eval_templates", [False, True])
def test_synthetic_spans_align_with_tokens(blank_pt, eval_templates):
    examples = synthetic.generate(1500, seed=3, eval_templates=eval_templates)
    n_spans = 0
    for ex in examples:
        doc = blank_pt.make_doc(ex.text)
        for start, end, label in ex.spans:
            assert label in synthetic.LABELS
            assert ex.text[start:end] == ex.text[start:end].strip()
            assert doc.char_span(start, end, alignment_mode="strict") is not None, (ex.text, ex.text[start:end])
            n_spans += 1
    assert n_spans > 1500
    docs, dropped = synthetic.to_docs(blank_pt, examples)
    assert dropped == 0 and len(docs) == len(examples)


def test_synthetic_is_deterministic_per_seed():
    a = synthetic.generate(200, seed=11)
    b = synthetic.generate(200, seed=11)
    c = synthetic.generate(200, seed=12)
    assert [(e.text, e.spans) for e in a] == [(e.text, e.spans) for e in b]
    assert [e.text for e in a] != [e.text for e in c]


def test_synthetic_has_variety_and_negatives():
    examples = synthetic.generate(3000, seed=5)
    registers = {e.register for e in examples}
    assert {"oficio", "despacho", "email", "ouvidoria", "news", "form", "legal", "neg"} <= registers
    assert any(not e.spans for e in examples)
    assert any(e.text.isupper() for e in examples)
    assert any(e.text == e.text.lower() and e.spans for e in examples)
    labels = {lab for e in examples for _, _, lab in e.spans}
    assert labels == set(synthetic.LABELS)


def test_eval_templates_are_disjoint_from_training():
    train = set(synthetic.TRAIN_TEMPLATES) | set(synthetic.TRAIN_TEMPLATES_R2)
    assert not train & set(synthetic.EVAL_TEMPLATES)
    assert not train & set(synthetic.EVAL_TEMPLATES_R2)
    assert len(synthetic.TRAIN_TEMPLATES) >= 100


def test_eval_generation_uses_only_eval_templates():
    bodies = {t.partition("|")[2] for t in synthetic.TRAIN_TEMPLATES + synthetic.TRAIN_TEMPLATES_R2}
    assert "{HWY}" in "".join(bodies)  # round-2 slots are trained on
    r1 = synthetic.generate(50, seed=777, eval_templates=True)
    r2 = synthetic.generate(50, seed=777, eval_templates=True, eval_r2=True)
    assert {e.register for e in r2} <= {t.partition("|")[0] for t in synthetic.EVAL_TEMPLATES_R2}
    assert [e.text for e in r1] != [e.text for e in r2]


@pytest.mark.parametrize("eval_r2", [False, True])
def test_synthetic_eval_r2_spans_align(blank_pt, eval_r2):
    examples = synthetic.generate(800, seed=4, eval_templates=True, eval_r2=eval_r2)
    docs, dropped = synthetic.to_docs(blank_pt, examples)
    assert dropped == 0


def test_round2_location_shapes(blank_pt):
    import random

    f = synthetic.Filler(random.Random(0))
    for _ in range(300):
        for value in (f.highway(), f.geo(), f.region(), f.df_place(), f.state_x(), f.municipality(), f.place()):
            assert value == value.strip() and "  " not in value
    assert any(f.highway().startswith(("BR-", "rodovia BR", "Rodovia BR")) for _ in range(50))


# --- LeNER reader -------------------------------------------------------------------------------------

CONLL = """\
O O
juiz O
Fulano B-PESSOA
Beltrano I-PESSOA
, O
do O
Tribunal B-ORGANIZACAO
Exemplar I-ORGANIZACAO
, O
em O
Cidade B-LOCAL
Alta I-LOCAL
, O
citou O
a O
Lei B-LEGISLACAO
Tal I-LEGISLACAO
em O
2010 B-TEMPO
. O

Ciclano B-PESSOA
e O
Beltrana B-PESSOA
I-only I-LOCAL
"""


def test_lener_reader_maps_labels(blank_pt):
    docs = lener.conll_to_docs(blank_pt.vocab, CONLL.splitlines())
    assert len(docs) == 2
    ents = [(e.text, e.label_) for e in docs[0].ents]
    assert ents == [("Fulano Beltrano", "PERSON"), ("Tribunal Exemplar", "ORGANIZATION"), ("Cidade Alta", "LOCATION")]
    ents = [(e.text, e.label_) for e in docs[1].ents]
    assert ents == [("Ciclano", "PERSON"), ("Beltrana", "PERSON"), ("I-only", "LOCATION")]
    assert lener.map_tag("B-TEMPO") == "O" and lener.map_tag("I-JURISPRUDENCIA") == "O"
    assert lener.map_tag("I-PESSOA") == "I-PERSON"


# --- shipped model -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model():
    # The model is shipped with the repository: a missing model is a bug, not a reason to skip.
    assert (MODEL_DIR / "config.cfg").is_file(), f"shipped NER model missing: {MODEL_DIR}"
    return spacy.load(MODEL_DIR)


def test_model_labels_and_meta(model):
    assert sorted(model.get_pipe("ner").labels) == ["LOCATION", "ORGANIZATION", "PERSON"]
    assert model.pipe_names == ["tok2vec", "ner"]
    assert "LeNER-Br" in model.meta["license"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("O requerente Marcos Antônio Ferreira compareceu à audiência.", ("Marcos Antônio Ferreira", "PERSON")),
        ("A Prefeitura Municipal de Campinas publicou o edital ontem.", ("Prefeitura Municipal de Campinas", "ORGANIZATION")),
        ("Participaram do julgamento os Ministros Carlos Mendes e Ana Souza.", ("Ana Souza", "PERSON")),
        ("O recurso foi julgado pelo Superior Tribunal de Justiça em março.", ("Superior Tribunal de Justiça", "ORGANIZATION")),
        ("Ele se mudou de Porto Alegre para Belo Horizonte no ano passado.", ("Belo Horizonte", "LOCATION")),
        ("Meu nome é Juliana Pereira da Costa e moro em Fortaleza.", ("Fortaleza", "LOCATION")),
    ],
)
def test_model_finds_clear_entities(model, text, expected):
    ents = {(e.text, e.label_) for e in model(text).ents}
    assert expected in ents, ents


def test_model_leaves_plain_sentence_alone(model):
    doc = model("Atenciosamente, informamos que o prazo foi prorrogado até o fim do mês.")
    assert not [e for e in doc.ents if e.label_ == "PERSON"]


def test_shipped_model_carries_no_training_text():
    """The string store would list every training token (corpus names and numbers); it must be empty."""
    strings = MODEL_DIR / "vocab" / "strings.json"
    assert json.loads(strings.read_text(encoding="utf-8")) == []
