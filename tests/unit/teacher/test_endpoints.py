"""Operator-configured teacher endpoints: what a job may name, and what the configuration accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.teacher.protocol import TeacherSpec
from services.teacher.settings import TeacherEndpoint, TeacherOptions, TeacherSettings


def test_https_is_required_unless_the_operator_allows_http() -> None:
    assert TeacherEndpoint(base_url="https://llm.example/v1", api_key_env="KEY").base_url.scheme == "https"
    with pytest.raises(ValidationError, match="not https"):
        TeacherEndpoint(base_url="http://llm.example/v1", api_key_env="KEY")
    assert TeacherEndpoint(base_url="http://127.0.0.1:9/v1", api_key_env="KEY", allow_http=True).allow_http
    with pytest.raises(ValidationError):
        TeacherEndpoint(base_url="https://llm.example/v1", api_key_env="not a variable")


def test_endpoints_come_from_the_environment_or_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert list(TeacherOptions().resolved_endpoints()) == ["openai"]
    monkeypatch.setenv("LLM4GOV_TEACHER__ENDPOINTS",
                       '{"local": {"base_url": "http://127.0.0.1:8000/v1", "api_key_env": "K", "allow_http": true}}')
    assert list(TeacherSettings().teacher.resolved_endpoints()) == ["local"]
    file = tmp_path / "endpoints.yaml"
    file.write_text("gov:\n  base_url: https://llm.gov.example/v1\n  api_key_env: GOV_KEY\n  models: [big]\n",
                    encoding="utf-8")
    monkeypatch.setenv("LLM4GOV_TEACHER__ENDPOINTS_FILE", str(file))
    endpoints = TeacherSettings().teacher.resolved_endpoints()
    assert list(endpoints) == ["gov"] and endpoints["gov"].models == ["big"]
    file.write_text("gov:\n  base_url: http://llm.gov.example/v1\n  api_key_env: GOV_KEY\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="not https"):
        TeacherSettings().teacher.resolved_endpoints()
    with pytest.raises(ValidationError, match="endpoint name"):
        TeacherOptions(endpoints={"bad name!": {"base_url": "https://x.example", "api_key_env": "K"}})


def test_a_job_names_an_endpoint_and_nothing_else() -> None:
    spec = TeacherSpec(model="m")
    assert spec.endpoint == "openai" and spec.base_url is None and spec.api_key_env is None
    with pytest.raises(ValidationError):
        TeacherSpec.model_validate({"model": "m", "api_base": "https://attacker.example"})
