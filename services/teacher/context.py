"""What a labeling run stands on, built once for the service (app.py) and the seed's CLI (cli.py).

Both open the same job store, object store and item-payload key, so a job created by one can be read
(or resumed) by the other; only the anonymizer, the metrics and the worker id differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import Fernet
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from shared.audit import AuditLog
from shared.clients import AnonymizerClient
from shared.config import secret_value
from shared.db import create_db_engine, init_db
from shared.files import FileStore
from shared.jobstore import JobStore
from shared.keys import derive_fernet, load_master_key
from shared.storage import ObjectStore, create_object_store
from services.teacher.metrics import TeacherMetrics
from services.teacher.runner import RunnerContext
from services.teacher.service import LabelingService
from services.teacher.settings import TeacherOptions, TeacherSettings


@dataclass(frozen=True)
class TeacherStores:
    """The database, job store, object storage and the key that encrypts item payloads at rest."""

    engine: Engine
    sessions: sessionmaker
    store: JobStore
    objects: ObjectStore
    payload_key: Fernet


def open_stores(settings: TeacherSettings) -> TeacherStores:
    """Connect to the configured stores (creating the tables and, for local use, the master key file)."""
    engine = create_db_engine(settings.resolved_database_url())
    sessions = init_db(engine)
    objects = create_object_store(settings)
    master = load_master_key(secret_value(settings.teacher.secret_key), settings.data_dir / "teacher.key",
                             "LLM4GOV_TEACHER__SECRET_KEY")
    return TeacherStores(engine=engine, sessions=sessions, store=JobStore(sessions), objects=objects,
                         payload_key=derive_fernet(master, "item-payload", b"llm4gov-teacher"))


def labeling_service(stores: TeacherStores, options: TeacherOptions, anonymizer: AnonymizerClient,
                     metrics: TeacherMetrics, worker_id: str, wake: Callable[[], None] | None = None,
                     files: FileStore | None = None) -> LabelingService:
    """The labeling service over `stores`; its runner context is `service.ctx`."""
    ctx = RunnerContext(store=stores.store, objects=stores.objects, anonymizer=anonymizer,
                        payload_key=stores.payload_key, metrics=metrics, worker_id=worker_id,
                        lease=timedelta(seconds=options.lease_s), endpoints=options.resolved_endpoints)
    return LabelingService(ctx, stores.objects, options, AuditLog(stores.sessions, "teacher"), wake=wake,
                           files=files)
