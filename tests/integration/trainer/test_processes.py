"""The trainer as a real process: kill -9 mid-training, restart, and the job resumes from its last
checkpoint in object storage (the local scratch is wiped, as on another node) and finishes once."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

from shared.base_models import upload_base_model
from services.trainer.executors import settings_env
from shared.storage import create_object_store
from tests.integration.trainer.conftest import STRUCTURE, jsonl, labeled_records, trainer_settings
from tests.servers import processes_with, service_process

pytest.importorskip("torch")

def _events(url: str, job_id: str) -> list[dict]:
    return httpx.get(f"{url}/v1/training-jobs/{job_id}/events", params={"limit": 10000}, timeout=10).json()["data"]


def test_kill_9_mid_training_then_restart_resumes_from_the_stored_checkpoint(tmp_path: Path, tiny_base: Path) -> None:
    settings, _ = trainer_settings(tmp_path / "data", tiny_base.parent)
    env = {**settings_env(settings), "LLM4GOV_AUTH": "off"}
    objects = create_object_store(settings)
    upload_base_model(objects, "tiny-llama", tiny_base)
    objects.put_bytes("uploads/severity.jsonl", jsonl(labeled_records(40)))
    body = {"task": {"name": "severity", "structure_example": STRUCTURE}, "dataset": {"uri": "uploads/severity.jsonl"},
            "base_model": "tiny-llama", "method": "lora", "validation": {"fraction": 0.0},
            "hyperparameters": {"r": 4, "alpha": 8, "max_steps": 150, "batch_size": 4, "learning_rate": 1e-3,
                                "save_steps": 10}}
    with service_process("trainer", env, tmp_path / "first.log") as (url, proc):
        job_id = httpx.post(f"{url}/v1/training-jobs", json=body, timeout=30).json()["id"]
        deadline = time.monotonic() + 180
        while not [e for e in _events(url, job_id) if e["type"] == "checkpoint" and e["data"]["step"] >= 20]:
            assert time.monotonic() < deadline, "no checkpoint"
            time.sleep(0.1)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    deadline = time.monotonic() + 20
    while processes_with(b"services.trainer.run_job", job_id.encode()):  # the training process dies with the service
        assert time.monotonic() < deadline, "orphan training process"
        time.sleep(0.1)
    # a fresh node: nothing of the job on local disk, only what is in object storage
    local = settings.resolved_work_dir() / "jobs" / job_id
    assert local.is_dir()
    shutil.rmtree(local)

    with service_process("trainer", env, tmp_path / "second.log") as (url, _proc):
        deadline = time.monotonic() + 600  # generous: CI machines are shared
        while (job := httpx.get(f"{url}/v1/training-jobs/{job_id}", timeout=10).json())["status"] not in (
                "succeeded", "failed", "cancelled"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        events = _events(url, job_id)
    assert job["status"] == "succeeded", (job, (tmp_path / "second.log").read_text()[-3000:])
    restored = [e["data"]["step"] for e in events if e["type"] == "checkpoint.restored"]
    assert len(restored) == 1 and restored[0] >= 20
    finished = [e["data"] for e in events if e["type"] == "train.finished"]
    assert len(finished) == 1 and finished[0]["resumed_from_step"] == restored[0] and finished[0]["step"] == 150
    launches = [e for e in events if e["type"] == "run.launched"]
    assert len(launches) == 2
    after_restart = [e["data"]["step"] for e in events if e["type"] == "train.log" and e["id"] > launches[1]["id"]]
    assert after_restart[0] == restored[0] + 1 and after_restart[-1] == 150
    assert [e["type"] for e in events].count("published") == 1
    assert job["progress"]["step"] == 150 and job["fine_tuned_model"] == "severity@1"
