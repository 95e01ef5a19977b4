"""The teacher's Prometheus metrics (per job: job ids are not personal data)."""

from __future__ import annotations

from typing import Any

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

    def calls_for(self, job: str) -> Any:
        return _Bound(self.calls, job)

    def retries_for(self, job: str) -> Any:
        return _Bound(self.retries, job)

    def tokens_for(self, job: str) -> Any:
        return _Bound(self.tokens, job)


class _Bound:
    """A labelled metric with its job label already applied: `.labels(x)` gives the child."""

    def __init__(self, metric: Any, job: str) -> None:
        self._metric, self._job = metric, job

    def labels(self, value: str) -> Any:
        return self._metric.labels(self._job, value)
