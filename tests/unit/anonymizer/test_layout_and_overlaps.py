"""Layout-driven PERSON/LOCATION recognizers and the overlap/trim rules of the engine."""

from __future__ import annotations

import pytest
from presidio_analyzer import RecognizerResult

from services.anonymizer.engine import NER_RECOGNIZER, PiiAnalyzer, resolve_overlaps


@pytest.fixture(scope="module")
def pii() -> PiiAnalyzer:
    return PiiAnalyzer()


def spans(pii: PiiAnalyzer, text: str) -> list[tuple[str, str]]:
    return [(d.type, text[d.start:d.end]) for d in pii.analyze(text)]


@pytest.mark.parametrize("text,expected", [
    ("Residente na Rua Coronel Fernandes, 69.", ("LOCATION", "Rua Coronel Fernandes")),
    ("Endereço: AVENIDA SETE DE SETEMBRO, 100", ("LOCATION", "AVENIDA SETE DE SETEMBRO")),
    ("Mossoró, 13 de abril de 2025.\nAo Senhor Diretor", ("LOCATION", "Mossoró")),
    ("Requerente: JOANA DA SILVA PEREIRA\n", ("PERSON", "JOANA DA SILVA PEREIRA")),
    ("proprietária: Maria José da Silva.", ("PERSON", "Maria José da Silva")),
    ("Fico no aguardo.\nAtenciosamente,\nDimas\n", ("PERSON", "Dimas")),
])
def test_layout_recognizers(pii: PiiAnalyzer, text: str, expected: tuple[str, str]) -> None:
    assert expected in spans(pii, text)


def test_labels_do_not_turn_bodies_or_companies_into_people(pii: PiiAnalyzer) -> None:
    found = spans(pii, "Interessado: Ministério da Saúde\nProprietária: Construtora Horizonte Ltda\n")
    assert not [v for t, v in found if t == "PERSON"]


def test_titles_and_labels_are_not_part_of_entities(pii: PiiAnalyzer) -> None:
    found = spans(pii, "A Senhora Otília Campos apresentou o cartão SUS.")
    assert ("PERSON", "Otília Campos") in found
    assert not [v for _, v in found if v in ("SUS", "Senhora Otília Campos")]


def _r(etype: str, start: int, end: int, score: float, ner: bool = False) -> RecognizerResult:
    meta = {RecognizerResult.RECOGNIZER_NAME_KEY: NER_RECOGNIZER if ner else "Pattern"}
    return RecognizerResult(etype, start, end, score, recognition_metadata=meta)


def test_identifiers_win_and_ner_spans_are_clipped() -> None:
    text = "placa MAR8446 de Joana"
    out = resolve_overlaps(text, [_r("LOCATION", 0, 13, 0.85, ner=True), _r("BR_PLACA", 6, 13, 0.6),
                                  _r("PERSON", 17, 22, 0.85, ner=True)])
    assert [(r.entity_type, text[r.start:r.end]) for r in out] == [("BR_PLACA", "MAR8446"), ("PERSON", "Joana")]


def test_ner_span_cut_to_the_names_around_an_identifier() -> None:
    # A PERSON span that swallowed a label and an identifier keeps only the names (person_spans.split_person);
    # before, the longest free part was kept, label included ("Maria Souza CPF"), and "Lima" was lost.
    text = "Maria Souza CPF 529.982.247-25 Lima"
    out = resolve_overlaps(text, [_r("PERSON", 0, 35, 0.85, ner=True), _r("BR_CPF", 16, 30, 1.0)])
    assert [(r.entity_type, text[r.start:r.end]) for r in out] == [
        ("PERSON", "Maria Souza"), ("BR_CPF", "529.982.247-25"), ("PERSON", "Lima")]


def test_ner_span_clipped_to_its_longest_free_part() -> None:
    text = "Ana Maria Souza Lima 529.982.247-25"
    out = resolve_overlaps(text, [_r("LOCATION", 0, 35, 0.85, ner=True), _r("BR_CPF", 21, 35, 1.0)])
    assert [(r.entity_type, text[r.start:r.end]) for r in out] == [("LOCATION", "Ana Maria Souza Lima"),
                                                                   ("BR_CPF", "529.982.247-25")]


@pytest.mark.parametrize("text,expected", [
    ("Empregador: Consultoria Vale Verde ME – CNPJ", ("ORGANIZATION", "Consultoria Vale Verde ME")),
    ("e SAMPAIO & BASTOS INFORMÁTICA EIRELI (CNPJ", ("ORGANIZATION", "SAMPAIO & BASTOS INFORMÁTICA EIRELI")),
    ("Respeitosamente,\n\nXISTO HÉLDER CAMARGO ZANELLA\nAssistente Social", ("PERSON", "XISTO HÉLDER CAMARGO ZANELLA")),
    ("cabíveis.\n\nNADIR AMORIM DA MOREIRA\nCoordenador-Geral", ("PERSON", "NADIR AMORIM DA MOREIRA")),
    ("À Senhora OTÍLIA BETÂNIA CARDOSO DE CAMPOS\n", ("PERSON", "OTÍLIA BETÂNIA CARDOSO DE CAMPOS")),
    ("Prezada Dirce,\nConforme combinado", ("PERSON", "Dirce")),
    ("Local da infração: Av. do Sol, altura do nº 300", ("LOCATION", "Av. do Sol")),
])
def test_companies_signatures_and_forms_of_address(pii: PiiAnalyzer, text: str, expected: tuple[str, str]) -> None:
    assert expected in spans(pii, text)


def test_roles_after_forms_of_address_are_not_names(pii: PiiAnalyzer) -> None:
    assert spans(pii, "Senhora Secretária, encaminho o pedido.") == []
