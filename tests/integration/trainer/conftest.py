"""Trainer tests: the real trainer service on 127.0.0.1 (in-thread or as a process), real training
processes on a tiny random Llama built at test time, object storage on a real S3 server or a local dir."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

from services.trainer.app import create_app
from services.trainer.settings import TrainerOptions, TrainerSettings
from shared.auth import generate_api_key, hash_api_key
from shared.base_models import upload_base_model
from shared.config import ApiKeyEntry, StorageSettings
from shared.prompts import build_prompt, prompt_spec_for
from shared.storage import ObjectStore, create_object_store
from shared.tasks import Task
from tests.servers import KeyedService, S3Server, serve_app
from tests.tiny_models import build_tiny_llama
from tests.waiting import wait_for_state

#: The name the tiny base model is uploaded under (`base_model` of a training job).
BASE_MODEL = "tiny-llama"
STRUCTURE = {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA", "explanation": "Resumo."}
TASK = Task.from_example("severity", STRUCTURE, instruction="Classifique o documento quanto à severidade.")
WORDS = {"BAIXA": "rotina", "MEDIA": "atraso", "ALTA": "incêndio"}


def labeled_records(n: int, seed: int = 3) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        level = ["BAIXA", "MEDIA", "ALTA"][i % 3]
        text = f"Relato {i}: houve {WORDS[level]} no setor {rng.randint(1, 9)}."
        out.append({"system_prompt": TASK.instruction, "user_prompt": {"document_id": f"D{i}", "texto": text},
                    "teacher_output": {"document_id": f"D{i}", "severity_level": level,
                                       "explanation": f"Evento de {WORDS[level]}."}})
    return out


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return ("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n").encode()


def build_tiny_base(models_dir: Path) -> Path:
    """A tiny random Llama whose tokenizer knows the severity records' words, in `models_dir/tiny-llama`."""
    spec = prompt_spec_for(TASK, "compact")
    corpus = [build_prompt(spec, r["user_prompt"]) + json.dumps(r["teacher_output"], ensure_ascii=False)
              for r in labeled_records(60)]
    return build_tiny_llama(models_dir / BASE_MODEL, corpus)


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_base(tmp_path_factory.mktemp("models"))


@dataclass
class Trainer(KeyedService):
    settings: TrainerSettings
    objects: ObjectStore

    default_role: ClassVar[str] = "train"

    def wait(self, job_id: str, states: tuple[str, ...] = ("succeeded", "failed", "cancelled"),
             timeout_s: float = 180) -> dict[str, Any]:
        with self.client() as client:
            return wait_for_state(client, f"/v1/training-jobs/{job_id}", states, "status", timeout_s)


def trainer_settings(data_dir: Path, model_root: Path, s3: S3Server | None = None,
                     database_url: str | None = None, **options: Any) -> tuple[TrainerSettings, dict[str, str]]:
    keys = {"train": generate_api_key(), "label": generate_api_key(), "train-other": generate_api_key(),
            "admin": generate_api_key()}
    storage = StorageSettings()
    if s3 is not None:
        bucket = f"trainer-{random.randrange(10**9)}"
        s3.client().create_bucket(Bucket=bucket)
        storage = StorageSettings(backend="s3", s3_bucket=bucket, s3_endpoint_url=s3.endpoint_url,
                                  s3_access_key_id=s3.access_key, s3_secret_access_key=s3.secret_key)
    settings = TrainerSettings(
        data_dir=data_dir, database_url=database_url, storage=storage, log_format="console",
        api_keys=[ApiKeyEntry(name="trainer-client", sha256=hash_api_key(keys["train"]), roles=["train"]),
                  ApiKeyEntry(name="labeler", sha256=hash_api_key(keys["label"]), roles=["label"]),
                  ApiKeyEntry(name="other-team", sha256=hash_api_key(keys["train-other"]), roles=["train"]),
                  ApiKeyEntry(name="ops", sha256=hash_api_key(keys["admin"]), roles=["admin"])],
        trainer=TrainerOptions(local_model_roots=[model_root], poll_interval_s=0.2, lease_s=30,
                               worker_id="trainer-test", **options))
    return settings, keys


def start_trainer(settings: TrainerSettings, keys: dict[str, str]) -> Iterator[Trainer]:
    with serve_app(create_app(settings)) as url:
        yield Trainer(url, keys, settings, create_object_store(settings))


def start_trainer_with_base(data_dir: Path, tiny_base: Path, s3: S3Server | None = None) -> Iterator[Trainer]:
    """A trainer (`trainer_settings`) whose object storage holds `tiny_base` as base model BASE_MODEL."""
    settings, keys = trainer_settings(data_dir, tiny_base.parent, s3=s3)
    for trainer in start_trainer(settings, keys):
        upload_base_model(trainer.objects, BASE_MODEL, tiny_base)
        yield trainer
