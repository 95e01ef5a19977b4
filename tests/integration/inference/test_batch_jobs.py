"""Batch classification jobs (`/v1/classify/batch-jobs`).

End to end against the real inference service (vLLM over a tiny model): upload a file to the inference
service's Files API, classify it as a job, read the results (and the same bytes as the output file),
owner checks, 4xx that create nothing, cancel, pause and resume.

Resumability after a crash is tested on the runner and worker themselves (in process, with the real job
store, file store and object store, and a stand-in classifier): a runner killed mid-batch leaves its
claims behind; a worker started under the same worker id gives them back at once and finishes the job
without classifying an answered document again. (Killing the module's inference process with -9 and
restarting it would cost another engine start per test run.)
"""

from __future__ import annotations

import asyncio
import io
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.inference.batch import JOB_KIND, BatchContext, BatchJobService, BatchRunner, BatchWorker
from services.inference.metrics import InferenceMetrics
from services.inference.protocol import (ClassifyRequest, ClassifyResponse, ClassifyResult, CreateBatchJob,
                                         ItemError)
from services.inference.settings import BatchJobOptions, InferenceOptions
from shared.auth import Principal
from shared.db import create_db_engine, init_db
from shared.errors import NotFound, PayloadTooLarge, ServiceUnavailable, Unprocessable
from shared.files import FileStore
from shared.jobstore import ItemState, JobState, JobStore
from shared.metrics import create_service_metrics
from shared.storage import LocalObjectStore
from tests.integration.inference.conftest import Inference
from tests.waiting import wait_for_state, wait_until

pytestmark = pytest.mark.timeout(900)

BASE = "/v1/classify/batch-jobs"


