"""The pseudonymization vault: token -> original value, encrypted at rest, by mapping id.

This is the only place where original values are stored. Rows live in the job-store database and
hold only Fernet ciphertext; the key is derived from the anonymizer's master key.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from shared.db import Base, UTCDateTime, utcnow
from shared.errors import NotFound


class VaultEntryRow(Base):
    __tablename__ = "anonymizer_vault"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)


class Vault:
    def __init__(self, sessions: sessionmaker, fernet: Fernet) -> None:
        self._sessions = sessions
        self._fernet = fernet

    def store(self, mapping: dict[str, str], created_by: str) -> str:
        mapping_id = str(uuid.uuid4())
        blob = self._fernet.encrypt(json.dumps(mapping, ensure_ascii=False).encode("utf-8"))
        with self._sessions.begin() as session:
            session.add(VaultEntryRow(id=mapping_id, created_by=created_by, ciphertext=blob))
        return mapping_id

    def owner(self, mapping_id: str) -> str:
        """The API key name that created the mapping; 404 when there is none."""
        with self._sessions() as session:
            row = session.get(VaultEntryRow, mapping_id)
        if row is None:
            raise NotFound(f"No pseudonymization mapping with id '{mapping_id}'.")
        return row.created_by

    def load(self, mapping_id: str) -> dict[str, str]:
        with self._sessions() as session:
            row = session.get(VaultEntryRow, mapping_id)
        if row is None:
            raise NotFound(f"No pseudonymization mapping with id '{mapping_id}'.")
        try:
            return json.loads(self._fernet.decrypt(row.ciphertext))
        except InvalidToken:
            raise NotFound(f"Mapping '{mapping_id}' cannot be read with this service's key.") from None
