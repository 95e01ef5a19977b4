"""`POST /v1/training-jobs/{id}/resume`: a cancelled job continues from its last checkpoint; 409 with a
reason when there is nothing to resume; audited."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db import create_db_engine
from tests.integration.trainer.conftest import STRUCTURE, Trainer, jsonl, labeled_records, start_trainer_with_base

pytest.importorskip("torch")

BODY = {"task": {"name": "severity", "structure_example": STRUCTURE}, "dataset": {"uri": "uploads/resume.jsonl"},
        "base_model": "tiny-llama", "method": "lora", "validation": {"fraction": 0.0}, "label_head": False,
        "promote": "never", "hyperparameters": {"r": 4, "alpha": 8, "max_steps": 30, "batch_size": 4,
                                                "learning_rate": 1e-3, "save_steps": 10}}


@pytest.fixture(scope="module")
def trainer(tmp_path_factory: pytest.TempPathFactory, tiny_base: Path) -> Iterator[Trainer]:
    for trainer in start_trainer_with_base(tmp_path_factory.mktemp("trainer"), tiny_base):
        trainer.objects.put_bytes("uploads/resume.jsonl", jsonl(labeled_records(24)))
        yield trainer


def test_a_cancelled_job_resumes_from_its_last_checkpoint(trainer: Trainer) -> None:
    with trainer.client() as client:
        job_id = client.post("/v1/training-jobs", json=BODY).json()["id"]
        deadline = time.monotonic() + 300
        while not client.get(f"/v1/training-jobs/{job_id}/checkpoints").json()["data"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        running = client.post(f"/v1/training-jobs/{job_id}/resume")
        assert running.status_code == 409 and "only a failed or cancelled job" in running.json()["detail"]
        assert client.post(f"/v1/training-jobs/{job_id}/cancel").status_code == 200
        cancelled = trainer.wait(job_id)
        assert cancelled["status"] == "cancelled"
        # the worker gives the job back once its run has stopped; until then resume says so
        deadline = time.monotonic() + 60
        while (resumed := client.post(f"/v1/training-jobs/{job_id}/resume")).status_code == 409:
            assert "still stopping" in resumed.json()["detail"] and time.monotonic() < deadline
            time.sleep(0.2)
        assert resumed.status_code == 200 and resumed.json()["status"] in ("queued", "running")
        job = trainer.wait(job_id)
        events = client.get(f"/v1/training-jobs/{job_id}/events", params={"limit": 10000}).json()["data"]
        again = client.post(f"/v1/training-jobs/{job_id}/resume")
        assert client.post("/v1/training-jobs/nope/resume").status_code == 404
        with trainer.client("label") as other:
            assert other.post(f"/v1/training-jobs/{job_id}/resume").status_code == 403
    assert job["status"] == "succeeded" and job["progress"]["step"] == 30, job
    requested = next(e["data"] for e in events if e["type"] == "resume.requested")
    assert requested["previous_state"] == "cancelled" and requested["from_step"] >= 10
    restored = [e["data"]["step"] for e in events if e["type"] == "checkpoint.restored"]
    assert restored == [requested["from_step"]] and job["progress"]["resumed_from_step"] == restored[0]
    assert again.status_code == 409 and "nothing to resume" in again.json()["detail"]
    engine = create_db_engine(trainer.settings.resolved_database_url())
    with engine.connect() as conn:
        actions = [r[0] for r in conn.execute(text("SELECT action FROM audit_events WHERE resource = :t"),
                                               {"t": f"training-job:{job_id}"})]
    assert "train.resume" in actions and "train.cancel" in actions
