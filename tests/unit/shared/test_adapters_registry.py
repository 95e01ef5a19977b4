"""Adapter registry: publish (versions, manifest last), promote with the if-better gate, rollback,
atomicity under concurrent writers and readers; local directory and a real S3 server."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from shared.adapters import AdapterRegistry, adapter_name
from shared.db import create_db_engine, init_db
from shared.errors import Conflict, NotFound
from shared.prompts import PromptSpec
from shared.storage import LocalObjectStore, ObjectStore, S3ObjectStore


def _adapter_dir(tmp_path: Path, tag: str) -> Path:
    path = tmp_path / f"adapter-{tag}"
    path.mkdir()
    (path / "adapter_config.json").write_text(json.dumps({"r": 8, "tag": tag}))
    (path / "adapter_model.safetensors").write_bytes(b"\0" * 64 + tag.encode())
    return path


def _manifest(macro_f1: float, agreement: float) -> dict:
    return {"base_model": "models/tiny", "method": "qlora", "task_spec": {"name": "severity"},
            "prompt": PromptSpec(instruction="Tarefa: severity.").model_dump(),
            "metrics": {"macro_f1": macro_f1, "agreement": agreement}}


@pytest.fixture(params=["local", "s3"])
def objects(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    server = request.getfixturevalue("s3_server")
    client = server.client()
    bucket = f"registry-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    client.create_bucket(Bucket=bucket)
    return S3ObjectStore(bucket, "platform", client)


@pytest.fixture
def registry(objects: ObjectStore, database_url: str) -> AdapterRegistry:
    return AdapterRegistry(objects, init_db(create_db_engine(database_url)))


def test_publish_allocates_versions_and_writes_manifest_last(registry: AdapterRegistry, tmp_path: Path) -> None:
    first = registry.publish("severity", _adapter_dir(tmp_path, "a"), _manifest(0.5, 0.6))
    second = registry.publish("severity", _adapter_dir(tmp_path, "b"), _manifest(0.6, 0.7))
    assert (first.version, second.version) == ("1", "2")
    assert registry.versions("severity") == ["1", "2"]
    assert registry.tasks() == ["severity"]
    assert sorted(second.files) == ["adapter_config.json", "adapter_model.safetensors"]
    read = registry.manifest("severity", "2")
    assert read.metrics == {"macro_f1": 0.6, "agreement": 0.7} and read.prompt.instruction == "Tarefa: severity."
    target = tmp_path / "served"
    registry.download("severity", "1", target)
    assert json.loads((target / "adapter_config.json").read_text())["tag"] == "a"
    assert adapter_name("severity", "2") == "severity@2"
    with pytest.raises(NotFound):
        registry.manifest("severity", "3")
    with pytest.raises(NotFound):
        registry.manifest("severity", "../1")


def test_files_without_manifest_are_not_a_version(registry: AdapterRegistry, tmp_path: Path) -> None:
    """A publish that crashed before its manifest leaves no visible version; the next one reuses the slot."""
    registry.objects.put_bytes("adapters/severity/1/adapter_model.safetensors", b"partial")
    assert registry.versions("severity") == []
    published = registry.publish("severity", _adapter_dir(tmp_path, "a"), _manifest(0.5, 0.5))
    assert published.version == "1"
    assert registry.objects.get_bytes("adapters/severity/1/adapter_model.safetensors").endswith(b"a")


def test_promote_gate_and_rollback(registry: AdapterRegistry, tmp_path: Path) -> None:
    for tag, f1 in (("a", 0.50), ("b", 0.70), ("c", 0.60)):
        registry.publish("severity", _adapter_dir(tmp_path, tag), _manifest(f1, f1))
    assert registry.state("severity").promoted is None
    assert registry.promote("severity", "1", "ops").promoted == "1"
    assert registry.promote("severity", "2", "ops").promoted == "2"
    with pytest.raises(Conflict, match="worse"):
        registry.promote("severity", "3", "ops")
    assert registry.state("severity").promoted == "2"  # the refusal changed nothing
    assert registry.promote("severity", "3", "ops", force=True).promoted == "3"
    state = registry.rollback("severity", "ops")
    assert state.promoted == "2" and state.lineage == ["1", "2"]
    assert registry.rollback("severity", "ops").promoted == "1"
    with pytest.raises(Conflict, match="no earlier"):
        registry.rollback("severity", "ops")
    history = registry.state("severity").history
    assert [(e.action, e.version, e.previous, e.forced) for e in history] == [
        ("promote", "1", None, False), ("promote", "2", "1", False), ("promote", "3", "2", True),
        ("rollback", "2", "3", False), ("rollback", "1", "2", False)]
    with pytest.raises(NotFound):
        registry.promote("severity", "9", "ops")


def test_concurrent_publishes_get_distinct_versions_and_readers_never_see_partial_state(
        registry: AdapterRegistry, tmp_path: Path) -> None:
    dirs = [_adapter_dir(tmp_path, str(i)) for i in range(6)]
    errors: list[BaseException] = []
    done = threading.Event()
    seen: set[str | None] = set()

    def reader() -> None:
        while not done.is_set():
            try:
                seen.add(registry.state("severity").promoted)
            except BaseException as exc:  # a torn registry file would fail to parse
                errors.append(exc)

    def writer(path: Path, score: float) -> None:
        try:
            version = registry.publish("severity", path, _manifest(score, score)).version
            registry.promote("severity", version, "ops", force=True)
        except BaseException as exc:
            errors.append(exc)

    watcher = threading.Thread(target=reader)
    watcher.start()
    writers = [threading.Thread(target=writer, args=(d, i / 10)) for i, d in enumerate(dirs)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    watcher.join()
    assert errors == []
    assert registry.versions("severity") == ["1", "2", "3", "4", "5", "6"]
    state = registry.state("severity")
    assert sorted(state.lineage, key=int) == ["1", "2", "3", "4", "5", "6"]
    assert state.promoted == state.lineage[-1]
    assert seen <= {None, "1", "2", "3", "4", "5", "6"}
