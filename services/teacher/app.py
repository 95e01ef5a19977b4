"""The teacher service's ASGI app (`llm4gov serve teacher`)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import httpx
from fastapi import FastAPI

from shared.app import create_service_app
from shared.clients import AnonymizerClient
from shared.config import secret_value
from shared.db import check_database
from shared.files_api import files_upload_limits, install_files
from shared.workers import BackgroundWorker
from services.teacher.api import router
from services.teacher.context import labeling_service, open_stores
from services.teacher.metrics import TeacherMetrics
from services.teacher.settings import TeacherSettings
from services.teacher.worker import LabelingWorker

DESCRIPTION = """Labels anonymized documents into a task's JSON structure with a large teacher LLM behind
any OpenAI-compatible API. Jobs are resumable, schema-validated and fail-closed on privacy: every text
goes through the anonymizer before it leaves."""


def create_app(settings: TeacherSettings | None = None) -> FastAPI:
    settings = settings or TeacherSettings()
    options = settings.teacher
    stores = open_stores(settings)
    anonymizer = AnonymizerClient(options.anonymizer_url, secret_value(options.anonymizer_api_key),
                                  options.anonymizer_timeout_s)

    def anonymizer_ready() -> None:
        httpx.get(options.anonymizer_url.rstrip("/") + "/readyz", timeout=5).raise_for_status()

    def build_worker(app: FastAPI) -> LabelingWorker:
        return LabelingWorker(app.state.labeling.ctx, options.poll_interval_s,
                              timedelta(seconds=options.metrics_retention_s))

    worker = BackgroundWorker(build_worker, enabled=options.worker_enabled)
    app = create_service_app(
        "teacher", settings, title="LLM4Gov teacher", description=DESCRIPTION, routers=[router],
        readiness={"database": partial(check_database, stores.engine), "object_storage": stores.objects.check,
                   "anonymizer": anonymizer_ready},
        worker=worker, on_shutdown=lambda _app: stores.engine.dispose(), upload_limits=files_upload_limits(settings),
    )
    files = install_files(app, settings, stores.sessions, stores.objects, "teacher")
    options.resolved_endpoints()  # a bad endpoints file stops the service at startup, not at the first job
    app.state.labeling = labeling_service(stores, options, anonymizer, TeacherMetrics(app.state.metrics),
                                          options.worker_id, wake=worker.wake, files=files)
    return app
