"""Student inference: this inference service (vLLM, over HTTP) vs the seed's way (transformers generate), one run.

Same base model and adapter for both: SmolLM2-135M-Instruct (from its PyPI package) with a LoRA adapter
trained by our training core on ../shared/data/llm4gov-severity/train_labeled.json (all 100 records,
QLoRA, `--adapter-mode` prompt: "full" = the seed's recipe, the record's full system prompt; cached under
`--work`). Documents: the 50 records of `test_unlabeled.json`, each with its system prompt.

* **peer** (the seed's way): transformers `generate`, greedy, batches of 4, the adapter on the bf16 base
  model (PeftModel), prompt from `shared.prompts.build_prompt` (what the adapter was trained on), then the
  JSON object parsed out of the text afterwards; a document's latency is its batch's time.
* **ours**: `llm4gov serve inference` as a real process (managed vLLM server, API key auth) with the
  adapter published to the registry and promoted; the 50 documents are sent as single-document
  `POST /v1/classify` requests by `--concurrency` clients; latency is each request's round trip.
  Both arms get the same generation budget (`--max-new-tokens`).

Figures: documents/s, p50/p95 latency, share of schema-valid outputs (ours: results without an error;
peer: parsed and validated against the task schema), agreement between the two arms on severity_level
(over all 50 documents; a document one arm got no valid output for counts as a disagreement).

Hot-swap: while `--concurrency` clients keep classifying, the same adapter files are published as a new
version and promoted; measured: seconds from promote to the first response served by the new version,
and requests that failed (non-200, or any per-document error) during the switch. "Live" is the earliest
send time of a request the new version answered (routing switched by then); the first *response* from it
also includes that request's own generation time on a loaded engine, and is reported too.

    .venv/bin/python -m bench.inference              # ~30 min on 2 vCPU (peer ~19 min; + ~12 min the first time: training)

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.report import fmt, json_line, print_table, ratio
from bench.severity_data import DATA, MODEL_NAME, ensure_model, load_split, load_task
from shared.processes import free_port, running_service


def load_task_and_documents(data_dir: Path, split: str) -> tuple[Any, list[Any], list[Any]]:
    """`test`: train on all 100 labeled records, serve the 50 unlabeled test documents. `holdout`: the
    trainer benchmark's fixed 80/20 split (the 20 keep their teacher labels, so the student's agreement
    with the teacher can be scored for both ways of decoding)."""
    from shared.records import parse_records

    if split == "holdout":
        return load_split(data_dir)
    task, train = load_task(data_dir)
    return task, train, parse_records((data_dir / "test_unlabeled.json").read_bytes())


def ensure_adapter(work: Path, model: Path, task: Any, train: list[Any], mode: str, epochs: float,
                   split: str) -> Path:
    """Train the adapter once (our training core, QLoRA) and keep it under `work`."""
    from services.trainer.training import Hyperparameters
    from services.trainer.training import train as train_adapter
    from shared.prompts import prompt_spec_for

    out = work / f"adapter-{mode}-e{epochs:g}" if split == "test" else work / f"adapter-{split}-{mode}-e{epochs:g}"
    if (out / "adapter" / "adapter_model.safetensors").is_file():
        return out / "adapter"
    print(f"training the adapter ({mode} prompt, {epochs:g} epochs) into {out} ...", file=sys.stderr, flush=True)
    hp = Hyperparameters(r=16, alpha=32, dropout=0.05, epochs=epochs, learning_rate=2e-4, batch_size=4, seed=42,
                         save_steps=10_000)
    result = train_adapter(model, task, train, prompt_spec_for(task, mode), hp, out, method="qlora", resume=True)
    print(f"   trained in {result.runtime_s:.0f} s", file=sys.stderr, flush=True)
    return result.adapter_dir


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --------------------------------------------------------------------------------------------------
# peer: the seed's way
# --------------------------------------------------------------------------------------------------


def run_peer(model: Path, adapter: Path, task: Any, docs: list[Any], spec: Any, max_new_tokens: int,
             batch_size: int) -> dict[str, Any]:
    import torch
    from peft import PeftModel

    from services.trainer.training import generate, load_base_model, load_tokenizer
    from shared.prompts import build_prompt

    tokenizer = load_tokenizer(model)
    peft_model = PeftModel.from_pretrained(load_base_model(model, "lora", torch.bfloat16), str(adapter))
    prompts = [build_prompt(spec, d.user_prompt, d.system_prompt) for d in docs]
    generate(peft_model, tokenizer, prompts[:1], 8, batch_size=1)  # warm-up, not timed
    outputs: list[str] = []
    latencies: list[float] = []
    started = time.perf_counter()
    for start in range(0, len(prompts), batch_size):
        t0 = time.perf_counter()
        chunk = generate(peft_model, tokenizer, prompts[start:start + batch_size], max_new_tokens, batch_size)
        elapsed = time.perf_counter() - t0
        outputs += chunk
        latencies += [elapsed] * len(chunk)
    seconds = time.perf_counter() - started
    parsed = [_parse(task, text) for text in outputs]
    return {"seconds": seconds, "documents": len(docs), "latencies": latencies, "outputs": parsed}


def _parse(task: Any, text: str) -> dict[str, Any] | None:
    """The seed's post-hoc parsing: the JSON object in the text, if any, validated against the schema."""
    start, end = text.find("{"), text.rfind("}")
    if not 0 <= start < end:
        return None
    try:
        return task.validate_output(json.loads(text[start:end + 1]))
    except Exception:
        return None


