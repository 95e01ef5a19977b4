"""The fake OpenAI-compatible teacher server, exercised with the real `openai` client."""

from __future__ import annotations

import asyncio
import json
import math
import time
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import openai
import pytest
from pydantic import BaseModel, Field

from shared.processes import running_process
from tests.fakes.teacher_server import (FakeTeacherConfig, create_fake_teacher, generate_from_schema,
                                        serve_fake_teacher, violate_schema)
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "nivel": {"type": "string", "enum": ["BAIXA", "MEDIA", "ALTA"]},
        "resumo": {"type": "string", "minLength": 5, "maxLength": 40},
        "paginas": {"type": "integer", "minimum": 3, "maximum": 7},
        "confianca": {"type": "number", "minimum": 0, "maximum": 1},
        "sigiloso": {"type": "boolean"},
        "temas": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 4},
        "orgao": {"type": "object", "properties": {"sigla": {"type": "string"}}, "required": ["sigla"]},
    },
    "required": ["nivel", "resumo", "paginas", "confianca", "sigiloso", "temas", "orgao"],
    "additionalProperties": False,
}


class Nivel(BaseModel):
    nivel: str = Field(json_schema_extra={"enum": ["PUBLICO", "RESTRITO", "SIGILOSO"]})
    motivo: str | None = None
    score: int = Field(ge=0, le=100)


def json_schema_format(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "rotulo", "schema": schema, "strict": True}}


def client(fake: Any, **kwargs: Any) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(api_key=kwargs.pop("api_key", "test-key"), base_url=fake.url,
                              max_retries=kwargs.pop("max_retries", 0), **kwargs)


async def ask(c: openai.AsyncOpenAI, text: str, **kwargs: Any) -> Any:
    return await c.chat.completions.create(model="fake-teacher", messages=[
        {"role": "system", "content": "Classifique o documento."}, {"role": "user", "content": text}], **kwargs)


def test_answers_follow_requested_schema() -> None:
    with serve_fake_teacher() as fake:
        async def scenario() -> None:
            c = client(fake)
            for text in ("Ofício 12/2024", "Parecer sobre licitação", "Nota técnica"):
                r = await ask(c, text, response_format=json_schema_format(SCHEMA), temperature=0.0)
                jsonschema.validate(json.loads(r.choices[0].message.content), SCHEMA)
                assert r.object == "chat.completion" and r.choices[0].finish_reason == "stop"
                prompt_chars = len("Classifique o documento.") + len(text)
                assert r.usage.prompt_tokens == math.ceil(prompt_chars / 4)
                assert r.usage.completion_tokens == math.ceil(len(r.choices[0].message.content) / 4)
                assert r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
            pydantic_schema = Nivel.model_json_schema()
            r = await ask(c, "Relatório", response_format=json_schema_format(pydantic_schema))
            Nivel.model_validate_json(r.choices[0].message.content)
            jsonschema.validate(json.loads(r.choices[0].message.content), pydantic_schema)
        asyncio.run(scenario())


def test_generator_handles_refs_and_is_deterministic() -> None:
    schema = {"$defs": {"Nivel": {"enum": ["A", "B", "C"], "type": "string"}},
              "type": "object", "required": ["itens"],
              "properties": {"itens": {"type": "array", "uniqueItems": True, "minItems": 2,
                                       "items": {"$ref": "#/$defs/Nivel"}},
                             "opcional": {"anyOf": [{"$ref": "#/$defs/Nivel"}, {"type": "null"}]},
                             "data": {"type": "string", "format": "date"}}}
    value = generate_from_schema(schema, "doc\x000")
    jsonschema.validate(value, schema)
    assert value == generate_from_schema(schema, "doc\x000")
    assert len({json.dumps(generate_from_schema(SCHEMA, f"doc {i}")) for i in range(10)}) > 1
    for s in (SCHEMA, schema, Nivel.model_json_schema()):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(violate_schema(generate_from_schema(s, "x"), s), s)


def test_json_object_mode_uses_schema_markers_then_last_schema_then_default() -> None:
    marked = {"type": "object", "properties": {"categoria": {"enum": ["X", "Y"]}}, "required": ["categoria"]}
    with serve_fake_teacher() as fake:
        async def scenario() -> None:
            c = client(fake)
            r = await ask(c, "doc", response_format={"type": "json_object"})
            assert json.loads(r.choices[0].message.content) == {"label": "A"}
            r = await c.chat.completions.create(model="fake-teacher", response_format={"type": "json_object"}, messages=[
                {"role": "system", "content": f"Responda em JSON.\n<schema>{json.dumps(marked)}</schema>"},
                {"role": "user", "content": "doc"}])
            jsonschema.validate(json.loads(r.choices[0].message.content), marked)
            r = await ask(c, "outro doc", response_format={"type": "json_object"})  # remembered for this model
            jsonschema.validate(json.loads(r.choices[0].message.content), marked)
            await ask(c, "doc", response_format=json_schema_format(SCHEMA))
            r = await ask(c, "mais um", response_format={"type": "json_object"})
            jsonschema.validate(json.loads(r.choices[0].message.content), SCHEMA)
        asyncio.run(scenario())


