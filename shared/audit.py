"""Audit log of sensitive actions (deanonymize, promote, train, raw-text labeling...).

Each event is a row in the job store database (durable, queryable) and a JSON log line with
`audit=true`. Details hold identifiers only (mapping ids, job ids, versions), never personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from shared.auth import Principal
from shared.db import Base, UTCDateTime, utcnow
from shared.logs import get_logger

log = get_logger("audit")


class AuditEventRow(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    service: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    resource: Mapped[str] = mapped_column(String(256))
    outcome: Mapped[str] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditLog:
    def __init__(self, sessions: sessionmaker, service: str) -> None:
        self._sessions = sessions
        self._service = service

    def record(self, principal: Principal, action: str, resource: str, outcome: str = "success",
               request_id: str | None = None, details: dict[str, Any] | None = None) -> None:
        row = AuditEventRow(service=self._service, actor=principal.name, action=action, resource=resource,
                            outcome=outcome, request_id=request_id, details=details or {})
        with self._sessions.begin() as session:
            session.add(row)
        log.info("audit_event", audit=True, actor=principal.name, action=action, resource=resource,
                 outcome=outcome)

    def recent(self, limit: int = 100, action: str | None = None) -> list[AuditEventRow]:
        with self._sessions() as session:
            query = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit)
            if action:
                query = query.where(AuditEventRow.action == action)
            return list(session.scalars(query))
