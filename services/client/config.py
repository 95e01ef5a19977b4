"""Where the client finds the services and its API key.

Each setting comes from, in order: the command-line flag, the environment variable, the client
configuration file (`LLM4GOV_CLIENT_CONFIG`, else `~/.config/llm4gov/client.yaml`), the default.
The defaults are the local platform of `llm4gov up` (services.platform.DEFAULT_PORTS); with no key
anywhere, the key `llm4gov up` wrote to `./.llm4gov/local-admin.key` is used when it exists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from services.client.http import EXIT_USAGE, CliError
from services.platform import DEFAULT_PORTS

SERVICES = ("teacher", "trainer", "inference")
DEFAULT_URLS = {name: f"http://127.0.0.1:{DEFAULT_PORTS[name]}" for name in SERVICES}
CONFIG_ENV = "LLM4GOV_CLIENT_CONFIG"
URL_ENV = {name: f"LLM4GOV_{name.upper()}_URL" for name in SERVICES}
KEY_ENV = "LLM4GOV_API_KEY"
LOCAL_KEY_FILE = Path(".llm4gov") / "local-admin.key"
_KNOWN_FIELDS = {"teacher_url", "trainer_url", "inference_url", "api_key", "api_key_file", "timeout_s"}


def default_config_path() -> Path:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "llm4gov" / "client.yaml"


def load_config_file(path: Path | None = None) -> dict[str, Any]:
    """The configuration file's fields ({} if there is none; exit 2 if it is broken)."""
    explicit = path is not None or bool(os.environ.get(CONFIG_ENV))
    path = path or default_config_path()
    if not path.is_file():
        if explicit:
            raise CliError(EXIT_USAGE, f"client configuration file {path} does not exist")
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CliError(EXIT_USAGE, f"cannot read client configuration {path}: {type(exc).__name__}") from None
    if not isinstance(raw, dict):
        raise CliError(EXIT_USAGE, f"client configuration {path} must be a mapping (key: value lines)")
    raw = {str(k).replace("-", "_"): v for k, v in raw.items()}
    unknown = sorted(set(raw) - _KNOWN_FIELDS)
    if unknown:
        raise CliError(EXIT_USAGE, f"client configuration {path}: unknown fields {unknown}; "
                                   f"known: {sorted(_KNOWN_FIELDS)}")
    raw["_path"] = path
    return raw


@dataclass(frozen=True)
class ClientSettings:
    urls: dict[str, str]
    api_key: str | None
    timeout_s: float = 60.0

    def url(self, service: str) -> str:
        return self.urls[service]


def resolve_settings(*, teacher_url: str | None = None, trainer_url: str | None = None,
                     inference_url: str | None = None, api_key: str | None = None) -> ClientSettings:
    """Flags (and, through typer, environment variables) first, then the file, then the defaults."""
    file = load_config_file()
    flags = {"teacher": teacher_url, "trainer": trainer_url, "inference": inference_url}
    urls = {}
    for name in SERVICES:
        value = flags[name] or os.environ.get(URL_ENV[name]) or file.get(f"{name}_url") or DEFAULT_URLS[name]
        value = str(value).strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise CliError(EXIT_USAGE, f"the {name} URL must start with http:// or https:// (got {value!r})")
        urls[name] = value
    key = api_key or os.environ.get(KEY_ENV) or file.get("api_key")
    if not key and file.get("api_key_file"):
        key_path = Path(str(file["api_key_file"])).expanduser()
        try:
            key = key_path.read_text(encoding="utf-8").strip()
        except OSError:
            raise CliError(EXIT_USAGE, f"cannot read api_key_file {key_path}") from None
    if not key and LOCAL_KEY_FILE.is_file():
        try:
            key = LOCAL_KEY_FILE.read_text(encoding="utf-8").strip()
        except OSError:
            key = None
    timeout = file.get("timeout_s", 60.0)
    try:
        timeout = float(timeout)
    except (TypeError, ValueError):
        raise CliError(EXIT_USAGE, "timeout_s in the client configuration must be a number") from None
    return ClientSettings(urls=urls, api_key=str(key) if key else None, timeout_s=timeout)
