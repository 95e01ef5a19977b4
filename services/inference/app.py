"""The inference service's ASGI app (`llm4gov serve inference`)."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from services.inference.api import classify, openai, serving
from services.inference.base_tools import BaseModelTools
from services.inference.classifier import Classifier
from services.inference.engine import EngineClient, ManagedVllmServer
from services.inference.metrics import InferenceMetrics
from services.inference.routing import Router
from services.inference.settings import InferenceSettings
from services.inference.supervisor import ServingSupervisor
from shared.adapters import AdapterRegistry
from shared.app import create_service_app
from shared.base_models import BaseModelResolver
from shared.clients import AnonymizerClient
from shared.storage import create_object_store

DESCRIPTION = """Serves the task students: vLLM with the promoted LoRA adapter of each task hot-loaded from the
registry (no restart, no failed requests during a swap), continuous batching, optional 4-bit base model, and
outputs constrained to and validated against the task's JSON schema. OpenAI-compatible chat completions for
existing clients."""


def create_app(settings: InferenceSettings | None = None) -> FastAPI:
    settings = settings or InferenceSettings()
    options = settings.inference
    work_dir = settings.resolved_work_dir()
    objects = create_object_store(settings)
    registry = AdapterRegistry(objects)  # read-only: inference needs no database
    resolver = BaseModelResolver(objects, work_dir / "base-models", settings.resolved_model_roots())
    router = Router()
    if options.engine.mode == "managed":
        server: ManagedVllmServer | None = ManagedVllmServer(options.engine, work_dir / "logs")
        client = EngineClient(server.url, server.api_key, options.engine.request_timeout_s)  # type: ignore[union-attr]
    else:
        server = None
        client = EngineClient(options.engine.url or "", None, options.engine.request_timeout_s)
    anonymizer = None
    if options.anonymizer_url:
        key = options.anonymizer_api_key.get_secret_value() if options.anonymizer_api_key else None
        anonymizer = AnonymizerClient(options.anonymizer_url, key)
    holder: dict[str, asyncio.Task[None]] = {}

    def on_startup(app: FastAPI) -> None:
        holder["supervisor"] = asyncio.get_running_loop().create_task(app.state.supervisor.run())

    def on_shutdown(app: FastAPI) -> None:
        if "supervisor" in holder:
            holder["supervisor"].cancel()
        if server is not None:
            server.stop()

    def engine_ready() -> str | None:
        supervisor: ServingSupervisor = app.state.supervisor
        if not supervisor.engine_ready:
            raise RuntimeError(supervisor.problem or "starting")
        return None

    def adapters_ready() -> str | None:
        supervisor: ServingSupervisor = app.state.supervisor
        if not supervisor.synced:
            raise RuntimeError("the registry has not been read yet")
        if supervisor.failures:
            failing = ", ".join(f"{t}@{f.version}" for t, f in sorted(supervisor.failures.items()))
            return f"degraded: failed to load {failing}; the previous versions keep serving"
        return None

    app = create_service_app(
        "inference", settings, title="LLM4Gov inference", description=DESCRIPTION,
        routers=[classify, openai, serving],
        readiness={"object_storage": objects.check, "engine": engine_ready, "adapters": adapters_ready},
        on_startup=on_startup, on_shutdown=on_shutdown,
    )
    metrics = InferenceMetrics(app.state.metrics)
    app.state.router = router
    app.state.engine_client = client
    app.state.inference_metrics = metrics
    tools = BaseModelTools()
    app.state.supervisor = ServingSupervisor(options, registry, resolver, router, client, server, metrics, work_dir,
                                             tools)
    app.state.classifier = Classifier(options, router, client, metrics, anonymizer, tools)
    return app
