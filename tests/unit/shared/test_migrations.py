"""A database made by a build before migrations upgrades at start, losing nothing; upgrades are idempotent
and safe when several services start on one database at once."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import inspect

import shared.adapters  # noqa: F401  (their tables)
import shared.audit  # noqa: F401
import shared.files  # noqa: F401
from shared.db import create_db_engine, current_revision, init_db
from shared.jobstore import ItemState, JobStore

PRE_MIGRATIONS = Path(__file__).with_name("schemas") / "pre_migrations_sqlite.sql"


JOB_ID = "6f1c2a9e-1b2c-4d5e-8f90-123456789abc"
WHEN = "2026-11-30 10:00:00.000000+00:00"


def _old_database(path: Path) -> str:
    """A database with the pre-migrations schema and a job (items and an event) in it, as that build wrote it."""
    with sqlite3.connect(path) as db:
        db.executescript(PRE_MIGRATIONS.read_text(encoding="utf-8"))
        db.execute("INSERT INTO jobs (id, kind, state, spec, progress, result, reason, created_by, created_at, "
                   "updated_at) VALUES (?, 'labeling', 'paused', ?, '{}', NULL, 'budget', 'team-a', ?, ?)",
                   (JOB_ID, json.dumps({"task_name": "severity"}), WHEN, WHEN))
        for i in range(3):
            db.execute("INSERT INTO job_items (job_id, idx, state, attempts, payload, usage_in, usage_out) "
                       "VALUES (?, ?, 'pending', 0, ?, 0, 0)", (JOB_ID, i, json.dumps({"id": f"D{i}", "enc": f"c{i}"})))
        db.execute("INSERT INTO job_events (job_id, created_at, type, data) VALUES (?, ?, 'state', ?)",
                   (JOB_ID, WHEN, json.dumps({"state": "paused"})))
    return JOB_ID


def test_a_database_from_before_migrations_upgrades_and_keeps_its_jobs(tmp_path: Path) -> None:
    path = tmp_path / "llm4gov.sqlite3"
    job_id = _old_database(path)
    engine = create_db_engine(f"sqlite:///{path}")
    assert "files" not in inspect(engine).get_table_names() and current_revision(engine) is None
    store = JobStore(init_db(engine))
    tables = inspect(engine).get_table_names()
    assert {"files", "alembic_version", "jobs", "job_items", "job_events"} <= set(tables)
    assert current_revision(engine) == "0001"
    job = store.get(job_id)
    assert job.spec == {"task_name": "severity"} and job.created_by == "team-a" and job.reason == "budget"
    assert [i.payload for i in store.items(job_id, state=ItemState.PENDING)] == \
        [{"id": f"D{i}", "enc": f"c{i}"} for i in range(3)]
    assert [e.type for e in store.events(job_id)] == ["state"]
    init_db(engine)  # again: nothing changes
    assert store.get(job_id).spec == {"task_name": "severity"}
    engine.dispose()


def test_services_starting_together_upgrade_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    errors: list[BaseException] = []

    def start() -> None:
        try:
            engine = create_db_engine(url)
            init_db(engine)
            engine.dispose()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = create_db_engine(url)
    assert current_revision(engine) == "0001"
    engine.dispose()
