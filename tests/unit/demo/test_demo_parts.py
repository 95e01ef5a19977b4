"""The demo's document generator, its keyword teacher (served for real on 127.0.0.1) and the launcher's key."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import httpx

from services.demo.documents import SEVERITIES, cpf, generate
from services.demo.teacher import MODEL_ID, PREFIX, create_demo_teacher_app, severity_of
from services.platform import local_admin_key
from tests.servers import serve_app


def _cpf_valid(value: str) -> bool:
    digits = [int(c) for c in re.sub(r"\D", "", value)]
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1)))
        if digits[length] != (0 if total % 11 < 2 else 11 - total % 11):
            return False
    return len(digits) == 11


def test_generator_is_seeded_balanced_and_plants_valid_identifiers() -> None:
    docs = generate(40, seed=7)
    assert docs == generate(40, seed=7) and docs != generate(40, seed=8)
    assert [d.severity for d in docs[:4]] == list(SEVERITIES)
    assert {sum(d.severity == s for d in docs) for s in SEVERITIES} == {10}
    assert len({d.document_id for d in docs}) == 40
    for doc in docs:
        assert doc.pii and all(value in doc.text for value in doc.pii)
        assert all(_cpf_valid(c) for c in re.findall(r"\d{3}\.\d{3}\.\d{3}-\d{2}", doc.text))
    assert sum(bool(re.search(r"CPF \d{3}\.", d.text)) for d in docs) >= 20
    assert all(_cpf_valid(cpf(__import__("random").Random(i))) for i in range(50))


def test_demo_teacher_says_what_it_is_and_follows_the_schema() -> None:
    docs = generate(12, seed=3)
    assert sum(severity_of(d.text)[0] == d.severity for d in docs) >= 10  # its rules fit the generator
    schema = {"type": "object", "additionalProperties": False, "required": ["document_id", "severity_level", "explanation"],
              "properties": {"document_id": {"type": "string"}, "explanation": {"type": "string", "maxLength": 200},
                             "severity_level": {"type": "string", "enum": list(SEVERITIES)}}}
    with serve_app(create_demo_teacher_app()) as url:
        assert httpx.get(f"{url}/v1/models").json()["data"][0]["id"] == MODEL_ID
        response = httpx.post(f"{url}/v1/chat/completions", json={
            "model": "x", "n": 2, "response_format": {"type": "json_schema", "json_schema": {"schema": schema}},
            "messages": [{"role": "system", "content": "Classifique."},
                         {"role": "user", "content": '{"document_id": "DOC-9", "texto": "incêndio no depósito"}'}]})
    body = response.json()
    assert response.status_code == 200 and body["model"] == MODEL_ID and len(body["choices"]) == 2
    import json

    answer = json.loads(body["choices"][0]["message"]["content"])
    assert answer["document_id"] == "DOC-9" and answer["severity_level"] == "CRITICA"
    assert answer["explanation"].startswith(PREFIX) and len(answer["explanation"]) <= 200


def test_local_admin_key_is_created_once_and_private(tmp_path: Path) -> None:
    key = local_admin_key(tmp_path)
    assert key == local_admin_key(tmp_path) and len(key) >= 32
    mode = stat.S_IMODE(os.stat(tmp_path / "local-admin.key").st_mode)
    assert mode == 0o600