# --------------------------------------------------------------------------------------------------
# ours: the inference service over HTTP
# --------------------------------------------------------------------------------------------------


class Service:
    def __init__(self, work: Path, model: Path, max_tokens: int, quantization: str) -> None:
        from shared.auth import generate_api_key, hash_api_key

        self.data = work / "service"
        shutil.rmtree(self.data, ignore_errors=True)
        self.key = generate_api_key()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1",
                    "LLM4GOV_DATA_DIR": str(self.data),
                    "LLM4GOV_API_KEYS": json.dumps([{"name": "bench", "sha256": hash_api_key(self.key),
                                                     "roles": ["classify", "admin"]}]),
                    "LLM4GOV_INFERENCE__BASE_MODEL": MODEL_NAME,
                    "LLM4GOV_INFERENCE__MAX_TOKENS": str(max_tokens),
                    "LLM4GOV_INFERENCE__REGISTRY_POLL_INTERVAL_S": "2",
                    "LLM4GOV_INFERENCE__ENGINE__QUANTIZATION": quantization,
                    "LLM4GOV_INFERENCE__ENGINE__MAX_MODEL_LEN": "4096",
                    "LLM4GOV_INFERENCE__ENGINE__KV_CACHE_MEMORY_BYTES": str(2 << 30)}
        from shared.adapters import AdapterRegistry
        from shared.base_models import upload_base_model
        from shared.db import create_db_engine, init_db
        from shared.storage import LocalObjectStore

        self.objects = LocalObjectStore(self.data / "objects")
        upload_base_model(self.objects, MODEL_NAME, model)
        self.registry = AdapterRegistry(self.objects, init_db(create_db_engine(f"sqlite:///{self.data}/registry.db")))

    def publish(self, adapter: Path, task: Any, spec: Any) -> str:
        manifest = {"base_model": MODEL_NAME, "method": "qlora", "task_spec": task.model_dump(),
                    "prompt": spec.model_dump()}
        return self.registry.publish("severity", adapter, manifest, holder="bench").version

    @contextmanager
    def running(self) -> Iterator[float]:
        """The service, started; yields how long it took to become ready."""
        started = time.perf_counter()
        try:
            with running_service("inference", self.env, self.data / "service.log", port=self.port,
                                 timeout_s=900, stop_timeout_s=120):
                yield time.perf_counter() - started
        except RuntimeError as exc:
            sys.exit(f"the inference service did not start: {exc}")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.key}"}, timeout=600)


def _document(doc: Any, index: int) -> dict[str, Any]:
    body: dict[str, Any] = {"id": str(index), "system_prompt": doc.system_prompt}
    if isinstance(doc.user_prompt, str):
        body["text"] = doc.user_prompt
    else:
        body["user_prompt"] = doc.user_prompt
    return body


def run_ours(service: Service, docs: list[Any], concurrency: int) -> dict[str, Any]:
    with service.client() as client:  # warm-up, not timed
        client.post("/v1/classify", json={"task": "severity", "documents": [_document(docs[0], 0)]})
    outputs: list[dict[str, Any] | None] = [None] * len(docs)
    latencies: list[float] = [0.0] * len(docs)
    failures = 0
    errors: dict[str, int] = {}

    def one(index: int) -> None:
        nonlocal failures
        with service.client() as client:
            t0 = time.perf_counter()
            response = client.post("/v1/classify", json={"task": "severity",
                                                          "documents": [_document(docs[index], index)]})
            latencies[index] = time.perf_counter() - t0
        if response.status_code != 200:
            failures += 1
            return
        result = response.json()["results"][0]
        outputs[index] = result["output"]
        if result["error"]:
            errors[result["error"]["code"]] = errors.get(result["error"]["code"], 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(len(docs))))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "documents": len(docs), "latencies": latencies, "outputs": outputs,
            "failed_requests": failures, "item_errors": errors}


