"""The Files API on a real teacher (and, for fine-tune files, a real trainer) on 127.0.0.1."""

from __future__ import annotations

import io
import json
from pathlib import Path

from sqlalchemy import select

from shared.audit import AuditEventRow
from shared.db import create_db_engine, init_db
from shared.storage import create_object_store
from tests.fakes.teacher_server import serve_fake_teacher
from tests.integration.teacher.conftest import canary_records, job_request, sent_texts

STRUCTURE_TASK = {"name": "severity", "structure_example": {"document_id": "ID",
                                                            "severity_level": "BAIXA|MEDIA|ALTA|CRITICA",
                                                            "explanation": "Resumo."}}


def _jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def _upload(client, data: bytes, purpose: str = "labeling", filename: str = "data.jsonl", **form):  # type: ignore[no-untyped-def]
    return client.post("/v1/files", files={"file": (filename, io.BytesIO(data))}, data={"purpose": purpose, **form})


def _stored(teacher) -> list[str]:  # type: ignore[no-untyped-def]
    return create_object_store(teacher.settings).list("files/")


def test_upload_check_list_read_and_delete(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, canaries = canary_records(5, seed=21)
    teacher = start_teacher()
    client = teacher.client("label")
    r = _upload(client, _jsonl(records), filename="ouvidoria.jsonl")
    assert r.status_code == 200, r.text
    meta = r.json()
    assert meta["object"] == "file" and meta["id"].startswith("file-") and meta["purpose"] == "labeling"
    assert meta["records"] == 5 and meta["labeled_records"] == 0 and meta["source_format"] == "jsonl"
    assert meta["filename"] == "ouvidoria.jsonl" and meta["created_by"] == "label-client"
    assert client.get(f"/v1/files/{meta['id']}").json() == meta
    assert [f["id"] for f in client.get("/v1/files").json()["data"]] == [meta["id"]]
    content = client.get(f"/v1/files/{meta['id']}/content")
    assert content.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in content.text.splitlines()]
    assert [line["user_prompt"] for line in lines] == [r["user_prompt"] for r in records]
    # a JSON array is read incrementally and stored as the same JSONL
    array = _upload(client, json.dumps(records, ensure_ascii=False).encode(), filename="x.json").json()
    assert array["source_format"] == "json" and array["sha256"] == meta["sha256"]
    # another key with the same role sees nothing of it; a key without the role gets 403
    other = teacher.client("label-other")
    assert other.get(f"/v1/files/{meta['id']}").status_code == 403
    assert other.get(f"/v1/files/{meta['id']}/content").status_code == 403
    assert other.get("/v1/files").json()["data"] == []
    assert teacher.client("classify").get(f"/v1/files/{meta['id']}").status_code == 403
    assert _upload(teacher.client("classify"), _jsonl(records), purpose="fine-tune").status_code == 403
    assert teacher.client("admin").get(f"/v1/files/{meta['id']}").status_code == 200
    # delete: gone from the API and object storage, audited
    assert other.delete(f"/v1/files/{meta['id']}").status_code == 403
    deleted = client.delete(f"/v1/files/{meta['id']}")
    assert deleted.json() == {"id": meta["id"], "object": "file", "deleted": True}
    assert client.get(f"/v1/files/{meta['id']}").status_code == 404
    assert f"files/{meta['id']}.jsonl" not in _stored(teacher)
    sessions = init_db(create_db_engine(teacher.settings.resolved_database_url()))
    with sessions() as s:
        rows = list(s.scalars(select(AuditEventRow).where(AuditEventRow.action == "file.delete")))
    assert [r.resource for r in rows] == [f"file:{meta['id']}"] and rows[0].actor == "label-client"
    assert not any(c in json.dumps(rows[0].details) for c in canaries)


