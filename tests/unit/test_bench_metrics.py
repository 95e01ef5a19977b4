"""The anonymizer benchmarks' datasets (bench/anonymizer_eval.py, bench/govdocs.py) and reporting (bench/report.py).
The span scorer itself is tested in tests/unit/anonymizer/test_span_scoring.py."""

from __future__ import annotations

from bench.anonymizer_eval import Example, group_sentences, load_lener
from bench.report import ratio


def test_ratio_is_undefined_against_zero() -> None:
    assert ratio(0.9, 0.3) == 3.0
    assert ratio(0.9, 0.0) is None and ratio(None, 0.5) is None


def test_lener_sentences_become_examples_and_documents(tmp_path) -> None:  # type: ignore[no-untyped-def]
    conll = ("O O\nministro B-PESSOA\nLuiz I-PESSOA\nFux I-PESSOA\n, O\ndo O\nSTF B-ORGANIZACAO\nem O\n"
             "Brasília B-LOCAL\n, O\n2018 B-TEMPO\n\nLei B-LEGISLACAO\nnº I-LEGISLACAO\n")
    path = tmp_path / "dev.conll"
    path.write_text(conll, encoding="utf-8")
    first, second = load_lener(path)
    assert first.text == "O ministro Luiz Fux , do STF em Brasília , 2018"
    got = [(s.type, first.text[s.start:s.end]) for s in first.spans]
    assert got == [("PERSON", "ministro Luiz Fux"), ("ORGANIZATION", "STF"), ("LOCATION", "Brasília")]
    assert second.spans == []
    doc, = group_sentences([first, second], low=5, high=5)
    assert doc.text == first.text + "\n" + second.text
    assert [doc.text[s.start:s.end] for s in doc.spans] == ["ministro Luiz Fux", "STF", "Brasília"]


def test_generated_documents_are_deterministic_and_spans_are_well_formed() -> None:
    from bench.govdocs import generate_documents

    docs = generate_documents(24, seed=5)
    assert [d.text for d in docs] == [d.text for d in generate_documents(24, seed=5)]
    types = set()
    for d in docs:
        assert isinstance(d, Example)
        for s in d.spans:
            value = d.text[s.start:s.end]
            assert value and value == value.strip(), (s, value)
            types.add(s.type)
    assert {"PERSON", "LOCATION", "ORGANIZATION", "BR_CPF", "BR_CNPJ", "PHONE_NUMBER", "EMAIL_ADDRESS"} <= types
