"""Training jobs end to end through the API: real training processes on a tiny random Llama, adapters
published to a real S3 server and read back, the registry's promote/rollback/if-better gate, cancel,
and bad input refused with a clear 4xx that creates nothing."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.adapters import AdapterRegistry
from shared.audit import AuditLog
from shared.db import create_db_engine, init_db
from tests.integration.trainer.conftest import (STRUCTURE, TASK, Trainer, jsonl, labeled_records,
                                                start_trainer_with_base)
from tests.servers import S3Server

pytest.importorskip("torch")

TINY_HP = {"r": 4, "alpha": 8, "max_steps": 4, "batch_size": 4, "learning_rate": 1e-3, "save_steps": 2,
           "eval_steps": 2, "eval_max_new_tokens": 16}


@pytest.fixture(scope="module")
def trainer(tmp_path_factory: pytest.TempPathFactory, tiny_base: Path, s3_server: S3Server) -> Iterator[Trainer]:
    yield from start_trainer_with_base(tmp_path_factory.mktemp("trainer"), tiny_base, s3=s3_server)


def create(trainer: Trainer, body: dict[str, Any], role: str = "train") -> Any:
    with trainer.client(role) as client:
        return client.post("/v1/training-jobs", json=body)


def test_qlora_job_publishes_a_versioned_adapter_to_s3_and_promotes_it(trainer: Trainer, tmp_path: Path) -> None:
    trainer.objects.put_bytes("uploads/severity.jsonl", jsonl(labeled_records(20)))
    body = {"task": {"name": "severity", "structure_example": STRUCTURE, "instruction": TASK.instruction},
            "dataset": {"uri": "uploads/severity.jsonl"}, "base_model": "tiny-llama", "method": "qlora",
            "hyperparameters": TINY_HP, "validation": {"fraction": 0.2}, "promote": "always"}
    response = create(trainer, body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["object"] == "fine_tuning.job" and created["status"] in ("queued", "running")
    assert created["dataset"]["train"]["records"] == 16 and created["dataset"]["validation"]["records"] == 4

    job = trainer.wait(created["id"])
    assert job["status"] == "succeeded", job
    assert job["fine_tuned_model"] == f"severity@{job['adapter']['version']}" and job["adapter"]["promoted"]
    assert job["progress"]["step"] == 4 and job["trained_tokens"] > 0
    assert job["metrics"]["n"] == 4 and "severity_level" in job["metrics"]["fields"]
    assert job["metrics"]["decoding"] == "constrained"  # scored as the inference service would serve it

    with trainer.client() as client:
        events = client.get(f"/v1/training-jobs/{job['id']}/events").json()["data"]
        checkpoints = client.get(f"/v1/training-jobs/{job['id']}/checkpoints").json()["data"]
        registry = client.get("/v1/adapters/severity").json()
    types = [e["type"] for e in events]
    for expected in ("train.log", "checkpoint", "eval", "train.finished", "published", "promoted", "state.succeeded"):
        assert expected in types, types
    logs = [e["data"] for e in events if e["type"] == "train.log"]
    assert [e["step"] for e in logs] == [1, 2, 3, 4] and all(e["loss"] > 0 and e["learning_rate"] for e in logs)
    assert [e["data"]["step"] for e in events if e["type"] == "eval"] == [2, 4]
    assert [c["step"] for c in checkpoints] == [2, 4]
    assert registry["promoted"] == job["adapter"]["version"]
    time.sleep(0.5)  # one scheduling round turns job-store progress into gauges
    metrics = httpx.get(f"{trainer.url}/metrics").text
    assert 'llm4gov_trainer_jobs{state="succeeded"}' in metrics
    assert 'llm4gov_trainer_adapter_eval_score{metric="agreement",task="severity"}' in metrics

    # read the adapter back from S3 as inference will
    engine = create_db_engine(trainer.settings.resolved_database_url())
    reg = AdapterRegistry(trainer.objects, init_db(engine))
    manifest = reg.download("severity", job["adapter"]["version"], tmp_path / "adapter")
    engine.dispose()
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    assert json.loads((tmp_path / "adapter" / "adapter_config.json").read_text())["r"] == 4
    assert manifest.base_model == "tiny-llama" and manifest.method == "qlora"
    assert manifest.task_spec["output_schema"]["properties"]["severity_level"]["enum"] == ["BAIXA", "MEDIA", "ALTA"]
    assert manifest.prompt.instruction_mode == "compact" and "severity_level" in manifest.prompt.instruction
    assert manifest.hyperparameters["r"] == 4 and manifest.training["job_id"] == job["id"]
    assert len(manifest.dataset["train"]["sha256"]) == 64 and manifest.metrics == job["metrics"]
    # how it must be served, and the label head it was validated with
    assert manifest.serving["quantization"] == "bitsandbytes" and manifest.serving["prompt_tokens"] == "bos+text-v1"
    assert manifest.serving["label_head"]["fields"]["severity_level"]["classes"] == ["ALTA", "BAIXA", "MEDIA"]
    assert (tmp_path / "adapter" / "label_head" / "head.npz").is_file()
    assert job["metrics"]["labels_from"] == "label_head"
    assert set(job["metrics"]["baselines"]) == {"majority", "tfidf_logreg"}
    assert job["metrics"]["baselines"]["majority"]["agreement_ci95"][0] <= job["metrics"]["baselines"]["majority"]["agreement"]


def test_if_better_refuses_a_student_that_does_not_beat_the_majority_class(trainer: Trainer) -> None:
    # the tiny random student cannot finish its JSON in 16 tokens: every validation answer is unusable
    trainer.objects.put_bytes("uploads/weak.jsonl", jsonl(labeled_records(20)))
    body = {"task": {"name": "weak", "structure_example": STRUCTURE}, "dataset": {"uri": "uploads/weak.jsonl"},
            "base_model": "tiny-llama", "hyperparameters": {**TINY_HP, "eval_steps": None}}
    job = trainer.wait(create(trainer, body).json()["id"])
    assert job["status"] == "succeeded" and job["method"] == "lora", job
    assert not job["adapter"]["promoted"]
    assert "does not beat the majority-class baseline" in job["adapter"]["promotion_refused"]


def test_lora_job_from_a_labeling_jobs_dataset_takes_the_task_from_it(trainer: Trainer) -> None:
    labeling_id = str(uuid.uuid4())
    trainer.objects.put_bytes(f"datasets/{labeling_id}/data.jsonl", jsonl(labeled_records(12)))
    trainer.objects.put_json(f"datasets/{labeling_id}/metadata.json", {"job_id": labeling_id,
                                                                       "task": TASK.model_dump()})
    body = {"dataset": {"labeling_job_id": labeling_id}, "base_model": "tiny-llama", "method": "lora",
            "hyperparameters": {**TINY_HP, "eval_steps": None}, "validation": {"fraction": 0.25},
            "promote": "never", "instruction_mode": "full"}
    response = create(trainer, body)
    assert response.status_code == 201, response.text
    job = trainer.wait(response.json()["id"])
    assert job["status"] == "succeeded", job
    assert job["task"] == "severity" and job["method"] == "lora" and not job["adapter"]["promoted"]
    assert job["dataset"]["source"]["labeling_job_id"] == labeling_id


def test_promote_rollback_and_the_if_better_gate(trainer: Trainer, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "adapter_config.json").write_text("{}")
    engine = create_db_engine(trainer.settings.resolved_database_url())
    registry = AdapterRegistry(trainer.objects, init_db(engine))
    base = {"base_model": "tiny-llama", "method": "lora", "task_spec": TASK.model_dump(),
            "prompt": {"instruction_mode": "compact", "instruction": "x"}}
    good = registry.publish("gate", files, {**base, "metrics": {"macro_f1": 0.8, "agreement": 0.8}})
    worse = registry.publish("gate", files, {**base, "metrics": {"macro_f1": 0.5, "agreement": 0.6}})
    with trainer.client() as client:
        assert client.post("/v1/adapters/gate/promote", json={"version": good.version}).status_code == 200
        refused = client.post("/v1/adapters/gate/promote", json={"version": worse.version})
        assert refused.status_code == 409 and "worse" in refused.json()["detail"]
        assert client.get("/v1/adapters/gate").json()["promoted"] == good.version
        forced = client.post("/v1/adapters/gate/promote", json={"version": worse.version, "force": True})
        assert forced.status_code == 200 and forced.json()["promoted"] == worse.version
        back = client.post("/v1/adapters/gate/rollback")
        assert back.status_code == 200 and back.json()["promoted"] == good.version
        assert [e["action"] for e in back.json()["history"]] == ["promote", "promote", "rollback"]
        assert client.post("/v1/adapters/gate/rollback").status_code == 409  # nothing earlier
        assert client.post("/v1/adapters/gate/promote", json={"version": "99"}).status_code == 404
        assert client.get("/v1/adapters/gate/1").json()["metrics"]["macro_f1"] == 0.8
        assert {"task": "gate", "promoted": good.version, "versions": 2} in client.get("/v1/adapters").json()["data"]
    audit = AuditLog(init_db(engine), "trainer").recent(50)
    actions = [(a.action, a.outcome) for a in audit if a.resource == "adapter:gate"]
    engine.dispose()
    assert actions.count(("adapter.promote", "success")) == 2 and ("adapter.promote", "refused") in actions
    assert ("adapter.rollback", "success") in actions


def test_cancel_stops_the_run_and_publishes_nothing(trainer: Trainer) -> None:
    trainer.objects.put_bytes("uploads/cancel.jsonl", jsonl(labeled_records(40)))
    body = {"task": {"name": "cancelme", "structure_example": STRUCTURE}, "dataset": {"uri": "uploads/cancel.jsonl"},
            "base_model": "tiny-llama", "method": "lora",
            "hyperparameters": {**TINY_HP, "max_steps": 100_000, "eval_steps": None, "save_steps": 1000}}
    job = create(trainer, body).json()
    with trainer.client() as client:
        trainer.wait(job["id"], states=("running",))
        cancelled = client.post(f"/v1/training-jobs/{job['id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert client.post(f"/v1/training-jobs/{job['id']}/cancel").status_code == 409
    final = trainer.wait(job["id"])
    assert final["status"] == "cancelled" and final["fine_tuned_model"] is None
    with trainer.client() as client:
        assert client.get("/v1/adapters/cancelme").status_code == 404


def test_a_training_job_belongs_to_the_key_that_created_it(trainer: Trainer) -> None:
    """Another `train` key neither sees nor changes it (403, audited as usual), also through the OpenAI
    routes; `admin` sees and changes every job."""
    trainer.objects.put_bytes("uploads/owned.jsonl", jsonl(labeled_records(40)))
    body = {"task": {"name": "owned", "structure_example": STRUCTURE}, "dataset": {"uri": "uploads/owned.jsonl"},
            "base_model": "tiny-llama", "promote": "never",
            "hyperparameters": {**TINY_HP, "max_steps": 100_000, "eval_steps": None, "save_steps": 1000}}
    job_id = create(trainer, body).json()["id"]
    with trainer.client("train-other") as other:
        for path in ("", "/events", "/checkpoints"):
            r = other.get(f"/v1/training-jobs/{job_id}{path}")
            assert r.status_code == 403 and "another API key" in r.json()["detail"], path
        for path in ("", "/events", "/checkpoints"):
            assert other.get(f"/v1/fine_tuning/jobs/{job_id}{path}").status_code == 403, path
        for action in ("cancel", "resume"):
            assert other.post(f"/v1/training-jobs/{job_id}/{action}").status_code == 403, action
        assert other.post(f"/v1/fine_tuning/jobs/{job_id}/cancel").status_code == 403
        assert job_id not in [j["id"] for j in other.get("/v1/training-jobs", params={"limit": 200}).json()["data"]]
        assert job_id not in [j["id"] for j in other.get("/v1/fine_tuning/jobs", params={"limit": 200}).json()["data"]]
    with trainer.client() as owner:
        assert job_id in [j["id"] for j in owner.get("/v1/training-jobs", params={"limit": 200}).json()["data"]]
        assert owner.get(f"/v1/training-jobs/{job_id}").json()["status"] in ("queued", "running")
    with trainer.client("admin") as admin:
        assert job_id in [j["id"] for j in admin.get("/v1/training-jobs", params={"limit": 200}).json()["data"]]
        assert admin.post(f"/v1/training-jobs/{job_id}/cancel").json()["status"] == "cancelled"
    assert trainer.wait(job_id)["status"] == "cancelled"


@pytest.mark.parametrize(("change", "status", "needle"), [
    ({"base_model": "no-such-model"}, 422, "Unknown base model"),
    ({"base_model": "/etc"}, 422, "outside the configured model roots"),
    ({"dataset": {"uri": "uploads/empty.jsonl"}}, 422, "empty"),
    ({"dataset": {"uri": "uploads/wrong-schema.jsonl"}}, 422, "record 1: teacher_output does not match"),
    ({"dataset": {"uri": "uploads/unlabeled.jsonl"}}, 422, "no record has a teacher_output"),
    ({"dataset": {"uri": "uploads/missing.jsonl"}}, 422, "no object"),
    ({"dataset": {"labeling_job_id": "00000000-0000-4000-8000-000000000000"}, "task": None}, 422,
     "no finished dataset"),
    ({"task": None}, 422, "task is required"),
    ({"hyperparameters": {"r": 0}}, 422, None),
    ({"hyperparameters": {"learning_rate": -1}}, 422, None),
    ({"method": "full"}, 422, None),
    ({"validation": {"fraction": 0.9}}, 422, None),
    ({"task": {"name": "Bad Name!", "structure_example": STRUCTURE}}, 422, None),
])
def test_bad_input_is_a_clear_4xx_and_creates_nothing(trainer: Trainer, change: dict[str, Any], status: int,
                                                      needle: str | None) -> None:
    good = labeled_records(3)
    wrong = [good[0], {**good[1], "teacher_output": {**good[1]["teacher_output"], "severity_level": "ENORME"}}]
    trainer.objects.put_bytes("uploads/empty.jsonl", b"\n")
    trainer.objects.put_bytes("uploads/wrong-schema.jsonl", jsonl(wrong))
    trainer.objects.put_bytes("uploads/unlabeled.jsonl", jsonl([{**r, "teacher_output": None} for r in good]))
    trainer.objects.put_bytes("uploads/good.jsonl", jsonl(good))
    body = {"task": {"name": "badinput", "structure_example": STRUCTURE}, "dataset": {"uri": "uploads/good.jsonl"},
            "base_model": "tiny-llama", **change}
    body = {k: v for k, v in body.items() if v is not None}
    with trainer.client() as client:
        before = len(client.get("/v1/training-jobs", params={"limit": 200}).json()["data"])
        response = client.post("/v1/training-jobs", json=body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        if needle:
            assert needle in response.json()["detail"]
        assert "ENORME" not in response.text and "Relato" not in response.text  # no data echoed back
        assert len(client.get("/v1/training-jobs", params={"limit": 200}).json()["data"]) == before


def test_roles_are_enforced(trainer: Trainer) -> None:
    assert create(trainer, {"dataset": {"uri": "x"}, "base_model": "tiny-llama"}, role="label").status_code == 403
    with trainer.client("label") as client:
        assert client.post("/v1/adapters/gate/rollback").status_code == 403
    assert httpx.get(f"{trainer.url}/v1/training-jobs").status_code == 401
    with trainer.client() as client:
        assert client.get(f"/v1/training-jobs/{uuid.uuid4()}").status_code == 404
        assert client.get("/v1/base-models").json()["data"] == ["tiny-llama"]
