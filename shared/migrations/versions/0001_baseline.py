"""Baseline: the schema every build created with `create_all` before migrations existed.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the tables of this schema are created from the models."""


def downgrade() -> None:
    raise NotImplementedError("the baseline has no downgrade")
