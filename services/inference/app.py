"""The inference service's ASGI app (`llm4gov serve inference`)."""

from __future__ import annotations

import asyncio
from functools import partial

from fastapi import FastAPI

from services.inference.api import classify, openai, serving
from services.inference.batch import BatchContext, BatchJobService, BatchWorker
from services.inference.batch_api import router as batch_router
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
from shared.config import secret_value
from shared.db import check_database, create_db_engine, init_db
from shared.files_api import files_upload_limits, install_files
from shared.jobstore import JobStore
from shared.storage import create_object_store

DESCRIPTION = """Serves the task students: vLLM with the promoted LoRA adapter of each task hot-loaded from the
registry (no restart, no failed requests during a swap), continuous batching, optional 4-bit base model, and
outputs constrained to and validated against the task's JSON schema. OpenAI-compatible chat completions for
existing clients. Batch jobs classify a whole uploaded file (the Files API) asynchronously and resumably."""


def create_app(settings: InferenceSettings | None = None) -> FastAPI:
    settings = settings or InferenceSettings()
    options = settings.inference
    work_dir = settings.resolved_work_dir()
    objects = create_object_store(settings)
    registry = AdapterRegistry(objects)  # read-only, from object storage
    # the database holds uploaded files' rows (the Files API) and batch jobs with their work items
    db_engine = create_db_engine(settings.resolved_database_url())
    sessions = init_db(db_engine)
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
        anonymizer = AnonymizerClient(options.anonymizer_url, secret_value(options.anonymizer_api_key))
    holder: dict[str, asyncio.Task[None]] = {}

    def on_startup(app: FastAPI) -> None:
        loop = asyncio.get_running_loop()
        holder["supervisor"] = loop.create_task(app.state.supervisor.run())
        if options.batch.worker_enabled:
            holder["batch"] = loop.create_task(app.state.batch_worker.run())

    def on_shutdown(app: FastAPI) -> None:
        for name in ("batch", "supervisor"):
            if name in holder:
                holder[name].cancel()
        if "batch" in holder:  # what a runner had in flight goes back at once (not after its lease)
            try:
                app.state.batch_worker.release_claims()
            except Exception:
                pass
        if server is not None:
            server.stop()
        db_engine.dispose()

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
        routers=[classify, batch_router, openai, serving],
        readiness={"database": partial(check_database, db_engine), "object_storage": objects.check,
                   "engine": engine_ready, "adapters": adapters_ready},
        on_startup=on_startup, on_shutdown=on_shutdown, upload_limits=files_upload_limits(settings),
    )
    files = install_files(app, settings, sessions, objects, "inference")
    metrics = InferenceMetrics(app.state.metrics)
    app.state.router = router
    app.state.engine_client = client
    app.state.inference_metrics = metrics
    tools = BaseModelTools()
    app.state.supervisor = ServingSupervisor(options, registry, resolver, router, client, server, metrics, work_dir,
                                             tools)
    app.state.classifier = Classifier(options, router, client, metrics, anonymizer, tools)
    batch = BatchContext(store=JobStore(sessions), files=files, sessions=sessions, objects=objects,
                         classifier=app.state.classifier, router=router, supervisor=app.state.supervisor,
                         options=options, metrics=metrics, work_dir=work_dir)
    app.state.batch_worker = BatchWorker(batch)
    app.state.batch_jobs = BatchJobService(batch, wake=app.state.batch_worker.wake)
    return app