def corpus(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """Records in the seed's format; every fifth has no id (its line's position stands in)."""
    words = ["atraso", "incêndio", "rotina", "furto", "pagamento", "ofício", "processo"]
    records = []
    for i in range(n):
        record: dict[str, Any] = {"user_prompt": f"Relato {i}: houve {words[(i + seed) % len(words)]} no setor {i % 9}."}
        if i % 5:
            record["id"] = f"b{seed}-{i}"
        records.append(record)
    return records


def expected_ids(records: list[dict[str, Any]]) -> list[str]:
    return [r.get("id", str(i)) for i, r in enumerate(records)]


def jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def upload(client: httpx.Client, records: list[dict[str, Any]], purpose: str = "classification") -> dict[str, Any]:
    response = client.post("/v1/files", data={"purpose": purpose},
                           files={"file": ("docs.jsonl", jsonl(records), "application/x-ndjson")})
    assert response.status_code == 200, response.text
    return response.json()


def wait_for(client: httpx.Client, job_id: str, states: set[str], timeout_s: float = 600) -> dict[str, Any]:
    return wait_for_state(client, f"{BASE}/{job_id}", states, "status", timeout_s, interval_s=0.5)


def all_job_ids(inference: Inference) -> set[str]:
    with inference.client("admin") as admin:
        return {j["id"] for j in admin.get(BASE, params={"limit": 200}).json()["data"]}


def check_results(lines: list[dict[str, Any]], records: list[dict[str, Any]]) -> None:
    assert [line["id"] for line in lines] == expected_ids(records)
    for line in lines:
        assert set(line) in ({"id", "output"}, {"id", "error"}), line
        if "output" in line:
            assert line["output"]["urgent"] in ("SIM", "NAO")
        else:
            assert line["error"]["code"] and line["error"]["detail"]


# --- end to end --------------------------------------------------------------------------------------------

def test_a_file_is_classified_as_a_job(inference: Inference) -> None:
    records = corpus(30)
    with inference.client() as client:
        file = upload(client, records)
        assert file["purpose"] == "classification" and file["records"] == 30
        response = client.post(BASE, json={"task": "triage", "file_id": file["id"]})
        assert response.status_code == 201, response.text
        job = response.json()
        assert job["object"] == "classify.batch_job" and job["status"] in ("queued", "running")
        assert job["task"] == "triage" and job["input_file_id"] == file["id"] and job["output_file_id"] is None
        assert job["progress"]["total"] == 30 and job["created_at"] > 0 and job["finished_at"] is None
        job = wait_for(client, job["id"], {"succeeded", "failed"})
        assert job["status"] == "succeeded", job
        progress = job["progress"]
        assert progress["total"] == 30 and progress["done"] + progress["failed"] == 30
        assert progress["pending"] == progress["in_progress"] == 0
        assert job["finished_at"] >= job["created_at"] and job["error"] is None

        results = client.get(f"{BASE}/{job['id']}/results")
        assert results.status_code == 200 and results.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in results.text.splitlines()]
        check_results(lines, records)
        assert sum("output" in line for line in lines) == progress["done"]
        assert sum("error" in line for line in lines) == progress["failed"]
        assert progress["done"] > 0

        # the results are a file too, owned by the job's creator
        output = client.get(f"/v1/files/{job['output_file_id']}").json()
        assert output["purpose"] == "classification" and output["records"] == 30
        assert output["filename"] == f"{job['id']}-results.jsonl"
        content = client.get(f"/v1/files/{job['output_file_id']}/content")
        assert content.status_code == 200 and content.content == results.content
        # ...that is not an input for another job
        again = client.post(BASE, json={"task": "triage", "file_id": job["output_file_id"]})
        assert again.status_code == 422 and "results" in again.json()["detail"]

        listed = client.get(BASE).json()
        assert job["id"] in [j["id"] for j in listed["data"]] and listed["object"] == "list"
        assert [j["id"] for j in client.get(BASE, params={"status": "succeeded"}).json()["data"]].count(job["id"]) == 1
        assert job["id"] not in [j["id"] for j in client.get(BASE, params={"status": "running"}).json()["data"]]
        # a finished job can neither be cancelled nor resumed
        assert client.post(f"{BASE}/{job['id']}/cancel").status_code == 409
        assert client.post(f"{BASE}/{job['id']}/resume").status_code == 409
    assert inference.metric("llm4gov_inference_batch_documents_total", task="triage") >= 30
    deadline = time.monotonic() + 30  # the jobs-by-state gauge follows at the worker's next poll
    while inference.metric("llm4gov_inference_batch_jobs", state="succeeded") < 1:
        assert time.monotonic() < deadline, "llm4gov_inference_batch_jobs{state=succeeded} never counted the job"
        time.sleep(0.5)
    # the batch went through the same path as /v1/classify
    assert inference.metric("llm4gov_inference_documents_total", task="triage") >= 30


def test_owner_checks(inference: Inference) -> None:
    with inference.client() as owner, inference.client("classify-other") as other, \
            inference.client("admin") as admin, inference.client("train") as trainer:
        file = upload(owner, corpus(3, seed=1))
        job = owner.post(BASE, json={"task": "triage", "file_id": file["id"]}).json()
        for method, path in (("GET", ""), ("GET", "/results"), ("POST", "/cancel"), ("POST", "/resume")):
            response = other.request(method, f"{BASE}/{job['id']}{path}")
            assert response.status_code == 403, (method, path, response.text)
            assert trainer.request(method, f"{BASE}/{job['id']}{path}").status_code == 403  # no classify role
        assert job["id"] not in [j["id"] for j in other.get(BASE).json()["data"]]
        assert admin.get(f"{BASE}/{job['id']}").status_code == 200
        assert job["id"] in [j["id"] for j in admin.get(BASE, params={"limit": 200}).json()["data"]]
        # another key's file is not an input either (and nothing is created)
        before = all_job_ids(inference)
        response = other.post(BASE, json={"task": "triage", "file_id": file["id"]})
        assert response.status_code == 403, response.text
        assert all_job_ids(inference) == before
        assert httpx.post(f"{inference.url}{BASE}", json={"task": "triage", "file_id": file["id"]}).status_code == 401
        wait_for(owner, job["id"], {"succeeded", "failed"})
        # the output file is the creator's: another key cannot read it, an admin can
        output = owner.get(f"{BASE}/{job['id']}").json()["output_file_id"]
        assert other.get(f"/v1/files/{output}/content").status_code == 403
        assert admin.get(f"/v1/files/{output}/content").status_code == 200