def run_swap(service: Service, adapter: Path, task: Any, spec: Any, docs: list[Any], concurrency: int
             ) -> dict[str, Any]:
    """Promote a new version while clients keep classifying; time until it answers, failures meanwhile."""
    new_version = service.publish(adapter, task, spec)
    stop = threading.Event()
    records: list[tuple[float, float, int, str | None, bool]] = []  # sent, answered, status, version, ok

    def load(worker: int) -> None:
        i = worker
        with service.client() as client:
            while not stop.is_set():
                sent = time.perf_counter()
                response = client.post("/v1/classify", json={"task": "severity",
                                                              "documents": [_document(docs[i % len(docs)], i)]})
                ok = response.status_code == 200 and all(r["error"] is None for r in response.json()["results"])
                version = response.json().get("adapter_version") if response.status_code == 200 else None
                records.append((sent, time.perf_counter(), response.status_code, version, ok))
                i += concurrency

    with ThreadPoolExecutor(concurrency) as pool:
        workers = [pool.submit(load, w) for w in range(concurrency)]
        time.sleep(3)
        promoted_at = time.perf_counter()
        service.registry.promote("severity", new_version, actor="bench")
        deadline = time.monotonic() + 120
        while not any(v == new_version and t > promoted_at for _, t, _, v, _ in records):
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        time.sleep(5)
        stop.set()
        for worker in workers:
            worker.result()
    first_new = min((t for _, t, _, v, _ in records if v == new_version), default=None)
    # "live": the earliest request *sent* that the new version answered; from then on new requests are
    # routed to it (the first response also includes that request's own generation time under load).
    live = min((sent for sent, _, _, v, _ in records if v == new_version), default=None)
    old_after = sum(1 for sent, _, _, v, _ in records if live is not None and sent > live and v != new_version)
    return {"requests": len(records), "failed_requests": sum(1 for r in records if r[2] != 200),
            "failed_documents": sum(1 for r in records if not r[4]),
            "promote_to_live_s": round(live - promoted_at, 2) if live else None,
            "promote_to_first_response_s": round(first_new - promoted_at, 2) if first_new else None,
            "old_version_answers_after_live": old_after,
            "new_version": new_version}


# --------------------------------------------------------------------------------------------------
# driver
# --------------------------------------------------------------------------------------------------


def _teacher_scores(task: Any, docs: list[Any], peer: list[Any], ours: list[Any]) -> dict[str, Any]:
    """Agreement and macro-F1 against the teacher's labels (shared.scoring), per arm."""
    from shared.scoring import score_outputs

    references = [d.teacher_output or {} for d in docs]
    out = {}
    for arm, outputs in (("peer", peer), ("ours", ours)):
        metrics = score_outputs(task, references, [json.dumps(o) if o is not None else "" for o in outputs])
        out[arm] = {k: metrics[k] for k in ("agreement", "macro_f1", "schema_valid_rate")}
    return out


