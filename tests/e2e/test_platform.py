"""End to end: the four services as real processes started by `llm4gov up`'s launcher, talking HTTP; a
real S3 server; real vLLM; a tiny model built at test time; the fake teacher standing for the external
LLM. A labeling job, a training job, promote, classify — and the privacy promise across the whole flow:
canary PII planted in the input never reaches the teacher endpoint, and never appears in any service
log, metric, job-store row or object-storage file (the pseudonymization vault holds it only encrypted).
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.platform import SERVICE_ORDER, Platform, local_admin_key
from shared.base_models import upload_base_model
from services.trainer.training import load_tokenizer
from shared.prompts import PromptSpec, build_prompt, prompt_spec_for, prompt_token_ids
from shared.records import parse_records
from shared.storage import S3ObjectStore
from shared.tasks import Task
from tests.fakes.teacher_server import FakeTeacher, serve_fake_teacher
from tests.servers import S3Server, free_port
from tests.tiny_models import build_tiny_llama

pytest.importorskip("vllm", reason="the end-to-end test needs vLLM (extra inference-cpu)")
pytestmark = pytest.mark.timeout(900)

CANARY_NAME = "Zuleica Canarinho Testemunha"
CANARY_CPF = "529.982.247-25"
CANARY_EMAIL = "zuleica.canarinho@exemplo.gov.br"
CANARY_PHONE = "(61) 98877-6655"
CANARIES = (CANARY_NAME, "Canarinho", CANARY_CPF, "52998224725", CANARY_EMAIL, "98877-6655")
STRUCTURE = {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA", "explanation": "Resumo."}
INSTRUCTION = "Classifique o documento quanto à severidade."
KEYWORDS = {"incêndio": "ALTA", "atraso": "MEDIA"}


def records(n: int) -> list[dict[str, Any]]:
    rng = random.Random(11)
    out = []
    for i in range(n):
        event = rng.choice(["incêndio no almoxarifado", "atraso no pagamento", "rotina de limpeza"])
        text = (f"Relato {i}: a servidora {CANARY_NAME}, CPF {CANARY_CPF}, e-mail {CANARY_EMAIL}, telefone "
                f"{CANARY_PHONE}, informou {event} no setor {rng.randint(1, 9)}.")
        out.append({"id": f"R{i}", "system_prompt": INSTRUCTION, "user_prompt": {"document_id": f"R{i}", "texto": text}})
    return out


def scrub(text: str) -> str:
    """The text as the anonymizer would leave it (the tiny model's tokenizer must not learn the canaries)."""
    for value, placeholder in ((CANARY_NAME, "<PERSON>"), (CANARY_CPF, "<BR_CPF>"), (CANARY_EMAIL, "<EMAIL_ADDRESS>"),
                               (CANARY_PHONE, "<PHONE_NUMBER>")):
        text = text.replace(value, placeholder)
    return text


def keyword_labeler(user_content: str, schema: dict[str, Any]) -> dict[str, Any]:
    level = next((label for word, label in KEYWORDS.items() if word in user_content), "BAIXA")
    found = user_content.split('"document_id": "', 1)
    doc_id = found[1].split('"', 1)[0] if len(found) > 1 else "?"
    return {"document_id": doc_id, "severity_level": level, "explanation": f"Evento de severidade {level}."}


@pytest.fixture(scope="module")
def fake_teacher() -> Iterator[FakeTeacher]:
    from tests.fakes.teacher_server import FakeTeacherConfig

    with serve_fake_teacher(FakeTeacherConfig(labeler=keyword_labeler, require_api_key="e2e-teacher-key")) as teacher:
        yield teacher


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server,
             fake_teacher: FakeTeacher) -> Iterator[tuple[Platform, str, S3ObjectStore]]:
    tmp = tmp_path_factory.mktemp("e2e")
    task = Task.from_example("severity", STRUCTURE, instruction=INSTRUCTION)
    corpus = [scrub(build_prompt(prompt_spec_for(task, "compact"), r["user_prompt"]) + json.dumps(keyword_labeler(
        json.dumps(r["user_prompt"], ensure_ascii=False), {}), ensure_ascii=False)) for r in records(30)]
    model = build_tiny_llama(tmp / "tiny-llama", corpus)
    bucket = f"e2e-{random.randrange(10**9)}"
    s3_server.client().create_bucket(Bucket=bucket)
    objects = S3ObjectStore(bucket, client=s3_server.client())
    upload_base_model(objects, "tiny-llama", model)
    data_dir = tmp / "data"
    env = {
        "LLM4GOV_LOG_FORMAT": "json",
        "LLM4GOV_STORAGE__BACKEND": "s3", "LLM4GOV_STORAGE__S3_BUCKET": bucket,
        "LLM4GOV_STORAGE__S3_ENDPOINT_URL": s3_server.endpoint_url,
        "LLM4GOV_STORAGE__S3_ACCESS_KEY_ID": s3_server.access_key,
        "LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY": s3_server.secret_key,
        "LLM4GOV_TEACHER_API_KEY": "e2e-teacher-key",
        "LLM4GOV_TEACHER__ENDPOINTS": json.dumps({"fake": {"base_url": fake_teacher.url, "allow_http": True,
                                                           "api_key_env": "LLM4GOV_TEACHER_API_KEY"}}),
        "LLM4GOV_TRAINER__POLL_INTERVAL_S": "0.5",
        "LLM4GOV_INFERENCE__BASE_MODEL": "tiny-llama",
        "LLM4GOV_INFERENCE__MAX_TOKENS": "300",
        "LLM4GOV_INFERENCE__MAX_STRING_CHARS": "40",
        "LLM4GOV_INFERENCE__REGISTRY_POLL_INTERVAL_S": "0.5",
        "LLM4GOV_INFERENCE__ENGINE__MAX_MODEL_LEN": "512",
        "LLM4GOV_INFERENCE__ENGINE__MAX_LORA_RANK": "16",
        "LLM4GOV_INFERENCE__ENGINE__KV_CACHE_MEMORY_BYTES": str(64 << 20),
    }
    launcher = Platform(data_dir, ports={name: free_port() for name in SERVICE_ORDER}, env=env, ready_timeout_s=600)
    key = local_admin_key(data_dir)
    launcher.start(key)
    try:
        yield launcher, key, objects
    finally:
        launcher.stop()


