"""Adapter versions and the per-task registry, in object storage (shared by trainer and inference).

Layout, under the configured store:

    adapters/<task>/<version>/...            PEFT files (adapter_config.json, adapter_model.safetensors)
    adapters/<task>/<version>/manifest.json  written last: a version exists once its manifest does
    adapters/<task>/registry.json            which version is promoted, and the history of changes

Versions are integers counted per task ("1", "2", ...). Inference loads `<task>@<version>`, a name
that is never reused. Writers (publish, promote, rollback) are serialized per task by a row lock in
the job-store database; the registry file itself is replaced by one atomic write (an S3 PUT, a
rename on the local backend), so a reader sees the old registry or the new one, never a mix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import String, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from shared.db import Base, UTCDateTime, utcnow
from shared.errors import Conflict, NotFound
from shared.prompts import PromptSpec
from shared.scoring import primary_score
from shared.storage import ObjectNotFound, ObjectStore

ADAPTERS_PREFIX = "adapters"
MANIFEST = "manifest.json"
REGISTRY = "registry.json"
_VERSION = re.compile(r"^[1-9][0-9]{0,8}$")


def adapter_name(task: str, version: str) -> str:
    """The serving name of an adapter version; unique forever, so no engine cache can go stale."""
    return f"{task}@{version}"


def adapter_prefix(task: str, version: str) -> str:
    return f"{ADAPTERS_PREFIX}/{task}/{version}"


class AdapterManifest(BaseModel):
    """Everything needed to serve, compare and reproduce one adapter version."""

    model_config = ConfigDict(extra="allow")

    task: str
    version: str
    base_model: str
    method: Literal["qlora", "lora"]
    #: The task (name, instruction, output schema, label fields) the adapter answers.
    task_spec: dict[str, Any]
    prompt: PromptSpec
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    #: Where the training data came from and its SHA-256, with split sizes.
    dataset: dict[str, Any] = Field(default_factory=dict)
    #: Validation metrics (see shared.scoring.score_outputs).
    metrics: dict[str, Any] = Field(default_factory=dict)
    training: dict[str, Any] = Field(default_factory=dict)
    files: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)


class RegistryEvent(BaseModel):
    action: Literal["promote", "rollback"]
    version: str
    previous: str | None
    actor: str
    at: datetime = Field(default_factory=utcnow)
    forced: bool = False


class RegistryState(BaseModel):
    task: str
    promoted: str | None = None
    #: Promoted versions, oldest first: rollback goes back one step.
    lineage: list[str] = Field(default_factory=list)
    history: list[RegistryEvent] = Field(default_factory=list)
    updated_at: datetime | None = None


class RegistryLockRow(Base):
    __tablename__ = "adapter_registry_locks"

    task: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdapterRegistry:
    """Publish adapter versions, read them, promote and roll back (every write under a task lock)."""

    def __init__(self, objects: ObjectStore, sessions: sessionmaker | None = None) -> None:
        """`sessions` (the job-store database) is needed only to write; readers such as inference
        replicas pass none."""
        self.objects = objects
        self._sessions = sessions

    # --- locking ----------------------------------------------------------------------------------
    @contextmanager
    def lock(self, task: str, holder: str = "") -> Iterator[None]:
        """Hold the task's registry lock for the duration of the block (row lock on PostgreSQL, the
        database write lock on SQLite); other writers of the same task wait."""
        try:
            with self._sessions.begin() as session:
                session.add(RegistryLockRow(task=task, holder=holder))
        except IntegrityError:
            pass  # the row exists already
        with self._sessions.begin() as session:
            session.execute(update(RegistryLockRow).where(RegistryLockRow.task == task)
                            .values(holder=holder[:128], locked_at=utcnow()))
            yield

    # --- reading ----------------------------------------------------------------------------------
    def tasks(self) -> list[str]:
        """Tasks with at least one published version."""
        names = {key.split("/")[1] for key in self.objects.list(f"{ADAPTERS_PREFIX}/")
                 if key.endswith(f"/{MANIFEST}") and key.count("/") == 3}
        return sorted(names)

    def versions(self, task: str) -> list[str]:
        """Published versions of `task` (those whose manifest exists), oldest first."""
        found = []
        for key in self.objects.list(f"{ADAPTERS_PREFIX}/{task}/"):
            parts = key.split("/")
            if len(parts) == 4 and parts[3] == MANIFEST and _VERSION.match(parts[2]):
                found.append(parts[2])
        return sorted(found, key=int)

    def manifest(self, task: str, version: str) -> AdapterManifest:
        if not _VERSION.match(version):
            raise NotFound(f"No version '{version}' of task '{task}'.")
        try:
            return AdapterManifest.model_validate(self.objects.get_json(f"{adapter_prefix(task, version)}/{MANIFEST}"))
        except ObjectNotFound:
            raise NotFound(f"No version '{version}' of task '{task}'.") from None

    def state(self, task: str) -> RegistryState:
        try:
            return RegistryState.model_validate(self.objects.get_json(f"{ADAPTERS_PREFIX}/{task}/{REGISTRY}"))
        except ObjectNotFound:
            return RegistryState(task=task)

    def download(self, task: str, version: str, target: Path) -> AdapterManifest:
        """Copy a version's files into `target` (for serving); returns its manifest."""
        manifest = self.manifest(task, version)
        self.objects.download_prefix(adapter_prefix(task, version), target)
        return manifest

    # --- writing ----------------------------------------------------------------------------------
    def publish(self, task: str, local_dir: Path, manifest: dict[str, Any], holder: str = "") -> AdapterManifest:
        """Upload a trained adapter as the task's next version; the manifest is written last, so a
        crash mid-upload leaves no visible version (its files are overwritten by the next publish)."""
        with self.lock(task, holder):
            existing = [int(v) for v in self.versions(task)]
            version = str(max(existing, default=0) + 1)
            prefix = adapter_prefix(task, version)
            for key in self.objects.list(prefix + "/"):  # leftovers of a publish that crashed
                self.objects.delete(key)
            files = [key[len(prefix) + 1:] for key in self.objects.upload_dir(local_dir, prefix)
                     if not key.endswith(f"/{MANIFEST}")]
            final = AdapterManifest.model_validate({**manifest, "task": task, "version": version, "files": files})
            self.objects.put_json(f"{prefix}/{MANIFEST}", final.model_dump(mode="json"))
            return final

    def promote(self, task: str, version: str, actor: str, force: bool = False) -> RegistryState:
        """Make `version` the one inference serves. Unless `force`, a version whose validation
        metrics are worse than the promoted one's is refused with 409."""
        with self.lock(task, actor):
            candidate = self.manifest(task, version)
            state = self.state(task)
            if state.promoted == version:
                return state
            if state.promoted is not None and not force:
                current = self.manifest(task, state.promoted)
                if primary_score(candidate.metrics) < primary_score(current.metrics):
                    raise Conflict(
                        f"Version {version} scores worse than the promoted version {state.promoted} "
                        f"(macro-F1, agreement {primary_score(candidate.metrics)} < "
                        f"{primary_score(current.metrics)}); pass force=true to promote it anyway.")
            event = RegistryEvent(action="promote", version=version, previous=state.promoted, actor=actor,
                                  forced=force)
            return self._write(state, version, [*state.lineage, version], event)

    def rollback(self, task: str, actor: str) -> RegistryState:
        """Serve the version promoted before the current one again; 409 when there is none."""
        with self.lock(task, actor):
            state = self.state(task)
            if len(state.lineage) < 2:
                raise Conflict(f"Task '{task}' has no earlier promoted version to roll back to.")
            lineage = state.lineage[:-1]
            target = lineage[-1]
            self.manifest(task, target)  # still published
            event = RegistryEvent(action="rollback", version=target, previous=state.promoted, actor=actor)
            return self._write(state, target, lineage, event)

    def _write(self, state: RegistryState, promoted: str, lineage: list[str], event: RegistryEvent) -> RegistryState:
        new = RegistryState(task=state.task, promoted=promoted, lineage=lineage[-100:],
                            history=[*state.history, event][-500:], updated_at=event.at)
        self.objects.put_json(f"{ADAPTERS_PREFIX}/{state.task}/{REGISTRY}", new.model_dump(mode="json"))
        return new
