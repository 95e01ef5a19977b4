"""Teacher tests: a real anonymizer and teacher on 127.0.0.1, and the fake OpenAI-compatible teacher LLM."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from services.anonymizer.identifiers import generate_cpf
from services.teacher.app import create_app
from services.teacher.settings import TeacherOptions, TeacherSettings
from shared.auth import generate_api_key, hash_api_key
from shared.config import ApiKeyEntry
from tests.integration.anonymizer.conftest import Anonymizer, start_anonymizer
from tests.servers import KeyedService, serve_app
from tests.waiting import wait_for_state

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
#: A teacher LLM URL nothing answers on, for tests that never reach the LLM.
NO_LLM_URL = "http://127.0.0.1:9/v1"


def fake_endpoints(fake_url: str) -> dict[str, Any]:
    """The operator's endpoint configuration naming the fake teacher (plain http: a local fake)."""
    return {FAKE_ENDPOINT: {"base_url": fake_url, "api_key_env": "OPENAI_API_KEY", "allow_http": True}}


def job_request(records: list[dict[str, Any]], **execution: Any) -> dict[str, Any]:
    return {"task": {"name": "severity", "structure_example": STRUCTURE},
            "dataset": {"records": records},
            "teacher": {"endpoint": FAKE_ENDPOINT, "model": "fake-teacher", "timeout_s": 5},
            "execution": {"concurrency": 8, "backoff_initial_s": 0.05, "backoff_max_s": 0.3, **execution}}


@dataclass
class Teacher(KeyedService):
    settings: TeacherSettings

    default_role: ClassVar[str] = "label"

    def wait(self, job_id: str, states: tuple[str, ...] = ("succeeded", "failed", "cancelled", "paused"),
             timeout_s: float = 90, role: str = "label") -> dict[str, Any]:
        with self.client(role) as client:
            return wait_for_state(client, f"/v1/labeling-jobs/{job_id}", states, "state", timeout_s, interval_s=0.1)


@pytest.fixture(scope="module")
def anonymizer_service(tmp_path_factory: pytest.TempPathFactory, analyzer) -> Iterator[Anonymizer]:  # type: ignore[no-untyped-def]
    yield from start_anonymizer(tmp_path_factory.mktemp("anon"), analyzer)


@pytest.fixture(scope="module", autouse=True)
def teacher_api_key() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", TEACHER_KEY)  # the fake endpoint's api_key_env
        yield


def teacher_settings(tmp: Path, anonymizer_url: str, anonymizer_key: str | None, database_url: str | None = None,
                     worker_id: str = "test-worker", fake_url: str = NO_LLM_URL,
                     **options: Any) -> tuple[TeacherSettings, dict[str, str]]:
    """Settings of a teacher in `tmp` behind the fake LLM at `fake_url`; `options` are more TeacherOptions."""
    # "label-other" is a second team's key with the same role
    keys = {role: generate_api_key() for role in ("label", "admin", "classify", "label-other")}
    settings = TeacherSettings(
        data_dir=tmp, database_url=database_url,
        api_keys=[ApiKeyEntry(name=f"{r}-client", sha256=hash_api_key(k), roles=[r.split("-")[0]])
                  for r, k in keys.items()],
        teacher=TeacherOptions(anonymizer_url=anonymizer_url, anonymizer_api_key=anonymizer_key,
                               poll_interval_s=0.2, worker_id=worker_id, secret_key="t" * 40,
                               endpoints=fake_endpoints(fake_url), **options))
    return settings, keys


@contextmanager
def running_teacher(tmp: Path, anonymizer_url: str, anonymizer_key: str | None,
                    service: dict[str, Any] | None = None, **kwargs: Any) -> Iterator[Teacher]:
    """A teacher app served on 127.0.0.1 (`teacher_settings(**kwargs)`, then the ServiceSettings in `service`)."""
    settings, keys = teacher_settings(tmp, anonymizer_url, anonymizer_key, **kwargs)
    if service:
        settings = settings.model_copy(update=service)
    with serve_app(create_app(settings)) as url:
        yield Teacher(url, keys, settings)


@contextmanager
def teacher_starter(tmp: Path, anonymizer: Anonymizer) -> Iterator[Callable[..., Teacher]]:
    """`start(fake_url, anonymizer_url=None, **kwargs)` runs one more teacher (its own data dir under `tmp`,
    behind `anonymizer` unless another URL is given; kwargs as `running_teacher`); all stop at the end."""
    with ExitStack() as stack:
        numbers = itertools.count()

        def start(fake_url: str = NO_LLM_URL, anonymizer_url: str | None = None, **kwargs: Any) -> Teacher:
            return stack.enter_context(running_teacher(tmp / f"t{next(numbers)}", anonymizer_url or anonymizer.url,
                                                       anonymizer.keys["anonymize"], fake_url=fake_url, **kwargs))

        yield start


@pytest.fixture
def start_teacher(tmp_path: Path, anonymizer_service: Anonymizer) -> Iterator[Callable[..., Teacher]]:
    with teacher_starter(tmp_path, anonymizer_service) as start:
        yield start


def sent_texts(fake: Any) -> str:
    """Everything the fake teacher LLM received, as one string."""
    return "\n".join(m.get("content") or "" for body in fake.bodies() for m in body.get("messages", []))
