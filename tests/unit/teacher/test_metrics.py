"""Per-job teacher metric series are retired once their job has been finished for the retention."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import generate_latest

from services.teacher.metrics import TeacherMetrics
from shared.db import utcnow
from shared.metrics import create_service_metrics


def test_finished_jobs_lose_their_series_after_the_retention() -> None:
    base = create_service_metrics("teacher")
    metrics = TeacherMetrics(base)
    for job in ("old", "recent", "running"):
        metrics.calls_for(job).labels("ok").inc()
        metrics.tokens_for(job).labels("in").inc(10)
        metrics.latency.labels(job).observe(0.1)
        metrics.items.labels(job, "done").inc()
    metrics.retries_for("old").labels("429").inc()
    assert metrics.job_ids() == {"old", "recent", "running"}
    now = utcnow()
    removed = metrics.retire_finished({"old": now - timedelta(hours=1), "recent": now - timedelta(seconds=30),
                                       "running": None}, now, timedelta(minutes=15))
    assert removed == 5  # calls, tokens, latency, items and retries of "old"
    assert metrics.job_ids() == {"recent", "running"}
    text = generate_latest(base.registry).decode()
    assert 'job="old"' not in text and 'job="recent"' in text
    # a job unknown to the store (deleted) is retired too
    metrics.retire_finished({"running": None}, now, timedelta(minutes=15))
    assert metrics.job_ids() == {"running"}
