"""The trainer's Prometheus metrics.

Training runs in other processes (a local child, a Kubernetes Job), so the service does not observe
steps itself: the run records its progress in the job store and every scheduling round turns it into
gauges here. Labels are job ids and task names, never data.
"""

from __future__ import annotations

from shared.jobstore import JobState, JobStore
from shared.metrics import ServiceMetrics
from services.trainer.specs import TrainingJobSpec


class TrainerMetrics:
    def __init__(self, base: ServiceMetrics) -> None:
        self.jobs = base.gauge("jobs", "Training jobs by state.", ("state",))
        self.step = base.gauge("job_step", "Optimizer steps done by a running job.", ("job",))
        self.step_seconds = base.gauge("job_step_seconds", "Duration of a running job's last step.", ("job",))
        self.tokens_per_second = base.gauge("job_tokens_per_second", "Training tokens per second of a running job.",
                                            ("job",))
        self.loss = base.gauge("job_loss", "Last logged training loss of a running job.", ("job",))
        self.eval_score = base.gauge("adapter_eval_score", "Validation figures of the newest adapter a job "
                                     "published, per task (agreement, macro_f1, schema_valid_rate).",
                                     ("task", "metric"))
        self.peak_rss = base.gauge("job_peak_rss_bytes", "Peak resident memory of a running job's current run "
                                   "(as the run reports it).", ("job",))
        self.run_deaths = base.counter("run_deaths", "Training runs that ended without recording an outcome, by "
                                       "cause (killed: SIGKILL, e.g. out of memory; lost; died; deadline); each "
                                       "is retried from its last checkpoint until the job's attempts are spent.",
                                       ("cause",))
        self._running: set[str] = set()
        self._seen_results: set[str] = set()

    def observe_run_end(self, cause: str) -> None:
        self.run_deaths.labels(cause).inc()

    def observe_jobs(self, store: JobStore) -> None:
        for state, count in store.count_by_state("training").items():
            self.jobs.labels(state).set(count)
        running = store.list("training", JobState.RUNNING, 100)
        for job in running:
            p = job.progress
            for gauge, key in ((self.step, "step"), (self.step_seconds, "step_seconds"),
                               (self.tokens_per_second, "tokens_per_second"), (self.loss, "loss")):
                if isinstance(p.get(key), (int, float)):
                    gauge.labels(job.id).set(p[key])
            if isinstance(p.get("peak_rss_mb"), (int, float)):
                self.peak_rss.labels(job.id).set(p["peak_rss_mb"] * 2**20)
        for gone in self._running - {j.id for j in running}:  # finished: drop its series
            for gauge in (self.step, self.step_seconds, self.tokens_per_second, self.loss, self.peak_rss):
                try:
                    gauge.remove(gone)
                except KeyError:
                    pass
        self._running = {j.id for j in running}
        for job in reversed(store.list("training", JobState.SUCCEEDED, 20)):  # oldest first: newest wins
            metrics = (job.result or {}).get("metrics") or {}
            if job.id in self._seen_results:
                continue
            self._seen_results.add(job.id)
            for key in ("agreement", "macro_f1", "schema_valid_rate"):
                if isinstance(metrics.get(key), (int, float)):
                    self.eval_score.labels(TrainingJobSpec.of(job).task.name, key).set(metrics[key])
