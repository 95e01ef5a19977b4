"""Alembic environment: runs on the connection `shared.db.upgrade` hands over (no URL, no ini file)."""

from __future__ import annotations

from alembic import context

from shared.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True,
                  compare_type=False)
with context.begin_transaction():
    context.run_migrations()
