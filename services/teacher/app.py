"""The teacher service's ASGI app (`llm4gov serve teacher`)."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import httpx
from fastapi import FastAPI

from shared.app import create_service_app
from shared.files_api import files_upload_limits, install_files
from shared.audit import AuditLog
from shared.clients import AnonymizerClient
from shared.db import check_database, create_db_engine, init_db
from shared.jobstore import JobStore
from shared.keys import derive_fernet, load_master_key
from shared.storage import create_object_store
from services.teacher.api import router
from services.teacher.metrics import TeacherMetrics
from services.teacher.runner import RunnerContext
from services.teacher.service import LabelingService
from services.teacher.settings import TeacherSettings
from services.teacher.worker import LabelingWorker

DESCRIPTION = """Labels anonymized documents into a task's JSON structure with a large teacher LLM behind
any OpenAI-compatible API. Jobs are resumable, schema-validated and fail-closed on privacy: every text
goes through the anonymizer before it leaves."""


def create_app(settings: TeacherSettings | None = None) -> FastAPI:
    settings = settings or TeacherSettings()
    options = settings.teacher
    engine = create_db_engine(settings.resolved_database_url())
    sessions = init_db(engine)
    objects = create_object_store(settings)
    secret = options.secret_key.get_secret_value() if options.secret_key else None
    master = load_master_key(secret, settings.data_dir / "teacher.key", "LLM4GOV_TEACHER__SECRET_KEY")
    anonymizer_key = options.anonymizer_api_key.get_secret_value() if options.anonymizer_api_key else None
    anonymizer = AnonymizerClient(options.anonymizer_url, anonymizer_key, options.anonymizer_timeout_s)

    def anonymizer_ready() -> None:
        httpx.get(options.anonymizer_url.rstrip("/") + "/readyz", timeout=5).raise_for_status()

    holder: dict[str, LabelingWorker] = {}

    def on_startup(app: FastAPI) -> None:
        if options.worker_enabled:
            worker = LabelingWorker(app.state.labeling.ctx, options.poll_interval_s,
                                    timedelta(seconds=options.metrics_retention_s))
            worker.start()
            holder["worker"] = worker

    def on_shutdown(_app: FastAPI) -> None:
        if "worker" in holder:
            holder["worker"].stop()
        engine.dispose()

    app = create_service_app(
        "teacher", settings, title="LLM4Gov teacher", description=DESCRIPTION, routers=[router],
        readiness={"database": partial(check_database, engine), "object_storage": objects.check, "anonymizer": anonymizer_ready},
        on_startup=on_startup, on_shutdown=on_shutdown, upload_limits=files_upload_limits(settings),
    )
    files = install_files(app, settings, sessions, objects, "teacher")
    options.resolved_endpoints()  # a bad endpoints file stops the service at startup, not at the first job
    ctx = RunnerContext(store=JobStore(sessions), objects=objects, anonymizer=anonymizer,
                        payload_key=derive_fernet(master, "item-payload", b"llm4gov-teacher"),
                        metrics=TeacherMetrics(app.state.metrics), worker_id=options.worker_id,
                        lease=timedelta(seconds=options.lease_s), endpoints=options.resolved_endpoints)
    app.state.labeling = LabelingService(ctx, objects, options, AuditLog(sessions, "teacher"),
                                         wake=lambda: holder["worker"].wake() if "worker" in holder else None,
                                         files=files)
    return app
