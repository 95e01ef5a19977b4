"""Service master keys: created once, whole and private; a short or empty key is never used."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.keys import load_master_key


def test_the_key_file_is_created_once_whole_and_private(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "service.key"
    with ThreadPoolExecutor(8) as pool:  # concurrent first starts all get the same key
        keys = set(pool.map(lambda _: load_master_key(None, key_file, "SETTING"), range(16)))
    assert len(keys) == 1 and len(keys.pop()) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["service.key"]  # no temporary file left


def test_a_short_or_empty_key_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "service.key"
    key_file.write_text("")  # what a crash of an older version could leave
    with pytest.raises(ValueError, match="shorter than 32"):
        load_master_key(None, key_file, "SETTING")
    with pytest.raises(ValueError, match="SETTING must be at least 32"):
        load_master_key("short", key_file, "SETTING")
    assert load_master_key("k" * 32, key_file, "SETTING") == b"k" * 32
