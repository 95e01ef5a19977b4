"""The trainer service's ASGI app (`llm4gov serve trainer`)."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from shared.adapters import AdapterRegistry
from shared.app import create_service_app
from shared.files_api import files_upload_limits, install_files
from shared.audit import AuditLog
from shared.base_models import BaseModelResolver
from shared.db import check_database, create_db_engine, init_db
from shared.jobstore import JobStore
from shared.storage import create_object_store
from shared.workers import BackgroundWorker
from services.trainer.api import adapters, jobs, models
from services.trainer.openai_api import router as fine_tuning
from services.trainer.executors import Executor, LocalProcessExecutor
from services.trainer.metrics import TrainerMetrics
from services.trainer.service import TrainingService
from services.trainer.settings import TrainerSettings
from services.trainer.worker import TrainingWorker

DESCRIPTION = """Fine-tunes small students on the teacher's labels (a LoRA or QLoRA adapter and a label head) and
publishes versioned adapters to object storage, where inference picks up the promoted version. Jobs resume from their last
checkpoint after a crash; runs execute as local processes or Kubernetes Jobs."""


def create_executor(settings: TrainerSettings) -> Executor:
    if settings.trainer.executor == "kubernetes":
        from services.trainer.kubernetes_executor import KubernetesExecutor

        return KubernetesExecutor(settings.trainer.kubernetes)
    return LocalProcessExecutor(settings, settings.resolved_work_dir() / "logs")


def create_app(settings: TrainerSettings | None = None) -> FastAPI:
    settings = settings or TrainerSettings()
    options = settings.trainer
    engine = create_db_engine(settings.resolved_database_url())
    sessions = init_db(engine)
    objects = create_object_store(settings)
    store = JobStore(sessions)
    resolver = BaseModelResolver(objects, settings.resolved_work_dir() / "base-models", settings.resolved_model_roots())

    def build_worker(app: FastAPI) -> TrainingWorker:
        return TrainingWorker(store, create_executor(settings), app.state.trainer_metrics, options.worker_id,
                              options.lease_s, options.poll_interval_s, options.max_concurrent_jobs,
                              run_attempts=options.run_attempts, retry_backoff_s=options.retry_backoff_s,
                              retry_backoff_max_s=options.retry_backoff_max_s, objects=objects)

    worker = BackgroundWorker(build_worker, enabled=options.worker_enabled)
    app = create_service_app(
        "trainer", settings, title="LLM4Gov trainer", description=DESCRIPTION, routers=[jobs, adapters, models, fine_tuning],
        readiness={"database": partial(check_database, engine), "object_storage": objects.check},
        worker=worker, on_shutdown=lambda _app: engine.dispose(), upload_limits=files_upload_limits(settings),
    )
    files = install_files(app, settings, sessions, objects, "trainer")
    app.state.trainer_metrics = TrainerMetrics(app.state.metrics)
    app.state.training = TrainingService(store, objects, AdapterRegistry(objects, sessions), resolver,
                                         AuditLog(sessions, "trainer"), options,
                                         wake=worker.wake, files=files)
    return app
