"""Issue 18 examples through the real server (shipped NER model + rules): names end at the name, one
placeholder per person, names in news style, titles, BR_MATRICULA, identifying dates only."""

from __future__ import annotations

import re

from tests.integration.anonymizer.conftest import Anonymizer


def anonymize(anonymizer: Anonymizer, text: str) -> str:
    r = anonymizer.client().post("/v1/anonymize", json={"text": text})
    assert r.status_code == 200, r.text
    return r.json()["text"]


def test_person_span_ends_at_the_name(anonymizer: Anonymizer) -> None:
    out = anonymize(anonymizer, "Ontem Maria Souza ligou de Brasília para reclamar.")
    assert re.fullmatch(r"Ontem <PESSOA_1> ligou de <LOCAL_1> para reclamar\.", out), out


def test_same_person_same_placeholder(anonymizer: Anonymizer) -> None:
    out = anonymize(anonymizer, "Ontem Maria Souza ligou de Brasília. Hoje Maria Souza voltou a ligar.")
    assert out.count("<PESSOA_1>") == 2 and "<PESSOA_2>" not in out, out


def test_news_names_titles_and_places(anonymizer: Anonymizer) -> None:
    out = anonymize(anonymizer, "Mónica e D.Teresa chegaram a Lisboa com Tim Harris.")
    assert "Mónica" not in out and "Teresa" not in out, out
    assert "Lisboa" not in out and "<LOCAL_" in out, out


def test_signature_in_capitals(anonymizer: Anonymizer) -> None:
    out = anonymize(anonymizer, "Sala das Sessões, em 10 de abril de 2019.\nDeputado HUGO LEAL\nPSD/RJ")
    assert "HUGO" not in out and "LEAL" not in out and "Deputado <PESSOA_1>" in out, out


def test_matricula_and_dates(anonymizer: Anonymizer) -> None:
    text = ("O servidor João Pereira, matrícula 250.511-8, nascido em 03/04/1980, protocolou o pedido em "
            "12/05/2025.")
    out = anonymize(anonymizer, text)
    assert "250.511-8" not in out and "<MATRICULA_1>" in out, out
    assert "03/04/1980" not in out, out
    assert "12/05/2025" in out, out  # a protocol date does not identify anyone: kept by default
