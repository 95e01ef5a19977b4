"""`llm4gov files|label|train|adapters|classify`: the command-line client, run for real (typer's CliRunner on
`services.cli.app`, and once as `python -m services.cli`) against real services on 127.0.0.1:

* a real teacher with a real anonymizer and the fake teacher LLM (tests/fakes/teacher_server.py);
* a real trainer training a tiny random Llama built at test time (real training processes);
* `classify`: the live inference service needs vLLM and minutes to start, so it is not run here
  (tests/integration/inference covers /v1/classify itself). The client's argument handling and
  batching are checked against `classify_stand_in` below — a STAND-IN, not the inference service:
  a ~20-line FastAPI app that validates requests with the inference service's own request model and
  refuses, with the classifier's wording, more documents than its limit. A live check runs only when
  LLM4GOV_TEST_INFERENCE_URL and LLM4GOV_TEST_INFERENCE_KEY name a running service with a task.

Exit codes checked: 0 success, 1 job ended paused (anonymizer down), 2 usage / HTTP 4xx, 3 unreachable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from services.cli import app
from tests.fakes.teacher_server import serve_fake_teacher
from tests.integration.anonymizer.conftest import Anonymizer, start_anonymizer
from tests.integration.teacher.conftest import (FAKE_ENDPOINT, INSTRUCTION, STRUCTURE, TEACHER_KEY, Teacher,
                                                canary_records, running_teacher, sent_texts)
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--poll-interval", "0.2"]


# -- running the CLI ----------------------------------------------------------------------------------
def cli(*args: str, env: dict[str, str] | None = None) -> Any:
    """Invoke `llm4gov ARGS` in-process; stdout and stderr are kept apart."""
    result = CliRunner().invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)
    return result


def out_json(result: Any) -> Any:
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


@pytest.fixture(autouse=True)
def _isolated_client_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user configuration, no LLM4GOV_* client variables, and no ./.llm4gov key get in."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for name in ("LLM4GOV_CLIENT_CONFIG", "LLM4GOV_API_KEY", "LLM4GOV_TEACHER_URL", "LLM4GOV_TRAINER_URL",
                 "LLM4GOV_INFERENCE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def read_jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# -- teacher ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def anonymizer_service(tmp_path_factory: pytest.TempPathFactory, analyzer) -> Iterator[Anonymizer]:  # type: ignore[no-untyped-def]
    yield from start_anonymizer(tmp_path_factory.mktemp("anon"), analyzer)


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as patch, serve_fake_teacher() as fake:
        patch.setenv("OPENAI_API_KEY", TEACHER_KEY)  # the fake endpoint's api_key_env
        yield fake


@pytest.fixture(scope="module")
def teacher(tmp_path_factory: pytest.TempPathFactory, anonymizer_service: Anonymizer, fake_llm: Any
            ) -> Iterator[Teacher]:
    with running_teacher(tmp_path_factory.mktemp("teacher"), anonymizer_service.url,
                         anonymizer_service.keys["anonymize"], fake_url=fake_llm.url) as teacher:
        yield teacher


def teacher_args(teacher: Teacher, role: str = "label") -> list[str]:
    return ["--teacher-url", teacher.url, "--api-key", teacher.keys[role]]


@pytest.fixture
def task_file(tmp_path: Path) -> Path:
    path = tmp_path / "task.json"
    path.write_text(json.dumps({"name": "severity", "structure_example": STRUCTURE, "instruction": INSTRUCTION}),
                    encoding="utf-8")
    return path


def test_upload_label_wait_and_results(teacher: Teacher, fake_llm: Any, tmp_path: Path, task_file: Path) -> None:
    records, canaries = canary_records(6, seed=41)
    data = write_jsonl(tmp_path / "ouvidoria.jsonl", records)
    conn = teacher_args(teacher)

    uploaded = cli("files", "upload", data, "--purpose", "labeling", "--json", *conn)
    assert uploaded.exit_code == 0, uploaded.stderr
    meta = out_json(uploaded)
    assert meta["id"].startswith("file-") and meta["records"] == 6 and meta["filename"] == "ouvidoria.jsonl"
    file_id = meta["id"]

    listed = cli("files", "list", *conn)
    assert listed.exit_code == 0 and file_id in listed.stdout and "ouvidoria.jsonl" in listed.stdout
    shown = cli("files", "show", file_id, *conn)
    assert shown.exit_code == 0 and "records" in shown.stdout and "labeling" in shown.stdout
    copy = tmp_path / "copy.jsonl"
    downloaded = cli("files", "download", file_id, "-o", copy, *conn)
    assert downloaded.exit_code == 0, downloaded.stderr
    assert [r["user_prompt"] for r in read_jsonl(copy.read_text(encoding="utf-8"))] == \
        [r["user_prompt"] for r in records]

    labeled_path = tmp_path / "labeled.jsonl"
    started = cli("label", "start", "--task", task_file, "--file-id", file_id, "--endpoint", FAKE_ENDPOINT,
                  "--model", "fake-teacher", "--wait", "--json", "-o", labeled_path, *FAST, *conn)
    assert started.exit_code == 0, started.stderr
    job = out_json(started)
    assert job["state"] == "succeeded" and job["progress"]["done"] == 6 and job["task"] == "severity"
    labeled = read_jsonl(labeled_path.read_text(encoding="utf-8"))
    assert len(labeled) == 6
    assert all(r["teacher_output"]["severity_level"] in ("BAIXA", "MEDIA", "ALTA", "CRITICA") for r in labeled)
    assert not any(c in sent_texts(fake_llm) for c in canaries)  # anonymized before the teacher LLM

    status = cli("label", "status", job["id"], *conn)
    assert status.exit_code == 0 and "succeeded" in status.stdout and "6/6 done" in status.stdout
    results = cli("label", "results", job["id"], *conn)
    assert results.exit_code == 0 and len(read_jsonl(results.stdout)) == 6
    events = cli("label", "events", job["id"], "--json", *conn)
    assert events.exit_code == 0 and out_json(events)["data"]
    jobs = cli("label", "list", *conn)
    assert jobs.exit_code == 0 and job["id"] in jobs.stdout

    # --file uploads first; without --wait the job id is printed, and `status --wait` follows it
    started = cli("label", "start", "--task", task_file, "--file", data, "--endpoint", FAKE_ENDPOINT,
                  "--model", "fake-teacher", *conn)
    assert started.exit_code == 0, started.stderr
    job_id = started.stdout.strip()
    assert "uploaded ouvidoria.jsonl as file-" in started.stderr
    followed = cli("label", "status", job_id, "--wait", "--json", *FAST, *conn)
    assert followed.exit_code == 0, followed.stderr
    assert out_json(followed)["state"] == "succeeded"

    deleted = cli("files", "delete", file_id, *conn)
    assert deleted.exit_code == 0 and f"deleted {file_id}" in deleted.stdout
    gone = cli("files", "show", file_id, *conn)
    assert gone.exit_code == 2 and "HTTP 404" in gone.stderr


def test_usage_and_http_4xx_errors_exit_2(teacher: Teacher, tmp_path: Path, task_file: Path) -> None:
    conn = teacher_args(teacher)
    label = ["label", "start", "--endpoint", FAKE_ENDPOINT, "--model", "fake-teacher"]
    # an unknown file id: the server's 404, with its problem detail
    unknown = cli(*label, "--task", task_file, "--file-id", "file-" + "0" * 32, *conn)
    assert unknown.exit_code == 2
    assert "HTTP 404" in unknown.stderr and "file-" + "0" * 32 in unknown.stderr
    # a task file that is not JSON, or names no task
    broken = tmp_path / "broken.json"
    broken.write_text("{\"name\": \"x\",", encoding="utf-8")
    bad = cli(*label, "--task", broken, "--file-id", "file-" + "0" * 32, *conn)
    assert bad.exit_code == 2 and "not valid JSON" in bad.stderr
    bare = tmp_path / "structure_example.json"
    bare.write_text(json.dumps(STRUCTURE), encoding="utf-8")
    nameless = cli(*label, "--task", bare, "--file-id", "file-" + "0" * 32, *conn)
    assert nameless.exit_code == 2 and "--task-name" in nameless.stderr
    # neither --file-id nor --file; a missing required option (typer's own usage error)
    assert cli(*label, "--task", task_file, *conn).exit_code == 2
    assert cli("label", "start", "--task", task_file, *conn).exit_code == 2
    # the server's 422 for a file that is not JSONL: its detail (line numbers) is shown
    junk = tmp_path / "junk.jsonl"
    junk.write_text("not json\n", encoding="utf-8")
    refused = cli("files", "upload", junk, "--purpose", "labeling", *conn)
    assert refused.exit_code == 2 and "HTTP 422" in refused.stderr and "1" in refused.stderr
    # a task spec the server refuses (a structure example that is not an object of fields)
    invalid = tmp_path / "invalid_task.json"
    invalid.write_text(json.dumps({"name": "severity", "structure_example": {"a": {"b": []}}}), encoding="utf-8")
    rejected = cli(*label, "--task", invalid, "--file-id", "file-" + "0" * 32, *conn)
    assert rejected.exit_code == 2 and "HTTP 4" in rejected.stderr
    # a wrong API key: 401, with a hint where keys come from
    denied = cli("files", "list", "--teacher-url", teacher.url, "--api-key", "sk-wrong")
    assert denied.exit_code == 2 and "HTTP 401" in denied.stderr and "--api-key" in denied.stderr
    # the seed-style `label` still insists on its --config, and refuses it mixed with a subcommand
    assert cli("label", "--resume", "abc").exit_code == 2
    assert cli("label", "--config", task_file, "status", "x").exit_code == 2


def test_unreachable_server_exits_3_and_config_sources(teacher: Teacher, tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    result = cli("files", "list", "--teacher-url", down, "--api-key", "sk-x")
    assert result.exit_code == 3 and "unreachable" in result.stderr and down in result.stderr
    # the environment variable names the URL
    env_result = cli("label", "status", "some-job", env={"LLM4GOV_TEACHER_URL": down, "LLM4GOV_API_KEY": "sk-x"})
    assert env_result.exit_code == 3 and down in env_result.stderr
    # the client configuration file: URL and key, no flags
    config = tmp_path / "client.yaml"
    config.write_text(f"teacher_url: {teacher.url}\napi_key: {teacher.keys['label']}\n", encoding="utf-8")
    configured = cli("files", "list", "--json", env={"LLM4GOV_CLIENT_CONFIG": str(config)})
    assert configured.exit_code == 0, configured.stderr
    assert out_json(configured)["object"] == "list"
    # flags beat the file
    overridden = cli("files", "list", "--teacher-url", down, env={"LLM4GOV_CLIENT_CONFIG": str(config)})
    assert overridden.exit_code == 3
    # a broken configuration file is a usage error
    config.write_text("teacher_url: [\n", encoding="utf-8")
    assert cli("files", "list", env={"LLM4GOV_CLIENT_CONFIG": str(config)}).exit_code == 2
    # the installed entry point, as a real process
    done = subprocess.run([sys.executable, "-m", "services.cli", "train", "status", "x", "--trainer-url", down],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert done.returncode == 3, done.stdout + done.stderr
    assert "trainer at" in done.stderr and "unreachable" in done.stderr


def test_a_job_that_pauses_exits_1(anonymizer_service: Anonymizer, fake_llm: Any, tmp_path: Path,
                                   task_file: Path) -> None:
    records, _ = canary_records(3, seed=42)
    data = write_jsonl(tmp_path / "data.jsonl", records)
    # the teacher's anonymizer is unreachable: fail closed, the job pauses
    with running_teacher(tmp_path / "t", f"http://127.0.0.1:{free_port()}", anonymizer_service.keys["anonymize"],
                         fake_url=fake_llm.url) as teacher:
        conn = teacher_args(teacher)
        result = cli("label", "start", "--task", task_file, "--file", data, "--endpoint", FAKE_ENDPOINT,
                     "--model", "fake-teacher", "--wait", "--json", *FAST, *conn)
        assert result.exit_code == 1, result.stdout + result.stderr
        job = out_json(result)
        assert job["state"] == "paused" and "anonymizer unavailable" in job["reason"]
        assert "paused" in result.stderr
        status = cli("label", "status", job["id"], *conn)
        assert status.exit_code == 1 and "paused" in status.stdout
        cancelled = cli("label", "cancel", job["id"], *conn)
        assert cancelled.exit_code == 0 and "cancelled" in cancelled.stdout
        assert cli("label", "status", job["id"], *conn).exit_code == 1


# -- trainer ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("torch")
    from tests.integration.trainer.conftest import build_tiny_base

    return build_tiny_base(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def trainer(tmp_path_factory: pytest.TempPathFactory, tiny_base: Path) -> Iterator[Any]:
    from tests.integration.trainer.conftest import start_trainer_with_base

    yield from start_trainer_with_base(tmp_path_factory.mktemp("trainer"), tiny_base)


def test_fine_tune_file_train_wait_events_and_adapters(trainer: Any, tmp_path: Path) -> None:
    from tests.integration.trainer.conftest import STRUCTURE as TRAIN_STRUCTURE, TASK, labeled_records

    conn = ["--trainer-url", trainer.url, "--api-key", trainer.keys["train"]]
    task = tmp_path / "task.json"
    task.write_text(json.dumps({"name": "severity", "structure_example": TRAIN_STRUCTURE,
                                "instruction": TASK.instruction}), encoding="utf-8")
    labeled = write_jsonl(tmp_path / "labeled.jsonl", labeled_records(20))
    uploaded = cli("files", "upload", labeled, "--purpose", "fine-tune", "--task", task, "--json", *conn)
    assert uploaded.exit_code == 0, uploaded.stderr
    meta = out_json(uploaded)
    assert meta["labeled_records"] == 20 and meta["task"] == "severity"
    shown = cli("files", "show", meta["id"], "--service", "trainer", *conn)
    assert shown.exit_code == 0 and "fine-tune" in shown.stdout

    hp = tmp_path / "hp.json"
    hp.write_text(json.dumps({"r": 4, "alpha": 8, "save_steps": 2, "eval_max_new_tokens": 16}), encoding="utf-8")
    base = ["train", "start", "--base-model", "tiny-llama", "--hyperparameters", hp, "--max-steps", "4",
            "--batch-size", "4", "--learning-rate", "1e-3", "--promote", "never"]
    started = cli(*base, "--file-id", meta["id"], "--wait", "--json", "--poll-interval", "0.3", *conn)
    assert started.exit_code == 0, started.stdout + started.stderr
    job = out_json(started)
    assert job["status"] == "succeeded" and job["fine_tuned_model"] == "severity@1"
    assert job["hyperparameters"]["r"] == 4 and job["hyperparameters"]["max_steps"] == 4
    assert job["progress"]["step"] == 4 and not job["adapter"]["promoted"]

    status = cli("train", "status", job["id"], *conn)
    assert status.exit_code == 0 and "succeeded" in status.stdout and "severity@1" in status.stdout
    events = cli("train", "events", job["id"], *conn)
    assert events.exit_code == 0
    assert "train.log" in events.stdout and "state.succeeded" in events.stdout and "loss=" in events.stdout
    listed = cli("train", "list", *conn)
    assert listed.exit_code == 0 and job["id"] in listed.stdout

    adapters = cli("adapters", "list", "--json", *conn)
    assert adapters.exit_code == 0
    assert {"task": "severity", "promoted": None, "versions": 1} in out_json(adapters)["data"]
    promoted = cli("adapters", "promote", "severity", "1", *conn)
    assert promoted.exit_code == 0 and "version 1 promoted" in promoted.stdout
    assert out_json(cli("adapters", "list", "--json", *conn))["data"][0]["promoted"] == "1"
    shown = cli("adapters", "show", "severity", *conn)
    assert shown.exit_code == 0 and "severity@1" in shown.stdout and "promoted" in shown.stdout
    # refusals: no earlier promoted version to roll back to (409), unknown version and job (404)
    rolled = cli("adapters", "rollback", "severity", *conn)
    assert rolled.exit_code == 2 and "HTTP 409" in rolled.stderr
    unknown = cli("adapters", "promote", "severity", "9", *conn)
    assert unknown.exit_code == 2 and "HTTP 404" in unknown.stderr
    missing = cli("train", "status", "00000000-0000-0000-0000-000000000000", *conn)
    assert missing.exit_code == 2 and "HTTP 404" in missing.stderr
    both = cli(*base, "--file-id", meta["id"], "--labeling-job", "00000000-0000-0000-0000-000000000000", *conn)
    assert both.exit_code == 2

# `llm4gov classify` runs against the real inference service in tests/integration/inference/test_serving.py.