def test_labeler_overrides_generator() -> None:
    def labeler(user: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"nivel": "SIGILOSO" if "sigilo" in user else "PUBLICO", "score": len(user)}

    with serve_fake_teacher(labeler=labeler) as fake:
        async def scenario() -> list[dict[str, Any]]:
            c = client(fake)
            answers = await asyncio.gather(*(ask(c, t, response_format=json_schema_format(Nivel.model_json_schema()))
                                             for t in ("documento com sigilo", "edital público")))
            return [json.loads(a.choices[0].message.content) for a in answers]
        assert asyncio.run(scenario()) == [{"nivel": "SIGILOSO", "score": 20}, {"nivel": "PUBLICO", "score": 14}]


def test_rate_limit_carries_retry_after() -> None:
    with serve_fake_teacher(p_429=1.0, retry_after_s=2.5) as fake:
        with pytest.raises(openai.RateLimitError) as info:
            asyncio.run(ask(client(fake), "doc"))
        assert info.value.response.headers["retry-after"] == "2.5"
        assert info.value.body["code"] == "rate_limit_exceeded"
    with serve_fake_teacher(p_503=1.0) as fake:
        with pytest.raises(openai.InternalServerError) as err:
            asyncio.run(ask(client(fake), "doc"))
        assert err.value.status_code == 503 and err.value.response.headers["retry-after"] == "1"


def test_json_schema_refused_when_unsupported() -> None:
    with serve_fake_teacher(supports_json_schema=False) as fake:
        async def scenario() -> None:
            c = client(fake)
            with pytest.raises(openai.BadRequestError) as info:
                await ask(c, "doc", response_format=json_schema_format(SCHEMA))
            error = info.value.response.json()["error"]
            assert error["param"] == "response_format" and error["type"] == "invalid_request_error"
            assert "json_schema is not supported" in error["message"] and error["code"] is None
            r = await c.chat.completions.create(model="fake-teacher", response_format={"type": "json_object"}, messages=[
                {"role": "system", "content": f"<schema>{json.dumps(SCHEMA)}</schema>"},
                {"role": "user", "content": "doc"}])
            jsonschema.validate(json.loads(r.choices[0].message.content), SCHEMA)
        asyncio.run(scenario())
        assert fake.stats() == {"400": 1, "ok": 1, "total": 2}


def test_fail_first_attempts_is_per_user_content() -> None:
    with serve_fake_teacher(fail_first_attempts=2) as fake:
        async def scenario() -> None:
            c = client(fake)
            for text in ("doc A", "doc B"):
                for _ in range(2):
                    with pytest.raises(openai.InternalServerError):
                        await ask(c, text)
                assert (await ask(c, text)).choices
                assert (await ask(c, text)).choices
        asyncio.run(scenario())
        assert [r["outcome"] for r in fake.requests()] == ["500", "500", "ok", "ok"] * 2


def test_n_choices_differ_for_majority_voting() -> None:
    schema = {"type": "object", "properties": {"label": {"enum": list("ABCDE")}}, "required": ["label"]}
    with serve_fake_teacher() as fake:
        r = asyncio.run(ask(client(fake), "doc", n=7, response_format=json_schema_format(schema)))
    assert [c.index for c in r.choices] == list(range(7))
    labels = [json.loads(c.message.content)["label"] for c in r.choices]
    assert len(set(labels)) > 1 and set(labels) <= set("ABCDE")
    assert r.usage.completion_tokens == sum(math.ceil(len(c.message.content) / 4) for c in r.choices)


def test_invalid_json_schema_violation_and_max_tokens() -> None:
    with serve_fake_teacher(p_invalid_json=1.0) as fake:
        r = asyncio.run(ask(client(fake), "doc", response_format=json_schema_format(SCHEMA)))
        with pytest.raises(ValueError):
            json.loads(r.choices[0].message.content)
    with serve_fake_teacher(p_schema_violation=1.0) as fake:
        r = asyncio.run(ask(client(fake), "doc", response_format=json_schema_format(SCHEMA)))
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(json.loads(r.choices[0].message.content), SCHEMA)
        r = asyncio.run(ask(client(fake), "doc", max_tokens=5, response_format=json_schema_format(SCHEMA)))
        assert r.choices[0].finish_reason == "length" and len(r.choices[0].message.content) <= 20
        assert fake.stats() == {"schema_violation": 2, "total": 2}


