"""Object storage: one interface, a local-directory backend (default) and an S3 backend (boto3).

Keys are relative, '/'-separated paths such as `adapters/severity/3/manifest.json`. Writes are
atomic: a reader sees the old object or the new one, never a partial file (local: write to a
temporary file then rename; S3: a PUT is atomic).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Iterator

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

from shared.config import ServiceSettings

_SEGMENT = re.compile(r"^[A-Za-z0-9@=+,._-]+$")


class ObjectNotFound(KeyError):
    """No object under that key."""


def validate_key(key: str) -> str:
    """Refuse keys that could escape the store (absolute, `..`, backslashes, empty segments)."""
    parts = key.split("/")
    if not key or any(p in ("", ".", "..") or not _SEGMENT.match(p) for p in parts):
        raise ValueError(f"invalid object key {key!r}")
    return key


def validate_prefix(prefix: str) -> str:
    if prefix == "":
        return prefix
    validate_key(prefix.rstrip("/"))
    return prefix


class ObjectStore(ABC):
    """Minimal object-store API the platform needs."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None: ...

    @abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """All keys under `prefix`, sorted."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Delete a key; deleting a missing key is not an error."""

    @abstractmethod
    def upload_file(self, path: Path, key: str) -> None: ...

    @abstractmethod
    def download_file(self, key: str, path: Path) -> None: ...

    @abstractmethod
    def describe(self) -> str:
        """Where the store is, for readiness messages (no credentials)."""

    # Helpers built on the primitives -----------------------------------------------------------
    def put_json(self, key: str, value: Any) -> None:
        self.put_bytes(key, json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8"), "application/json")

    def get_json(self, key: str) -> Any:
        return json.loads(self.get_bytes(key))

    def upload_dir(self, local_dir: Path, prefix: str) -> list[str]:
        """Upload every file below `local_dir` under `prefix/`; returns the keys written."""
        keys = []
        for path in sorted(p for p in Path(local_dir).rglob("*") if p.is_file()):
            key = f"{prefix.rstrip('/')}/{path.relative_to(local_dir).as_posix()}"
            self.upload_file(path, key)
            keys.append(key)
        return keys

    def download_prefix(self, prefix: str, local_dir: Path) -> list[Path]:
        """Download every object under `prefix/` into `local_dir`, keeping relative paths."""
        base = prefix.rstrip("/") + "/"
        paths = []
        for key in self.list(base):
            target = Path(local_dir) / key[len(base):]
            target.parent.mkdir(parents=True, exist_ok=True)
            self.download_file(key, target)
            paths.append(target)
        return paths

    def check(self) -> None:
        """Raise if the store cannot be reached (used by /readyz)."""
        self.list("readyz-probe/")


class LocalObjectStore(ObjectStore):
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / validate_key(key)

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise ObjectNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _walk(self, prefix: str) -> Iterator[str]:
        for dirpath, _dirs, files in os.walk(self.root):
            for name in files:
                if name.startswith(".tmp-"):
                    continue
                key = Path(dirpath, name).relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    yield key

    def list(self, prefix: str = "") -> list[str]:
        return sorted(self._walk(validate_prefix(prefix)))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def upload_file(self, path: Path, key: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def download_file(self, key: str, path: Path) -> None:
        source = self._path(key)
        if not source.is_file():
            raise ObjectNotFound(key)
        shutil.copyfile(source, path)

    def describe(self) -> str:
        return f"file://{self.root}"


class S3ObjectStore(ObjectStore):
    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3.client("s3")

    def _key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                raise ObjectNotFound(key) from None
            raise

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def list(self, prefix: str = "") -> list[str]:
        full = self.prefix + validate_prefix(prefix)
        keys = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full):
            keys += [obj["Key"][len(self.prefix):] for obj in page.get("Contents", [])]
        return sorted(keys)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def upload_file(self, path: Path, key: str) -> None:
        self.client.upload_file(str(path), self.bucket, self._key(key))

    def download_file(self, key: str, path: Path) -> None:
        if not self.exists(key):
            raise ObjectNotFound(key)
        self.client.download_file(self.bucket, self._key(key), str(path))

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


def create_object_store(settings: ServiceSettings) -> ObjectStore:
    """The store configured by `LLM4GOV_STORAGE__*`."""
    cfg = settings.storage
    if cfg.backend == "local":
        return LocalObjectStore(settings.resolved_storage_root())
    client = boto3.client(
        "s3",
        endpoint_url=cfg.s3_endpoint_url,
        region_name=cfg.s3_region,
        aws_access_key_id=cfg.s3_access_key_id.get_secret_value() if cfg.s3_access_key_id else None,
        aws_secret_access_key=cfg.s3_secret_access_key.get_secret_value() if cfg.s3_secret_access_key else None,
        config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}),
    )
    assert cfg.s3_bucket is not None
    return S3ObjectStore(cfg.s3_bucket, cfg.s3_prefix, client)
