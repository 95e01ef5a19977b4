"""The scheduler: a background thread that launches queued training jobs through the executor and
follows them to the end.

Each job has one work item in the job store; the replica that claims it (a lease, renewed on every
poll while the run is alive) is the one that launches and follows it, so several replicas never run
the same job twice. When a replica dies its lease expires and another one takes the job over:
`launch` adopts a Kubernetes Job that still runs, or starts a new training process that resumes from
the last checkpoint. A restarted replica first gives back what it held, so its jobs resume at once.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from shared.errors import Conflict
from shared.jobstore import TERMINAL_STATES, JobState, JobStore
from shared.logs import get_logger
from services.trainer.executors import Executor, RunPhase
from services.trainer.metrics import TrainerMetrics
from services.trainer.checkpoints import JOB_KIND

log = get_logger("trainer.worker")


class TrainingWorker:
    def __init__(self, store: JobStore, executor: Executor, metrics: TrainerMetrics, worker_id: str,
                 lease_s: float, poll_interval_s: float, max_concurrent: int) -> None:
        self.store = store
        self.executor = executor
        self.metrics = metrics
        self.worker_id = worker_id
        self.lease = timedelta(seconds=lease_s)
        self.poll_interval_s = poll_interval_s
        self.max_concurrent = max_concurrent
        self._held: set[str] = set()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        released = self.store.release_worker_claims(self.worker_id)
        if released:
            log.info("claims_released_on_start", worker=self.worker_id, jobs=released)
        # Local child processes are tied to this thread (they die with it): launch them from here only.
        self._thread = threading.Thread(target=self._loop, name="training-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout_s: float = 60.0) -> None:
        self._stop.set()  # then the jobs are handed back (Kubernetes Jobs run on, adopted by another replica)
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=timeout_s)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception as exc:  # the database may be briefly unreachable; keep polling
                log.error("worker_poll_failed", exc_type=type(exc).__name__)
            self._wake.wait(self.poll_interval_s)
            self._wake.clear()
        if not self.executor.runs_outlive_service:  # local children: stop them; the next holder resumes
            for job_id in list(self._held):
                self.executor.cancel(job_id)
                self.executor.cleanup(job_id)
        released = self.store.release_worker_claims(self.worker_id)
        log.info("worker_stopped", worker=self.worker_id, released=released)

    def poll(self) -> None:
        """One scheduling round: follow held jobs, then claim new ones up to the concurrency limit."""
        for job_id in list(self._held):
            self._follow(job_id)
        if len(self._held) < self.max_concurrent:
            candidates = self.store.list(JOB_KIND, JobState.QUEUED, 100) + self.store.list(JOB_KIND, JobState.RUNNING, 100)
            for job in sorted(candidates, key=lambda j: j.created_at):
                if len(self._held) >= self.max_concurrent:
                    break
                if job.id not in self._held and self.store.claim_items(job.id, self.worker_id, 1, self.lease):
                    self._start(job.id)
        self.metrics.observe_jobs(self.store)

    def _start(self, job_id: str) -> None:
        try:
            job = self.store.transition(job_id, JobState.RUNNING)
        except Conflict:  # cancelled meanwhile
            self._finish(job_id)
            return
        self._held.add(job_id)
        self.store.add_event(job_id, "run.launched", {"worker": self.worker_id,
                                                      "attempt": self.store.items(job_id)[0].attempts})
        try:
            self.executor.launch(job_id)
        except Exception as exc:
            log.error("launch_failed", job_id=job_id, exc_type=type(exc).__name__)
            self.store.transition(job_id, JobState.FAILED, reason=f"could not start the training run: "
                                                                  f"{type(exc).__name__}")
            self._finish(job_id)
            return
        log.info("training_job_launched", job_id=job_id, state=job.state)

    def _follow(self, job_id: str) -> None:
        job = self.store.get(job_id)
        status = self.executor.status(job_id)
        if job.state == JobState.CANCELLED:
            self.executor.cancel(job_id)
            self._finish(job_id)
            return
        if status.phase == RunPhase.RUNNING:
            if not self.store.renew_item_lease(job_id, 0, self.worker_id, self.lease):
                log.warning("lease_lost", job_id=job_id)  # another replica took it over
                self._held.discard(job_id)
            return
        if job.state not in TERMINAL_STATES:  # the run ended without recording an outcome
            detail = status.detail or "the training run disappeared"
            try:
                self.store.transition(job_id, JobState.FAILED, reason=detail)
            except Conflict:
                pass
        self._finish(job_id)

    def _finish(self, job_id: str) -> None:
        self.executor.cleanup(job_id)
        job = self.store.get(job_id)
        self.store.complete_item(job_id, 0, self.worker_id,
                                 error=None if job.state == JobState.SUCCEEDED else (job.reason or job.state))
        self._held.discard(job_id)