def test_bad_files_are_refused_by_line_number_and_leave_nothing(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, canaries = canary_records(6, seed=22)
    teacher = start_teacher()
    client = teacher.client("label")
    lines = _jsonl(records).decode().splitlines()
    lines[1] = "{not json " + canaries[0]
    lines[4] = json.dumps({"system_prompt": "x"})  # no user_prompt
    r = _upload(client, ("\n".join(lines) + "\n").encode())
    assert r.status_code == 422
    body = r.json()
    assert body["bad_lines"] == [2, 5] and "lines 2, 5" in body["detail"]
    assert not any(c in r.text for c in canaries)
    for bad in (b"", b"[1, 2", "plain text \xe9".encode("latin-1"), b'[{"user_prompt": "a"} {"user_prompt": "b"}]'):
        assert _upload(client, bad).status_code == 422, bad
    assert client.get("/v1/files").json()["data"] == [] and _stored(teacher) == []
    assert not list((teacher.settings.data_dir / "uploads").glob("*"))  # no temporary file left either


def test_upload_limit_is_413_and_leaves_nothing(start_teacher, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    teacher = start_teacher(service={"files_max_bytes": 4096})
    client = teacher.client("label")
    records, _ = canary_records(40, seed=23)
    data = _jsonl(records)
    assert len(data) > 4096
    assert _upload(client, data).status_code == 413
    assert client.get("/v1/files").json()["data"] == [] and _stored(teacher) == []


def test_csv_with_a_column_mapping_and_labels_checked_against_the_task(start_teacher) -> None:  # type: ignore[no-untyped-def]
    teacher = start_teacher()
    client = teacher.client("admin")
    csv_text = ("protocolo;texto;nivel\n".replace(";", ",")
                + 'P-1,"Falha no sistema, sem dano.",BAIXA\n'
                + 'P-2,"Incêndio no arquivo.",CRITICA\n'
                + 'P-3,"Atraso de 3 dias.",MEDIA\n').encode()
    form = {"text_column": "texto", "id_column": "protocolo", "label_columns": "nivel"}
    plain = _upload(client, csv_text, purpose="labeling", filename="dados.csv", text_column="texto",
                    id_column="protocolo")
    assert plain.status_code == 200 and plain.json()["records"] == 3 and plain.json()["source_format"] == "csv"
    first = json.loads(client.get(f"/v1/files/{plain.json()['id']}/content").text.splitlines()[0])
    assert first == {"id": "P-1", "system_prompt": "", "user_prompt": "Falha no sistema, sem dano."}
    task = {"name": "nivel", "output_schema": {"type": "object", "properties": {
        "nivel": {"type": "string", "enum": ["BAIXA", "MEDIA", "ALTA"]}}, "required": ["nivel"]}}
    mismatch = _upload(client, csv_text, purpose="fine-tune", filename="rotulado.csv", **form,
                       task=json.dumps(task))
    assert mismatch.status_code == 422 and mismatch.json()["label_mismatches"] == [3]  # CRITICA is not in the enum
    task["output_schema"]["properties"]["nivel"]["enum"].append("CRITICA")
    labeled = _upload(client, csv_text, purpose="fine-tune", filename="rotulado.csv", **form, task=json.dumps(task))
    assert labeled.status_code == 200 and labeled.json()["labeled_records"] == 3
    missing = _upload(client, csv_text, filename="x.csv", text_column="corpo")
    assert missing.status_code == 422 and "corpo" in missing.json()["detail"]
    assert _upload(client, csv_text, filename="x.csv").status_code == 422  # a CSV needs its mapping
    unlabeled = _upload(client, csv_text, purpose="fine-tune", filename="x.csv", text_column="texto")
    assert unlabeled.status_code == 422 and "labeled" in unlabeled.json()["detail"]


def test_a_file_streamed_into_a_job_is_refused_whole_on_a_bad_record(start_teacher) -> None:  # type: ignore[no-untyped-def]
    """The records of a file are read one at a time into the job; a record found unusable part way (no
    system prompt, and the task has no instruction) refuses the whole job: 422 naming the record, no job,
    no item, no temporary copy left. The same file estimates (dry run) and creates a job once fixed."""
    records, _ = canary_records(30, seed=31)
    records[17] = {**records[17], "system_prompt": ""}
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url)
        client = teacher.client("label")
        file_id = _upload(client, _jsonl(records)).json()["id"]
        request = {**job_request([]), "dataset": {"file_id": file_id}}
        r = client.post("/v1/labeling-jobs", json=request)
        assert r.status_code == 422 and "Record 17 has no system_prompt" in r.json()["detail"], r.text
        assert client.get("/v1/labeling-jobs").json()["data"] == []
        assert not list((teacher.settings.data_dir / "uploads").glob("download-*"))
        with_instruction = {**request, "task": {**request["task"], "instruction": "Classifique a severidade."}}
        estimate = client.post("/v1/labeling-jobs", json={**with_instruction, "dry_run": True}).json()
        assert estimate["items"] == 30 and estimate["calls"] == 30, estimate
        created = client.post("/v1/labeling-jobs", json=with_instruction)
        assert created.status_code == 201 and created.json()["progress"]["total"] == 30, created.text
        assert not list((teacher.settings.data_dir / "uploads").glob("download-*"))


def test_a_labeling_job_takes_a_file_id(start_teacher) -> None:  # type: ignore[no-untyped-def]
    records, canaries = canary_records(6, seed=24)
    with serve_fake_teacher() as fake:
        teacher = start_teacher(fake.url)
        client = teacher.client("label")
        file_id = _upload(client, _jsonl(records)).json()["id"]
        request = job_request([])
        request["dataset"] = {"file_id": file_id}
        r = client.post("/v1/labeling-jobs", json=request)
        assert r.status_code == 201, r.text
        job = teacher.wait(r.json()["id"])
        assert job["state"] == "succeeded" and job["progress"]["done"] == 6
        assert not any(c in sent_texts(fake) for c in canaries)
        # another key cannot label someone else's file; a fine-tune file is not a labeling dataset
        request_other = {**request, "dataset": {"file_id": file_id}}
        assert teacher.client("label-other").post("/v1/labeling-jobs", json=request_other).status_code == 403
        unknown = {**request, "dataset": {"file_id": "file-" + "0" * 32}}
        assert client.post("/v1/labeling-jobs", json=unknown).status_code == 404
        both = {**request, "dataset": {"file_id": file_id, "records": records}}
        assert client.post("/v1/labeling-jobs", json=both).status_code == 422
