"""Retries of a training run that died without an outcome, the out-of-memory message, and checkpoints
that were being written or uploaded when the process died (never adopted)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from services.trainer.checkpoints import COMPLETE_MARKER, JOB_KIND, checkpoints_prefix, stored_checkpoints
from services.trainer.executors import RunPhase, RunStatus
from services.trainer.metrics import TrainerMetrics
from services.trainer.worker import TrainingWorker
from shared.db import create_db_engine, init_db
from shared.jobstore import JobState, JobStore
from shared.metrics import create_service_metrics
from shared.storage import LocalObjectStore
from tests.unit.trainer.specs import training_spec

SPEC = training_spec(batch_size=8, max_seq_length=2048)


class FakeExecutor:
    runs_outlive_service = False

    def __init__(self) -> None:
        self.launches: list[str] = []
        self.status_of: dict[str, RunStatus] = {}

    def launch(self, job_id: str) -> bool:
        self.launches.append(job_id)
        self.status_of[job_id] = RunStatus(RunPhase.RUNNING, peak_rss_bytes=3 * 2**30)
        return True

    def status(self, job_id: str) -> RunStatus:
        return self.status_of.get(job_id, RunStatus(RunPhase.MISSING))

    def cancel(self, job_id: str) -> None:
        pass

    def cleanup(self, job_id: str) -> None:
        pass


@pytest.fixture
def store(tmp_path: Path) -> JobStore:
    return JobStore(init_db(create_db_engine(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")))


def worker(store: JobStore, executor: FakeExecutor, objects: Any = None, attempts: int = 3) -> TrainingWorker:
    return TrainingWorker(store, executor, TrainerMetrics(create_service_metrics("trainer")), "w", lease_s=60,
                          poll_interval_s=0.1, max_concurrent=2, run_attempts=attempts, retry_backoff_s=0,
                          objects=objects)


def kill(executor: FakeExecutor, job_id: str) -> None:
    executor.status_of[job_id] = RunStatus(RunPhase.FAILED, "the training process ended with killed by signal 9",
                                           killed=True)


def test_a_killed_run_is_relaunched_from_the_last_checkpoint(store: JobStore, tmp_path: Path) -> None:
    objects = LocalObjectStore(tmp_path / "objects")
    job_id = store.create(JOB_KIND, SPEC, "t", items=[{"run": 1}]).id
    objects.put_bytes(f"{checkpoints_prefix(job_id)}/checkpoint-10/adapter_model.safetensors", b"x")
    objects.put_bytes(f"{checkpoints_prefix(job_id)}/checkpoint-10/{COMPLETE_MARKER}", b"")
    objects.put_bytes(f"{checkpoints_prefix(job_id)}/checkpoint-20/adapter_model.safetensors", b"x")  # no marker
    executor = FakeExecutor()
    w = worker(store, executor, objects)
    w.poll()
    assert executor.launches == [job_id] and store.get(job_id).progress["attempt"] == 1
    store.update_progress(job_id, step=16, peak_rss_mb=1500.0)
    w.poll()  # follows the live run: samples its peak resident memory (3 GiB, above what the run reported)
    kill(executor, job_id)
    w.poll()  # the death is seen: a retry is scheduled (no backoff here)
    w.poll()  # and launched
    assert executor.launches == [job_id, job_id]
    job = store.get(job_id)
    assert job.state == JobState.RUNNING
    assert job.progress["attempt"] == 2 and job.progress["failed_attempts"] == 1
    assert job.progress["attempts"] == [{"attempt": 1, "cause": "the training process ended with killed by signal 9",
                                         "killed": True, "peak_rss_mb": 3072.0, "reached_step": 16,
                                         "resumed_from_step": None}]
    events = {e.type: e.data for e in store.events(job_id)}
    assert events["run.retry"]["attempt"] == 2 and events["run.retry"]["resume_from_step"] == 10
    assert events["run.launched"]["resume_from_step"] == 10


def test_attempts_spent_by_kills_say_out_of_memory_plainly(store: JobStore) -> None:
    job_id = store.create(JOB_KIND, SPEC, "t", items=[{"run": 1}]).id
    executor = FakeExecutor()
    w = worker(store, executor, attempts=3)
    for _ in range(3):
        w.poll()
        kill(executor, job_id)
        w.poll()
        w.poll()
    job = store.get(job_id)
    assert job.state == JobState.FAILED and len(executor.launches) == 3
    assert "killed 3 times" in job.reason and "out of memory" in job.reason and "3.00 GiB" in job.reason
    for hint in ("batch_size (now 8)", "max_seq_length (now 2048)", "gradient_checkpointing", "smaller base model"):
        assert hint in job.reason, job.reason
    assert [a["attempt"] for a in job.progress["attempts"]] == [1, 2, 3]
    assert store.items(job_id)[0].state == "failed"  # the work item is finished, nothing left claimed


def test_a_failure_the_run_recorded_is_not_retried(store: JobStore) -> None:
    job_id = store.create(JOB_KIND, SPEC, "t", items=[{"run": 1}]).id
    executor = FakeExecutor()
    w = worker(store, executor)
    w.poll()
    store.transition(job_id, JobState.FAILED, reason="ValueError: no record has a teacher_output")
    executor.status_of[job_id] = RunStatus(RunPhase.FAILED, "the training process ended with exit code 1")
    w.poll()
    w.poll()
    assert executor.launches == [job_id] and store.get(job_id).reason.startswith("ValueError")
    assert not [e for e in store.events(job_id) if e.type == "run.retry"]


def test_a_deadline_is_not_retried(store: JobStore) -> None:
    job_id = store.create(JOB_KIND, SPEC, "t", items=[{"run": 1}]).id
    executor = FakeExecutor()
    w = worker(store, executor)
    w.poll()
    executor.status_of[job_id] = RunStatus(RunPhase.FAILED, "Kubernetes Job failed: DeadlineExceeded",
                                           retryable=False)
    w.poll()
    assert store.get(job_id).state == JobState.FAILED and len(executor.launches) == 1


def test_other_deaths_are_retried_and_reported_without_the_memory_hint(store: JobStore) -> None:
    job_id = store.create(JOB_KIND, SPEC, "t", items=[{"run": 1}]).id
    executor = FakeExecutor()
    w = worker(store, executor, attempts=2)
    w.poll()
    for _ in range(2):
        executor.status_of[job_id] = RunStatus(RunPhase.MISSING)
        w.poll()
        w.poll()
    job = store.get(job_id)
    assert job.state == JobState.FAILED and "died 2 times" in job.reason and "memory" not in job.reason


# --- checkpoints that were being written when the process died -------------------------------------------
def _runner(tmp_path: Path, store: JobStore, objects: LocalObjectStore, job_id: str) -> Any:
    from services.trainer.runner import RunnerContext, TrainingRun

    settings = SimpleNamespace(resolved_work_dir=lambda: tmp_path / "work",
                               trainer=SimpleNamespace(checkpoint_upload_wait_s=0))
    return TrainingRun(RunnerContext(settings, store, objects, None, None, None), job_id)  # type: ignore[arg-type]


def _checkpoint(root: Path, step: int, marker: bool) -> Path:
    path = root / f"checkpoint-{step}"
    path.mkdir(parents=True)
    for name in ("adapter_model.safetensors", "optimizer.pt", "scheduler.pt", "rng_state.pth", "trainer_state.json"):
        (path / name).write_bytes(f"{name}-{step}".encode())
    if marker:
        (path / COMPLETE_MARKER).touch()
    return path


def test_an_interrupted_checkpoint_is_never_adopted(store: JobStore, tmp_path: Path) -> None:
    objects = LocalObjectStore(tmp_path / "objects")
    job_id = store.create(JOB_KIND, SPEC, "t", items=[{"run": 1}]).id
    run = _runner(tmp_path, store, objects, job_id)
    staging = tmp_path / "staging"
    objects.upload_dir(_checkpoint(staging, 10, marker=False), f"{checkpoints_prefix(job_id)}/checkpoint-10")
    objects.put_bytes(f"{checkpoints_prefix(job_id)}/checkpoint-10/{COMPLETE_MARKER}", b"")
    # checkpoint-20: the upload was cut after two files (no marker)
    for name in ("adapter_model.safetensors", "optimizer.pt"):
        objects.put_bytes(f"{checkpoints_prefix(job_id)}/checkpoint-20/{name}", b"partial")
    local = run.workdir / "checkpoints"
    _checkpoint(local, 10, marker=True)
    _checkpoint(local, 20, marker=False)  # written locally, never uploaded completely
    assert stored_checkpoints(objects, job_id) == [10]
    assert run._restore_checkpoint() == 10
    assert sorted(p.name for p in local.iterdir()) == ["checkpoint-10"]

    # a fresh node: the complete stored checkpoint is downloaded, the partial one ignored
    import shutil

    shutil.rmtree(run.workdir)
    assert run._restore_checkpoint() == 10
    assert sorted(p.name for p in local.iterdir()) == ["checkpoint-10"]
    assert (local / "checkpoint-10" / "optimizer.pt").read_bytes() == b"optimizer.pt-10"
    restored = [e.data for e in store.events(job_id) if e.type == "checkpoint.restored"]
    assert restored == [{"step": 10, "source": "local"}, {"step": 10, "source": "object_storage"}]
    assert store.get(job_id).progress["resumed_from_step"] == 10


class FlakyStore(LocalObjectStore):
    """Object storage that fails the next `failures` writes (connection refused), or every write after
    `die_after` files (an upload cut mid-way)."""

    def __init__(self, root: Path, failures: int = 0, die_after: int | None = None) -> None:
        super().__init__(root)
        self.failures, self.die_after, self.written = failures, die_after, 0

    def _fail(self) -> None:
        if self.die_after is not None and self.written >= self.die_after:
            raise ConnectionRefusedError("object storage unreachable")
        if self.failures:
            self.failures -= 1
            raise ConnectionRefusedError("object storage unreachable")
        self.written += 1

    def upload_file(self, path: Path, key: str) -> None:
        self._fail()
        super().upload_file(path, key)

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._fail()
        super().put_bytes(key, data, content_type)


def _save(callback: Any, out: Path, step: int) -> None:
    callback.on_save(SimpleNamespace(output_dir=str(out)), SimpleNamespace(global_step=step), None)


def test_a_checkpoint_upload_waits_for_object_storage(store: JobStore, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import services.trainer.runner as runner

    monkeypatch.setattr(runner.time, "sleep", lambda s: None)
    job_id = store.create(JOB_KIND, SPEC, "t", items=[{"run": 1}]).id
    objects = FlakyStore(tmp_path / "objects", failures=3)
    callback = runner.JobCallback(store, objects, job_id, None, None, upload_wait_s=60)
    _checkpoint(tmp_path / "out", 10, marker=False)
    _save(callback, tmp_path / "out", 10)
    assert stored_checkpoints(objects, job_id) == [10]
    assert (tmp_path / "out" / "checkpoint-10" / COMPLETE_MARKER).exists()
    types = [e.type for e in store.events(job_id)]
    assert types[-3:] == ["checkpoint.upload_waiting", "checkpoint.upload_recovered", "checkpoint"]


def test_an_upload_cut_midway_publishes_nothing_and_stops_the_run_as_transient(store: JobStore, tmp_path: Path) -> None:
    import services.trainer.runner as runner

    job_id = store.create(JOB_KIND, SPEC, "t", items=[{"run": 1}]).id
    objects = FlakyStore(tmp_path / "objects", die_after=2)
    callback = runner.JobCallback(store, objects, job_id, None, None, upload_wait_s=0)
    _checkpoint(tmp_path / "out", 20, marker=False)
    with pytest.raises(runner.StorageUnavailable) as raised:
        _save(callback, tmp_path / "out", 20)
    assert runner.is_transient(raised.value)
    assert len(objects.list(checkpoints_prefix(job_id) + "/")) == 2  # two files made it, no marker
    assert stored_checkpoints(objects, job_id) == []  # so the checkpoint does not exist for a resume
    assert not (tmp_path / "out" / "checkpoint-20" / COMPLETE_MARKER).exists()
