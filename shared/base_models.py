"""Base-model checkpoints in object storage (`base-models/<name>/`) or under allowed local roots.

Shared by the trainer (a job's `base_model`) and inference (the model vLLM serves): both name a base
model the same way and get the same local checkpoint directory.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from shared.errors import Unprocessable
from shared.storage import ObjectStore

BASE_MODELS_PREFIX = "base-models"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
#: Files a directory must hold to be a loadable checkpoint.
_REQUIRED = ("config.json",)


def is_checkpoint(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in _REQUIRED)


class BaseModelResolver:
    """Turns a `base_model` name or path into a local checkpoint directory, or a clear 422.

    `name` -> object storage `base-models/<name>/`, downloaded once into `cache_dir/<name>`;
    an absolute path -> a checkpoint under one of `local_roots` (a job may not read arbitrary files)."""

    def __init__(self, objects: ObjectStore, cache_dir: Path, local_roots: list[Path]) -> None:
        self.objects = objects
        self.cache_dir = cache_dir
        self.local_roots = [r.resolve() for r in local_roots]

    def check(self, base_model: str) -> None:
        """Raise Unprocessable unless `base_model` names an available checkpoint (no download)."""
        if base_model.startswith("/"):
            self._local(base_model)
        elif not _NAME.match(base_model):
            raise Unprocessable("base_model must be a model name (see GET /v1/base-models) or an absolute path "
                                "under a configured model root.")
        elif not self.objects.exists(f"{BASE_MODELS_PREFIX}/{base_model}/config.json"):
            raise Unprocessable(f"Unknown base model '{base_model}': import it with "
                                f"`llm4gov models import NAME --upload` or upload it under {BASE_MODELS_PREFIX}/.")

    def names(self) -> list[str]:
        keys = self.objects.list(f"{BASE_MODELS_PREFIX}/")
        return sorted({k.split("/")[1] for k in keys if k.count("/") == 2 and k.endswith("/config.json")})

    def resolve(self, base_model: str) -> Path:
        """A local checkpoint directory for `base_model` (downloading it on first use)."""
        self.check(base_model)
        if base_model.startswith("/"):
            return self._local(base_model)
        target = self.cache_dir / base_model
        if is_checkpoint(target):
            return target
        scratch = Path(tempfile.mkdtemp(prefix=f".{base_model}-", dir=self._ensure_cache()))
        try:
            self.objects.download_prefix(f"{BASE_MODELS_PREFIX}/{base_model}", scratch)
            shutil.rmtree(target, ignore_errors=True)
            scratch.rename(target)  # complete or absent: a crash mid-download leaves only scratch
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return target

    def _ensure_cache(self) -> Path:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        return self.cache_dir

    def _local(self, base_model: str) -> Path:
        path = Path(base_model).resolve()
        if not any(path == root or root in path.parents for root in self.local_roots):
            raise Unprocessable("base_model path is outside the configured model roots "
                                "(LOCAL_MODEL_ROOTS in the service settings).")
        if not is_checkpoint(path):
            raise Unprocessable("base_model path is not a model checkpoint directory (no config.json).")
        return path


def upload_base_model(objects: ObjectStore, name: str, checkpoint: Path) -> list[str]:
    """Publish a checkpoint as `base-models/<name>/` (config.json last: readers see it complete)."""
    if not _NAME.match(name):
        raise ValueError(f"invalid model name {name!r}")
    prefix = f"{BASE_MODELS_PREFIX}/{name}"
    keys = []
    for path in sorted(p for p in checkpoint.rglob("*") if p.is_file() and p.name != "config.json"):
        keys.append(f"{prefix}/{path.relative_to(checkpoint).as_posix()}")
        objects.upload_file(path, keys[-1])
    objects.upload_file(checkpoint / "config.json", f"{prefix}/config.json")
    return [*keys, f"{prefix}/config.json"]
