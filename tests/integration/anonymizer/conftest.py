"""A real anonymizer server on 127.0.0.1 with API keys for each role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from shared.auth import generate_api_key, hash_api_key
from shared.config import ApiKeyEntry
from services.anonymizer.app import create_app
from services.anonymizer.engine import PiiAnalyzer
from services.anonymizer.settings import AnonymizerOptions, AnonymizerSettings
from tests.servers import KeyedService, serve_app


@dataclass
class Anonymizer(KeyedService):
    settings: AnonymizerSettings

    default_role: ClassVar[str] = "anonymize"


def start_anonymizer(tmp: Path, analyzer: PiiAnalyzer, port: int | None = None, keys: dict[str, str] | None = None,
                     **options) -> Iterator[Anonymizer]:  # type: ignore[no-untyped-def]
    # "anonymize+deanonymize" is one key with both roles (a team that restores its own mappings)
    keys = keys or {role: generate_api_key() for role in ("anonymize", "deanonymize", "admin", "classify",
                                                          "anonymize+deanonymize")}
    settings = AnonymizerSettings(
        data_dir=tmp,
        api_keys=[ApiKeyEntry(name=f"{role.replace('+', '-')}-client", sha256=hash_api_key(k),
                              roles=role.split("+")) for role, k in keys.items()],
        anonymizer=AnonymizerOptions(max_text_chars=20_000, max_batch_items=16, secret_key="k" * 40, **options),
    )
    with serve_app(create_app(settings, analyzer=analyzer), port=port) as url:
        yield Anonymizer(url, keys, settings)


@pytest.fixture(scope="module")
def anonymizer(tmp_path_factory: pytest.TempPathFactory, analyzer: PiiAnalyzer) -> Iterator[Anonymizer]:
    yield from start_anonymizer(tmp_path_factory.mktemp("anonymizer"), analyzer)
