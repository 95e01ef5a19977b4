"""The vLLM engine killed under a stream of /v1/classify calls, and the anonymizer killed under a
labeling job."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.anonymizer.settings import AnonymizerOptions, AnonymizerSettings
from services.trainer.executors import settings_env
from shared.auth import generate_api_key, hash_api_key
from shared.config import ApiKeyEntry
from shared.processes import free_port
from tests.fakes.teacher_server import serve_fake_teacher
from services.teacher.app import create_app as create_teacher_app
from tests.integration.teacher.conftest import TEACHER_KEY, Teacher, canary_records, job_request, sent_texts, \
    teacher_settings
from tests.servers import serve_app, service_process

HANG_S = 90  # a call without an answer after this long counts as hung


def test_engine_kill_under_a_classify_stream(request: pytest.FixtureRequest) -> None:
    pytest.importorskip("vllm", reason="needs vLLM (extra inference-cpu)")
    from tests.integration.inference.conftest import SEVERITY, documents, engine_pids

    inference = request.getfixturevalue("inference")
    version = inference.publish(SEVERITY, seed=3)
    inference.registry.promote("severity", version, actor="chaos", force=True)
    inference.wait_serving("severity", version, timeout_s=120)
    outcomes: list[dict[str, Any]] = []
    stop = threading.Event()

    def stream(worker: int) -> None:
        with inference.client() as client:
            n = 0
            while not stop.is_set():
                n += 1
                started = time.monotonic()
                try:
                    r = client.post("/v1/classify", json={"task": "severity", "documents": documents(2, seed=worker)},
                                    timeout=HANG_S)
                    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
                    outcomes.append({"at": started, "took": time.monotonic() - started, "status": r.status_code,
                                     "retry_after": r.headers.get("retry-after"),
                                     "version": body.get("adapter_version"),
                                     "errors": [x.get("error") for x in body.get("results", [])],
                                     "detail": None if r.status_code == 200 else r.text[:300]})
                except httpx.TimeoutException:
                    outcomes.append({"at": started, "took": time.monotonic() - started, "status": "hung"})
                time.sleep(0.2)

    threads = [threading.Thread(target=stream, args=(i,), daemon=True) for i in range(3)]
    for t in threads:
        t.start()
    time.sleep(3)
    (engine,) = engine_pids(inference.process.pid)
    killed_at = time.monotonic()
    os.kill(engine, signal.SIGKILL)
    deadline = killed_at + 240
    recovered_at = None
    while time.monotonic() < deadline and recovered_at is None:
        time.sleep(0.5)
        recovered_at = next((o["at"] + o["took"] for o in list(outcomes) if o["at"] > killed_at
                             and o["status"] == 200 and all(e is None for e in o["errors"])), None)
    time.sleep(3)  # a few more answers after the recovery
    stop.set()
    for t in threads:
        t.join(HANG_S + 10)
    assert recovered_at is not None, inference.log_path.read_text()[-3000:]
    recovery_s = recovered_at - killed_at
    hung = [o for o in outcomes if o["status"] == "hung"]
    print(f"\nengine kill: answering again after {recovery_s:.1f} s; {len(outcomes)} calls, "
          f"{sum(o['status'] == 503 for o in outcomes)} answered 503 "
          f"({sum(o['status'] == 503 and o['retry_after'] is not None for o in outcomes)} with Retry-After), "
          f"{len(hung)} hung; 503 bodies: {sorted({o['detail'] for o in outcomes if o['status'] == 503})}")
    assert not hung, hung
    for o in outcomes:
        assert o["status"] in (200, 503), o
        if o["status"] == 200 and not any(o["errors"]):
            assert o["version"] == version, o  # never answered by another adapter version
    assert recovery_s <= 60, recovery_s
    without_header = [o for o in outcomes if o["status"] == 503 and o["retry_after"] is None]
    assert without_header == [], f"{len(without_header)} 503 answers without Retry-After"


def test_anonymizer_killed_mid_labeling_job_pauses_then_resumes(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", TEACHER_KEY)
    port = free_port()
    keys = {"anonymize": generate_api_key()}
    settings = AnonymizerSettings(data_dir=tmp_path / "anon", api_keys=[
        ApiKeyEntry(name="anonymize-client", sha256=hash_api_key(keys["anonymize"]), roles=["anonymize"])],
        anonymizer=AnonymizerOptions(secret_key="k" * 40, max_batch_items=16))
    env = settings_env(settings)
    records, canaries = canary_records(40, seed=9)
    with serve_fake_teacher(latency_s=0.3) as fake:
        with service_process("anonymizer", env, tmp_path / "anon1.log", port=port) as (anon_url, anon):
            teacher_cfg, teacher_keys = teacher_settings(tmp_path / "teacher", anon_url, keys["anonymize"],
                                                         fake_url=fake.url)
            stack = serve_app(create_teacher_app(teacher_cfg))
            teacher = Teacher(stack.__enter__(), teacher_keys, teacher_cfg)
            with teacher.client() as client:
                job_id = client.post("/v1/labeling-jobs", json=job_request(records, concurrency=2)).json()["id"]
                deadline = time.monotonic() + 120
                while (client.get(f"/v1/labeling-jobs/{job_id}").json()["progress"].get("done") or 0) < 4:
                    assert time.monotonic() < deadline, "the job never got going"
                    time.sleep(0.1)
                os.kill(anon.pid, signal.SIGKILL)
                anon.wait(timeout=10)
                job = teacher.wait(job_id, timeout_s=120)
        assert job["state"] == "paused" and "anonymizer" in job["reason"], job
        done_when_paused = job["progress"]["done"]
        assert done_when_paused < 40
        assert not any(c in sent_texts(fake) for c in canaries)  # nothing went out raw
        with service_process("anonymizer", env, tmp_path / "anon2.log", port=port):
            with teacher.client() as client:
                assert client.post(f"/v1/labeling-jobs/{job_id}/resume").status_code == 200
                job = teacher.wait(job_id, states=("succeeded", "failed"), timeout_s=180)
        stack.__exit__(None, None, None)
        assert job["state"] == "succeeded" and job["progress"]["done"] == 40, job
        assert not any(c in sent_texts(fake) for c in canaries)
