"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), S3 servers, keys."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.servers import S3Server, seaweedfs_s3

POSTGRES_ADMIN_URL = os.environ.get("LLM4GOV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


POSTGRES_AVAILABLE = _postgres_available()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (skipped when no server is reachable, except under
    CI=true: CI must exercise PostgreSQL, so there a missing server fails the test)."""
    if not POSTGRES_AVAILABLE:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and PostgreSQL is not reachable ({POSTGRES_ADMIN_URL.split('@')[-1]})")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"llm4gov_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Each job-store test runs on SQLite and, when available, on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    from shared.db import Base, create_db_engine

    engine = create_db_engine(url)  # start every test from empty tables
    Base.metadata.drop_all(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with seaweedfs_s3() as server:
        yield server


@pytest.fixture(scope="session")
def analyzer():  # type: ignore[no-untyped-def]
    """The anonymizer's analyzer, loaded once (shipped NER model + every recognizer; read-only)."""
    from services.anonymizer.engine import PiiAnalyzer

    return PiiAnalyzer()
