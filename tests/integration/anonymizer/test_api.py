"""HTTP tests of every anonymizer endpoint, against a real server."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shared.audit import AuditEventRow
from shared.db import create_db_engine, init_db
from services.anonymizer.identifiers import generate_cnpj, generate_cpf
from tests.integration.anonymizer.conftest import Anonymizer, start_anonymizer

import random

RNG = random.Random(7)
CPF = generate_cpf(RNG, formatted=True)
CPF_BARE = re.sub(r"\D", "", CPF)
CNPJ = generate_cnpj(RNG, formatted=True)

OFICIO = (f"Ofício nº 123/2024. Senhor Secretário, encaminhamos a reclamação da Sra. Maria Aparecida dos Santos, "
          f"CPF {CPF}, residente na Rua das Acácias, 45, em Campinas, telefone (19) 99123-4567, "
          f"e-mail maria.santos@example.com.br. A Sra. Maria Aparecida dos Santos relata cobrança indevida "
          f"pela empresa Construtora Horizonte Ltda, CNPJ {CNPJ}.")


def _types(entities: list[dict]) -> set[str]:
    return {e["type"] for e in entities}


def test_analyze_finds_identifiers_and_names(anonymizer: Anonymizer) -> None:
    r = anonymizer.client().post("/v1/analyze", json={"text": OFICIO, "language": "pt"})
    assert r.status_code == 200, r.text
    entities = r.json()["entities"]
    spans = {(e["type"], OFICIO[e["start"]:e["end"]]) for e in entities}
    assert ("BR_CPF", CPF) in spans
    assert ("BR_CNPJ", CNPJ) in spans
    assert ("EMAIL_ADDRESS", "maria.santos@example.com.br") in spans
    assert any(t == "PHONE_NUMBER" and "99123-4567" in v for t, v in spans)
    assert any(t == "PERSON" and "Maria Aparecida dos Santos" in v for t, v in spans)
    # offsets are sorted and never overlap
    ends = [0] + [e["end"] for e in entities]
    assert all(e["start"] >= prev for e, prev in zip(entities, ends))


def test_analyze_entity_filter_and_threshold(anonymizer: Anonymizer) -> None:
    client = anonymizer.client()
    only_cpf = client.post("/v1/analyze", json={"text": OFICIO, "entities": ["BR_CPF"]}).json()["entities"]
    assert _types(only_cpf) == {"BR_CPF"}
    none = client.post("/v1/analyze", json={"text": OFICIO, "score_threshold": 1.0}).json()["entities"]
    assert all(e["score"] >= 1.0 for e in none)


def test_analyze_batch_matches_single_calls(anonymizer: Anonymizer) -> None:
    client = anonymizer.client()
    texts = [OFICIO, "Sem dados pessoais aqui.", "", f"CPF {CPF_BARE}"]
    batch = client.post("/v1/analyze/batch", json={"texts": texts, "language": "pt"}).json()["results"]
    single = [client.post("/v1/analyze", json={"text": t}).json() for t in texts]
    assert batch == single
    assert batch[1]["entities"] == [] and batch[2]["entities"] == []


def test_anonymize_text_is_consistent(anonymizer: Anonymizer) -> None:
    r = anonymizer.client().post("/v1/anonymize", json={"text": OFICIO})
    assert r.status_code == 200, r.text
    body = r.json()
    out = body["text"]
    for value in (CPF, CNPJ, "maria.santos@example.com.br", "Maria Aparecida dos Santos", "99123-4567"):
        assert value not in out
    assert out.count("<PESSOA_1>") == 2  # the same person twice -> the same placeholder
    assert "<CPF_1>" in out and "<CNPJ_1>" in out
    assert "mapping_id" not in body  # placeholders are not reversible
    for e in body["entities"]:
        assert out[e["output_start"]:e["output_end"]].startswith("<")
        assert set(e) >= {"type", "start", "end", "score", "operator"}


def test_anonymize_document_keeps_structure(anonymizer: Anonymizer) -> None:
    document = {"document_id": "doc-17", "texto": OFICIO, "anexos": [{"titulo": "Resposta", "cpf": int(CPF_BARE)}],
                "urgente": True, "paginas": 3, "nota": None}
    body = anonymizer.client().post("/v1/anonymize", json={"document": document}).json()
    doc = body["document"]
    assert set(doc) == set(document)
    assert doc["document_id"] == "doc-17" and doc["urgente"] is True and doc["paginas"] == 3 and doc["nota"] is None
    assert CPF not in doc["texto"] and "<CPF_1>" in doc["texto"]
    assert doc["anexos"][0]["cpf"] == "<CPF_1>"  # the same CPF as a number gets the same placeholder
    assert {e["path"] for e in body["entities"]} == {"/texto", "/anexos/0/cpf"}


def test_keys_and_numbers_of_a_document_are_analyzed_too(anonymizer: Anonymizer) -> None:
    cpf_digits = int(CPF_BARE)
    # (`5.2998224725e10` in JSON is the same float as `52998224725.0`: one test covers both)
    document = {f"Maria Souza, CPF {CPF}": "reclamação", "cpf_num": float(cpf_digits), "outro": cpf_digits,
                "quantidade": 3, "valor": 12.5}
    body = anonymizer.client().post("/v1/anonymize", json={"document": document}).json()
    doc = body["document"]
    sent = repr(doc)
    assert CPF not in sent and CPF_BARE not in sent and "Maria Souza" not in sent
    assert doc["cpf_num"] == doc["outro"] == "<CPF_1>"  # numbers read as their digits
    assert doc["quantidade"] == 3 and doc["valor"] == 12.5  # numbers that are not PII stay numbers
    (key,) = [k for k in doc if k not in ("cpf_num", "outro", "quantidade", "valor")]
    assert "<CPF_1>" in key and "<PESSOA_1>" in key and doc[key] == "reclamação"
    assert any(e["path"].endswith("~key") for e in body["entities"])


def test_operators(anonymizer: Anonymizer) -> None:
    client = anonymizer.client()
    text = f"Contribuinte Joana Ribeiro, CPF {CPF}."
    ops = {"BR_CPF": {"type": "mask", "chars_to_mask": 9}, "PERSON": {"type": "redact"}}
    out = client.post("/v1/anonymize", json={"text": text, "operators": ops}).json()["text"]
    assert "*********" + CPF[9:] in out and "Joana" not in out
    hashed = [client.post("/v1/anonymize", json={"text": f"CPF {c}", "operators": {"DEFAULT": {"type": "hash"}}})
              .json()["text"] for c in (CPF, CPF_BARE)]
    assert hashed[0] == hashed[1] and re.fullmatch(r"CPF [0-9a-f]{32}", hashed[0])  # same CPF, same hash
    kept = client.post("/v1/anonymize", json={"text": text, "operators": {"DEFAULT": {"type": "keep"}}}).json()
    assert kept["text"] == text


def test_encrypt_and_pseudonymize_round_trip(anonymizer: Anonymizer) -> None:
    client = admin = anonymizer.client("anonymize+deanonymize")  # a key restores the mappings it made
    for op in ("encrypt", "pseudonymize"):
        body = client.post("/v1/anonymize", json={"document": {"texto": OFICIO},
                                                  "operators": {"DEFAULT": {"type": op}}}).json()
        assert CPF not in body["document"]["texto"]
        restored = admin.post("/v1/deanonymize", json={"document": body["document"],
                                                       "mapping_id": body.get("mapping_id")})
        assert restored.status_code == 200, restored.text
        assert restored.json()["document"] == {"texto": OFICIO}
        assert restored.json()["restored"] >= 5
    text_body = client.post("/v1/anonymize", json={"text": OFICIO, "operators": {"DEFAULT": {"type": "pseudonymize"}}}).json()
    assert admin.post("/v1/deanonymize", json={"text": text_body["text"],
                                               "mapping_id": text_body["mapping_id"]}).json()["text"] == OFICIO


def test_deanonymize_needs_role_and_is_audited(anonymizer: Anonymizer) -> None:
    body = anonymizer.client().post("/v1/anonymize", json={"text": OFICIO, "operators": {"DEFAULT": {"type": "pseudonymize"}}}).json()
    request = {"text": body["text"], "mapping_id": body["mapping_id"]}
    assert anonymizer.client("anonymize").post("/v1/deanonymize", json=request).status_code == 403
    assert anonymizer.client("classify").post("/v1/analyze", json={"text": "x"}).status_code == 403
    # the mapping belongs to the key that made it: another deanonymize key needs admin
    other = anonymizer.client("deanonymize").post("/v1/deanonymize", json=request, headers={"X-Request-ID": "audit-0"})
    assert other.status_code == 403 and "another API key" in other.json()["detail"]
    assert anonymizer.client("admin").post("/v1/deanonymize", json=request).json()["text"] == OFICIO
    body = anonymizer.client("anonymize+deanonymize").post(
        "/v1/anonymize", json={"text": OFICIO, "operators": {"DEFAULT": {"type": "pseudonymize"}}}).json()
    request = {"text": body["text"], "mapping_id": body["mapping_id"]}
    r = anonymizer.client("anonymize+deanonymize").post("/v1/deanonymize", json=request,
                                                        headers={"X-Request-ID": "audit-1"})
    assert r.status_code == 200
    missing = anonymizer.client("deanonymize").post("/v1/deanonymize",
                                                    json={"text": "x", "mapping_id": "00000000-0000-0000-0000-000000000000"})
    assert missing.status_code == 404
    sessions = init_db(create_db_engine(anonymizer.settings.resolved_database_url()))
    with sessions() as s:
        rows = list(s.scalars(select(AuditEventRow).where(AuditEventRow.action == "deanonymize")))
    ok = [r for r in rows if r.request_id == "audit-1"]
    assert ok and ok[0].actor == "anonymize-deanonymize-client" and ok[0].outcome == "success"
    denied = [r for r in rows if r.request_id == "audit-0"]
    assert denied and denied[0].actor == "deanonymize-client" and denied[0].outcome == "denied"
    assert ok[0].resource == f"mapping:{body['mapping_id']}"
    assert any(r.outcome == "denied" for r in rows)
    assert all(CPF not in str(r.details) for r in rows)


def test_vault_stores_only_ciphertext(anonymizer: Anonymizer) -> None:
    anonymizer.client().post("/v1/anonymize", json={"text": OFICIO, "operators": {"DEFAULT": {"type": "pseudonymize"}}})
    raw = (anonymizer.settings.data_dir / "llm4gov.sqlite3").read_bytes()
    wal = anonymizer.settings.data_dir / "llm4gov.sqlite3-wal"
    raw += wal.read_bytes() if wal.exists() else b""
    assert CPF.encode() not in raw and "Aparecida".encode() not in raw


def test_anonymize_batch(anonymizer: Anonymizer) -> None:
    items = [{"text": OFICIO}, {"document": {"texto": f"CPF {CPF}"}}, {"text": "Nada a declarar."}]
    r = anonymizer.client().post("/v1/anonymize/batch", json={"items": items})
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == 3
    assert results[1]["document"] == {"texto": "CPF <CPF_1>"}  # numbering restarts for each item
    assert results[2]["text"] == "Nada a declarar." and results[2]["entities"] == []


@pytest.mark.parametrize("payload", [
    {},
    {"text": "a", "document": {"b": 1}},
    {"text": "a", "language": "en"},
    {"text": "a", "operators": {"BR_CPF": {"type": "shred"}}},
    {"text": "a", "operators": {"NOT_A_TYPE": {"type": "redact"}}},
    {"text": "a", "operators": {"DEFAULT": {"type": "mask", "masking_char": "**"}}},
    {"text": "a", "score_threshold": 2},
    {"text": 5},
])
def test_invalid_requests_are_422(anonymizer: Anonymizer, payload: dict) -> None:
    r = anonymizer.client().post("/v1/anonymize", json=payload)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_invalid_analyze_requests_are_422(anonymizer: Anonymizer) -> None:
    client = anonymizer.client()
    assert client.post("/v1/analyze", json={"text": "a", "entities": ["NOPE"]}).status_code == 422
    assert client.post("/v1/analyze", json={"text": "a", "entities": []}).status_code == 422
    assert client.post("/v1/analyze/batch", json={"texts": []}).status_code == 422
    assert client.post("/v1/analyze", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422


def test_limits_are_413(anonymizer: Anonymizer) -> None:
    client = anonymizer.client()
    assert client.post("/v1/analyze", json={"text": "a" * 20_001}).status_code == 413
    assert client.post("/v1/analyze/batch", json={"texts": ["a"] * 17}).status_code == 413
    assert client.post("/v1/anonymize/batch", json={"items": [{"text": "a"}] * 17}).status_code == 413
    big_doc = {"partes": ["a " * 10_001]}
    assert client.post("/v1/anonymize", json={"document": big_doc}).status_code == 413
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["x"] = {}
        node = node["x"]
    r = client.post("/v1/anonymize", json={"document": deep})
    assert r.status_code == 422 and "nested" in r.json()["detail"]


def test_public_bodies_are_kept_by_default(anonymizer: Anonymizer, analyzer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = "O Tribunal de Contas da União notificou a empresa Construtora Horizonte Ltda."
    detected = anonymizer.client().post("/v1/analyze", json={"text": text}).json()["entities"]
    orgs = {text[e["start"]:e["end"]]: e["public_body"] for e in detected if e["type"] == "ORGANIZATION"}
    assert orgs.get("Tribunal de Contas da União") is True
    out = anonymizer.client().post("/v1/anonymize", json={"text": text}).json()["text"]
    assert "Tribunal de Contas da União" in out and "Horizonte" not in out
    for strict in start_anonymizer(tmp_path, analyzer, anonymize_public_bodies=True):
        out = strict.client().post("/v1/anonymize", json={"text": text}).json()["text"]
        assert "Tribunal de Contas" not in out


def test_metrics_count_types_not_values(anonymizer: Anonymizer) -> None:
    anonymizer.client().post("/v1/anonymize", json={"text": OFICIO})
    metrics = anonymizer.client().get("/metrics").text
    assert re.search(r'llm4gov_anonymizer_entities_detected_total\{entity_type="BR_CPF"\} [1-9]', metrics)
    assert 'llm4gov_anonymizer_http_requests_total{method="POST",route="/v1/anonymize",status="200"}' in metrics
    assert CPF not in metrics and "Maria" not in metrics


def test_ops_endpoints(anonymizer: Anonymizer) -> None:
    client = anonymizer.client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    assert client.get("/openapi.json").json()["info"]["title"] == "LLM4Gov anonymizer"
    assert client.get("/docs").status_code == 200
