from __future__ import annotations

import threading
from pathlib import Path

import pytest

from shared.config import ServiceSettings, StorageSettings
from shared.storage import LocalObjectStore, ObjectNotFound, ObjectStore, S3ObjectStore, create_object_store


def _exercise(store: ObjectStore, tmp_path: Path) -> None:
    store.put_bytes("datasets/a/data.jsonl", b'{"x": 1}\n')
    store.put_json("adapters/t/1/manifest.json", {"version": 1, "nome": "ação"})
    assert store.get_bytes("datasets/a/data.jsonl") == b'{"x": 1}\n'
    assert store.get_json("adapters/t/1/manifest.json") == {"version": 1, "nome": "ação"}
    assert store.exists("datasets/a/data.jsonl")
    assert not store.exists("datasets/a/missing")
    assert store.list("adapters/") == ["adapters/t/1/manifest.json"]
    assert store.list() == ["adapters/t/1/manifest.json", "datasets/a/data.jsonl"]
    with pytest.raises(ObjectNotFound):
        store.get_bytes("nope/nothing")
    # overwrite replaces the whole object
    store.put_bytes("datasets/a/data.jsonl", b"new")
    assert store.get_bytes("datasets/a/data.jsonl") == b"new"
    # directories round-trip
    src = tmp_path / "adapter"
    (src / "sub").mkdir(parents=True)
    (src / "adapter_model.safetensors").write_bytes(b"\x00" * 1000)
    (src / "sub" / "config.json").write_text("{}")
    keys = store.upload_dir(src, "adapters/t/2")
    assert keys == ["adapters/t/2/adapter_model.safetensors", "adapters/t/2/sub/config.json"]
    out = tmp_path / "down"
    store.download_prefix("adapters/t/2", out)
    assert (out / "adapter_model.safetensors").read_bytes() == b"\x00" * 1000
    assert (out / "sub" / "config.json").read_text() == "{}"
    store.delete("datasets/a/data.jsonl")
    store.delete("datasets/a/data.jsonl")  # idempotent
    assert not store.exists("datasets/a/data.jsonl")
    store.check()


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "a/./b", "..", "a\\b", "a/b c"])
def test_invalid_keys_are_refused(tmp_path: Path, key: str) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    with pytest.raises(ValueError):
        store.put_bytes(key, b"x")


def test_local_store(tmp_path: Path) -> None:
    _exercise(LocalObjectStore(tmp_path / "objects"), tmp_path)


def test_local_writes_are_atomic_under_concurrent_readers(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    a, b = b"a" * 200_000, b"b" * 200_000
    store.put_bytes("k/v", a)
    seen: set[bytes] = set()
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            data = store.get_bytes("k/v")
            seen.add(data[:1] + data[-1:])

    t = threading.Thread(target=reader)
    t.start()
    for i in range(200):
        store.put_bytes("k/v", a if i % 2 else b)
    stop.set()
    t.join()
    assert seen <= {b"aa", b"bb"}
    assert not [p for p in (tmp_path / "objects" / "k").iterdir() if p.name.startswith(".tmp-")]


def test_s3_store_against_real_server(s3_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = s3_server.client()
    client.create_bucket(Bucket="llm4gov-storage-test")
    _exercise(S3ObjectStore("llm4gov-storage-test", "tenant-a", client), tmp_path)
    # the prefix isolates stores sharing a bucket
    other = S3ObjectStore("llm4gov-storage-test", "tenant-b", client)
    assert other.list() == []


def test_s3_wrong_credentials_fail(s3_server) -> None:  # type: ignore[no-untyped-def]
    settings = ServiceSettings(storage=StorageSettings(
        backend="s3", s3_bucket="llm4gov-storage-test", s3_endpoint_url=s3_server.endpoint_url,
        s3_access_key_id="wrong", s3_secret_access_key="wrong"))
    store = create_object_store(settings)
    with pytest.raises(Exception):
        store.check()


def test_factory_builds_configured_backend(s3_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s3_server.client().create_bucket(Bucket="llm4gov-factory")
    settings = ServiceSettings(storage=StorageSettings(
        backend="s3", s3_bucket="llm4gov-factory", s3_endpoint_url=s3_server.endpoint_url,
        s3_access_key_id=s3_server.access_key, s3_secret_access_key=s3_server.secret_key))
    store = create_object_store(settings)
    store.put_bytes("x/y", b"1")
    assert store.get_bytes("x/y") == b"1"
    assert isinstance(create_object_store(ServiceSettings(data_dir=tmp_path)), LocalObjectStore)


def test_s3_backend_needs_bucket() -> None:
    with pytest.raises(ValueError):
        StorageSettings(backend="s3")
