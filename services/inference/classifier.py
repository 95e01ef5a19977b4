"""Classification: documents in, schema-valid task outputs (or a clear per-document error) out.

The prompt is built by `shared.prompts.build_prompt` from the prompt spec stored in the adapter's
manifest: the exact function the trainer used. Decoding is constrained by the task's JSON schema
(vLLM structured outputs) with free-text fields bounded (`max_string_chars`), and every output is
validated again here: an output cut off by `max_tokens` or failing validation becomes a per-item
error, never a raw string passed off as a result. The documents of a request go to the engine
concurrently; vLLM batches them (and other requests') continuously.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from services.inference.base_tools import BaseModelTools
from services.inference.engine import EngineClient, EngineRejected, EngineUnavailable
from services.inference.metrics import InferenceMetrics
from services.inference.protocol import ClassifyRequest, ClassifyResponse, ClassifyResult, Document, ItemError
from services.inference.routing import Route, Router
from services.inference.settings import InferenceOptions
from shared.clients import AnonymizerClient, AnonymizerUnavailable
from shared.errors import NotFound, ServiceUnavailable, Unprocessable
from shared.prompts import answer_fields, build_prompt, prompt_token_ids
from shared.records import user_prompt_text
from shared.structured_output import decoding_schema, parse_output, pin_labels


@dataclass
class Classifier:
    options: InferenceOptions
    router: Router
    client: EngineClient
    metrics: InferenceMetrics
    anonymizer: AnonymizerClient | None
    tools: BaseModelTools

    def check(self, request: ClassifyRequest) -> None:
        """Refuse what would be refused anyway before any work is done (404, 422, 503)."""
        if self.router.current(request.task) is None:
            raise NotFound(f"Unknown task '{request.task}': no adapter is promoted for it and it is not "
                           "configured for zero-shot serving.")
        if len(request.documents) > self.options.max_documents_per_request:
            raise Unprocessable(f"{len(request.documents)} documents in one request; the limit is "
                                f"{self.options.max_documents_per_request}.")
        for index, document in enumerate(request.documents):
            body = document.body()
            size = len(body) if isinstance(body, str) else len(json.dumps(body, ensure_ascii=False))
            if size > self.options.max_document_chars:
                raise Unprocessable(f"Document #{index} has {size} characters; the limit is "
                                    f"{self.options.max_document_chars}.")
        if request.anonymize and self.anonymizer is None:
            raise ServiceUnavailable("anonymize=true needs the anonymizer, and none is configured "
                                     "(LLM4GOV_INFERENCE__ANONYMIZER_URL).")

    async def classify(self, request: ClassifyRequest) -> ClassifyResponse:
        self.check(request)
        bodies = [d.body() for d in request.documents]
        if request.anonymize:
            bodies = await self._anonymize(bodies)
        with self.router.use(request.task) as route:
            schema = decoding_schema(route.task.output_schema, self.options.max_string_chars,
                                     answer_fields(route.task, route.prompt))
            pinned: list[dict[str, str] | None] = [None] * len(bodies)
            head_s = 0.0
            if route.head is not None:
                head_started = time.perf_counter()
                pinned = list(await self._head_labels(route, bodies))
                head_s = time.perf_counter() - head_started
            results = await asyncio.gather(*(
                self._one(route, schema, document.id or str(index), body, document, labels, head_s)
                for index, (document, body, labels) in enumerate(zip(request.documents, bodies, pinned, strict=True))))
        if results and all(r.error is not None and r.error.code == "engine_unavailable" for r in results):
            raise ServiceUnavailable("The engine is not available right now; retry shortly.")
        return ClassifyResponse(task=route.task.name, mode=route.mode, adapter_version=route.version,  # type: ignore[arg-type]
                                anonymized=request.anonymize, results=list(results))

    async def _anonymize(self, bodies: list[str | dict[str, Any]]) -> list[str | dict[str, Any]]:
        assert self.anonymizer is not None
        try:
            results = await self.anonymizer.anonymize_documents(bodies)
        except AnonymizerUnavailable as exc:
            raise ServiceUnavailable(f"Anonymization failed, nothing was classified: {exc}.") from None
        return [r["document"] for r in results]

    async def _head_labels(self, route: Route, bodies: list[str | dict[str, Any]]) -> list[dict[str, str]]:
        """The label head's labels for each document (embedding in a worker thread, one batch)."""
        texts = [user_prompt_text(body) for body in bodies]

        def predict() -> list[dict[str, str]]:
            return route.head.predict(texts, self.tools.embedder().embed(texts))

        return await asyncio.to_thread(predict)

    async def _one(self, route: Route, schema: dict[str, Any], doc_id: str, body: str | dict[str, Any],
                   document: Document, labels: dict[str, str] | None = None, head_s: float = 0.0) -> ClassifyResult:
        """One document; `labels` (from the label head, which took `head_s` for the whole request) are pinned."""
        version = route.version or "zero_shot"
        task = route.task.name
        started = time.perf_counter() - head_s
        common: dict[str, Any] = {"id": doc_id, "adapter_version": route.version, "mode": route.mode}
        fields = answer_fields(route.task, route.prompt)
        if labels is not None and set(fields) <= set(labels):  # the head answers every field: no decoding
            output = route.task.validate_output({name: labels[name] for name in fields})
            self.metrics.documents.labels(task, version, "ok").inc()
            self.metrics.document_latency.labels(task, version).observe(time.perf_counter() - started)
            return ClassifyResult(**common, output=output, latency_ms=round((time.perf_counter() - started) * 1000, 1),
                                  prompt_tokens=0, completion_tokens=0)
        if labels is not None:
            schema = pin_labels(schema, labels)
        prompt = prompt_token_ids(self.tools.tokenizer(), build_prompt(route.prompt, body, document.system_prompt))
        try:
            completion = await self.client.complete(route.served_name, prompt, schema, self.options.max_tokens)
        except EngineRejected as exc:
            self.metrics.documents.labels(task, version, exc.reason).inc()
            return ClassifyResult(**common, error=ItemError(code=exc.reason, detail=str(exc)))
        except EngineUnavailable as exc:
            self.metrics.documents.labels(task, version, "engine_unavailable").inc()
            return ClassifyResult(**common, error=ItemError(code="engine_unavailable", detail=str(exc)))
        elapsed = time.perf_counter() - started
        self.metrics.tokens.labels(task, version, "prompt").inc(completion.prompt_tokens)
        self.metrics.tokens.labels(task, version, "completion").inc(completion.completion_tokens)
        usage = {"latency_ms": round(elapsed * 1000, 1), "prompt_tokens": completion.prompt_tokens,
                 "completion_tokens": completion.completion_tokens}
        if completion.finish_reason == "length":
            self.metrics.documents.labels(task, version, "max_tokens").inc()
            return ClassifyResult(**common, **usage, error=ItemError(
                code="max_tokens", detail=f"The output was cut off at max_tokens ({self.options.max_tokens}) "
                                          "before the JSON was complete."))
        try:
            output = parse_output(route.task, completion.text)
        except ValueError as exc:
            self.metrics.documents.labels(task, version, "schema_violation").inc()
            return ClassifyResult(**common, **usage, error=ItemError(code="schema_violation", detail=str(exc)))
        self.metrics.documents.labels(task, version, "ok").inc()
        self.metrics.document_latency.labels(task, version).observe(elapsed)
        return ClassifyResult(**common, **usage, output=output)
