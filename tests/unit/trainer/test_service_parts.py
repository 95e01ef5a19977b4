"""Pieces of the trainer service that need no training: settings handed to a child process, the
dataset split, base-model resolution and its refusals."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from shared.base_models import BASE_MODELS_PREFIX, BaseModelResolver, upload_base_model
from services.trainer.datasets import split
from services.trainer.executors import settings_env
from services.trainer.settings import KubernetesOptions, TrainerOptions, TrainerSettings
from shared.config import ApiKeyEntry, StorageSettings
from shared.errors import Unprocessable
from shared.records import Record
from shared.storage import LocalObjectStore


def test_settings_survive_the_trip_through_a_child_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = TrainerSettings(
        data_dir=tmp_path, database_url="postgresql://u@h/db", auth="on",
        storage=StorageSettings(backend="s3", s3_bucket="b", s3_endpoint_url="http://127.0.0.1:9",
                                s3_secret_access_key=SecretStr("top-secret")),
        api_keys=[ApiKeyEntry(name="k", sha256="a" * 64, roles=["train"])],
        trainer=TrainerOptions(local_model_roots=[tmp_path / "m"], lease_s=33,
                               kubernetes=KubernetesOptions(node_selector={"pool": "gpu"})))
    env = settings_env(settings)
    assert env["LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY"] == "top-secret"
    for key in [k for k in os.environ if k.startswith("LLM4GOV_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    again = TrainerSettings()
    assert again.model_dump() == settings.model_dump()
    assert again.storage.s3_secret_access_key.get_secret_value() == "top-secret"  # type: ignore[union-attr]


def _records(n: int) -> list[Record]:
    return [Record(user_prompt=f"doc {i}", teacher_output={"x": str(i)}) for i in range(n)]


def test_split_is_seeded_disjoint_and_keeps_both_sides() -> None:
    train, held = split(_records(10), 0.2, seed=1)
    assert len(train) == 8 and len(held) == 2
    assert {r.user_prompt for r in train}.isdisjoint({r.user_prompt for r in held})
    assert split(_records(10), 0.2, seed=1) == (train, held)
    assert split(_records(10), 0.2, seed=2) != (train, held)
    assert [len(x) for x in split(_records(2), 0.5, seed=0)] == [1, 1]
    assert [len(x) for x in split(_records(1), 0.5, seed=0)] == [1, 0]
    assert [len(x) for x in split(_records(5), 0.0, seed=0)] == [5, 0]


def test_base_models_resolve_from_storage_or_an_allowed_root(tmp_path: Path) -> None:
    checkpoint = tmp_path / "roots" / "ckpt"
    checkpoint.mkdir(parents=True)
    (checkpoint / "config.json").write_text("{}")
    (checkpoint / "model.safetensors").write_bytes(b"weights")
    objects = LocalObjectStore(tmp_path / "objects")
    keys = upload_base_model(objects, "tiny", checkpoint)
    assert keys[-1] == f"{BASE_MODELS_PREFIX}/tiny/config.json"  # written last: readers see it complete
    resolver = BaseModelResolver(objects, tmp_path / "cache", [tmp_path / "roots"])
    assert resolver.names() == ["tiny"]
    local = resolver.resolve("tiny")
    assert (local / "model.safetensors").read_bytes() == b"weights" and resolver.resolve("tiny") == local
    assert resolver.resolve(str(checkpoint)) == checkpoint.resolve()
    for bad, needle in [("nope", "Unknown base model"), ("/etc", "outside"), (str(tmp_path / "roots"), "not a model"),
                        ("../x", "must be a model name"), (str(checkpoint) + "/../../objects", "outside")]:
        with pytest.raises(Unprocessable, match=needle):
            resolver.check(bad)
