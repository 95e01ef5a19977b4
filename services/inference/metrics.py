"""The inference service's Prometheus metrics (labels: task, adapter version, outcome — never content).

vLLM's own metrics (queue length, KV-cache use, batch sizes, per-token latencies) are served as they are
at `/metrics/engine` for the same scrape job.
"""

from __future__ import annotations

from shared.metrics import ServiceMetrics

BATCH_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0)
DOCUMENT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)


class InferenceMetrics:
    def __init__(self, base: ServiceMetrics) -> None:
        self.documents = base.counter("documents_total", "Documents answered, by task, adapter version "
                                      "('zero_shot' for the base model) and outcome (ok or the error code).",
                                      ("task", "version", "outcome"))
        self.document_latency = base.histogram("document_latency_seconds", "Time to answer one document, from "
                                               "engine submission to a validated output.", ("task", "version"),
                                               buckets=DOCUMENT_BUCKETS)
        self.tokens = base.counter("tokens_total", "Prompt and completion tokens by task and adapter version.",
                                   ("task", "version", "kind"))
        self.chat_requests = base.counter("chat_requests_total", "OpenAI-compatible requests by served model "
                                          "kind and status.", ("kind", "status"))
        self.adapters_loaded = base.gauge("adapters_loaded", "LoRA adapters loaded in the engine.")
        self.serving = base.gauge("adapter_serving", "1 for the version each task is served by now.",
                                  ("task", "version"))
        self.failing = base.gauge("adapter_load_failing", "1 while a task's promoted version cannot be loaded "
                                  "(the previous version keeps serving).", ("task", "version"))
        self.swaps = base.counter("adapter_swaps_total", "Hot-swaps to a newly promoted (or rolled back) "
                                  "version, by outcome.", ("task", "outcome"))
        self.load_failures = base.counter("adapter_load_failures_total", "Adapter versions that failed to "
                                          "load.", ("task",))
        self.engine_up = base.gauge("engine_up", "1 while the vLLM engine answers its health check.")
        self.engine_restarts = base.counter("engine_restarts_total", "Times the managed vLLM server died and "
                                            "was restarted.")
        # batch classification jobs (/v1/classify/batch-jobs)
        self.batch_jobs = base.gauge("batch_jobs", "Batch classification jobs by state.", ("state",))
        self.batch_documents = base.counter("batch_documents_total", "Documents of batch jobs answered, by task and "
                                            "outcome (ok, the error code, or lease_lost).", ("task", "outcome"))
        self.batch_duration = base.histogram("batch_duration_seconds", "Time to classify and record one batch of "
                                             "a batch job.", ("task",), buckets=BATCH_BUCKETS)
        self.batch_pauses = base.counter("batch_job_pauses_total", "Batch jobs paused, by reason "
                                         "(engine_unavailable, unavailable, task_not_served, refused, "
                                         "internal_error).", ("reason",))
