"""Training jobs against killed processes and an unreachable object store: the job always ends
succeeded, resumed from its last complete checkpoint, losing at most `save_steps` steps of work."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.base_models import upload_base_model
from services.trainer.checkpoints import COMPLETE_MARKER, checkpoints_prefix
from services.trainer.executors import settings_env
from shared.storage import create_object_store
from tests.chaos.faults import tcp_proxy
from tests.integration.trainer.conftest import STRUCTURE, jsonl, labeled_records, trainer_settings
from tests.servers import S3Server, processes_with, service_process

pytest.importorskip("torch")

SAVE_STEPS = 10
MAX_STEPS = 40
BODY = {"task": {"name": "severity", "structure_example": STRUCTURE}, "dataset": {"uri": "uploads/severity.jsonl"},
        "base_model": "tiny-llama", "method": "lora", "validation": {"fraction": 0.0}, "label_head": False,
        "hyperparameters": {"r": 4, "alpha": 8, "max_steps": MAX_STEPS, "batch_size": 4, "learning_rate": 1e-3,
                            "save_steps": SAVE_STEPS}}
FINAL = ("succeeded", "failed", "cancelled")


def _env(settings: Any) -> dict[str, str]:
    return {**settings_env(settings), "LLM4GOV_AUTH": "off"}


def _prepare(settings: Any, tiny_base: Path) -> None:
    objects = create_object_store(settings)
    upload_base_model(objects, "tiny-llama", tiny_base)
    objects.put_bytes("uploads/severity.jsonl", jsonl(labeled_records(40)))


def _job(url: str, job_id: str) -> dict[str, Any]:
    return httpx.get(f"{url}/v1/training-jobs/{job_id}", timeout=10).json()


def _events(url: str, job_id: str) -> list[dict[str, Any]]:
    return httpx.get(f"{url}/v1/training-jobs/{job_id}/events", params={"limit": 10000}, timeout=10).json()["data"]


def _wait_for(url: str, job_id: str, predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate(_events(url, job_id)):
        assert _job(url, job_id)["status"] not in FINAL, f"job ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _wait_final(url: str, job_id: str, timeout_s: float = 420) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while (job := _job(url, job_id))["status"] not in FINAL:
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    return job


def _checkpointed(step: int) -> Any:
    return lambda events: any(e["type"] == "checkpoint" and e["data"]["step"] >= step for e in events)


def test_kill_9_of_the_training_run_is_retried_from_its_checkpoint(tmp_path: Path, tiny_base: Path) -> None:
    settings, _ = trainer_settings(tmp_path / "data", tiny_base.parent, retry_backoff_s=1.0)
    _prepare(settings, tiny_base)
    with service_process("trainer", _env(settings), tmp_path / "trainer.log") as (url, _proc):
        job_id = httpx.post(f"{url}/v1/training-jobs", json=BODY, timeout=30).json()["id"]
        _wait_for(url, job_id, _checkpointed(SAVE_STEPS), 300, "the first checkpoint")
        (pid,) = processes_with(b"services.trainer.run_job", job_id.encode())
        os.kill(pid, signal.SIGKILL)  # as the OOM killer would
        killed_at = _job(url, job_id)["progress"]["step"]
        job = _wait_final(url, job_id)
        events = _events(url, job_id)
    assert job["status"] == "succeeded", (job, (tmp_path / "trainer.log").read_text()[-3000:])
    (retry,) = [e["data"] for e in events if e["type"] == "run.retry"]
    assert retry["attempt"] == 2 and "killed by signal 9" in retry["cause"] and retry["killed"]
    restored = [e["data"]["step"] for e in events if e["type"] == "checkpoint.restored"]
    assert restored == [retry["resume_from_step"]] and restored[0] >= SAVE_STEPS
    assert killed_at - restored[0] <= SAVE_STEPS  # work lost to the kill: at most save_steps steps
    finished = [e["data"] for e in events if e["type"] == "train.finished"]
    assert finished == [{**finished[0], "step": MAX_STEPS, "resumed_from_step": restored[0]}]
    assert [e["type"] for e in events].count("published") == 1 and job["fine_tuned_model"] == "severity@1"
    progress = job["progress"]
    assert progress["attempt"] == 2 and progress["failed_attempts"] == 1 and progress["resumed_from_step"] == restored[0]
    (attempt,) = progress["attempts"]
    assert attempt["killed"] and attempt["peak_rss_mb"] > 50 and attempt["reached_step"] >= SAVE_STEPS
    print(f"\nrun kill: killed at step {killed_at}, resumed from {restored[0]}, "
          f"lost {killed_at - restored[0]} steps; peak RSS {attempt['peak_rss_mb']} MiB")


def test_kill_9_of_the_trainer_service_then_restart(tmp_path: Path, tiny_base: Path) -> None:
    settings, _ = trainer_settings(tmp_path / "data", tiny_base.parent)
    _prepare(settings, tiny_base)
    env = _env(settings)
    with service_process("trainer", env, tmp_path / "first.log") as (url, proc):
        job_id = httpx.post(f"{url}/v1/training-jobs", json=BODY, timeout=30).json()["id"]
        _wait_for(url, job_id, _checkpointed(SAVE_STEPS), 300, "the first checkpoint")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    deadline = time.monotonic() + 20
    while processes_with(b"services.trainer.run_job", job_id.encode()):  # the run dies with its service
        assert time.monotonic() < deadline, "orphan training process"
        time.sleep(0.1)
    with service_process("trainer", env, tmp_path / "second.log") as (url, _proc):
        job = _wait_final(url, job_id)
        events = _events(url, job_id)
    assert job["status"] == "succeeded", (job, (tmp_path / "second.log").read_text()[-3000:])
    restored = [e["data"]["step"] for e in events if e["type"] == "checkpoint.restored"]
    assert len(restored) == 1 and restored[0] >= SAVE_STEPS
    assert [e["type"] for e in events].count("published") == 1
    # a service restart is not the run's fault: it uses up no attempt
    assert job["progress"]["attempt"] == 2 and job["progress"]["failed_attempts"] == 0


def test_object_storage_unreachable_during_a_checkpoint_upload(tmp_path: Path, tiny_base: Path,
                                                               s3_server: S3Server) -> None:
    settings, _ = trainer_settings(tmp_path / "data", tiny_base.parent, s3=s3_server)
    _prepare(settings, tiny_base)
    direct = create_object_store(settings)
    s3_port = int(s3_server.endpoint_url.rsplit(":", 1)[1])
    with tcp_proxy(s3_port) as proxy:
        proxied = settings.model_copy(update={"storage": settings.storage.model_copy(
            update={"s3_endpoint_url": proxy.url})})
        with service_process("trainer", _env(proxied), tmp_path / "trainer.log") as (url, _proc):
            job_id = httpx.post(f"{url}/v1/training-jobs", json=BODY, timeout=30).json()["id"]
            deadline = time.monotonic() + 300
            while (_job(url, job_id)["progress"].get("step") or 0) < SAVE_STEPS - 3:
                assert time.monotonic() < deadline, "training never started"
                time.sleep(0.05)
            proxy.cut()  # object storage goes away before checkpoint 10 is uploaded
            cut_at = time.monotonic()
            _wait_for(url, job_id, lambda ev: any(e["type"] == "checkpoint.upload_waiting" for e in ev), 120,
                      "the upload to wait")
            time.sleep(max(0.0, 15 - (time.monotonic() - cut_at)))
            # while it is down nothing of checkpoint 10 is complete, and the job is still running
            assert not direct.exists(f"{checkpoints_prefix(job_id)}/checkpoint-{SAVE_STEPS}/{COMPLETE_MARKER}")
            assert _job(url, job_id)["status"] == "running"
            proxy.restore()
            job = _wait_final(url, job_id)
            events = _events(url, job_id)
    assert job["status"] == "succeeded", (job, (tmp_path / "trainer.log").read_text()[-3000:])
    types = [e["type"] for e in events]
    assert "checkpoint.upload_recovered" in types and types.count("published") == 1
    waited = next(e["data"] for e in events if e["type"] == "checkpoint.upload_waiting")
    assert waited["step"] == SAVE_STEPS
    # every checkpoint left in object storage is complete (marker present), and the adapter is readable
    prefix = checkpoints_prefix(job_id) + "/"
    dirs = {key[len(prefix):].split("/")[0] for key in direct.list(prefix)}
    assert dirs and all(direct.exists(f"{prefix}{d}/{COMPLETE_MARKER}") for d in dirs), dirs
    assert job["fine_tuned_model"] == "severity@1"
    assert any(k.endswith("adapter_model.safetensors") for k in direct.list("adapters/severity/"))
