"""Property: an anonymized text never contains, as a whole word, any value that was detected in it."""

from __future__ import annotations

import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.anonymizer import identifiers
from tests.integration.anonymizer.conftest import Anonymizer

FIRST = ["Maria", "José", "Ana", "João", "Francisca", "Antônio", "Luiz", "Juliana", "Raimundo", "Adriana"]
LAST = ["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Lima", "Carvalho", "Ferreira", "Rodrigues", "Almeida"]
IDS = [identifiers.generate_cpf, identifiers.generate_cnpj, identifiers.generate_cep, identifiers.generate_pis,
       identifiers.generate_phone, identifiers.generate_placa]
TEMPLATES = [
    "O servidor {p} ({i}) requereu férias.",
    "Encaminho o pedido de {p}, documento {i}, para análise.",
    "{p} informou o número {i} e pediu sigilo; {p} aguarda resposta.",
    "Registro: {i}. Interessado: {p}.",
]


@st.composite
def documents(draw: st.DrawFn) -> str:
    rng = random.Random(draw(st.integers(0, 2**32)))
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        ident = rng.choice(IDS)(rng, formatted=rng.random() < 0.7)
        parts.append(rng.choice(TEMPLATES).format(p=person, i=ident))
    filler = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyzçãé ,.", max_size=40))
    return " ".join(parts) + " " + filler


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=documents())
def test_no_detected_value_survives(anonymizer: Anonymizer, text: str) -> None:
    client = anonymizer.client()
    detected = client.post("/v1/analyze", json={"text": text}).json()["entities"]
    out = client.post("/v1/anonymize", json={"text": text}).json()["text"]
    for entity in detected:
        if entity.get("public_body"):
            continue
        value = text[entity["start"]:entity["end"]]
        assert not re.search(r"(?<!\w)" + re.escape(value) + r"(?!\w)", out, re.IGNORECASE), (entity["type"], out)
