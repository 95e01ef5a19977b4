"""Teacher settings: `LLM4GOV_TEACHER__<FIELD>` environment variables."""

from __future__ import annotations

import socket

from pydantic import BaseModel, Field, SecretStr

from shared.config import ServiceSettings


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
    max_items_per_job: int = Field(default=100_000, ge=1)
    #: Environment variables a job may name as its teacher API key (`api_key_env`); anything else is
    #: refused, so a job cannot make the service send one of its own secrets to an arbitrary URL.
    allowed_api_key_envs: list[str] = ["OPENAI_API_KEY", "LLM4GOV_TEACHER_API_KEY"]
    #: Key that encrypts not-yet-anonymized item text at rest in the job store; generated in
    #: data_dir when unset (set it, identical on every replica, in production).
    secret_key: SecretStr | None = None


class TeacherSettings(ServiceSettings):
    teacher: TeacherOptions = TeacherOptions()
