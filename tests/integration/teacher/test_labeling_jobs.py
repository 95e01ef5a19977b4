"""Labeling jobs end to end against the fake teacher: faults, privacy, budgets, control, bad input."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from shared.audit import AuditEventRow
from shared.db import create_db_engine, init_db
from shared.storage import LocalObjectStore
from tests.fakes.teacher_server import serve_fake_teacher
from tests.integration.teacher.conftest import canary_records, job_request, sent_texts


def _results(teacher, job_id: str) -> list[dict]:  # type: ignore[no-untyped-def]
    with teacher.client() as client:
        r = client.get(f"/v1/labeling-jobs/{job_id}/results")
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in r.text.splitlines() if line]


def test_job_labels_everything_and_nothing_personal_leaves(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, canaries = canary_records(24)
    with serve_fake_teacher(latency_s=0.02) as fake:
        teacher = start_teacher(fake.url)
        with teacher.client() as client:
            r = client.post("/v1/labeling-jobs", json=job_request(records))
            assert r.status_code == 201, r.text
            job_id = r.json()["id"]
        job = teacher.wait(job_id)
        assert job["state"] == "succeeded", job
        assert job["progress"]["done"] == 24 and job["progress"]["failed"] == 0
        assert job["progress"]["tokens_in"] > 0 and job["progress"]["items_per_second"] > 0
        sent = sent_texts(fake)
        assert "<PESSOA_1>" in sent and "<CPF_1>" in sent
        for canary in canaries:
            assert canary not in sent, "personal data reached the teacher"
        assert all(b["response_format"]["type"] == "json_schema" for b in fake.bodies())
    lines = _results(teacher, job_id)
    assert len(lines) == 24
    assert {line["user_prompt"]["document_id"] for line in lines} == {f"DOC-{i:03d}" for i in range(24)}
    for line in lines:
        assert line["teacher_output"]["severity_level"] in ("BAIXA", "MEDIA", "ALTA", "CRITICA")
        assert re.fullmatch(r"[0-9a-f-]{36}", line["mapping_id"])
        assert not any(c in json.dumps(line, ensure_ascii=False) for c in canaries)
    # the finished dataset is in object storage, with its metadata
    objects = LocalObjectStore(teacher.settings.resolved_storage_root())
    assert job["dataset"]["dataset_uri"] == f"datasets/{job_id}/data.jsonl"
    stored = objects.get_bytes(job["dataset"]["dataset_uri"]).decode().splitlines()
    assert len(stored) == 24
    meta = objects.get_json(job["dataset"]["metadata_uri"])
    assert meta["teacher_model"] == "fake-teacher" and meta["items"] == 24 and meta["anonymized"] is True
    # job-store rows hold no personal data either
    raw = b"".join(p.read_bytes() for p in teacher.settings.data_dir.glob("llm4gov.sqlite3*"))
    assert not any(c.encode() in raw for c in canaries)


@pytest.mark.parametrize("faults", [
    {"p_429": 0.25, "retry_after_s": 0.05},
    {"p_500": 0.2, "p_503": 0.1, "retry_after_s": 0.05},
    {"p_timeout": 0.1, "timeout_sleep_s": 3},
    {"p_invalid_json": 0.25},
    {"p_schema_violation": 0.25},
    {"p_429": 0.1, "p_500": 0.1, "p_invalid_json": 0.1, "p_schema_violation": 0.1, "retry_after_s": 0.05},
])
def test_faults_lose_nothing(start_teacher, faults: dict) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(30, seed=3)
    with serve_fake_teacher(latency_s=0.01, seed=5, **faults) as fake:
        teacher = start_teacher(fake.url)
        request = job_request(records, max_attempts=8)
        request["teacher"]["timeout_s"] = 1
        with teacher.client() as client:
            job_id = client.post("/v1/labeling-jobs", json=request).json()["id"]
        job = teacher.wait(job_id)
        assert job["state"] == "succeeded", job
        assert job["progress"]["done"] == 30, job
        stats = fake.stats()
        assert stats["total"] > 30  # faults happened and were retried or repaired
    lines = _results(teacher, job_id)
    assert sorted(line["user_prompt"]["document_id"] for line in lines) == [f"DOC-{i:03d}" for i in range(30)]
    metrics = teacher.client().get("/metrics").text
    assert "llm4gov_teacher_teacher_calls_total" in metrics
    import time
    time.sleep(0.5)  # the worker refreshes the jobs-by-state gauge on its next poll
    assert 'llm4gov_teacher_jobs{state="succeeded"} 1.0' in teacher.client().get("/metrics").text


def test_failing_items_are_reported_not_dropped(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(6, seed=4)
    with serve_fake_teacher(p_500=1.0, retry_after_s=0.01) as fake:
        teacher = start_teacher(fake.url)
        with teacher.client() as client:
            job_id = client.post("/v1/labeling-jobs", json=job_request(records, max_attempts=2)).json()["id"]
            job = teacher.wait(job_id)
            assert job["state"] == "failed" and job["progress"]["failed"] == 6
            failures = client.get(f"/v1/labeling-jobs/{job_id}/failures").json()["data"]
            assert [f["index"] for f in failures] == list(range(6))
            assert all("server_error after 2 attempts" in f["error"] for f in failures)
            events = [e["type"] for e in client.get(f"/v1/labeling-jobs/{job_id}/events").json()["data"]]
            assert events.count("item.failed") == 6
            assert _results(teacher, job_id) == []


def test_resume_retries_failed_items(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(5, seed=8)
    with serve_fake_teacher(fail_first_attempts=2) as fake:
        teacher = start_teacher(fake.url)
        with teacher.client() as client:
            job_id = client.post("/v1/labeling-jobs", json=job_request(records, max_attempts=1)).json()["id"]
            assert teacher.wait(job_id)["state"] == "failed"
            # the view is read after the worker is woken: it may already have claimed the job
            assert client.post(f"/v1/labeling-jobs/{job_id}/resume").json()["state"] in ("queued", "running")
            job = teacher.wait(job_id, states=("succeeded", "failed"))
            if job["state"] == "failed":  # second attempt also failed (fail_first_attempts=2): once more
                client.post(f"/v1/labeling-jobs/{job_id}/resume")
                job = teacher.wait(job_id, states=("succeeded",))
            assert job["progress"]["done"] == 5 and job["progress"]["failed"] == 0
            assert len(_results(teacher, job_id)) == 5
            assert client.post(f"/v1/labeling-jobs/{job_id}/resume").status_code == 409


def test_json_schema_refused_falls_back_to_json_object(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(6, seed=5)
    with serve_fake_teacher(supports_json_schema=False) as fake:
        teacher = start_teacher(fake.url)
        with teacher.client() as client:
            job_id = client.post("/v1/labeling-jobs", json=job_request(records)).json()["id"]
            assert teacher.wait(job_id)["state"] == "succeeded"
            events = client.get(f"/v1/labeling-jobs/{job_id}/events").json()["data"]
        assert any(e["type"] == "teacher.response_format" for e in events)
        formats = [b["response_format"]["type"] for b in fake.bodies()]
        assert "json_object" in formats
        assert any("<schema>" in b["messages"][0]["content"] for b in fake.bodies()
                   if b["response_format"]["type"] == "json_object")


def test_anonymizer_down_pauses_and_sends_nothing(start_teacher, anonymizer_service, analyzer, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.anonymizer.conftest import start_anonymizer
    from tests.servers import free_port

    port = free_port()
    records, canaries = canary_records(8, seed=6)
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url, anonymizer_url=f"http://127.0.0.1:{port}")
        with teacher.client() as client:
            job_id = client.post("/v1/labeling-jobs", json=job_request(records)).json()["id"]
            job = teacher.wait(job_id)
            assert job["state"] == "paused" and "anonymizer unavailable" in job["reason"]
            assert job["progress"]["pending"] == 8
            assert fake.bodies() == []  # fail-closed: nothing left the building
            assert client.get("/readyz").status_code == 503
            # the anonymizer comes back on that port; resuming the job completes it
            for _anon in start_anonymizer(tmp_path / "anon2", analyzer, port=port, keys=anonymizer_service.keys):
                assert client.get("/readyz").status_code == 200
                assert client.post(f"/v1/labeling-jobs/{job_id}/resume").status_code == 200
                job = teacher.wait(job_id, states=("succeeded", "failed"))
        assert job["state"] == "succeeded" and job["progress"]["done"] == 8
        assert not any(c in sent_texts(fake) for c in canaries)


def test_budget_pauses_the_job(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(40, seed=7)
    with serve_fake_teacher(latency_s=0.02) as fake:
        teacher = start_teacher(fake.url)
        with teacher.client() as client:
            request = job_request(records, budget_tokens=1500, concurrency=2)
            job_id = client.post("/v1/labeling-jobs", json=request).json()["id"]
            job = teacher.wait(job_id)
            assert job["state"] == "paused" and "budget" in job["reason"]
            assert 0 < job["progress"]["done"] < 40


def test_cancel_stops_the_job(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(40, seed=9)
    with serve_fake_teacher(latency_s=0.3) as fake:
        teacher = start_teacher(fake.url)
        with teacher.client() as client:
            job_id = client.post("/v1/labeling-jobs", json=job_request(records, concurrency=2)).json()["id"]
            teacher.wait(job_id, states=("running",))
            r = client.post(f"/v1/labeling-jobs/{job_id}/cancel")
            assert r.status_code == 200 and r.json()["state"] == "cancelled"
            import time
            time.sleep(1.0)
            calls = fake.stats()["total"]
            time.sleep(1.0)
            assert fake.stats()["total"] == calls  # nothing more is sent
            assert client.post(f"/v1/labeling-jobs/{job_id}/cancel").status_code == 409
            assert client.get(f"/v1/labeling-jobs/{job_id}").json()["progress"]["done"] < 40


def test_multi_document_calls_and_self_consistency(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(16, seed=10)
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url)
        with teacher.client() as client:
            multi = client.post("/v1/labeling-jobs", json=job_request(records, documents_per_call=8)).json()
            assert teacher.wait(multi["id"])["state"] == "succeeded"
            calls = fake.stats()["total"]
            assert calls <= 4  # 16 documents in 2 calls (plus any single-document redo)
            voted = client.post("/v1/labeling-jobs",
                                json=job_request(records[:4], self_consistency_samples=3)).json()
            assert teacher.wait(voted["id"])["state"] == "succeeded"
    lines = _results(teacher, multi["id"])
    assert len(lines) == 16
    voted_lines = _results(teacher, voted["id"])
    assert all(0 < line["confidence"] <= 1 for line in voted_lines)


# An anonymizer that answers short, 500 or too slowly: tests/privacy/test_canaries.py (a fault-injecting
# proxy in front of the real anonymizer).


def test_the_task_instruction_and_schema_descriptions_are_anonymized(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(3, seed=14)
    for record in records:
        record.pop("system_prompt")  # the task's instruction stands in for it
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url)
        request = job_request(records)
        request["task"]["instruction"] = "Classifique a severidade (responsável: CPF 529.982.247-25)."
        request["task"]["structure_example"] = {**request["task"]["structure_example"],
                                                "explanation": "Como no caso do CPF 111.444.777-35."}
        with teacher.client() as client:
            job = teacher.wait(client.post("/v1/labeling-jobs", json=request).json()["id"])
        assert job["state"] == "succeeded", job
        everything = json.dumps(fake.bodies(), ensure_ascii=False)  # messages and response_format
        assert "Classifique a severidade" in everything and "Como no caso do CPF" in everything
        assert "529.982.247-25" not in everything and "111.444.777-35" not in everything


def test_dry_run_estimates_without_creating(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(10)
    teacher = start_teacher()
    with teacher.client() as client:
        request = job_request(records)
        request["teacher"].update(price_per_million_input_tokens=0.27, price_per_million_output_tokens=1.1)
        estimate = client.post("/v1/labeling-jobs", json={**request, "dry_run": True}).json()
        assert estimate["items"] == 10 and estimate["calls"] == 10 and estimate["estimated_cost"] > 0
        multi = client.post("/v1/labeling-jobs", json={**request, "dry_run": True,
                                                       "execution": {"documents_per_call": 5}}).json()
        assert multi["calls"] == 2 and multi["estimated_input_tokens"] < estimate["estimated_input_tokens"]
        assert client.get("/v1/labeling-jobs").json()["data"] == []


def test_raw_text_needs_admin_and_is_audited(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, canaries = canary_records(3, seed=11)
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url)
        request = {**job_request(records), "send_raw_text": True}
        assert teacher.client("label").post("/v1/labeling-jobs", json=request).status_code == 403
        r = teacher.client("admin").post("/v1/labeling-jobs", json=request)
        assert r.status_code == 201
        job_id = r.json()["id"]
        job = teacher.wait(job_id, role="admin")
        assert job["state"] == "succeeded" and job["send_raw_text"] is True
        assert canaries[0] in sent_texts(fake)  # explicitly allowed, so sent as is
        # the results hold raw text: admin only, decrypted on the way out
        assert teacher.client("label").get(f"/v1/labeling-jobs/{job_id}/results").status_code == 403
        lines = teacher.client("admin").get(f"/v1/labeling-jobs/{job_id}/results").text.splitlines()
        assert len(lines) == 3 and canaries[0] in "\n".join(lines)
        assert job["dataset"]["dataset_uri"] is None  # no plaintext dataset object in shared storage
    sessions = init_db(create_db_engine(teacher.settings.resolved_database_url()))
    with sessions() as s:
        rows = list(s.scalars(select(AuditEventRow).where(AuditEventRow.action == "label.raw_text")))
    assert len(rows) == 1 and rows[0].actor == "admin-client" and rows[0].resource.endswith(job_id)
    # at rest: neither the job store nor object storage holds a canary in plaintext
    db_file = teacher.settings.data_dir / "llm4gov.sqlite3"
    stored = b"".join(p.read_bytes() for p in teacher.settings.data_dir.rglob("*") if p.is_file())
    assert db_file.exists()
    for canary in canaries:
        assert canary.encode() not in stored


def test_a_key_reads_only_its_own_jobs(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(2, seed=12)
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url)
        job_id = teacher.client("label").post("/v1/labeling-jobs", json=job_request(records)).json()["id"]
        assert teacher.wait(job_id)["state"] == "succeeded"
        other = teacher.client("label-other")
        for path in ("", "/results", "/events", "/failures"):
            r = other.get(f"/v1/labeling-jobs/{job_id}{path}")
            assert r.status_code == 403 and "another API key" in r.json()["detail"], path
        assert other.post(f"/v1/labeling-jobs/{job_id}/cancel").status_code == 403
        assert job_id not in [j["id"] for j in other.get("/v1/labeling-jobs").json()["data"]]
        assert job_id in [j["id"] for j in teacher.client("label").get("/v1/labeling-jobs").json()["data"]]
        assert job_id in [j["id"] for j in teacher.client("admin").get("/v1/labeling-jobs").json()["data"]]
        assert teacher.client("admin").get(f"/v1/labeling-jobs/{job_id}/results").status_code == 200


def test_bad_inputs_are_4xx(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(2)
    teacher = start_teacher()
    with teacher.client() as client:
        def post(body):  # type: ignore[no-untyped-def]
            return client.post("/v1/labeling-jobs", json=body)
        assert post({**job_request([])}).status_code == 422  # empty dataset
        bad_schema = job_request(records)
        bad_schema["task"] = {"name": "t", "output_schema": {"type": "string"}}
        assert post(bad_schema).status_code == 422
        both = job_request(records)
        both["task"]["output_schema"] = {"type": "object", "properties": {"a": {"type": "string"}}}
        assert post(both).status_code == 422
        empty_example = job_request(records)
        empty_example["task"]["structure_example"] = {}
        assert post(empty_example).status_code == 422
        # a job cannot point the server's key (or the documents) at a host of its choosing
        for teacher_spec in ({"base_url": "https://attacker.example/v1"}, {"api_key_env": "OPENAI_API_KEY"},
                             {"base_url": "http://169.254.169.254/v1", "api_key_env": "LLM4GOV_ANONYMIZER__SECRET_KEY"},
                             {"endpoint": "attacker"}):
            body = job_request(records)
            body["teacher"].update(teacher_spec)
            refused = post(body)
            assert refused.status_code == 422 and "Configured endpoints: fake" in refused.json()["detail"], refused.text
        missing_uri = job_request(records)
        missing_uri["dataset"] = {"uri": "uploads/nothing.jsonl"}
        assert post(missing_uri).status_code == 404
        bad_uri = job_request(records)
        bad_uri["dataset"] = {"uri": "../etc/passwd"}
        assert post(bad_uri).status_code == 422
        no_prompt = job_request([{"user_prompt": "texto"}])
        assert post(no_prompt).status_code == 422
        assert post({**job_request(records), "execution": {"concurrency": 0}}).status_code == 422
        assert client.get("/v1/labeling-jobs/unknown").status_code == 404
        assert client.get("/v1/labeling-jobs/unknown/results").status_code == 404
        assert client.post("/v1/labeling-jobs/unknown/cancel").status_code == 404
        assert client.get("/v1/labeling-jobs").json()["data"] == []  # nothing half-created
    assert teacher.client("classify").get("/v1/labeling-jobs").status_code == 403


def test_dataset_from_object_storage(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, _ = canary_records(4, seed=12)
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url)
        objects = LocalObjectStore(teacher.settings.resolved_storage_root())
        objects.put_bytes("uploads/batch.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode())
        request = job_request(records)
        request["dataset"] = {"uri": "uploads/batch.jsonl"}
        with teacher.client() as client:
            job_id = client.post("/v1/labeling-jobs", json=request).json()["id"]
        assert teacher.wait(job_id)["state"] == "succeeded"
        assert len(_results(teacher, job_id)) == 4
