"""No canary PII reaches any egress, and no request reaches a host that is not a configured endpoint.

Everything runs for real on 127.0.0.1 (anonymizer, teacher); the teacher LLM is the capturing fake.
"""

from __future__ import annotations

import httpx

from tests.fakes.teacher_server import serve_fake_teacher
from tests.privacy.conftest import (CPF_NUMBER, CPF_TEXT, NAME_KEY, NAME_TEXT, canary_job, dump, leaks, log_text,
                                    stored_bytes)


def _egress_report(fake, teacher, anonymizer, job_id: str, caplog) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Canaries found at each egress of a finished job."""
    with teacher.client() as client:
        bodies = {
            "job": client.get(f"/v1/labeling-jobs/{job_id}").text,
            "events": client.get(f"/v1/labeling-jobs/{job_id}/events").text,
            "failures": client.get(f"/v1/labeling-jobs/{job_id}/failures").text,
            "results": client.get(f"/v1/labeling-jobs/{job_id}/results").text,
            "teacher_metrics": client.get("/metrics").text,
        }
    bodies["anonymizer_metrics"] = httpx.get(f"{anonymizer.url}/metrics", timeout=10).text
    bodies["teacher_llm_requests"] = dump(fake.requests())
    bodies["logs"] = log_text(caplog)
    at_rest = stored_bytes(teacher.settings.data_dir, anonymizer.settings.data_dir).decode("utf-8", "replace")
    bodies["storage"] = at_rest
    return {name: found for name, text in bodies.items() if (found := leaks(text))}


def test_no_canary_reaches_any_egress(start_teacher, anonymizer, captured_logs) -> None:  # type: ignore[no-untyped-def]
    # repair turns (schema violations), self-consistency samples and multi-document calls all happen
    with serve_fake_teacher(p_schema_violation=0.3, p_invalid_json=0.1, seed=7) as fake:
        teacher = start_teacher(fake.url)
        with teacher.client() as client:
            single = client.post("/v1/labeling-jobs", json=canary_job(8, self_consistency_samples=3))
            multi = client.post("/v1/labeling-jobs", json=canary_job(8, documents_per_call=4))
            assert single.status_code == 201 and multi.status_code == 201, (single.text, multi.text)
        for job_id in (single.json()["id"], multi.json()["id"]):
            job = teacher.wait(job_id)
            assert job["state"] == "succeeded" and job["progress"]["done"] == 8, job
        requests = fake.requests()
        outcomes = {r["outcome"] for r in requests}
        assert {"schema_violation", "invalid_json"} & outcomes, outcomes  # repairs were exercised
        assert any(len(r["body"]["messages"]) > 2 for r in requests)  # a repair turn was sent
        sent = dump([r["body"] for r in requests])
        # the content did reach the teacher, with placeholders where the PII was
        assert "relatou falha no protocolo" in sent and "Classifique a severidade" in sent
        assert "Resumo, como no caso de" in sent and "Testemunha" in sent and "anexa ao processo" in sent
        assert "<CPF_" in sent and "<PESSOA_" in sent
        for job_id in (single.json()["id"], multi.json()["id"]):
            report = _egress_report(fake, teacher, anonymizer, job_id, captured_logs)
            assert report == {}, f"canary PII found at: {report}"
        # the results carry placeholders and mapping ids; the owner can restore through the anonymizer
        lines = teacher.client().get(f"/v1/labeling-jobs/{single.json()['id']}/results").text
        assert "mapping_id" in lines and "<CPF_" in lines


def test_error_bodies_never_echo_what_was_sent(start_teacher, anonymizer, captured_logs) -> None:  # type: ignore[no-untyped-def]
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url)
        with teacher.client() as client:
            bad_key = canary_job(2)
            bad_key["execution"][f"nota de {NAME_TEXT} {CPF_TEXT}"] = "campo desconhecido"
            bad_type = canary_job(2)
            bad_type["execution"]["concurrency"] = f"{NAME_KEY} {CPF_TEXT}"
            bad_endpoint = canary_job(2)
            bad_endpoint["teacher"]["endpoint"] = f"x-{CPF_NUMBER}"
            answers = [client.post("/v1/labeling-jobs", json=body) for body in (bad_key, bad_type, bad_endpoint)]
        assert all(400 <= r.status_code < 500 for r in answers), [r.status_code for r in answers]
        for r in answers:
            assert leaks(r.text) == [], r.text
        anonymizer_answer = anonymizer.client().post("/v1/anonymize", json={
            "text": "x", "operators": {f"{NAME_TEXT} {CPF_TEXT}": {"type": "mask"}}})
        assert anonymizer_answer.status_code == 422 and leaks(anonymizer_answer.text) == []
        assert fake.requests() == []
        assert leaks(log_text(captured_logs)) == []


def test_a_job_cannot_choose_where_its_data_goes(start_teacher) -> None:  # type: ignore[no-untyped-def]
    with serve_fake_teacher() as configured, serve_fake_teacher() as elsewhere:
        teacher = start_teacher(configured.url)
        attempts = [
            {"endpoint": "fake", "model": "fake-teacher", "base_url": elsewhere.url},
            {"endpoint": "fake", "model": "fake-teacher", "base_url": elsewhere.url.replace("http", "https")},
            {"endpoint": "fake", "model": "fake-teacher", "api_key_env": "ANONYMIZER_KEY"},
            {"endpoint": "not-configured", "model": "fake-teacher"},
            {"endpoint": "fake", "model": "fake-teacher", "base_url": "http://169.254.169.254/latest"},
        ]
        with teacher.client() as client:
            for teacher_spec in attempts:
                job = canary_job(2)
                job["teacher"] = {**teacher_spec, "timeout_s": 5}
                r = client.post("/v1/labeling-jobs", json=job)
                assert r.status_code == 422, (teacher_spec, r.text)
                assert "fake" in r.json()["detail"]  # names the configured endpoints
            assert client.get("/v1/labeling-jobs").json()["data"] == []  # nothing was created
        assert configured.requests() == [] and elsewhere.requests() == []


def test_an_anonymizer_that_fails_pauses_the_job_with_nothing_sent(start_teacher, proxy) -> None:  # type: ignore[no-untyped-def]
    handle, proxy_url = proxy
    expected = {"short": "results for", "error": "answered 500", "slow": "unreachable"}
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url, anonymizer_url=proxy_url, anonymizer_timeout_s=1.0)
        with teacher.client() as client:
            for mode, reason in expected.items():
                handle.mode = mode
                sent_before = len(fake.requests())
                job_id = client.post("/v1/labeling-jobs", json=canary_job(4)).json()["id"]
                job = teacher.wait(job_id)
                assert job["state"] == "paused" and reason in job["reason"], (mode, job)
                assert job["progress"]["done"] == 0
                assert len(fake.requests()) == sent_before, mode  # fail closed: nothing left
                # the anonymizer recovers; the same job resumes and finishes, still without a leak
                handle.mode = "pass"
                assert client.post(f"/v1/labeling-jobs/{job_id}/resume").status_code == 200
                job = teacher.wait(job_id, states=("succeeded", "failed"))
                assert job["state"] == "succeeded", (mode, job)
                assert leaks(dump(fake.requests())) == []
        assert handle.batches > 0