def _client(platform: Platform, key: str, service: str) -> httpx.Client:
    return httpx.Client(base_url=platform.url(service), headers={"Authorization": f"Bearer {key}"}, timeout=120)


def _wait(client: httpx.Client, path: str, field: str, done: tuple[str, ...], timeout_s: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        body = client.get(path).json()
        if body[field] in done:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.5)


def test_method_end_to_end_keeps_pii_inside(platform: tuple[Platform, str, S3ObjectStore],
                                            fake_teacher: FakeTeacher) -> None:
    launcher, key, objects = platform
    with _client(launcher, key, "teacher") as teacher:
        job = teacher.post("/v1/labeling-jobs", json={
            "task": {"name": "severity", "instruction": INSTRUCTION, "structure_example": STRUCTURE},
            "dataset": {"records": records(24)},
            "teacher": {"endpoint": "fake", "model": "fake-teacher"},
            "execution": {"concurrency": 4}})
        assert job.status_code == 201, job.text
        job = _wait(teacher, f"/v1/labeling-jobs/{job.json()['id']}", "state", ("succeeded", "failed", "paused"))
    assert job["state"] == "succeeded" and job["progress"]["done"] == 24, job

    with _client(launcher, key, "trainer") as trainer:
        training = trainer.post("/v1/training-jobs", json={
            "dataset": {"labeling_job_id": job["id"]}, "base_model": "tiny-llama",
            # validated under the inference service's own bounds (max_tokens 300, max_string_chars 40)
            "hyperparameters": {"r": 8, "alpha": 16, "max_steps": 6, "batch_size": 4, "learning_rate": 1e-3,
                                "eval_max_new_tokens": 300, "eval_max_string_chars": 40},
            "validation": {"fraction": 0.25}, "promote": "never"})
        assert training.status_code == 201, training.text
        training = _wait(trainer, f"/v1/training-jobs/{training.json()['id']}", "status",
                         ("succeeded", "failed", "cancelled"))
        assert training["status"] == "succeeded", training
        version = str(training["adapter"]["version"])
        promoted = trainer.post("/v1/adapters/severity/promote", json={"version": version})
        assert promoted.status_code == 200, promoted.text

    with _client(launcher, key, "inference") as inference:
        deadline = time.monotonic() + 60
        while not any(t["task"] == "severity" and t["version"] == version
                      for t in inference.get("/v1/serving").json()["tasks"]):
            assert time.monotonic() < deadline, inference.get("/v1/serving").json()
            time.sleep(0.5)
        new = records(28)[24:]
        response = inference.post("/v1/classify", json={
            "task": "severity", "anonymize": True,
            "documents": [{"id": r["id"], "user_prompt": r["user_prompt"]} for r in new]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["adapter_version"] == version and body["mode"] == "adapter" and body["anonymized"]
    task = Task.from_example("severity", STRUCTURE)
    for result in body["results"]:
        assert result["error"] is None, result
        assert task.validate_output(result["output"]) == result["output"]

    # --- parity: the served student is the validated one ---------------------------------------------
    # the job's own validation records, classified through the API, agree with the teacher as the job said
    assert training["metrics"]["labels_from"] == "label_head" and "tfidf_logreg" in training["metrics"]["baselines"]
    validation = parse_records(objects.get_bytes(training["dataset"]["validation"]["uri"]))
    with _client(launcher, key, "inference") as inference:
        served = inference.post("/v1/classify", json={"task": "severity", "documents": [
            {"id": str(i), "user_prompt": r.user_prompt} for i, r in enumerate(validation)]}).json()["results"]
    agreement = sum(s["output"] is not None and s["output"]["severity_level"] == r.teacher_output["severity_level"]
                    for s, r in zip(served, validation)) / len(validation)
    # token for token the prompt the student was trained on, BOS included
    with _client(launcher, key, "trainer") as trainer:
        manifest = trainer.get(f"/v1/adapters/severity/{version}").json()
    tokenizer = load_tokenizer(launcher.data_dir.parent / "tiny-llama")
    spec = PromptSpec.model_validate(manifest["prompt"])
    expected = [len(prompt_token_ids(tokenizer, build_prompt(spec, r.user_prompt))) for r in validation]
    assert tokenizer.bos_token_id is not None  # this tokenizer adds none by itself: a string prompt would lack it
    assert [s["prompt_tokens"] for s in served] == expected
    assert abs(agreement - training["metrics"]["agreement"]) <= max(0.05, 1 / len(validation)), \
        (agreement, training["metrics"]["agreement"])

    # --- the privacy promise -------------------------------------------------------------------------
    sent = json.dumps(fake_teacher.bodies(), ensure_ascii=False)
    assert len(fake_teacher.bodies()) >= 24
    leaks = [c for c in CANARIES if c in sent]
    assert not leaks, f"PII reached the teacher endpoint: {leaks}"
    assert "Relato" in sent  # the documents themselves did go, anonymized

    for service, path in [*((s, "/metrics") for s in SERVICE_ORDER), ("inference", "/metrics/engine")]:
        metrics = httpx.get(f"{launcher.url(service)}{path}").text
        assert not [c for c in CANARIES if c in metrics], f"PII in {service} {path}"
    launcher.stop()  # flush every log and the databases before reading them

    scanned = 0
    for path in sorted(p for p in launcher.data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes()
        for canary in CANARIES:
            assert canary.encode() not in content, f"PII '{canary}' found in {path}"
        scanned += 1
    assert scanned > 10  # logs of the four services and vLLM, the SQLite job store, caches
    logs = launcher.data_dir / "logs"
    assert {p.name for p in logs.iterdir()} >= {f"{s}.log" for s in SERVICE_ORDER}
    keys = objects.list("")
    assert any(k.startswith("datasets/") for k in keys) and any(k.startswith("adapters/severity/") for k in keys)
    for object_key in keys:
        content = objects.get_bytes(object_key)
        for canary in CANARIES:
            assert canary.encode() not in content, f"PII '{canary}' found in object {object_key}"


def test_job_store_holds_pii_only_in_the_encrypted_vault(platform: tuple[Platform, str, S3ObjectStore]) -> None:
    """Row by row (the file scan above also covers it): no table but the vault's ciphertext mentions the canary."""
    from sqlalchemy import create_engine, inspect, text

    launcher, _key, _objects = platform
    engine = create_engine(f"sqlite:///{launcher.data_dir / 'llm4gov.sqlite3'}")
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        assert "anonymizer_vault" in tables
        vault_rows = conn.execute(text("SELECT COUNT(*) FROM anonymizer_vault")).scalar()
        assert vault_rows and vault_rows >= 24
        for table in tables:
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                dumped = " ".join(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row)
                assert not [c for c in CANARIES if c in dumped], f"PII in table {table}"
    engine.dispose()


def _readme_sdk_example() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Datasets as files, and the official OpenAI SDK", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_the_readmes_openai_sdk_example_runs_as_written(platform: tuple[Platform, str, S3ObjectStore],
                                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    launcher, key, _ = platform
    if all(s.process.poll() is not None for s in launcher.running):  # the first test stopped them to read logs
        launcher.running.clear()
        launcher.start(key)
    labeled = [{**r, "teacher_output": keyword_labeler(json.dumps(r["user_prompt"], ensure_ascii=False), {})}
               for r in records(16)]
    for record in labeled:  # the example's file holds no canary: this test is about the SDK path
        record["user_prompt"]["texto"] = scrub(record["user_prompt"]["texto"])
    (tmp_path / "rotulados.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in labeled),
                                              encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for name, value in {"LLM4GOV_API_KEY": key, "LLM4GOV_TRAINER_URL": launcher.url("trainer"),
                        "LLM4GOV_INFERENCE_URL": launcher.url("inference"), "LLM4GOV_BASE_MODEL": "tiny-llama"}.items():
        monkeypatch.setenv(name, value)
    exec(compile(_readme_sdk_example(), "README.md (OpenAI SDK example)", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert out.startswith("succeeded severity@"), out
    assert "Step" in out  # the job's metrics events
    assert "'severity_level': '" in out.splitlines()[-1]  # the served answer, decoded under the schema


def test_llm4gov_demo_runs_the_method_with_the_demo_teacher(tmp_path: Path, s3_server: S3Server,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """`llm4gov demo`'s flow (tiny model instead of SmolLM2): it starts its own platform, says plainly that
    the teacher is the keyword demo teacher, and ends with schema-valid answers from the promoted student."""
    from services.demo.flow import DemoOptions, run_demo

    bucket = f"demo-{random.randrange(10**9)}"
    s3_server.client().create_bucket(Bucket=bucket)
    objects = S3ObjectStore(bucket, client=s3_server.client())
    from services.demo.documents import generate

    corpus = [d.text for d in generate(40, seed=5)]
    upload_base_model(objects, "tiny-llama", build_tiny_llama(tmp_path / "tiny", corpus))
    env = {"LLM4GOV_STORAGE__BACKEND": "s3", "LLM4GOV_STORAGE__S3_BUCKET": bucket,
           "LLM4GOV_STORAGE__S3_ENDPOINT_URL": s3_server.endpoint_url,
           "LLM4GOV_STORAGE__S3_ACCESS_KEY_ID": s3_server.access_key,
           "LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY": s3_server.secret_key,
           "LLM4GOV_TRAINER__POLL_INTERVAL_S": "0.5", "LLM4GOV_INFERENCE__REGISTRY_POLL_INTERVAL_S": "0.5",
           "LLM4GOV_INFERENCE__MAX_TOKENS": "300", "LLM4GOV_INFERENCE__MAX_STRING_CHARS": "40",
           "LLM4GOV_INFERENCE__ENGINE__MAX_MODEL_LEN": "512", "LLM4GOV_INFERENCE__ENGINE__MAX_LORA_RANK": "16",
           "LLM4GOV_INFERENCE__ENGINE__KV_CACHE_MEMORY_BYTES": str(64 << 20)}
    figures = run_demo(DemoOptions(data_dir=tmp_path / "demo", documents=16, new_documents=4, epochs=1,
                                   base_model="tiny-llama", platform_env=env,
                                   ports={name: free_port() for name in SERVICE_ORDER}))
    out = capsys.readouterr().out
    assert "DEMO teacher" in out and "NOT an" in out
    assert figures["documents"] == 4 and figures["schema_valid"] == 4
    assert figures["adapter_version"] == "1"
    assert "Student severity@1 on 4 new documents: 4/4 schema-valid; agrees with the teacher on" in out
    assert "baselines fitted on all" in out and set(figures["baselines"]) == {"majority", "tfidf_logreg"}
    assert figures["agreement"] is not None and figures["validation"]["labels_from"] == "label_head"