def summarize(arm: dict[str, Any]) -> dict[str, Any]:
    lat = arm["latencies"]
    valid = sum(1 for o in arm["outputs"] if o is not None)
    return {"seconds": round(arm["seconds"], 2), "documents_per_s": round(arm["documents"] / arm["seconds"], 3),
            "p50_latency_s": round(statistics.median(lat), 3), "p95_latency_s": round(percentile(lat, 0.95), 3),
            "schema_valid_rate": round(valid / arm["documents"], 3)}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--work", type=Path, default=Path(".llm4gov/bench-inference"))
    parser.add_argument("--adapter-mode", choices=("full", "compact"), default="full")
    parser.add_argument("--split", choices=("test", "holdout"), default="test",
                        help="test: the 50 unlabeled documents; holdout: the 20 held-out labeled records "
                             "(adapter trained on the other 80), scored against the teacher")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--max-new-tokens", type=int, default=512,
                        help="both arms (the service's default max_tokens; the seed's script uses 1024)")
    parser.add_argument("--peer-batch-size", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--quantization", choices=("none", "bitsandbytes"), default="none",
                        help="ours: base model in 4-bit (bitsandbytes) or as stored (bf16)")
    parser.add_argument("--skip-peer", action="store_true", help="quick look at our side only")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from shared.prompts import prompt_spec_for

    work = args.work.resolve()
    task, train, docs = load_task_and_documents(args.data, args.split)
    model = ensure_model(work)
    adapter = ensure_adapter(work, model, task, train, args.adapter_mode, args.epochs, args.split)
    spec = prompt_spec_for(task, args.adapter_mode)

    results: dict[str, Any] = {}
    peer = None
    if not args.skip_peer:
        print("== peer (transformers generate, batch 4) ...", file=sys.stderr, flush=True)
        peer = run_peer(model, adapter, task, docs, spec, args.max_new_tokens, args.peer_batch_size)
        results["peer"] = summarize(peer)
    print("== ours (inference service over HTTP) ...", file=sys.stderr, flush=True)
    service = Service(work, model, args.max_new_tokens, args.quantization)
    service.publish(adapter, task, spec)
    service.registry.promote("severity", "1", actor="bench")
    with service.running() as startup:
        ours = run_ours(service, docs, args.concurrency)
        results["ours"] = {**summarize(ours), "failed_requests": ours["failed_requests"],
                           "item_errors": ours["item_errors"],
                           "startup_s": round(startup, 1)}
        print("== hot-swap under load ...", file=sys.stderr, flush=True)
        swap = run_swap(service, adapter, task, spec, docs, args.concurrency)
    report(args, task, docs, results, peer, ours, swap)


def report(args: argparse.Namespace, task: Any, docs: list[Any], results: dict[str, Any],
           peer: dict[str, Any] | None, ours: dict[str, Any], swap: dict[str, Any]) -> None:
    summary: dict[str, Any] = {"benchmark": "inference", "arms": results, "hot_swap": swap,
                               "config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}}
    rows = [[arm, fmt(r["documents_per_s"], 3), fmt(r["p50_latency_s"], 2), fmt(r["p95_latency_s"], 2),
             fmt(r["schema_valid_rate"], 3)] for arm, r in results.items()]
    print(f"SmolLM2-135M-Instruct + LoRA ({args.adapter_mode} prompt), {len(docs)} documents, "
          f"max {args.max_new_tokens} new tokens; ours: {args.concurrency} concurrent clients, "
          f"quantization {args.quantization}")
    print_table(rows, ["arm", "docs/s", "p50 s", "p95 s", "schema-valid"])
    if peer is not None:
        labels = [(p.get("severity_level") if p else None, o.get("severity_level") if o else None)
                  for p, o in zip(peer["outputs"], ours["outputs"], strict=True)]
        summary["agreement"] = round(sum(1 for p, o in labels if p is not None and p == o) / len(labels), 3)
        both = [(p, o) for p, o in labels if p is not None and o is not None]
        summary["agreement_where_both_valid"] = round(sum(1 for p, o in both if p == o) / len(both), 3) if both else None
        if args.split == "holdout":
            summary["teacher_agreement"] = _teacher_scores(task, docs, peer["outputs"], ours["outputs"])
            print(f"agreement with the teacher on the {len(docs)} held-out records: peer "
                  f"{summary['teacher_agreement']['peer']['agreement']}, ours "
                  f"{summary['teacher_agreement']['ours']['agreement']} (macro-F1 "
                  f"{summary['teacher_agreement']['peer']['macro_f1']} / {summary['teacher_agreement']['ours']['macro_f1']})")
        summary["documents_per_s_ratio"] = ratio(results["ours"]["documents_per_s"], results["peer"]["documents_per_s"])
        print(f"documents/s ours/peer: {summary['documents_per_s_ratio']}x; agreement between the two: "
              f"{summary['agreement']} (where both valid: {summary['agreement_where_both_valid']})")
    print(f"hot-swap: new version live (routing new requests) {swap['promote_to_live_s']} s after promote, "
          f"first response from it {swap['promote_to_first_response_s']} s after promote; "
          f"{swap['failed_requests']} failed requests, {swap['failed_documents']} failed documents "
          f"of {swap['requests']}; old-version answers to requests sent after that: "
          f"{swap['old_version_answers_after_live']}")
    summary["goals"] = {
        "documents_per_s_ratio>=5": (summary.get("documents_per_s_ratio") or 0) >= 5,
        "schema_valid_rate==1": results["ours"]["schema_valid_rate"] == 1.0,
        "failed_requests_during_swap==0": swap["failed_requests"] == 0 and swap["failed_documents"] == 0,
        "new_version_live<=30s": (swap["promote_to_live_s"] or 999) <= 30,
    }
    print(json_line(summary))


if __name__ == "__main__":
    main()
