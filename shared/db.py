"""SQLAlchemy engine and declarative base for the job store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Engine, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    """Base of every table the platform owns (jobs, events, audit, vault...)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def create_db_engine(url: str) -> Engine:
    """Create an engine with settings that make SQLite safe for a multi-threaded server."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            # the job store holds audit rows and encrypted payloads: readable by the service user only
            # (created here, before SQLite would create it with the umask's 0644; WAL files follow it).
            # Never open an existing database file here: closing any descriptor of a file drops the POSIX
            # locks SQLite holds on it in this process, which corrupts a database another engine has open.
            if not os.path.exists(db_path):
                try:
                    os.close(os.open(db_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                except FileExistsError:
                    pass
            else:
                try:
                    os.chmod(db_path, 0o600)
                except OSError:
                    pass
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def init_db(engine: Engine) -> sessionmaker:
    """Bring the schema up to date and return a session factory.

    Missing tables are created from the models this process imported; then the migrations in
    `shared/migrations` run (changes to existing tables). Both under one lock, so services starting
    together on one database do it once and in order.
    """
    with _schema_lock(engine):
        Base.metadata.create_all(engine)
        _run_migrations(engine)
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(url: str) -> str:
    """`llm4gov db upgrade`: apply every migration to the database at `url`; returns the revision."""
    engine = create_db_engine(url)
    try:
        init_db(engine)
        return current_revision(engine) or ""
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _run_migrations(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextlib.contextmanager
def _schema_lock(engine: Engine) -> Iterator[None]:
    """One schema change at a time: an advisory lock on PostgreSQL, a lock file next to a SQLite file."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(7318390)"))
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(7318390)"))
                connection.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    # a separate lock file: a lock on the database file itself would be dropped by SQLite's own closes
    fd = os.open(f"{database}.schema-lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def check_database(engine: Engine) -> None:
    """Raise if the database does not answer (a service's /readyz check)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