def test_timeout_fault_and_api_key() -> None:
    with serve_fake_teacher(p_timeout=1.0, timeout_sleep_s=5.0) as fake:
        start = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            asyncio.run(ask(client(fake, timeout=0.3), "doc"))
        assert time.monotonic() - start < 2
    with serve_fake_teacher(require_api_key="segredo") as fake:
        with pytest.raises(openai.AuthenticationError):
            asyncio.run(ask(client(fake, api_key="errada"), "doc"))
        assert asyncio.run(ask(client(fake, api_key="segredo"), "doc")).choices
        assert [r["outcome"] for r in fake.requests()] == ["401", "ok"]


def test_recording_stats_reset_and_models() -> None:
    with serve_fake_teacher() as fake:
        asyncio.run(ask(client(fake), "documento um", temperature=0.2))
        records = fake.requests()
        assert len(records) == 1 and records[0]["outcome"] == "ok" and records[0]["status"] == 200
        assert records[0]["headers"]["authorization"] == "***"
        assert records[0]["body"]["temperature"] == 0.2 and fake.bodies()[0]["messages"][1]["content"] == "documento um"
        assert records[0]["arrived_at"] == pytest.approx(time.time(), abs=30)
        assert fake.state.requests == records and fake.app.state.fake is fake.state
        assert fake.stats() == {"ok": 1, "total": 1}
        fake.reset()
        assert fake.requests() == [] and fake.stats() == {"total": 0}
        models = httpx.get(f"{fake.url}/models").json()
        assert models == {"object": "list", "data": [{"id": "fake-teacher", "object": "model", "owned_by": "llm4gov-tests"}]}
        assert [m.id for m in asyncio.run(_list_models(client(fake)))] == ["fake-teacher"]


async def _list_models(c: openai.AsyncOpenAI) -> list[Any]:
    return [m async for m in c.models.list()]


def test_seeded_faults_are_reproducible() -> None:
    config = FakeTeacherConfig(seed=7, p_429=0.2, p_500=0.2, p_invalid_json=0.2, p_schema_violation=0.1)

    def outcomes(cfg: FakeTeacherConfig) -> list[str]:
        with serve_fake_teacher(cfg) as fake:
            with httpx.Client() as http:
                for i in range(40):
                    http.post(f"{fake.url}/chat/completions", json={
                        "model": "m", "messages": [{"role": "user", "content": f"doc {i}"}]})
            return [r["outcome"] for r in fake.requests()]

    first = outcomes(config)
    assert first == outcomes(config)
    assert first != outcomes(config.model_copy(update={"seed": 8}))
    assert {"ok", "429", "500", "invalid_json", "schema_violation"} <= set(first)


def test_concurrent_requests_overlap() -> None:
    with serve_fake_teacher(latency_s=0.2, latency_jitter_s=0.05) as fake:
        async def scenario() -> list[Any]:
            c = client(fake)
            return await asyncio.gather(*(ask(c, f"doc {i}", response_format=json_schema_format(SCHEMA))
                                          for i in range(50)))
        start = time.monotonic()
        answers = asyncio.run(scenario())
        elapsed = time.monotonic() - start
    assert len(answers) == 50 and elapsed < 3.0, elapsed
    for a in answers:
        jsonschema.validate(json.loads(a.choices[0].message.content), SCHEMA)


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        FakeTeacherConfig(p_500=0.7, p_429=0.5)
    with pytest.raises(ValueError):
        FakeTeacherConfig(p_timeout=1.5)
    assert create_fake_teacher().state.fake.config == FakeTeacherConfig()


def test_command_line_entry_point(tmp_path: Path) -> None:
    port = free_port()
    args = ["-m", "tests.fakes.teacher_server", "--port", str(port), "--p-500", "1", "--no-supports-json-schema"]
    with running_process(args, {}, tmp_path / "fake.log", f"http://127.0.0.1:{port}/healthz", timeout_s=15, cwd=ROOT):
        body = {"model": "m", "messages": [{"role": "user", "content": "doc"}]}
        assert httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body).status_code == 500
        body["response_format"] = json_schema_format(SCHEMA)
        assert httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body).status_code == 400
