"""Keys for the reversible and keyed operators, all derived from one master key (HKDF).

One secret to manage; separate derived keys so that an HMAC output never reveals anything about the
encryption or vault keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["OperatorKeys", "InvalidToken", "load_master_key"]


def _derive(master: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"llm4gov-anonymizer",
                info=purpose.encode()).derive(master)


def load_master_key(configured: str | None, data_dir: Path) -> bytes:
    """The configured key, or a random one persisted once under data_dir (0600)."""
    if configured:
        if len(configured) < 32:
            raise ValueError("LLM4GOV_ANONYMIZER__SECRET_KEY must be at least 32 characters")
        return configured.encode("utf-8")
    path = data_dir / "anonymizer.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode("utf-8")


@dataclass(frozen=True)
class OperatorKeys:
    hmac_key: bytes
    encryption: Fernet
    vault: Fernet

    @classmethod
    def from_master(cls, master: bytes) -> "OperatorKeys":
        return cls(
            hmac_key=_derive(master, "hash"),
            encryption=Fernet(base64.urlsafe_b64encode(_derive(master, "encrypt"))),
            vault=Fernet(base64.urlsafe_b64encode(_derive(master, "vault"))),
        )

    def keyed_hash(self, value: str) -> str:
        return hmac.new(self.hmac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
