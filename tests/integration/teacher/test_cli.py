"""`llm4gov label --config teacher_config.yaml` with the seed's config fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.fakes.teacher_server import serve_fake_teacher
from tests.integration.teacher.conftest import STRUCTURE, canary_records, sent_texts

ROOT = Path(__file__).resolve().parents[3]


def test_label_cli_with_seed_config(tmp_path: Path, anonymizer_service) -> None:  # type: ignore[no-untyped-def]
    records, canaries = canary_records(12, seed=31)
    (tmp_path / "input.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "structure_example.json").write_text(json.dumps(STRUCTURE), encoding="utf-8")
    with serve_fake_teacher(require_api_key="sk-from-config") as fake:
        config = {"model": "fake-teacher", "api_key": "sk-from-config", "base_url": fake.url,
                  "input_json": "input.json", "output_json": "out/labeled.json", "temperature": 0.2,
                  "num_workers": 4, "schema_example_path": "structure_example.json",
                  "schema_name": "Severidade", "schema_strict": True}
        (tmp_path / "teacher_config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        env = {**os.environ, "LLM4GOV_DATA_DIR": str(tmp_path / "data"),
               "LLM4GOV_TEACHER__ANONYMIZER_URL": anonymizer_service.url,
               "LLM4GOV_TEACHER__ANONYMIZER_API_KEY": anonymizer_service.keys["anonymize"]}
        env.pop("OPENAI_API_KEY", None)
        done = subprocess.run([sys.executable, "-m", "services.cli", "label", "--config",
                               str(tmp_path / "teacher_config.yaml")], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "succeeded: 12 labeled, 0 failed" in done.stdout
        assert not any(c in sent_texts(fake) for c in canaries)
        assert all(b["temperature"] == 0.2 for b in fake.bodies())
    labeled = json.loads((tmp_path / "out" / "labeled.json").read_text(encoding="utf-8"))
    assert len(labeled) == 12
    assert all(item["teacher_output"]["severity_level"] in ("BAIXA", "MEDIA", "ALTA", "CRITICA") for item in labeled)
    assert "sk-from-config" not in (tmp_path / "data" / "llm4gov.sqlite3").read_bytes().decode("latin-1")


def test_label_cli_rejects_a_bad_config(tmp_path: Path) -> None:
    (tmp_path / "teacher_config.yaml").write_text("model: x\nunknown_field: 1\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "services.cli", "label", "--config",
                           str(tmp_path / "teacher_config.yaml")], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0


def test_label_cli_starts_its_own_anonymizer(tmp_path: Path) -> None:
    records, canaries = canary_records(3, seed=32)
    (tmp_path / "input.json").write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "structure_example.json").write_text(json.dumps(STRUCTURE), encoding="utf-8")
    with serve_fake_teacher() as fake:
        config = {"model": "fake-teacher", "base_url": fake.url, "input_json": "input.json",
                  "output_json": "labeled.json", "schema_example_path": "structure_example.json"}
        (tmp_path / "teacher_config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        env = {**os.environ, "LLM4GOV_DATA_DIR": str(tmp_path / "data"), "OPENAI_API_KEY": "sk-env"}
        env.pop("LLM4GOV_TEACHER__ANONYMIZER_URL", None)
        done = subprocess.run([sys.executable, "-m", "services.cli", "label", "--config",
                               str(tmp_path / "teacher_config.yaml")], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert not any(c in sent_texts(fake) for c in canaries)
    assert len(json.loads((tmp_path / "labeled.json").read_text(encoding="utf-8"))) == 3