def test_bad_requests_create_nothing(inference: Inference) -> None:
    with inference.client() as client, inference.client("admin") as admin:
        file = upload(client, corpus(2, seed=2))
        labeling = upload(admin, corpus(2, seed=3), purpose="labeling")
        before = all_job_ids(inference)
        cases = [
            ({"task": "no-such-task", "file_id": file["id"]}, 404, "Unknown task"),
            ({"task": "triage", "file_id": "file-" + "0" * 32}, 404, "No file"),
            ({"task": "triage", "file_id": labeling["id"]}, 422, "labeling"),
            ({"task": "triage", "file_id": "not-a-file-id"}, 422, None),
            ({"task": "Bad Task", "file_id": file["id"]}, 422, None),
            ({"task": "triage", "file_id": file["id"], "extra": 1}, 422, None),
            ({"task": "triage"}, 422, None),
        ]
        for body, status, needle in cases:
            target = admin if body.get("file_id") == labeling["id"] else client
            response = target.post(BASE, json=body)
            assert response.status_code == status, (body, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            if needle:
                assert needle in response.json()["detail"], response.text
        # a labeling file needs the label role to read at all: the classify key gets 403
        assert client.post(BASE, json={"task": "triage", "file_id": labeling["id"]}).status_code == 403
        assert all_job_ids(inference) == before
        assert client.get(f"{BASE}/no-such-job").status_code == 404
        assert client.get(f"{BASE}/no-such-job/results").status_code == 404
        assert client.post(f"{BASE}/no-such-job/cancel").status_code == 404
        assert client.get(BASE, params={"status": "done"}).status_code == 422


def _wait_quiet(client: httpx.Client, job_id: str, timeout_s: float = 300) -> dict[str, Any]:
    """Until the job's runner has recorded (or given back) the batch it had in flight."""
    return wait_until(lambda: client.get(f"{BASE}/{job_id}").json(), lambda job: job["progress"]["in_progress"] == 0,
                      timeout_s, interval_s=0.3)


def test_cancel_keeps_what_was_answered(inference: Inference) -> None:
    records = corpus(200, seed=4)
    with inference.client() as client:
        file = upload(client, records)
        job = client.post(BASE, json={"task": "triage", "file_id": file["id"]}).json()
        cancelled = client.post(f"{BASE}/{job['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled" and "cancelled by" in cancelled.json()["error"]
        job = _wait_quiet(client, job["id"])
        time.sleep(2 * 2.0)  # two worker polls: nothing starts it again
        job = _wait_quiet(client, job["id"])
        assert job["status"] == "cancelled" and job["output_file_id"] is None and job["finished_at"]
        progress = job["progress"]
        assert progress["done"] + progress["failed"] < 200 and progress["pending"] > 0
        lines = [json.loads(line) for line in client.get(f"{BASE}/{job['id']}/results").text.splitlines()]
        assert len(lines) == progress["done"] + progress["failed"]
        assert client.post(f"{BASE}/{job['id']}/cancel").status_code == 409
        assert client.post(f"{BASE}/{job['id']}/resume").status_code == 409


def test_a_paused_job_resumes_where_it_stopped(inference: Inference) -> None:
    records = corpus(240, seed=5)  # 15 batches: the pause below comes long before the end
    store = JobStore(init_db(create_db_engine(f"sqlite:///{inference.log_path.parent / 'data' / 'llm4gov.sqlite3'}")))
    with inference.client() as client:
        file = upload(client, records)
        job = client.post(BASE, json={"task": "triage", "file_id": file["id"]}).json()
        deadline = time.monotonic() + 300
        while client.get(f"{BASE}/{job['id']}").json()["progress"]["done"] == 0:  # one batch answered
            assert time.monotonic() < deadline
            time.sleep(0.2)
        # what the runner does when the engine stays unavailable: pause the job with the reason
        store.transition(job["id"], JobState.PAUSED, "the engine is not available (test)")
        paused = _wait_quiet(client, job["id"])
        assert paused["status"] == "paused" and paused["error"] == "the engine is not available (test)"
        answered = {i.idx: i.result for i in store.items(job["id"]) if i.state in (ItemState.DONE, ItemState.FAILED)}
        assert 0 < len(answered) < 240
        time.sleep(4)
        assert client.get(f"{BASE}/{job['id']}").json()["progress"]["done"] + \
            client.get(f"{BASE}/{job['id']}").json()["progress"]["failed"] == len(answered)  # nothing ran meanwhile
        resumed = client.post(f"{BASE}/{job['id']}/resume")
        assert resumed.status_code == 200, resumed.text
        assert resumed.json()["status"] in ("queued", "running")
        done = wait_for(client, job["id"], {"succeeded", "failed"})
        assert done["status"] == "succeeded" and done["progress"]["done"] + done["progress"]["failed"] == 240
        # the items answered before the pause were not classified again (done items keep their result;
        # failed ones are retried by a resume, by design)
        after = {i.idx: i for i in store.items(job["id"])}
        for idx, result in answered.items():
            if after[idx].state == ItemState.DONE and "output" in (result or {}):
                assert after[idx].result == result and after[idx].attempts == 1
        lines = [json.loads(line) for line in client.get(f"{BASE}/{job['id']}/results").text.splitlines()]
        check_results(lines, records)
        events = [e.type for e in store.events(job["id"])]
        assert "state.paused" in events and "state.queued" in events


# --- the runner and worker in process: crash, claims, engine unavailable -----------------------------------

class FakeRoute:
    pass


class FakeRouter:
    def current(self, task: str) -> Any:
        return FakeRoute() if task == "triage" else None


class FakeSupervisor:
    engine_ready = True
    synced = True


class FakeClassifier:
    """Answers like Classifier.classify; scripted to hang (a process killed mid-batch) or fail."""

    anonymizer = None

    def __init__(self) -> None:
        self.seen: list[str] = []  # the text of every document sent
        self.calls = 0
        self.hang_on_call: int | None = None
        self.unavailable_on_call: int | None = None

    async def classify(self, request: ClassifyRequest) -> ClassifyResponse:
        self.calls += 1
        if self.calls == self.unavailable_on_call:
            raise ServiceUnavailable("The engine is not available right now; retry shortly.")
        texts = [d.user_prompt for d in request.documents]
        self.seen += texts  # type: ignore[arg-type]
        if self.calls == self.hang_on_call:
            await asyncio.sleep(3600)
        results = []
        for document in request.documents:
            text = str(document.user_prompt)
            if "bad" in text:
                results.append(ClassifyResult(id=document.id or "", mode="zero_shot",
                                              error=ItemError(code="max_tokens", detail="cut off")))
            else:
                results.append(ClassifyResult(id=document.id or "", mode="zero_shot",
                                              output={"urgent": "SIM" if "urgente" in text else "NAO"}))
        return ClassifyResponse(task=request.task, mode="zero_shot", adapter_version=None, anonymized=False,
                                results=results)


OWNER = Principal("owner", frozenset({"classify"}))


def make_context(tmp_path: Path, classifier: FakeClassifier, worker_id: str = "replica-1",
                 **batch: Any) -> BatchContext:
    sessions = init_db(create_db_engine(f"sqlite:///{tmp_path / 'jobs.sqlite3'}"))
    objects = LocalObjectStore(tmp_path / "objects")
    options = InferenceOptions(max_documents_per_request=5, max_document_chars=200,
                               batch=BatchJobOptions(worker_id=worker_id, poll_interval_s=0.05, engine_wait_s=0.2,
                                                     **batch))
    return BatchContext(store=JobStore(sessions), files=FileStore(sessions, objects, tmp_path / "uploads", 1 << 20),
                        sessions=sessions, objects=objects, classifier=classifier, router=FakeRouter(),  # type: ignore[arg-type]
                        supervisor=FakeSupervisor(), options=options,
                        metrics=InferenceMetrics(create_service_metrics("inference")), work_dir=tmp_path / "work")


def make_job(ctx: BatchContext, records: list[dict[str, Any]]) -> str:
    file = ctx.files.create(io.BytesIO(jsonl(records)), "docs.jsonl", "classification", OWNER)
    return BatchJobService(ctx).create(CreateBatchJob(task="triage", file_id=file.id), OWNER).id


async def _until(predicate: Any, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


def results_of(ctx: BatchContext, job_id: str) -> list[dict[str, Any]]:
    return [json.loads(line) for chunk in BatchJobService(ctx).results(job_id) for line in chunk.splitlines()]


def test_a_killed_runner_is_resumed_on_restart_without_redoing_answered_items(tmp_path: Path) -> None:
    records = corpus(23, seed=6)
    records[7]["user_prompt"] = "bad document"  # a per-document error: a result line, not a job failure
    records[12]["user_prompt"] = "x" * 500  # over max_document_chars
    classifier = FakeClassifier()
    classifier.hang_on_call = 3
    ctx = make_context(tmp_path, classifier)
    job_id = make_job(ctx, records)

    async def crash_mid_job() -> None:
        runner = asyncio.create_task(BatchRunner(ctx, job_id, asyncio.Semaphore(1)).run())
        await _until(lambda: classifier.calls == 3)
        runner.cancel()  # the process dies here: batch 3 is claimed, not answered
        await asyncio.gather(runner, return_exceptions=True)

    asyncio.run(crash_mid_job())
    counts = ctx.store.item_counts(job_id)
    assert counts[ItemState.DONE] + counts[ItemState.FAILED] == 10 and counts[ItemState.CLAIMED] == 5
    assert ctx.store.get(job_id).state == JobState.RUNNING
    sent_before = list(classifier.seen)

    # a new process of the same replica (same worker id): its claims come back at once, no lease wait
    classifier.hang_on_call = None
    restarted = ctx
    worker = BatchWorker(restarted)

    async def restart() -> None:
        task = asyncio.create_task(worker.run())
        await _until(lambda: restarted.store.get(job_id).state in (JobState.SUCCEEDED, JobState.FAILED))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(restart())
    job = restarted.store.get(job_id)
    assert job.state == JobState.SUCCEEDED
    # answered documents were not sent again; only the batch in flight at the crash was
    in_flight = sent_before[10:]  # batch 3: items 10-14 less the too-long one
    assert len(in_flight) == 4
    resent = classifier.seen[len(sent_before):]
    assert sorted(resent[:4]) == sorted(in_flight)
    assert len(classifier.seen) == len(sent_before) + (23 - 10) - 1  # the too-long one never reaches it
    assert len(set(classifier.seen)) == 22
    lines = results_of(restarted, job_id)
    assert [line["id"] for line in lines] == expected_ids(records)
    assert lines[7]["error"]["code"] == "max_tokens" and lines[12]["error"]["code"] == "too_long"
    assert all("output" in line for i, line in enumerate(lines) if i not in (7, 12))
    # the output file holds the same bytes as /results
    file_id = job.result["output_file_id"]  # type: ignore[index]
    _, chunks = restarted.files.iter_content(file_id, OWNER)
    assert b"".join(chunks) == b"".join(BatchJobService(restarted).results(job_id))
    assert restarted.files.get(file_id).records == 23


def test_claims_of_this_worker_id_are_released_on_start_others_wait_for_their_lease(tmp_path: Path) -> None:
    classifier = FakeClassifier()
    ctx = make_context(tmp_path, classifier)
    job_id = make_job(ctx, corpus(12, seed=7))
    ctx.store.transition(job_id, JobState.RUNNING)
    ctx.store.claim_items(job_id, "replica-1", 5, timedelta(hours=1))  # a dead process of this replica
    ctx.store.claim_items(job_id, "replica-2", 5, timedelta(hours=1))  # another replica (alive, or not yet expired)
    worker = BatchWorker(ctx)
    assert worker.release_claims() == 5
    counts = ctx.store.item_counts(job_id)
    assert counts[ItemState.CLAIMED] == 5 and counts[ItemState.PENDING] == 7


def test_engine_unavailable_pauses_and_resume_continues(tmp_path: Path) -> None:
    records = corpus(14, seed=8)
    classifier = FakeClassifier()
    classifier.unavailable_on_call = 2
    ctx = make_context(tmp_path, classifier)
    service = BatchJobService(ctx)
    job_id = make_job(ctx, records)
    asyncio.run(BatchRunner(ctx, job_id, asyncio.Semaphore(1)).run())
    job = ctx.store.get(job_id)
    assert job.state == JobState.PAUSED and "engine is not available" in (job.reason or "")
    view = service.view(job_id, OWNER)
    assert view.status == "paused" and view.error == job.reason
    assert (view.progress.done, view.progress.pending, view.progress.in_progress) == (5, 9, 0)
    sent = len(classifier.seen)

    service.resume(job_id, OWNER)
    asyncio.run(BatchRunner(ctx, job_id, asyncio.Semaphore(1)).run())
    assert ctx.store.get(job_id).state == JobState.SUCCEEDED
    assert len(classifier.seen) == sent + 9  # the five answered before the pause were not sent again
    assert [line["id"] for line in results_of(ctx, job_id)] == expected_ids(records)

    # the engine down for longer than engine_wait_s before a batch: pause too, nothing claimed
    job_id = make_job(ctx, records)
    ctx.supervisor.engine_ready = False  # type: ignore[misc]
    asyncio.run(BatchRunner(ctx, job_id, asyncio.Semaphore(1)).run())
    job = ctx.store.get(job_id)
    assert job.state == JobState.PAUSED and "engine" in (job.reason or "")
    assert ctx.store.item_counts(job_id)[ItemState.PENDING] == 14
    assert ctx.metrics.batch_pauses.labels("engine_unavailable")._value.get() == 1


def test_create_refuses_before_anything_is_stored(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, FakeClassifier())
    service = BatchJobService(ctx)
    file = ctx.files.create(io.BytesIO(jsonl(corpus(3))), "docs.jsonl", "classification", OWNER)
    with pytest.raises(NotFound):
        service.create(CreateBatchJob(task="unknown", file_id=file.id), OWNER)
    ctx.supervisor.synced = False  # type: ignore[misc]
    with pytest.raises(ServiceUnavailable):  # the registry was not read yet: retry, not 404
        service.create(CreateBatchJob(task="unknown", file_id=file.id), OWNER)
    ctx.supervisor.synced = True  # type: ignore[misc]
    limited = make_context(tmp_path / "limited", FakeClassifier(), max_items_per_job=2)
    small = limited.files.create(io.BytesIO(jsonl(corpus(3))), "docs.jsonl", "classification", OWNER)
    with pytest.raises(PayloadTooLarge):
        BatchJobService(limited).create(CreateBatchJob(task="triage", file_id=small.id), OWNER)
    with pytest.raises(Unprocessable):
        labeling = ctx.files.create(io.BytesIO(jsonl(corpus(3))), "docs.jsonl", "labeling",
                                    Principal("admin", frozenset({"admin"})))
        service.create(CreateBatchJob(task="triage", file_id=labeling.id), Principal("admin", frozenset({"admin"})))
    assert ctx.store.list(JOB_KIND) == [] and limited.store.list(JOB_KIND) == []
