"""Keys for the reversible and keyed operators, all derived from the anonymizer's master key.

One secret to manage; separate derived keys so that an HMAC output never reveals anything about the
encryption or vault keys.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from shared.keys import derive_fernet, derive_key, load_master_key as _load

_SALT = b"llm4gov-anonymizer"


def load_master_key(configured: str | None, data_dir: Path) -> bytes:
    return _load(configured, data_dir / "anonymizer.key", "LLM4GOV_ANONYMIZER__SECRET_KEY")


@dataclass(frozen=True)
class OperatorKeys:
    hmac_key: bytes
    encryption: Fernet
    vault: Fernet

    @classmethod
    def from_master(cls, master: bytes) -> "OperatorKeys":
        return cls(hmac_key=derive_key(master, "hash", _SALT), encryption=derive_fernet(master, "encrypt", _SALT),
                   vault=derive_fernet(master, "vault", _SALT))

    def keyed_hash(self, value: str) -> str:
        return hmac.new(self.hmac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
