"""Teacher tests: a real anonymizer and teacher on 127.0.0.1, and the fake OpenAI-compatible teacher LLM."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.anonymizer.identifiers import generate_cpf
from services.teacher.app import create_app
from services.teacher.settings import TeacherOptions, TeacherSettings
from shared.auth import generate_api_key, hash_api_key
from shared.config import ApiKeyEntry
from tests.integration.anonymizer.conftest import Anonymizer, start_anonymizer
from tests.servers import serve_app

TEACHER_KEY = "sk-test-teacher-key"
STRUCTURE = {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA|CRITICA", "explanation": "Resumo."}
INSTRUCTION = "Você é um analista de risco. Classifique o documento quanto à severidade."
FIRST = ["Maria", "José", "Ana", "João", "Francisca", "Antônio", "Luiz", "Juliana"]
LAST = ["Silva", "Santos", "Oliveira", "Souza", "Pereira", "Lima", "Carvalho", "Ferreira"]


def canary_records(n: int, seed: int = 1) -> tuple[list[dict[str, Any]], list[str]]:
    """Seed-format records that each carry canary PII (a valid CPF and a full name)."""
    rng = random.Random(seed)
    records, canaries = [], []
    for i in range(n):
        cpf = generate_cpf(rng, formatted=True)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}"
        canaries += [cpf, name]
        text = (f"Comunicado {i}: o servidor {name}, CPF {cpf}, relatou falha no sistema de protocolo que "
                f"atrasou {rng.randint(2, 90)} processos.")
        records.append({"system_prompt": INSTRUCTION, "user_prompt": {"document_id": f"DOC-{i:03d}", "texto": text}})
    return records, canaries


FAKE_ENDPOINT = "fake"


def fake_endpoints(fake_url: str) -> dict[str, Any]:
    """The operator's endpoint configuration naming the fake teacher (plain http: a local fake)."""
    return {FAKE_ENDPOINT: {"base_url": fake_url, "api_key_env": "OPENAI_API_KEY", "allow_http": True}}


def job_request(records: list[dict[str, Any]], **execution: Any) -> dict[str, Any]:
    return {"task": {"name": "severity", "structure_example": STRUCTURE},
            "dataset": {"records": records},
            "teacher": {"endpoint": FAKE_ENDPOINT, "model": "fake-teacher", "timeout_s": 5},
            "execution": {"concurrency": 8, "backoff_initial_s": 0.05, "backoff_max_s": 0.3, **execution}}


@dataclass
class Teacher:
    url: str
    keys: dict[str, str]
    settings: TeacherSettings

    def client(self, role: str = "label") -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.keys[role]}"}, timeout=60)

    def wait(self, job_id: str, states: tuple[str, ...] = ("succeeded", "failed", "cancelled", "paused"),
             timeout_s: float = 90, role: str = "label") -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        with self.client(role) as client:
            while True:
                job = client.get(f"/v1/labeling-jobs/{job_id}").json()
                if job["state"] in states:
                    return job
                if time.monotonic() > deadline:
                    raise AssertionError(f"job stuck in {job['state']}: {job}")
                time.sleep(0.1)


@pytest.fixture(scope="module")
def anonymizer_service(tmp_path_factory: pytest.TempPathFactory, analyzer) -> Iterator[Anonymizer]:  # type: ignore[no-untyped-def]
    yield from start_anonymizer(tmp_path_factory.mktemp("anon"), analyzer)


@pytest.fixture(scope="module", autouse=True)
def teacher_api_key() -> Iterator[None]:
    previous = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = TEACHER_KEY
    yield
    if previous is None:
        os.environ.pop("OPENAI_API_KEY", None)
    else:
        os.environ["OPENAI_API_KEY"] = previous


def teacher_settings(tmp: Path, anonymizer_url: str, anonymizer_key: str | None, database_url: str | None = None,
                     worker_id: str = "test-worker",
                     fake_url: str = "http://127.0.0.1:9/v1") -> tuple[TeacherSettings, dict[str, str]]:
    # "label-other" is a second team's key with the same role
    keys = {role: generate_api_key() for role in ("label", "admin", "classify", "label-other")}
    settings = TeacherSettings(
        data_dir=tmp, database_url=database_url,
        api_keys=[ApiKeyEntry(name=f"{r}-client", sha256=hash_api_key(k), roles=[r.split("-")[0]])
                  for r, k in keys.items()],
        teacher=TeacherOptions(anonymizer_url=anonymizer_url, anonymizer_api_key=anonymizer_key,
                               poll_interval_s=0.2, worker_id=worker_id, secret_key="t" * 40,
                               endpoints=fake_endpoints(fake_url)))
    return settings, keys


@pytest.fixture
def start_teacher(tmp_path: Path, anonymizer_service: Anonymizer) -> Iterator[Callable[..., Teacher]]:
    stack: list[Any] = []

    def start(fake_url: str = "http://127.0.0.1:9/v1", anonymizer_url: str | None = None, **kwargs: Any) -> Teacher:
        settings, keys = teacher_settings(tmp_path / f"t{len(stack)}", anonymizer_url or anonymizer_service.url,
                                          anonymizer_service.keys["anonymize"], fake_url=fake_url, **kwargs)
        ctx = serve_app(create_app(settings))
        url = ctx.__enter__()
        stack.append(ctx)
        return Teacher(url, keys, settings)

    yield start
    for ctx in reversed(stack):
        ctx.__exit__(None, None, None)


def sent_texts(fake: Any) -> str:
    """Everything the fake teacher LLM received, as one string."""
    return "\n".join(m.get("content") or "" for body in fake.bodies() for m in body.get("messages", []))
