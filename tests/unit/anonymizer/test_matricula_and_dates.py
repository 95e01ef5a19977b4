"""BR_MATRICULA (context-gated) and the DATE_TIME policy of the analyzer (blank NLP: no model needed)."""

from __future__ import annotations

import pytest

from services.anonymizer.engine import PiiAnalyzer


@pytest.fixture(scope="module")
def blank_analyzer() -> PiiAnalyzer:
    analyzer = PiiAnalyzer.__new__(PiiAnalyzer)
    # same construction as PiiAnalyzer, with a blank pipeline (tokenizer only): pattern recognizers only
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from services.anonymizer.nlp import build_nlp_engine
    from services.anonymizer.recognizers import build_recognizers

    analyzer.nlp_engine = build_nlp_engine(None)
    registry = RecognizerRegistry(recognizers=build_recognizers(), supported_languages=["pt"])
    analyzer.analyzer = AnalyzerEngine(nlp_engine=analyzer.nlp_engine, registry=registry, supported_languages=["pt"],
                                       default_score_threshold=0.0)
    analyzer.score_threshold, analyzer.nlp_batch_size = 0.4, 32
    analyzer.date_time_policy, analyzer.name_heuristic = "identifying", True
    analyzer.supported_entities = sorted(set(analyzer.analyzer.get_supported_entities("pt")))
    return analyzer


def found(analyzer: PiiAnalyzer, text: str, **kw) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(d.type, text[d.start:d.end]) for d in analyzer.analyze(text, **kw)]


@pytest.mark.parametrize("text, value", [
    ("O servidor, matrícula 250.511-8, lotado na SEDUC.", "250.511-8"),
    ("Matrícula SIAPE 1234567", "1234567"),
    ("mat. 0123456-7", "0123456-7"),
    ("Agente autuador: Fulano, matrícula nº 98.765", "98.765"),
])
def test_matricula_with_label(blank_analyzer: PiiAnalyzer, text: str, value: str) -> None:
    assert ("BR_MATRICULA", value) in found(blank_analyzer, text)


@pytest.mark.parametrize("text", ["O processo tem 250.511 páginas.", "Foram 1234567 acessos no mês.",
                                  "Código 0123456-7 do produto."])
def test_matricula_needs_a_label(blank_analyzer: PiiAnalyzer, text: str) -> None:
    assert not [t for t, _ in found(blank_analyzer, text) if t == "BR_MATRICULA"]


def test_only_identifying_dates_by_default(blank_analyzer: PiiAnalyzer) -> None:
    text = ("Brasília, 12 de março de 2025.\nNome: Maria Souza, nascida em 03/04/1980.\n"
            "Data de nascimento: 05/06/1971\nAudiência marcada para 10/10/2025 às 14h30.")
    dates = [v for t, v in found(blank_analyzer, text) if t == "DATE_TIME"]
    assert dates == ["03/04/1980", "05/06/1971"]
    # a request that asks for DATE_TIME explicitly gets every date
    explicit = [v for t, v in found(blank_analyzer, text, entities=["DATE_TIME"])]
    assert "12 de março de 2025" in explicit and "10/10/2025 às 14h30" in explicit


def test_all_dates_policy(blank_analyzer: PiiAnalyzer) -> None:
    blank_analyzer.date_time_policy = "all"
    try:
        assert ("DATE_TIME", "10/10/2025") in found(blank_analyzer, "Prazo: 10/10/2025.")
    finally:
        blank_analyzer.date_time_policy = "identifying"
