"""The scheduler: a background thread that launches queued training jobs through the executor and
follows them to the end.

Each job has one work item in the job store; the replica that claims it (a lease, renewed on every
poll while the run is alive) is the one that launches and follows it, so several replicas never run
the same job twice. When a replica dies its lease expires and another one takes the job over:
`launch` adopts a Kubernetes Job that still runs, or starts a new training process that resumes from
the last checkpoint. A restarted replica first gives back what it held, so its jobs resume at once.

Retries: the worker is their only owner (a Kubernetes Job's backoffLimit is 0). A run that ends
without recording an outcome (killed by a signal or for memory, node lost, pod evicted, object storage
unreachable for too long) is relaunched after a backoff; it resumes from its last complete checkpoint,
so at most `save_steps` steps of work are lost. Each retry is a `run.retry` event (attempt, cause, the
step it resumes from) and an entry of the job's `progress.attempts` (with the attempt's peak resident
memory). After `run_attempts` runs died the job fails; when every one was killed by SIGKILL, the error
says it was probably killed for memory and what to change. A failure the run recorded itself (bad
data, a schema error, an adapter that cannot be published) fails the job at once: it would repeat.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

from shared.errors import Conflict
from shared.jobstore import TERMINAL_STATES, JobState, JobStore
from shared.logs import get_logger
from shared.storage import ObjectStore
from services.trainer.executors import Executor, LaunchNotReady, RunPhase, RunStatus
from services.trainer.metrics import TrainerMetrics
from services.trainer.checkpoints import JOB_KIND, stored_checkpoints
from services.trainer.specs import Hyperparameters, TrainingJobSpec

log = get_logger("trainer.worker")


class TrainingWorker:
    def __init__(self, store: JobStore, executor: Executor, metrics: TrainerMetrics, worker_id: str,
                 lease_s: float, poll_interval_s: float, max_concurrent: int, run_attempts: int = 3,
                 retry_backoff_s: float = 10.0, retry_backoff_max_s: float = 300.0,
                 objects: ObjectStore | None = None) -> None:
        self.store = store
        self.executor = executor
        self.metrics = metrics
        self.worker_id = worker_id
        self.lease = timedelta(seconds=lease_s)
        self.poll_interval_s = poll_interval_s
        self.max_concurrent = max_concurrent
        self.run_attempts = run_attempts
        self.retry_backoff_s = retry_backoff_s
        self.retry_backoff_max_s = retry_backoff_max_s
        self.objects = objects
        self._held: set[str] = set()
        #: Jobs waiting to be (re)launched: monotonic time of the next try (retry backoff, or a launch
        #: that could not happen yet).
        self._launch_at: dict[str, float] = {}
        #: Highest resident memory the executor saw of each held job's current run.
        self._peaks: dict[str, int] = {}
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
            self.store.transition(job_id, JobState.RUNNING)
        except Conflict:  # cancelled meanwhile
            self._finish(job_id)
            return
        self._held.add(job_id)
        self._launch(job_id)

    def _launch(self, job_id: str) -> None:
        """Start (or adopt) the job's run; it resumes from the last complete checkpoint."""
        self._launch_at.pop(job_id, None)
        job = self.store.get(job_id)
        resume_from = self._last_checkpoint(job_id)
        try:
            created = self.executor.launch(job_id)
        except LaunchNotReady as exc:  # the previous run's Kubernetes Job is still going away
            log.info("launch_deferred", job_id=job_id, reason=str(exc))
            self._launch_at[job_id] = time.monotonic() + max(self.poll_interval_s, 1.0)
            return
        except Exception as exc:
            log.error("launch_failed", job_id=job_id, exc_type=type(exc).__name__)
            try:
                self.store.transition(job_id, JobState.FAILED, reason=f"could not start the training run: "
                                                                      f"{type(exc).__name__}")
            except Conflict:  # cancelled meanwhile
                pass
            self._finish(job_id)
            return
        if created is False:  # a run that still goes on (another replica launched it): same attempt
            attempt = int(job.progress.get("attempt") or 1)
        else:
            attempt = int(job.progress.get("attempt") or 0) + 1
            self.store.update_progress(job_id, attempt=attempt, max_attempts=self.run_attempts,
                                       failed_attempts=int(job.progress.get("failed_attempts") or 0),
                                       peak_rss_mb=None)
        self._peaks.pop(job_id, None)
        self.store.add_event(job_id, "run.launched", {"worker": self.worker_id, "attempt": attempt,
                                                      "adopted": created is False,
                                                      "resume_from_step": resume_from})
        log.info("training_job_launched", job_id=job_id, attempt=attempt, resume_from_step=resume_from)

    def _last_checkpoint(self, job_id: str) -> int | None:
        if self.objects is None:
            return None
        try:
            steps = stored_checkpoints(self.objects, job_id)
        except Exception:  # object storage unreachable: the run itself will wait for it
            return None
        return steps[-1] if steps else None

    def _follow(self, job_id: str) -> None:
        job = self.store.get(job_id)
        if job.state == JobState.CANCELLED:
            self._launch_at.pop(job_id, None)
            self.executor.cancel(job_id)
            self._finish(job_id)
            return
        if job_id in self._launch_at:  # waiting to be relaunched
            if not self._renew(job_id):
                return
            if time.monotonic() >= self._launch_at[job_id] and job.state not in TERMINAL_STATES:
                self._launch(job_id)
            elif job.state in TERMINAL_STATES:
                self._launch_at.pop(job_id, None)
                self._finish(job_id)
            return
        status = self.executor.status(job_id)
        if status.peak_rss_bytes:
            self._peaks[job_id] = max(status.peak_rss_bytes, self._peaks.get(job_id, 0))
        if status.phase == RunPhase.RUNNING:
            self._renew(job_id)
            return
        if job.state not in TERMINAL_STATES:  # the run ended without recording an outcome
            self._run_died(job_id, status)
            return
        self._finish(job_id)

    def _renew(self, job_id: str) -> bool:
        if self.store.renew_item_lease(job_id, 0, self.worker_id, self.lease):
            return True
        log.warning("lease_lost", job_id=job_id)  # another replica took it over
        self._held.discard(job_id)
        self._launch_at.pop(job_id, None)
        if not self.executor.runs_outlive_service:  # our local child: the new holder starts its own run
            self.executor.cancel(job_id)
            self.executor.cleanup(job_id)
        return False

    def _run_died(self, job_id: str, status: RunStatus) -> None:
        """Retry the run from its last checkpoint, or fail the job when retrying cannot help."""
        job = self.store.get(job_id)
        progress = job.progress or {}
        cause = status.detail or "the training run disappeared"
        peak_bytes = max(self._peaks.pop(job_id, 0), status.peak_rss_bytes or 0,
                         int((progress.get("peak_rss_mb") or 0) * 2**20))
        failed = int(progress.get("failed_attempts") or 0) + 1
        attempt = int(progress.get("attempt") or 1)
        history = [*(progress.get("attempts") or []),
                   {"attempt": attempt, "cause": cause, "killed": status.killed,
                    "peak_rss_mb": round(peak_bytes / 2**20, 1) if peak_bytes else None,
                    "reached_step": progress.get("step"), "resumed_from_step": progress.get("resumed_from_step")}]
        self.store.update_progress(job_id, failed_attempts=failed, attempts=history)
        self.executor.cleanup(job_id)
        self.metrics.observe_run_end(_cause_kind(status))
        log.warning("training_run_died", job_id=job_id, attempt=attempt, cause=cause, failed_attempts=failed)
        if not status.retryable or failed >= self.run_attempts:
            reason = cause if not status.retryable else gave_up_reason(history, TrainingJobSpec.of(job).hyperparameters)
            try:
                self.store.transition(job_id, JobState.FAILED, reason=reason)
            except Conflict:
                pass
            self._finish(job_id)
            return
        delay = min(self.retry_backoff_s * 2 ** (failed - 1), self.retry_backoff_max_s)
        self.store.add_event(job_id, "run.retry", {
            "attempt": attempt + 1, "max_attempts": self.run_attempts, "cause": cause, "killed": status.killed,
            "backoff_s": round(delay, 1), "resume_from_step": self._last_checkpoint(job_id),
            "peak_rss_mb": history[-1]["peak_rss_mb"]})
        self._launch_at[job_id] = time.monotonic() + delay
        self._renew(job_id)

    def _finish(self, job_id: str) -> None:
        self.executor.cleanup(job_id)
        self._peaks.pop(job_id, None)
        job = self.store.get(job_id)
        self.store.complete_item(job_id, 0, self.worker_id,
                                 error=None if job.state == JobState.SUCCEEDED else (job.reason or job.state))
        self._held.discard(job_id)


def _cause_kind(status: RunStatus) -> str:
    if status.killed:
        return "killed"
    if status.phase == RunPhase.MISSING:
        return "lost"
    if not status.retryable:
        return "deadline"
    return "died"


def gave_up_reason(history: list[dict[str, Any]], hp: Hyperparameters) -> str:
    """The job's error once its attempts are spent: plain words, and for runs killed by SIGKILL (what the
    kernel's OOM killer sends) the likely cause, the memory seen, and what to change."""
    n = len(history)
    last = history[-1]["cause"]
    if not all(a.get("killed") for a in history):
        return f"the training run died {n} times without finishing, last: {last}"
    peaks = [a["peak_rss_mb"] for a in history if a.get("peak_rss_mb")]
    seen = f"; peak resident memory seen: {max(peaks) / 1024:.2f} GiB" if peaks else ""
    return (f"the training run was killed {n} times (SIGKILL) before finishing: it was probably killed for "
            f"running out of memory{seen}. Lower batch_size (now {hp.batch_size}) or max_seq_length "
            f"(now {hp.max_seq_length}), set gradient_checkpointing true (now "
            f"{str(hp.gradient_checkpointing).lower()}), give the run more memory, or train a "
            f"smaller base model")
