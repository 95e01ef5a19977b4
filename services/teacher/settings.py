"""Teacher settings: `LLM4GOV_TEACHER__<FIELD>` environment variables."""

from __future__ import annotations

import socket

import json
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator, model_validator

from shared.config import ServiceSettings


class TeacherEndpoint(BaseModel):
    """An OpenAI-compatible teacher the operator allows jobs to use. Jobs name it; they never give a URL
    or a key, so no job can send the server's key (or the documents) to a host of its choosing."""

    model_config = ConfigDict(extra="forbid")

    base_url: HttpUrl
    #: Environment variable (or mounted secret) holding this endpoint's API key.
    api_key_env: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
    #: Models a job may ask this endpoint for; None: any.
    models: list[str] | None = None
    #: Plain http is refused unless the operator marks the endpoint (a local fake, a test server).
    allow_http: bool = False

    @model_validator(mode="after")
    def _https(self) -> "TeacherEndpoint":
        if self.base_url.scheme != "https" and not self.allow_http:
            raise ValueError(f"teacher endpoint {self.base_url} is not https (set allow_http: true only for a "
                             "local endpoint)")
        return self


def _default_endpoints() -> dict[str, TeacherEndpoint]:
    return {"openai": TeacherEndpoint(base_url=HttpUrl("https://api.openai.com/v1"), api_key_env="OPENAI_API_KEY")}


class TeacherOptions(BaseModel):
    #: The anonymizer every text goes through before it leaves (fail-closed).
    anonymizer_url: str = "http://127.0.0.1:8081"
    anonymizer_api_key: SecretStr | None = None
    anonymizer_timeout_s: float = Field(default=120.0, gt=0)
    #: Run labeling jobs in this process (the embedded executor). Every replica that runs a worker
    #: takes items from the shared job store, so replicas split jobs without double work.
    worker_enabled: bool = True
    #: Stable identity of this worker; a restarted worker first gives back what it had claimed.
    worker_id: str = Field(default_factory=socket.gethostname, min_length=1, max_length=100)
    poll_interval_s: float = Field(default=1.0, gt=0)
    lease_s: float = Field(default=900.0, gt=0)
    #: Per-job metric series are removed this long after the job finished (a few scrapes see the end).
    metrics_retention_s: float = Field(default=900.0, ge=0)
    max_items_per_job: int = Field(default=500_000, ge=1)
    #: The teacher endpoints jobs may name (`teacher.endpoint`): `name -> {base_url, api_key_env, models?,
    #: allow_http?}` (`LLM4GOV_TEACHER__ENDPOINTS` as JSON), or a YAML/JSON file of the same map
    #: (`endpoints_file`, e.g. a mounted ConfigMap), which replaces it.
    endpoints: dict[str, TeacherEndpoint] = Field(default_factory=_default_endpoints)
    endpoints_file: Path | None = None
    #: Key that encrypts not-yet-anonymized item text at rest in the job store; generated in
    #: data_dir when unset (set it, identical on every replica, in production).
    secret_key: SecretStr | None = None


    @field_validator("endpoints")
    @classmethod
    def _names(cls, value: dict[str, TeacherEndpoint]) -> dict[str, TeacherEndpoint]:
        for name in value:
            if not name or len(name) > 64 or not name.replace("-", "").replace("_", "").isalnum():
                raise ValueError(f"teacher endpoint name {name!r}: use letters, digits, '-' and '_'")
        return value

    def resolved_endpoints(self) -> dict[str, TeacherEndpoint]:
        """The configured endpoints (the file's when one is set)."""
        if self.endpoints_file is None:
            return self.endpoints
        text = self.endpoints_file.read_text(encoding="utf-8")
        data = yaml.safe_load(text) if self.endpoints_file.suffix in (".yaml", ".yml") else json.loads(text)
        return TeacherOptions(endpoints=data or {}).endpoints


class TeacherSettings(ServiceSettings):
    teacher: TeacherOptions = TeacherOptions()
