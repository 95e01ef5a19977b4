"""HTTP routes of inference: classification, the OpenAI-compatible API, serving status, engine metrics.

Routes are thin: they check auth and engine readiness and hand over to the classifier, the router and
the engine client.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from services.inference.classifier import Classifier
from services.inference.engine import EngineClient, EngineUnavailable
from services.inference.metrics import InferenceMetrics
from services.inference.protocol import (ChatCompletionRequest, ClassifyRequest, ClassifyResponse, ModelCard,
                                         ModelList, ServingStatus)
from services.inference.routing import Router
from services.inference.supervisor import ServingSupervisor
from shared.auth import Principal, require_role
from shared.errors import NotFound, ServiceUnavailable, Unprocessable

classify = APIRouter(tags=["classification"])
openai = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])
serving = APIRouter(tags=["serving"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or invalid API key."}, 403: {"description": "Role missing."},
    404: {"description": "Unknown task or model."}, 422: {"description": "Invalid request."},
    503: {"description": "The engine (or the anonymizer) is not available."}}

CanClassify = Annotated[Principal, Depends(require_role("classify"))]


def _supervisor(request: Request) -> ServingSupervisor:
    supervisor: ServingSupervisor = request.app.state.supervisor
    if not supervisor.engine_ready:
        raise ServiceUnavailable("The engine is starting or restarting; retry shortly.", extra={"retry_after_s": 5})
    return supervisor


Ready = Annotated[ServingSupervisor, Depends(_supervisor)]


@classify.post("/v1/classify", response_model=ClassifyResponse, responses=_ERRORS,
               summary="Classify documents with the task's promoted student (schema-valid JSON per document).")
async def classify_documents(body: ClassifyRequest, request: Request, _: CanClassify,
                             _ready: Ready) -> ClassifyResponse:
    classifier: Classifier = request.app.state.classifier
    return await classifier.classify(body)


@openai.get("/models", response_model=ModelList, responses=_ERRORS,
            summary="Models an OpenAI client may name: the base model, each task, and its serving version.")
async def list_models(request: Request, _: CanClassify) -> ModelList:
    router: Router = request.app.state.router
    base = request.app.state.settings.inference.engine.served_model_name
    now = int(time.time())
    cards = [ModelCard(id=base, created=now)]
    for route in router.routes():
        cards.append(ModelCard(id=route.task.name, created=now, root=route.served_name))
        if route.version is not None:
            cards.append(ModelCard(id=route.served_name, created=now, root=route.served_name))
    return ModelList(data=cards)


def _task_for_model(router: Router, base: str, model: str) -> str | None:
    """The task whose current route answers `model`; None for the base model itself."""
    if model == base:
        return None
    if router.current(model) is not None:
        return model
    route = router.by_served_name(model)
    if route is None:
        raise NotFound(f"Unknown model '{model}'; see GET /v1/models.")
    return route.task.name


@openai.post("/chat/completions", responses={**_ERRORS, 200: {"description": "An OpenAI chat completion "
                                                                "(or an event stream when stream=true)."}},
             summary="OpenAI-compatible chat completions, answered by the base model or a task's student.")
async def chat_completions(body: ChatCompletionRequest, request: Request, _: CanClassify, _ready: Ready) -> Response:
    router: Router = request.app.state.router
    client: EngineClient = request.app.state.engine_client
    metrics: InferenceMetrics = request.app.state.inference_metrics
    base = request.app.state.settings.inference.engine.served_model_name
    task = _task_for_model(router, base, body.model)
    _check_chat_limits(body, request.app.state.settings.inference)
    payload = body.model_dump(exclude_none=True)
    if task is None:
        return await _forward(client, payload, body.stream, metrics, "base", None)
    route = router.acquire(task)  # released when the last byte of the answer is sent
    payload["model"] = route.served_name
    return await _forward(client, payload, body.stream, metrics, route.mode, lambda: router.release(route))


def _check_chat_limits(body: ChatCompletionRequest, options: Any) -> None:
    """422 for a request over the service's limits (the same ones /v1/classify applies)."""
    size = len(json.dumps(body.messages, ensure_ascii=False))
    if size > options.max_document_chars:
        raise Unprocessable(f"The messages hold {size} characters; the limit is {options.max_document_chars}.")
    for name in ("max_tokens", "max_completion_tokens"):
        value = getattr(body, name)
        if value is not None and value > options.max_tokens:
            raise Unprocessable(f"{name} {value} is over this service's limit of {options.max_tokens}.")


async def _forward(client: EngineClient, payload: dict[str, Any], stream: bool, metrics: InferenceMetrics,
                   kind: str, release: Any) -> Response:
    """Relay the engine's answer; the route stays held (in flight) until the last byte is sent."""
    try:
        upstream = await client.forward("/v1/chat/completions", payload)
    except EngineUnavailable as exc:
        if release:
            release()
        metrics.chat_requests.labels(kind, "503").inc()
        raise ServiceUnavailable(str(exc)) from None
    metrics.chat_requests.labels(kind, str(upstream.status_code)).inc()
    if upstream.status_code >= 500:
        await upstream.aclose()
        if release:
            release()
        raise ServiceUnavailable(f"The engine failed the request (HTTP {upstream.status_code}).")
    if not stream or upstream.status_code != 200:
        try:
            content = await upstream.aread()
        finally:
            await upstream.aclose()
            if release:
                release()
        return Response(content, status_code=upstream.status_code,
                        media_type=upstream.headers.get("content-type", "application/json"))

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        finally:
            await upstream.aclose()
            if release:
                release()

    return StreamingResponse(relay(), status_code=200, media_type="text/event-stream")


@serving.get("/v1/serving", response_model=ServingStatus, responses=_ERRORS,
             summary="What this replica serves: per task the version (or zero-shot), failed loads, recent swaps.")
async def serving_status(request: Request, _: CanClassify) -> Any:
    supervisor: ServingSupervisor = request.app.state.supervisor
    return supervisor.status()


@serving.get("/metrics/engine", tags=["ops"], response_class=Response,
             responses={503: {"description": "The engine is not available."},
                        404: {"description": "Engine metrics are turned off (`engine_metrics`)."}},
             summary="vLLM's own Prometheus metrics (queue, KV cache, batch, token latencies).")
async def engine_metrics(request: Request) -> Response:
    if not request.app.state.settings.inference.engine_metrics:
        raise NotFound("Engine metrics are turned off (LLM4GOV_INFERENCE__ENGINE_METRICS).")
    client: EngineClient = request.app.state.engine_client
    try:
        text = await client.metrics_text()
    except Exception:
        return JSONResponse({"status": 503, "title": "Service unavailable", "detail": "engine metrics unavailable"},
                            status_code=503, media_type="application/problem+json")
    return Response(text, media_type="text/plain; version=0.0.4; charset=utf-8")
