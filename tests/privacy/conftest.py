"""Privacy suite fixtures: a real anonymizer and teacher on 127.0.0.1, a capturing fake teacher LLM,
and a fault-injecting proxy in front of the real anonymizer.

Canary PII is planted in every place a labeling record can hold it; the tests then look for each
canary at every egress: what the fake teacher received, log records, metrics, error bodies, the job
store and object storage.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.integration.anonymizer.conftest import Anonymizer, start_anonymizer
from tests.integration.teacher.conftest import TEACHER_KEY, Teacher, teacher_starter
from tests.servers import serve_app

# Valid CPFs (check digits), names and contacts that only these tests use.
CPF_SYSTEM = "390.533.447-05"
CPF_INSTRUCTION = "853.513.468-93"
CPF_TEXT = "529.982.247-25"
CPF_KEY = "111.444.777-35"
CPF_NUMBER = 71428793860       # a CPF held as a JSON number (spreadsheet exports)
CPF_FLOAT = 98765432100.0     # the same as a float
CPF_DESCRIPTION = "286.255.878-87"
NAME_SYSTEM = "Joana Pereira Carvalho"
NAME_INSTRUCTION = "Antônio Ferreira Lima"
NAME_TEXT = "Francisca Oliveira Santos"
NAME_KEY = "Luiz Carvalho Souza"
NAME_LIST = "Juliana Santos Ferreira"
NAME_DESCRIPTION = "Maria Lima Oliveira"
EMAIL_LIST = "juliana.ferreira.canario@exemplo.gov.br"
PHONE_TEXT = "(61) 99876-5432"

CANARIES = [CPF_SYSTEM, CPF_INSTRUCTION, CPF_TEXT, CPF_KEY, CPF_DESCRIPTION, NAME_SYSTEM, NAME_INSTRUCTION,
            NAME_TEXT, NAME_KEY, NAME_LIST, NAME_DESCRIPTION, EMAIL_LIST, PHONE_TEXT, str(CPF_NUMBER),
            "98765432100"]


def digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


#: Every canary in each form it could take on the way out (formatted and bare digits).
CANARY_FORMS = sorted({*CANARIES, *(digits(c) for c in CANARIES if c.count(".") == 2)})

SYSTEM_PROMPT = (f"Você é analista de risco da equipe de {NAME_SYSTEM} (CPF {CPF_SYSTEM}). "
                 "Classifique o documento quanto à severidade.")
INSTRUCTION = (f"Classifique a severidade. Responsável pela triagem: {NAME_INSTRUCTION}, CPF {CPF_INSTRUCTION}.")
STRUCTURE = {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA|CRITICA",
             "explanation": f"Resumo, como no caso de {NAME_DESCRIPTION}, CPF {CPF_DESCRIPTION}."}


def canary_record(i: int, with_system_prompt: bool) -> dict[str, Any]:
    """A record with canary PII in strings, a dict key, numbers and nested lists."""
    user_prompt = {
        "document_id": f"DOC-{i:03d}",
        "texto": (f"A servidora {NAME_TEXT}, CPF {CPF_TEXT}, telefone {PHONE_TEXT}, relatou falha no "
                  f"protocolo que atrasou {i + 3} processos."),
        f"Declaração do servidor {NAME_KEY}, CPF {CPF_KEY}": "anexa ao processo",
        "cpf_num": CPF_NUMBER,
        "cpf_float": CPF_FLOAT,
        "anexos": [[f"Testemunha: {NAME_LIST}", {"contato": f"e-mail {EMAIL_LIST}"}]],
    }
    record: dict[str, Any] = {"id": f"r{i}", "user_prompt": user_prompt}
    if with_system_prompt:
        record["system_prompt"] = SYSTEM_PROMPT
    return record


def canary_job(n: int = 8, **execution: Any) -> dict[str, Any]:
    """Half the records carry the system prompt, half fall back to the task's instruction."""
    return {"task": {"name": "severity", "instruction": INSTRUCTION, "structure_example": STRUCTURE},
            "dataset": {"records": [canary_record(i, with_system_prompt=i % 2 == 0) for i in range(n)]},
            "teacher": {"endpoint": "fake", "model": "fake-teacher", "timeout_s": 5},
            "execution": {"concurrency": 4, "backoff_initial_s": 0.05, "backoff_max_s": 0.2, **execution}}


def leaks(text: str) -> list[str]:
    """The canaries found in `text` (formatted or as bare digits)."""
    return [c for c in CANARY_FORMS if c in text]


@dataclass
class AnonymizerProxy:
    """Sits between the teacher and the real anonymizer and injects one fault at a time.

    `mode`: "pass" forwards; "short" forwards and drops the last result; "error" answers 500 as a
    crashed anonymizer would; "slow" holds the answer longer than the teacher waits.
    """

    upstream: str
    mode: str = "pass"
    slow_s: float = 3.0
    batches: int = 0
    app: FastAPI = field(init=False)

    def __post_init__(self) -> None:
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST"])
        async def forward(path: str, request: Request) -> Response:
            body = await request.body()
            headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
            if path == "v1/anonymize/batch":
                self.batches += 1
                if self.mode == "error":
                    return JSONResponse({"status": 500, "title": "Internal server error"}, status_code=500)
                if self.mode == "slow":
                    await asyncio.sleep(self.slow_s)
            async with httpx.AsyncClient(base_url=self.upstream, timeout=60) as client:
                upstream = await client.request(request.method, "/" + path, content=body, headers=headers)
            if path == "v1/anonymize/batch" and self.mode == "short" and upstream.status_code == 200:
                answer = upstream.json()
                answer["results"] = answer["results"][:-1]
                return JSONResponse(answer)
            return Response(upstream.content, status_code=upstream.status_code,
                            media_type=upstream.headers.get("content-type"))

        self.app = app


@pytest.fixture(scope="module")
def anonymizer(tmp_path_factory: pytest.TempPathFactory, analyzer) -> Iterator[Anonymizer]:  # type: ignore[no-untyped-def]
    yield from start_anonymizer(tmp_path_factory.mktemp("privacy-anon"), analyzer)


@pytest.fixture
def proxy(anonymizer: Anonymizer) -> Iterator[tuple[AnonymizerProxy, str]]:
    handle = AnonymizerProxy(anonymizer.url)
    with serve_app(handle.app) as url:
        yield handle, url


@pytest.fixture(autouse=True)
def teacher_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", TEACHER_KEY)


@pytest.fixture
def start_teacher(tmp_path: Path, anonymizer: Anonymizer) -> Iterator[Callable[..., Teacher]]:
    """Teachers behind the privacy anonymizer (or `anonymizer_url`), which they wait for 60 s unless told."""
    with teacher_starter(tmp_path, anonymizer) as start:
        yield partial(start, anonymizer_timeout_s=60.0)


@pytest.fixture
def captured_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record of every logger, at every level."""
    with caplog.at_level(logging.DEBUG):
        yield caplog


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.getMessage()} {r.msg!r} {r.args!r}" for r in caplog.records)


def stored_bytes(*roots: Path) -> bytes:
    """Every byte under the data directories (SQLite files, WAL, local object storage, keys)."""
    return b"".join(p.read_bytes() for root in roots for p in sorted(root.rglob("*")) if p.is_file())


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
