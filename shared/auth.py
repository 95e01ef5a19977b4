"""Bearer API keys mapped to roles.

Keys are random tokens given to clients once (`llm4gov keys create`); configuration holds only their
SHA-256 digest, so a leaked config or Secret does not leak usable keys. `admin` implies every role.
`LLM4GOV_AUTH=off` switches authentication off for local single-user use; the service logs a warning.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import TypeAdapter

from shared.config import ApiKeyEntry, ServiceSettings
from shared.errors import Forbidden, Unauthorized

ROLES: frozenset[str] = frozenset({"anonymize", "deanonymize", "label", "train", "classify", "admin"})
KEY_PREFIX = "l4g_"

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer l4g_...`")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (safe to log and audit) and its roles."""

    name: str
    roles: frozenset[str]

    def has(self, role: str) -> bool:
        return "admin" in self.roles or role in self.roles

    def owns(self, owner: str) -> bool:
        """Whether this key may read or change what the key `owner` created: its own, anything with admin."""
        return owner == self.name or "admin" in self.roles

    def listing_owner(self) -> str | None:
        """The creator a listing is limited to for this key (None: everyone's, with admin)."""
        return None if "admin" in self.roles else self.name


LOCAL_PRINCIPAL = Principal(name="local", roles=frozenset({"admin"}))


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def load_key_entries(settings: ServiceSettings) -> list[ApiKeyEntry]:
    """Keys from settings plus the optional keys file; unknown roles are a configuration error."""
    entries = list(settings.api_keys)
    if settings.api_keys_file is not None:
        raw = yaml.safe_load(Path(settings.api_keys_file).read_text(encoding="utf-8")) or []
        if isinstance(raw, dict):
            raw = raw.get("keys", [])
        entries += TypeAdapter(list[ApiKeyEntry]).validate_python(raw)
    for entry in entries:
        unknown = set(entry.roles) - ROLES
        if unknown:
            raise ValueError(f"API key {entry.name!r} has unknown roles {sorted(unknown)}; known: {sorted(ROLES)}")
    return entries


class ApiKeyAuthenticator:
    """Resolves `Authorization: Bearer <key>` to a Principal."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.enabled = settings.auth == "on"
        self._by_digest = {e.sha256: Principal(e.name, frozenset(e.roles)) for e in load_key_entries(settings)}

    @property
    def key_count(self) -> int:
        return len(self._by_digest)

    def authenticate(self, token: str | None) -> Principal:
        if not self.enabled:
            return LOCAL_PRINCIPAL
        if not token:
            raise Unauthorized("Missing bearer API key.")
        digest = hash_api_key(token)
        for known, principal in self._by_digest.items():
            if hmac.compare_digest(known, digest):
                return principal
        raise Unauthorized("Invalid API key.")


def require_role(role: str) -> Callable[..., Principal]:
    """FastAPI dependency: the caller must hold `role` (or admin)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")

    def dependency(request: Request,
                   credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
        authenticator: ApiKeyAuthenticator = request.app.state.authenticator
        principal = authenticator.authenticate(credentials.credentials if credentials else None)
        if not principal.has(role):
            raise Forbidden(f"This action needs the '{role}' role.")
        request.state.principal = principal
        return principal

    return dependency


def authenticated(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    """FastAPI dependency: any valid key; the route checks the role its resource needs."""
    authenticator: ApiKeyAuthenticator = request.app.state.authenticator
    principal = authenticator.authenticate(credentials.credentials if credentials else None)
    request.state.principal = principal
    return principal


def key_entry_json(name: str, key: str, roles: list[str]) -> str:
    """The configuration entry (JSON) for a freshly generated key."""
    return json.dumps({"name": name, "sha256": hash_api_key(key), "roles": roles})
