"""The teacher's Prometheus metrics (per job: job ids are not personal data).

Per-job series are retired: once a job has been finished (or cancelled) for `retention` they are
removed, so a long-lived teacher does not export one more series set for every job it ever ran.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Metric

from shared.metrics import ServiceMetrics


class TeacherMetrics:
    def __init__(self, base: ServiceMetrics) -> None:
        self.calls = base.counter("teacher_calls_total", "Calls to the teacher LLM by outcome.", ("job", "outcome"))
        self.retries = base.counter("teacher_retries_total", "Retried teacher calls by cause.", ("job", "cause"))
        self.latency = base.histogram("teacher_call_duration_seconds", "Latency of successful teacher calls.",
                                      ("job",))
        self.tokens = base.counter("teacher_tokens_total", "Tokens used by direction (in/out).", ("job", "direction"))
        self.items = base.counter("items_total", "Items by outcome (done, failed, lease_lost).", ("job", "outcome"))
        self.jobs = base.gauge("jobs", "Labeling jobs by state.", ("state",))
        self._per_job = (self.calls, self.retries, self.latency, self.tokens, self.items)

    def calls_for(self, job: str) -> Any:
        return _Bound(self.calls, job)

    def retries_for(self, job: str) -> Any:
        return _Bound(self.retries, job)

    def tokens_for(self, job: str) -> Any:
        return _Bound(self.tokens, job)

    def job_ids(self) -> set[str]:
        """Jobs that have at least one series in this process."""
        return {labels[0] for metric in self._per_job for labels in _label_sets(metric)}

    def forget(self, job: str) -> int:
        """Remove every series of `job`; returns how many were removed."""
        removed = 0
        for metric in self._per_job:
            for labels in _label_sets(metric):
                if labels[0] == job:
                    metric.remove(*labels)
                    removed += 1
        return removed

    def retire_finished(self, finished_at: dict[str, datetime | None], now: datetime, retention: timedelta) -> int:
        """Forget the jobs whose `finished_at` is older than `retention` (unknown jobs count as finished)."""
        removed = 0
        for job in self.job_ids():
            if job in finished_at and (finished_at[job] is None or now - finished_at[job] < retention):
                continue
            removed += self.forget(job)
        return removed


def _label_sets(metric: Any) -> list[tuple[str, ...]]:
    """The label values of every child of a labelled metric (read from its samples)."""
    names = metric._labelnames  # noqa: SLF001 - prometheus_client has no public accessor for them
    seen: dict[tuple[str, ...], None] = {}
    collected: list[Metric] = list(metric.collect())
    for family in collected:
        for sample in family.samples:
            seen.setdefault(tuple(sample.labels[n] for n in names), None)
    return list(seen)


class _Bound:
    """A labelled metric with its job label already applied: `.labels(x)` gives the child."""

    def __init__(self, metric: Any, job: str) -> None:
        self._metric, self._job = metric, job

    def labels(self, value: str) -> Any:
        return self._metric.labels(self._job, value)
