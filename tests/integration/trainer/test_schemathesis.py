"""Schemathesis over the trainer's whole OpenAPI schema: no generated request gets a 5xx."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.trainer.conftest import start_trainer, trainer_settings
from tests.servers import assert_no_server_errors


def test_no_server_errors(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    settings, keys = trainer_settings(tmp_path, tmp_path / "models", worker_enabled=False)
    for trainer in start_trainer(settings, keys):
        assert assert_no_server_errors(trainer.url, {"Authorization": f"Bearer {keys['train']}"}) >= 11
