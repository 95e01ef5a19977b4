"""Service secrets: one master key per service, from configuration or generated once on disk, and
purpose-specific keys derived from it (HKDF), so one secret serves several uses safely."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def load_master_key(configured: str | None, key_file: Path, setting_name: str) -> bytes:
    """The configured key, or a random one created once in `key_file` (mode 0600) for local use."""
    if configured:
        if len(configured) < 32:
            raise ValueError(f"{setting_name} must be at least 32 characters")
        return configured.encode("utf-8")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return key_file.read_text().strip().encode("utf-8")
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip().encode("utf-8")


def derive_key(master: bytes, purpose: str, salt: bytes = b"llm4gov") -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose.encode()).derive(master)


def derive_fernet(master: bytes, purpose: str, salt: bytes = b"llm4gov") -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(master, purpose, salt)))
