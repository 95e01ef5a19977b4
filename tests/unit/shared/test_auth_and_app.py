from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel

from shared.app import create_service_app
from shared.audit import AuditLog
from shared.auth import Principal, generate_api_key, hash_api_key, key_entry_json, require_role
from shared.config import ApiKeyEntry, ServiceSettings
from shared.db import create_db_engine, init_db
from shared.errors import Conflict, ServiceUnavailable
from shared.workers import BackgroundWorker

ADMIN_KEY, LABEL_KEY = generate_api_key(), generate_api_key()


class Echo(BaseModel):
    secret_text: str
    n: int
    scores: dict[str, int] = {}


def _app(tmp_path: Path, **overrides) -> TestClient:  # type: ignore[no-untyped-def]
    router = APIRouter()

    @router.post("/v1/echo")
    def echo(body: Echo, principal: Principal = Depends(require_role("label"))) -> dict[str, str]:
        return {"caller": principal.name}

    @router.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("cpf 123.456.789-09 leaked into an exception")

    @router.get("/v1/conflict")
    def conflict() -> None:
        raise Conflict("Job 'x' is running.")

    @router.get("/v1/busy")
    def busy() -> None:
        raise ServiceUnavailable("The engine is starting.")

    settings = ServiceSettings(
        data_dir=tmp_path,
        api_keys=[ApiKeyEntry(name="ops", sha256=hash_api_key(ADMIN_KEY), roles=["admin"]),
                  ApiKeyEntry(name="labeler", sha256=hash_api_key(LABEL_KEY), roles=["label"])],
        max_request_bytes=4096, **overrides)
    app = create_service_app("testsvc", settings, title="t", description="d", routers=[router],
                             readiness={"always": lambda: None})
    return TestClient(app, raise_server_exceptions=False)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_roles(tmp_path: Path) -> None:
    client = _app(tmp_path)
    body = {"secret_text": "x", "n": 1}
    r = client.post("/v1/echo", json=body)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.post("/v1/echo", json=body, headers=_auth("l4g_wrong")).status_code == 401
    assert client.post("/v1/echo", json=body, headers=_auth(LABEL_KEY)).json() == {"caller": "labeler"}
    assert client.post("/v1/echo", json=body, headers=_auth(ADMIN_KEY)).json() == {"caller": "ops"}


def test_forbidden_role(tmp_path: Path) -> None:
    router = APIRouter()

    @router.get("/v1/train")
    def train(_: Principal = Depends(require_role("train"))) -> dict[str, bool]:
        return {"ok": True}

    settings = ServiceSettings(data_dir=tmp_path, api_keys=[
        ApiKeyEntry(name="labeler", sha256=hash_api_key(LABEL_KEY), roles=["label"])])
    client = TestClient(create_service_app("t2", settings, title="t", description="d", routers=[router]))
    r = client.get("/v1/train", headers=_auth(LABEL_KEY))
    assert r.status_code == 403 and r.json()["title"] == "Forbidden"


def test_auth_off_means_local_admin(tmp_path: Path) -> None:
    client = _app(tmp_path, auth="off")
    assert client.post("/v1/echo", json={"secret_text": "x", "n": 1}).json() == {"caller": "local"}


def test_keys_file_and_unknown_roles(tmp_path: Path) -> None:
    key = generate_api_key()
    keys_file = tmp_path / "keys.yaml"
    keys_file.write_text("keys:\n  - " + key_entry_json("svc", key, ["label"]) + "\n")
    client = _app(tmp_path, api_keys_file=keys_file)
    assert client.post("/v1/echo", json={"secret_text": "x", "n": 1}, headers=_auth(key)).status_code == 200
    keys_file.write_text(json.dumps([json.loads(key_entry_json("svc", key, ["superuser"]))]))
    with pytest.raises(ValueError, match="unknown roles"):
        _app(tmp_path, api_keys_file=keys_file)


def test_validation_errors_do_not_echo_input(tmp_path: Path) -> None:
    client = _app(tmp_path)
    r = client.post("/v1/echo", json={"secret_text": "Maria CPF 123.456.789-09", "n": "not a number"},
                    headers=_auth(ADMIN_KEY))
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == 422 and body["type"].endswith("/validation-error")
    assert body["errors"][0]["loc"] == ["body", "n"]
    assert "123.456.789-09" not in r.text and "not a number" not in r.text


def test_validation_errors_do_not_echo_the_callers_own_keys(tmp_path: Path) -> None:
    client = _app(tmp_path)
    r = client.post("/v1/echo", json={"secret_text": "x", "n": 1, "scores": {"Maria Souza 529.982.247-25": "alto"},
                                      "João Lima": 1}, headers=_auth(ADMIN_KEY))
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["body", "scores", "*"]  # a declared field, then the caller's key
    assert "Maria" not in r.text and "529.982.247-25" not in r.text and "alto" not in r.text


