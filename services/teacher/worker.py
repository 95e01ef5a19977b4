"""The embedded executor: a background thread with its own event loop that runs labeling jobs.

It polls the job store for queued and running jobs and runs each in a `LabelingRunner`. A job that
another replica is also running is shared through item claims. On start it gives back the items this
worker id held before a crash, so a restarted process resumes at once instead of waiting for leases.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from shared.db import utcnow
from shared.errors import NotFound
from shared.jobstore import TERMINAL_STATES, JobState
from shared.logs import get_logger
from services.teacher.runner import LabelingRunner, RunnerContext

log = get_logger("teacher.worker")

JOB_KIND = "labeling"
#: How often the worker looks for per-job metric series to retire.
METRICS_SWEEP_S = 60.0


class LabelingWorker:
    def __init__(self, ctx: RunnerContext, poll_interval_s: float,
                 metrics_retention: timedelta = timedelta(minutes=15)) -> None:
        self.ctx = ctx
        self.poll_interval_s = poll_interval_s
        self.metrics_retention = metrics_retention
        self._last_sweep = 0.0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._active: dict[str, asyncio.Task[None]] = {}
        self._wake = threading.Event()

    def start(self) -> None:
        released = self.ctx.store.release_worker_claims(self.ctx.worker_id)
        if released:
            log.info("claims_released_on_start", worker=self.ctx.worker_id, items=released)
        self._thread = threading.Thread(target=self._run_loop, name="labeling-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for work now (a job was just created or resumed)."""
        self._wake.set()

    def stop(self, timeout_s: float = 30.0) -> None:
        if self._loop and self._stopping:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread:
            self._thread.join(timeout=timeout_s)

    def _run_loop(self) -> None:
        self._loop = asyncio.new_event_loop()
        # job-store calls run in threads: enough of them for many concurrent completions
        self._loop.set_default_executor(ThreadPoolExecutor(max_workers=16, thread_name_prefix="jobstore"))
        self._stopping = asyncio.Event()
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        assert self._stopping is not None
        while not self._stopping.is_set():
            try:
                await self._schedule()
            except Exception as exc:  # the database may be briefly unreachable; keep polling
                log.error("worker_poll_failed", exc_type=type(exc).__name__)
            await asyncio.to_thread(self._wake.wait, self.poll_interval_s)
            self._wake.clear()
        for task in self._active.values():
            task.cancel()
        await asyncio.gather(*self._active.values(), return_exceptions=True)
        released = await asyncio.to_thread(self.ctx.store.release_worker_claims, self.ctx.worker_id)
        log.info("worker_stopped", worker=self.ctx.worker_id, released=released)

    async def _schedule(self) -> None:
        store = self.ctx.store
        for state, count in (await asyncio.to_thread(store.count_by_state, JOB_KIND)).items():
            self.ctx.metrics.jobs.labels(state).set(count)
        for job_id, task in list(self._active.items()):
            if task.done():
                del self._active[job_id]
                if not task.cancelled() and task.exception() is not None:
                    log.error("runner_crashed", job_id=job_id, exc_type=type(task.exception()).__name__)
        jobs = await asyncio.to_thread(store.list, JOB_KIND, JobState.QUEUED, 100)
        jobs += await asyncio.to_thread(store.list, JOB_KIND, JobState.RUNNING, 100)
        for job in sorted(jobs, key=lambda j: j.created_at):
            if job.id not in self._active:
                self._active[job.id] = asyncio.create_task(LabelingRunner(self.ctx, job.id).run())
        if time.monotonic() - self._last_sweep >= METRICS_SWEEP_S:
            self._last_sweep = time.monotonic()
            await asyncio.to_thread(self.retire_metrics)

    def retire_metrics(self) -> int:
        """Remove the metric series of jobs finished longer ago than the retention (not of running ones)."""
        finished_at: dict[str, datetime | None] = {}
        for job_id in self.ctx.metrics.job_ids():
            if job_id in self._active:
                finished_at[job_id] = None
                continue
            try:
                job = self.ctx.store.get(job_id)
            except NotFound:
                continue
            finished_at[job_id] = job.finished_at if job.state in TERMINAL_STATES else None
        return self.ctx.metrics.retire_finished(finished_at, utcnow(), self.metrics_retention)
