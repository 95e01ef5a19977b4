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


MIN_KEY_CHARS = 32


def load_master_key(configured: str | None, key_file: Path, setting_name: str) -> bytes:
    """The configured key, or a random one created once in `key_file` (mode 0600) for local use.

    The file is written whole under a temporary name and linked into place, so a concurrent first start
    or a crash never leaves an empty or partial key behind; a key file shorter than 32 characters (an
    empty one would make every derived key public) is refused, never used."""
    if configured:
        if len(configured) < MIN_KEY_CHARS:
            raise ValueError(f"{setting_name} must be at least {MIN_KEY_CHARS} characters")
        return configured.encode("utf-8")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = key_file.with_name(f".{key_file.name}.{secrets.token_hex(8)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(temporary, key_file)  # atomic, and fails if another process got there first
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    key = key_file.read_text().strip()
    if len(key) < MIN_KEY_CHARS:
        raise ValueError(f"the key file {key_file} holds a key shorter than {MIN_KEY_CHARS} characters: "
                         f"replace it, or set {setting_name}")
    return key.encode("utf-8")


def derive_key(master: bytes, purpose: str, salt: bytes = b"llm4gov") -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=purpose.encode()).derive(master)


def derive_fernet(master: bytes, purpose: str, salt: bytes = b"llm4gov") -> Fernet:
    return Fernet(base64.urlsafe_b64encode(derive_key(master, purpose, salt)))