def test_api_docs_are_a_setting(tmp_path: Path) -> None:
    off = _app(tmp_path, api_docs=False)
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert off.get(path).status_code == 404
    r = off.post("/v1/echo", json={"secret_text": "x", "n": "y"}, headers=_auth(ADMIN_KEY))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "n"]  # errors still name fields
    assert _app(tmp_path).get("/openapi.json").status_code == 200


def test_unexpected_errors_are_500_problems_without_trace(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    client = _app(tmp_path)
    r = client.get("/v1/boom", headers={"X-Request-ID": "req-123"})
    assert r.status_code == 500 and r.headers["x-request-id"] == "req-123"
    assert "Traceback" not in r.text and "123.456.789-09" not in r.text
    out = capsys.readouterr().out
    assert "RuntimeError" in out and "123.456.789-09" not in out
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert any(l.get("request_id") == "req-123" and l["event"] == "unhandled_exception" for l in lines)


def test_problem_error_and_request_ids(tmp_path: Path) -> None:
    client = _app(tmp_path)
    r = client.get("/v1/conflict")
    assert r.status_code == 409 and r.json()["detail"] == "Job 'x' is running."
    assert len(r.headers["x-request-id"]) == 32
    assert client.get("/v1/conflict", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"] != \
        "bad id with spaces"


def test_body_limit_is_413(tmp_path: Path) -> None:
    client = _app(tmp_path)
    r = client.post("/v1/echo", content=b'{"secret_text": "' + b"a" * 5000 + b'", "n": 1}',
                    headers={**_auth(ADMIN_KEY), "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["status"] == 413


def test_ops_endpoints_and_metrics(tmp_path: Path) -> None:
    client = _app(tmp_path)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready", "checks": {"always": "ok"}}
    client.post("/v1/echo", json={"secret_text": "x", "n": 1}, headers=_auth(ADMIN_KEY))
    text = client.get("/metrics").text
    assert 'llm4gov_testsvc_http_requests_total{method="POST",route="/v1/echo",status="200"} 1.0' in text
    assert "/docs" in client.get("/docs").text or client.get("/openapi.json").status_code == 200


def test_readiness_failure_is_503(tmp_path: Path) -> None:
    def broken() -> None:
        raise ConnectionError("db down")

    settings = ServiceSettings(data_dir=tmp_path, auth="off")
    client = TestClient(create_service_app("t3", settings, title="t", description="d", readiness={"db": broken}))
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["db"] == "unavailable: ConnectionError"


def test_audit_log_records(database_url: str) -> None:
    audit = AuditLog(init_db(create_db_engine(database_url)), "anonymizer")
    audit.record(Principal("ops", frozenset({"admin"})), "deanonymize", "mapping:abc", request_id="r1",
                 details={"restored": 3})
    audit.record(Principal("ops", frozenset({"admin"})), "promote", "adapter:severity@2")
    events = audit.recent()
    assert [e.action for e in events] == ["promote", "deanonymize"]
    assert audit.recent(action="deanonymize")[0].details == {"restored": 3}


def test_settings_from_env(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = generate_api_key()
    monkeypatch.setenv("LLM4GOV_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LLM4GOV_STORAGE__BACKEND", "s3")
    monkeypatch.setenv("LLM4GOV_STORAGE__S3_BUCKET", "b")
    monkeypatch.setenv("LLM4GOV_API_KEYS", "[" + key_entry_json("a", key, ["classify"]) + "]")
    settings = ServiceSettings()
    assert settings.storage.s3_bucket == "b" and settings.api_keys[0].roles == ["classify"]
    assert settings.resolved_database_url().endswith("llm4gov.sqlite3")


def test_every_503_says_when_to_retry(tmp_path: Path) -> None:
    r = _app(tmp_path).get("/v1/busy")
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert r.json()["error"]["message"] == "The engine is starting."  # OpenAI's shape too, for its SDKs


class _RecordingWorker:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")

    def wake(self) -> None:
        self.calls.append("wake")


@pytest.mark.parametrize("enabled", [True, False])
def test_the_background_worker_lives_with_the_app(tmp_path: Path, enabled: bool) -> None:
    """Built and started after on_startup, stopped before on_shutdown; where disabled, never built."""
    calls: list[str] = []
    worker = BackgroundWorker(lambda app: _RecordingWorker(calls), enabled=enabled)
    worker.wake()  # before startup: nothing to wake
    app = create_service_app("testsvc", ServiceSettings(data_dir=tmp_path, auth="off"), title="t", description="d",
                             on_startup=lambda _app: calls.append("on_startup"),
                             on_shutdown=lambda _app: calls.append("on_shutdown"), worker=worker)
    with TestClient(app):
        worker.wake()
    running = ["start", "wake", "stop"] if enabled else []
    assert calls == ["on_startup", *running, "on_shutdown"]
