"""Teacher service processes: kill -9 mid-job and restart; two replicas sharing one PostgreSQL job."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from shared.db import create_db_engine, init_db
from shared.jobstore import ItemState, JobStore
from tests.fakes.teacher_server import serve_fake_teacher
from tests.integration.teacher.conftest import NO_LLM_URL, TEACHER_KEY, canary_records, fake_endpoints, job_request
from tests.servers import free_port, service_process
from tests.waiting import wait_until


@contextmanager
def teacher_process(data_dir: Path, anonymizer, worker_id: str, database_url: str | None = None,  # type: ignore[no-untyped-def]
                    port: int | None = None, fake_url: str = NO_LLM_URL) -> Iterator[tuple[str, subprocess.Popen]]:
    env = {"LLM4GOV_AUTH": "off", "LLM4GOV_DATA_DIR": str(data_dir),
           "LLM4GOV_TEACHER__ANONYMIZER_URL": anonymizer.url,
           "LLM4GOV_TEACHER__ANONYMIZER_API_KEY": anonymizer.keys["anonymize"],
           "LLM4GOV_TEACHER__WORKER_ID": worker_id, "LLM4GOV_TEACHER__POLL_INTERVAL_S": "0.2",
           "LLM4GOV_TEACHER__SECRET_KEY": "s" * 40, "OPENAI_API_KEY": TEACHER_KEY,
           "LLM4GOV_TEACHER__ENDPOINTS": json.dumps(fake_endpoints(fake_url))}
    if database_url:
        env["LLM4GOV_DATABASE_URL"] = database_url
    with service_process("teacher", env, data_dir / f"{worker_id}-{port or 'any'}.log", port) as running:
        yield running


def _wait(url: str, job_id: str, states: tuple[str, ...], timeout_s: float = 120) -> dict:
    return wait_until(lambda: httpx.get(f"{url}/v1/labeling-jobs/{job_id}", timeout=10).json(),
                      lambda job: job["state"] in states, timeout_s, interval_s=0.1)


def _documents_sent(fake) -> collections.Counter:  # type: ignore[no-untyped-def]
    """How many successful calls each document (by its DOC id) got."""
    counts: collections.Counter = collections.Counter()
    for record in fake.requests():
        if record["outcome"] != "ok":
            continue
        for message in record["body"]["messages"]:
            if message["role"] == "user":
                for token in message["content"].split('"'):
                    if token.startswith("DOC-"):
                        counts[token] += 1
    return counts


def test_kill_9_mid_job_then_restart_finishes_each_item_once(tmp_path: Path, anonymizer_service) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(40, seed=21)
    port = free_port()
    with serve_fake_teacher(latency_s=0.25) as fake:
        with teacher_process(tmp_path, anonymizer_service, "replica-a", port=port, fake_url=fake.url) as (url, proc):
            request = job_request(records, concurrency=4)
            job_id = httpx.post(f"{url}/v1/labeling-jobs", json=request, timeout=30).json()["id"]
            deadline = time.monotonic() + 60
            while httpx.get(f"{url}/v1/labeling-jobs/{job_id}").json()["progress"]["done"] < 10:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        sent_before_restart = _documents_sent(fake)
        engine = create_db_engine(f"sqlite:///{tmp_path / 'llm4gov.sqlite3'}")
        recorded = {item.result["user_prompt"]["document_id"]  # type: ignore[index]
                    for item in JobStore(init_db(engine)).items(job_id, ItemState.DONE)}
        engine.dispose()
        with teacher_process(tmp_path, anonymizer_service, "replica-a", port=port, fake_url=fake.url) as (url, _):
            job = _wait(url, job_id, ("succeeded", "failed", "paused"))
            lines = [line for line in httpx.get(f"{url}/v1/labeling-jobs/{job_id}/results").text.splitlines() if line]
        sent = _documents_sent(fake)
    assert job["state"] == "succeeded" and job["progress"]["done"] == 40
    ids = [line.split('"document_id": "')[1][:7] for line in lines]
    assert sorted(ids) == [f"DOC-{i:03d}" for i in range(40)]  # every item exactly once in the results
    assert set(sent) == {f"DOC-{i:03d}" for i in range(40)}
    # Work recorded before the kill is never redone; only items that were in flight or whose answer was
    # still waiting for its (batched) write are labeled again, once.
    assert len(recorded) >= 10
    assert not recorded & set(sent - sent_before_restart)
    assert max(sent.values()) <= 2


def test_two_replicas_share_a_postgresql_job_without_double_work(tmp_path: Path, anonymizer_service,  # type: ignore[no-untyped-def]
                                                                 postgres_url: str) -> None:
    from shared.db import Base, create_db_engine

    engine = create_db_engine(postgres_url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    records, _ = canary_records(60, seed=22)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with serve_fake_teacher(latency_s=0.1) as fake, \
            teacher_process(tmp_path / "a", anonymizer_service, "replica-a", postgres_url, fake_url=fake.url) as (url_a, _), \
            teacher_process(tmp_path / "b", anonymizer_service, "replica-b", postgres_url, fake_url=fake.url) as (url_b, _):
        request = job_request(records, concurrency=3)
        job_id = httpx.post(f"{url_a}/v1/labeling-jobs", json=request, timeout=30).json()["id"]
        job = _wait(url_b, job_id, ("succeeded", "failed", "paused"))
        metrics = [httpx.get(f"{u}/metrics").text for u in (url_a, url_b)]
        sent = _documents_sent(fake)
    assert job["state"] == "succeeded" and job["progress"]["done"] == 60
    assert len(sent) == 60 and set(sent.values()) == {1}  # no document was labeled twice
    for text in metrics:  # both replicas did part of the work
        done = [line for line in text.splitlines()
                if line.startswith("llm4gov_teacher_items_total") and 'outcome="done"' in line]
        assert done and float(done[0].rsplit(" ", 1)[1]) > 0
