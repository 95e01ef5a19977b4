"""Settings shared by every service (pydantic-settings, `LLM4GOV_` environment variables).

Each service subclasses `ServiceSettings` with its own fields; nested settings use `__` in variable
names (e.g. `LLM4GOV_STORAGE__BACKEND=s3`). Embedded defaults need no external service: a SQLite file
and a local directory under `data_dir`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def secret_value(secret: SecretStr | None) -> str | None:
    """The clear text of an optional secret setting (None when it is not set)."""
    return secret.get_secret_value() if secret is not None else None


class StorageSettings(BaseModel):
    """Where datasets, adapters and manifests live."""

    backend: Literal["local", "s3"] = "local"
    #: Root directory of the local backend; defaults to `<data_dir>/objects`.
    root: Path | None = None
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    #: Explicit credentials; when unset boto3's usual chain (AWS_* env, IRSA, instance profile) applies.
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None

    @model_validator(mode="after")
    def _s3_needs_bucket(self) -> "StorageSettings":
        if self.backend == "s3" and not self.s3_bucket:
            raise ValueError("storage backend 's3' needs s3_bucket (LLM4GOV_STORAGE__S3_BUCKET)")
        return self


class ApiKeyEntry(BaseModel):
    """One API key, stored as the SHA-256 hex digest of the key (never the key itself)."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    roles: list[str] = Field(min_length=1)


class ServiceSettings(BaseSettings):
    """Settings every service understands."""

    model_config = SettingsConfigDict(
        env_prefix="LLM4GOV_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    data_dir: Path = Path("./.llm4gov")
    #: SQLAlchemy URL of the job store; defaults to a SQLite file in data_dir.
    database_url: str | None = None
    storage: StorageSettings = StorageSettings()

    #: "off" disables authentication entirely: local, single-user use only.
    auth: Literal["on", "off"] = "on"
    api_keys: list[ApiKeyEntry] = []
    #: A YAML/JSON file with a list of ApiKeyEntry (e.g. a mounted Kubernetes Secret).
    api_keys_file: Path | None = None

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "console"] = "json"
    #: Serve `/docs`, `/redoc` and `/openapi.json` (without a key). The Helm chart turns it off.
    api_docs: bool = True
    #: Requests with a larger body are refused with 413 before they are parsed.
    max_request_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    #: Largest dataset file `POST /v1/files` accepts (streamed to disk and object storage, not memory).
    files_max_bytes: int = Field(default=1024 ** 3, ge=1024)

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'llm4gov.sqlite3').resolve()}"

    def resolved_storage_root(self) -> Path:
        return (self.storage.root or self.data_dir / "objects").resolve()

    def scratch_dir(self, configured: Path | None, name: str) -> Path:
        """A service's scratch space: the configured directory, else `<data_dir>/<name>`."""
        return (configured or self.data_dir / name).resolve()

    def allowed_model_roots(self, configured: list[Path]) -> list[Path]:
        """Where a base model may be named by absolute path: the configured roots and `<data_dir>/models`
        (where `llm4gov models import` puts them)."""
        return [*configured, self.data_dir / "models"]
