"""The official `openai` SDK against a real trainer on 127.0.0.1: files, fine-tuning jobs, events, checkpoints."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.trainer.conftest import STRUCTURE, Trainer, jsonl, labeled_records, start_trainer_with_base
from tests.servers import S3Server

openai = pytest.importorskip("openai")
pytest.importorskip("torch")

TASK_SPEC = {"name": "severity", "structure_example": STRUCTURE}
TINY = {"r": 4, "alpha": 8, "max_steps": 4, "save_steps": 2, "eval_max_new_tokens": 16}


@pytest.fixture(scope="module")
def trainer(tmp_path_factory: pytest.TempPathFactory, tiny_base: Path, s3_server: S3Server) -> Iterator[Trainer]:
    yield from start_trainer_with_base(tmp_path_factory.mktemp("trainer-sdk"), tiny_base, s3=s3_server)


def _client(trainer: Trainer, role: str = "train"):  # type: ignore[no-untyped-def]
    return openai.OpenAI(base_url=f"{trainer.url}/v1", api_key=trainer.keys[role], max_retries=0)


def _wait(client, job_id: str, timeout_s: float = 240):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.3)


def test_the_sdk_uploads_a_file_and_fine_tunes_on_it(trainer: Trainer) -> None:
    client = _client(trainer)
    uploaded = client.files.create(file=("rotulado.jsonl", io.BytesIO(jsonl(labeled_records(16)))),
                                   purpose="fine-tune", extra_body={"task": json.dumps(TASK_SPEC)})
    assert uploaded.id.startswith("file-") and uploaded.purpose == "fine-tune" and uploaded.bytes > 0
    assert client.files.retrieve(uploaded.id).filename == "rotulado.jsonl"
    assert uploaded.id in [f.id for f in client.files.list(purpose="fine-tune").data]
    assert len(client.files.content(uploaded.id).text.splitlines()) == 16

    job = client.fine_tuning.jobs.create(
        training_file=uploaded.id, model="tiny-llama", seed=7,
        hyperparameters={"n_epochs": 1, "batch_size": 4, "learning_rate_multiplier": 5, **TINY},
        extra_body={"promote": "always", "validation": {"fraction": 0.25}})
    assert job.object == "fine_tuning.job" and job.status in ("queued", "running") and job.model == "tiny-llama"
    assert job.training_file == uploaded.id and job.hyperparameters.batch_size == 4 and job.seed == 7
    done = _wait(client, job.id)
    assert done.status == "succeeded", done
    assert done.fine_tuned_model and done.fine_tuned_model.startswith("severity@")
    assert done.finished_at >= done.created_at and done.error is None
    assert job.id in [j.id for j in client.fine_tuning.jobs.list(limit=5).data]
    events = client.fine_tuning.jobs.list_events(job.id, limit=1000).data
    assert any(e.type == "metrics" and "validation" in e.message for e in events)  # the final evaluation
    assert any("train_loss=" in e.message for e in events)
    assert all(e.object == "fine_tuning.job.event" for e in events)
    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data
    assert checkpoints and all(c.fine_tuning_job_id == job.id for c in checkpoints)
    assert checkpoints[0].step_number >= checkpoints[-1].step_number
    with pytest.raises(openai.ConflictError):
        client.fine_tuning.jobs.cancel(job.id)  # already finished


def test_the_sdk_cancels_and_gets_clear_errors(trainer: Trainer) -> None:
    client = _client(trainer)
    uploaded = client.files.create(file=("sem-tarefa.jsonl", io.BytesIO(jsonl(labeled_records(12)))),
                                   purpose="fine-tune")
    with pytest.raises(openai.UnprocessableEntityError) as missing_task:
        client.fine_tuning.jobs.create(training_file=uploaded.id, model="tiny-llama")
    assert "task is required" in str(missing_task.value)
    with pytest.raises(openai.UnprocessableEntityError):
        client.fine_tuning.jobs.create(training_file=uploaded.id, model="tiny-llama",
                                       extra_body={"task": TASK_SPEC, "surprise": 1})
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.create(training_file="file-" + "0" * 32, model="tiny-llama",
                                       extra_body={"task": TASK_SPEC})
    with pytest.raises(openai.PermissionDeniedError):  # a labeling key cannot train
        _client(trainer, "label").fine_tuning.jobs.list()
    job = client.fine_tuning.jobs.create(training_file=uploaded.id, model="tiny-llama",
                                         method={"type": "supervised", "supervised": {"hyperparameters": {
                                             "n_epochs": 1, **TINY, "max_steps": 200}}},
                                         extra_body={"task": TASK_SPEC, "promote": "never"})
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled"
    assert _wait(client, job.id).status == "cancelled"
