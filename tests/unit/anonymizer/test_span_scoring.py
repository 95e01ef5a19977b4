"""The span scorer (services/anonymizer/ner/scoring.py: the NER evaluation's and the anonymizer benchmarks')
on hand-made spans, and the LeNER-Br reader's text and character offsets (ner/lener.py)."""

from __future__ import annotations

import pytest

from services.anonymizer.ner import evaluate, lener
from services.anonymizer.ner.scoring import Evaluation, Span, match_counts, uncovered_chars

TEXT = "João da Silva mora em Campinas, CPF 123.456.789-09."
#       0123456789012345678901234567890123456789012345678901
GOLD = [Span("PERSON", 0, 13), Span("LOCATION", 22, 30), Span("BR_CPF", 36, 50)]


def test_exact_match_counts_only_identical_spans() -> None:
    pred = [Span("PERSON", 0, 4), Span("LOCATION", 22, 30), Span("BR_CPF", 36, 50), Span("PERSON", 22, 30)]
    counts = match_counts(GOLD, pred, ["PERSON", "LOCATION", "BR_CPF"], "exact")
    assert (counts["PERSON"].n_gold, counts["PERSON"].n_pred, counts["PERSON"].gold_found) == (1, 2, 0)
    assert counts["PERSON"].precision == 0 and counts["PERSON"].f1 == 0
    assert counts["LOCATION"].f1 == 1.0
    assert counts["BR_CPF"].precision == counts["BR_CPF"].recall == 1.0


def test_overlap_match_counts_partial_spans_of_the_same_type() -> None:
    pred = [Span("PERSON", 0, 4), Span("PERSON", 8, 13), Span("PERSON", 22, 30)]
    counts = match_counts(GOLD, pred, ["PERSON", "LOCATION"], "overlap")
    person = counts["PERSON"]
    assert person.gold_found == 1 and person.n_gold == 1  # one gold span, found
    assert person.pred_correct == 2 and person.n_pred == 3  # the prediction on "Campinas" is wrong
    assert person.precision == pytest.approx(2 / 3)
    assert person.f1 == pytest.approx(2 * (2 / 3) * 1 / (2 / 3 + 1))
    assert counts["LOCATION"].recall == 0.0  # a PERSON over the city does not count for LOCATION
    assert counts["LOCATION"].precision is None


def test_uncovered_chars_ignores_types_and_whitespace_and_non_pii_spans() -> None:
    gold = [*GOLD, Span("ORGANIZATION", 14, 18, pii=False)]
    # "João" covered by a wrongly typed span, "Silva" covered, "da" not; the city not at all.
    pred = [Span("LOCATION", 0, 4), Span("PERSON", 8, 13), Span("BR_CPF", 36, 50)]
    uncovered, total = uncovered_chars(TEXT, gold, pred)
    assert total == len("JoãodaSilva") + len("Campinas") + len("123.456.789-09")
    assert uncovered == len("da") + len("Campinas")
    assert uncovered_chars(TEXT, gold, []) == (total, total)
    assert uncovered_chars(TEXT, [], pred) == (0, 0)


def test_evaluation_accumulates_and_reports_groups() -> None:
    ev = Evaluation(("PERSON", "LOCATION", "BR_CPF"))
    ev.add(TEXT, GOLD, [Span("PERSON", 0, 13), Span("BR_CPF", 36, 50)])
    ev.add(TEXT, GOLD, [Span("PERSON", 0, 13), Span("LOCATION", 22, 30)])
    out = ev.as_dict({"br_identifiers": ("BR_CPF", "BR_CNPJ"), "none scored": ("BR_CNS",)})
    assert out["per_type"]["PERSON"]["exact"]["f1"] == 1.0
    assert out["br_identifiers"]["exact"]["r"] == 0.5
    assert out["micro"]["exact"]["n_gold"] == 6 and out["micro"]["exact"]["n_pred"] == 4
    assert ev.uncovered == len("Campinas") + len("123.456.789-09")
    assert out["uncovered_by_type"]["BR_CPF"]["share"] == 0.5
    assert "none scored" not in out and "br_identifiers" not in ev.as_dict()


def test_ner_score_is_exact_match_with_zero_where_undefined() -> None:
    gold = [{(0, 13, "PERSON"), (22, 30, "LOCATION")}, {(0, 4, "PERSON")}]
    pred = [{(0, 13, "PERSON"), (22, 31, "LOCATION"), (36, 50, "BR_CPF")}, set()]
    out = evaluate.score(gold, pred)
    assert out["PERSON"] == {"p": 1.0, "r": 0.5, "f1": 0.6667, "support": 2}
    assert out["LOCATION"] == {"p": 0.0, "r": 0.0, "f1": 0.0, "support": 1}
    assert out["ORGANIZATION"] == {"p": 0.0, "r": 0.0, "f1": 0.0, "support": 0}
    # every label counts in ALL, also one outside LABELS
    assert out["ALL"] == {"p": 0.3333, "r": 0.3333, "f1": 0.3333, "support": 3}


def test_lener_reader_rebuilds_text_and_offsets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    conll = ("O O\nministro B-PESSOA\nLuiz I-PESSOA\nFux I-PESSOA\n, O\ndo O\nSTF B-ORGANIZACAO\nem O\n"
             "Brasília B-LOCAL\n, O\n2018 B-TEMPO\n\nLei B-LEGISLACAO\nnº I-LEGISLACAO\n")
    path = tmp_path / "dev.conll"
    path.write_text(conll, encoding="utf-8")
    (text, spans), (second_text, second_spans) = lener.load_texts(path)
    assert text == "O ministro Luiz Fux , do STF em Brasília , 2018"
    got = [(label, text[s:e]) for s, e, label in spans]
    assert got == [("PERSON", "ministro Luiz Fux"), ("ORGANIZATION", "STF"), ("LOCATION", "Brasília")]
    assert second_text == "Lei nº" and second_spans == []
