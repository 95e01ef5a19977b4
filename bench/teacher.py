"""Teacher labeling throughput and items lost vs the seed's thread-pool runner, and tokens per item with
multi-document calls; one run, one fake teacher LLM with fixed latency and injected failures.

Setup (all on 127.0.0.1, each a separate process):
* the fake OpenAI-compatible teacher (`python -m tests.fakes.teacher_server`) with a fixed latency and
  10% injected failures by default (5% HTTP 500, 3% HTTP 429 with a small Retry-After, 2% content that
  is not JSON), seeded; its counters (and RNG) are reset before each contender, so every contender
  meets the same sequence of faults;
* our anonymizer (`python -m services.cli serve anonymizer`) and our teacher (`python -m services.cli
  serve teacher`), auth off, the default SQLite job store in a temporary data dir.

Data: the seed's severity task (../shared/data/llm4gov-severity: train_labeled.json, 100 records,
and structure_example.json as the task) replicated to `--items` items, each copy with a distinct
document_id (`DOC-003` -> `DOC-003-r07`).

Contenders, same items, same concurrency:
* **ours**: POST /v1/labeling-jobs with the records as they are (documents_per_call 1, `--concurrency`
  requests in flight, the execution settings printed in the report), poll GET /v1/labeling-jobs/{id}
  every 0.1 s until it succeeds; time = wall time from the POST to the poll that sees `succeeded`
  (anonymization, job-store writes and the dataset written to object storage included);
  items lost = total - done.
* **seed**: the seed's runner (teacher_student/teacher.py of the LLM4Gov repository) rewritten without
  LangChain: `ThreadPoolExecutor(max_workers=--concurrency)`, one synchronous
  `openai.OpenAI(...).chat.completions.create` per item with `response_format` json_schema (the schema
  of a pydantic model built from structure_example.json, strict, additionalProperties false), the
  structure example appended to the system prompt as the seed does, the user prompt as compact JSON,
  three tries per item on any exception or unparsable/invalid JSON, the `openai` client's own default
  retries left on (2, as the seed's ChatOpenAI left them), failures written as nulls, raw text (no
  anonymization), the output written to a JSON file. Items lost = items whose result is null.

Ideal = concurrency / latency items/s (every request slot always busy with a first-try success).

Tokens: input tokens per item (prompt tokens reported by the fake, ~chars/4; every call counted,
retries and repairs included) = our job's progress.tokens_in / done, for documents_per_call 1 (the run
above) and documents_per_call `--k` (a second job on the same items and the same fake).

Diagnostics (`--diagnostics`, on by default; same LLM traffic as "ours", to see where our time goes):
the shared system prompt given once as the task's `instruction` (records carry only their
user_prompt, so only the documents are anonymized), and `send_raw_text` (no anonymization, what the
seed sends). For every run of ours: start-up (POST -> first request at the fake), the mean number of
requests in flight at the fake over the labeling span (requests x latency / span, from the fake's
arrival log), the tail (last answer -> job seen succeeded), and the CPU seconds used by each process.

    .venv/bin/python -m bench.teacher --items 1000 --concurrency 64 --latency-s 0.5

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench.environment import DEFAULT_DATA as DEFAULT_DATA_ROOT
from bench.environment import describe, run_environment
from bench.report import json_line
from shared.processes import free_port, running_process

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = DEFAULT_DATA_ROOT / "llm4gov-severity"


# --------------------------------------------------------------------------- data

def load_items(data_dir: Path, n: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """`n` seed-format records (system_prompt, user_prompt) cycled from train_labeled.json, each copy
    with its own document_id; and the structure example."""
    train, example = data_dir / "train_labeled.json", data_dir / "structure_example.json"
    if not train.is_file() or not example.is_file():
        sys.exit(f"bench.teacher: data not found ({train} and {example} are needed); this benchmark is "
                 "optional, skipping.")
    base = json.loads(train.read_text(encoding="utf-8"))
    items = []
    for i in range(n):
        record = base[i % len(base)]
        copy_no = i // len(base)
        user = record["user_prompt"]
        if isinstance(user, dict):
            user = {**user, "document_id": f"{user.get('document_id', i)}-r{copy_no:02d}"}
        else:
            user = f"[copia {copy_no:02d}] {user}"
        items.append({"system_prompt": record.get("system_prompt") or "", "user_prompt": user})
    return items, json.loads(example.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- processes


def process(args: list[str], env: dict[str, str], log_path: Path, ready_url: str,
            timeout_s: float = 180) -> Any:
    """`python <args>` in the repository root, once `ready_url` answers 200; stopped after."""
    return running_process(args, env, log_path, ready_url, timeout_s, cwd=ROOT, stop_timeout_s=30)


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) used so far by each process, and by this one ("bench": the seed's threads,
    the job poller)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name, pid in pids.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out[name] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            out[name] = float("nan")
    t = os.times()
    out["bench"] = t.user + t.system
    return out


class Fake:
    def __init__(self, base: str) -> None:
        self.base = base
        self.url = base + "/v1"

    def reset(self) -> None:
        httpx.post(f"{self.base}/_fake/reset", timeout=30).raise_for_status()

    def stats(self) -> dict[str, int]:
        return httpx.get(f"{self.base}/_fake/stats", timeout=30).raise_for_status().json()

    def arrivals(self) -> list[float]:
        records = httpx.get(f"{self.base}/_fake/requests", timeout=120).raise_for_status().json()
        return sorted(r["arrived_at"] for r in records)


# --------------------------------------------------------------------------- the seed's runner

def seed_schema_model(example: dict[str, Any]):  # type: ignore[no-untyped-def]
    """The seed's `build_pydantic_model_from_example` (scalars, nested objects, lists)."""
    from typing import Any as TypingAny, List, Optional

    from pydantic import create_model

    def infer(value: Any, name: str) -> tuple[Any, Any]:
        if value is None:
            return (Optional[TypingAny], None)
        if isinstance(value, bool):
            return (bool, ...)
        if isinstance(value, int):
            return (int, ...)
        if isinstance(value, float):
            return (float, ...)
        if isinstance(value, str):
            return (str, ...)
        if isinstance(value, dict):
            return (create_model(name, **{k: infer(v, f"{name}_{k.capitalize()}") for k, v in value.items()}), ...)
        if isinstance(value, list):
            elem: Any = TypingAny
            for el in value:
                if el is not None:
                    elem = infer(el, f"{name}Item")[0]
                    break
            return (List[elem], ...)
        return (TypingAny, ...)

    return create_model("TeacherOutput", **{k: infer(v, f"TeacherOutput_{k.capitalize()}") for k, v in example.items()})


def seed_system_prompt(base: str, example: dict[str, Any]) -> str:
    """The seed's LLMExecutor._compose_system_prompt: the structure example appended."""
    appended = ("\n\nYou MUST respond strictly as a JSON object matching the structure below. "
                "Do not include any prose outside JSON. Use the same keys and types. "
                "Fill values appropriately.\n\n"
                "### REQUIRED JSON OUTPUT STRUCTURE (EXAMPLE)\n"
                + json.dumps(example, ensure_ascii=False, indent=2))
    return (base + appended) if base else appended


def run_seed(items: list[dict[str, Any]], example: dict[str, Any], base_url: str, model: str, workers: int,
             timeout_s: float, out_path: Path) -> dict[str, Any]:
    """The seed's Teacher.run: a thread pool, one synchronous call per item, three tries, nulls on failure."""
    import openai

    schema_model = seed_schema_model(example)
    json_schema = schema_model.model_json_schema()
    json_schema.setdefault("additionalProperties", False)
    response_format = {"type": "json_schema",
                       "json_schema": {"name": "response_schema", "strict": True, "schema": json_schema}}
    # One client for all threads (LangChain's ChatOpenAI shares one cached httpx client the same way);
    # the SDK's default retries (max_retries=2) stay on, as they did under the seed's ChatOpenAI.
    client = openai.OpenAI(base_url=base_url, api_key=os.environ.get("OPENAI_API_KEY", "bench"), timeout=timeout_s)
    lock = threading.Lock()
    usage = {"in": 0, "out": 0}

    def label_one(item: dict[str, Any]) -> dict[str, Any]:
        user = item["user_prompt"]
        user_text = json.dumps(user, ensure_ascii=False) if isinstance(user, dict) else user
        messages = [{"role": "system", "content": seed_system_prompt(item.get("system_prompt") or "", example)},
                    {"role": "user", "content": user_text}]
        last_err: Exception | None = None
        for _attempt in range(1, 4):
            try:
                response = client.chat.completions.create(model=model, messages=messages, temperature=0.0,
                                                          response_format=response_format)
                if response.usage:
                    with lock:
                        usage["in"] += response.usage.prompt_tokens or 0
                        usage["out"] += response.usage.completion_tokens or 0
                parsed = json.loads(response.choices[0].message.content)
                return {**item, "teacher_output": schema_model(**parsed).model_dump()}
            except Exception as exc:  # noqa: BLE001 - the seed retries on anything
                last_err = exc
        assert last_err is not None
        raise last_err

    started = time.perf_counter()
    results: list[dict[str, Any] | None] = [None] * len(items)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(label_one, item): i for i, item in enumerate(items)}
        for fut in as_completed(futures):
            idx = futures[fut]
            try:
                results[idx] = fut.result()
            except Exception as exc:  # noqa: BLE001
                results[idx] = {**items[idx], "teacher_output": None, "error": f"{type(exc).__name__}: {exc}"}
    out_path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    seconds = time.perf_counter() - started
    client.close()
    lost = sum(1 for r in results if r is None or r.get("teacher_output") is None)
    return {"seconds": seconds, "items": len(items), "lost": lost, "tokens_in": usage["in"], "tokens_out": usage["out"]}


# --------------------------------------------------------------------------- our service

def job_request(items: list[dict[str, Any]], example: dict[str, Any], execution: dict[str, Any],
                timeout_s: float) -> dict[str, Any]:
    """A labeling job naming the fake teacher's endpoint (configured in the teacher service's environment)."""
    return {"task": {"name": "severity", "structure_example": example},
            "dataset": {"records": items},
            "teacher": {"endpoint": "fake", "model": "fake-teacher", "timeout_s": timeout_s},
            "execution": execution}


def run_ours(teacher: str, request: dict[str, Any], poll_s: float = 0.1, timeout_s: float = 280) -> dict[str, Any]:
    with httpx.Client(base_url=teacher, timeout=120) as client:
        t0 = time.time()
        started = time.perf_counter()
        r = client.post("/v1/labeling-jobs", json=request)
        if r.status_code != 201:
            raise RuntimeError(f"job creation failed: {r.status_code} {r.text[:500]}")
        job_id = r.json()["id"]
        created = time.perf_counter() - started
        while True:
            job = client.get(f"/v1/labeling-jobs/{job_id}").json()
            if job["state"] in ("succeeded", "failed", "cancelled", "paused"):
                break
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(f"job still {job['state']} after {timeout_s} s: {job['progress']}")
            time.sleep(poll_s)
        seconds = time.perf_counter() - started
        t_end = time.time()
        lines = [line for line in client.get(f"/v1/labeling-jobs/{job_id}/results").text.splitlines() if line]
        metrics = client.get("/metrics").text
    p = job["progress"]
    return {"job_id": job_id, "state": job["state"], "reason": job["reason"], "seconds": seconds,
            "post_seconds": created, "t0": t0, "t_end": t_end, "items": p["total"], "done": p["done"],
            "failed": p["failed"], "lost": p["total"] - p["done"], "result_lines": len(lines),
            "tokens_in": p["tokens_in"], "tokens_out": p["tokens_out"],
            "service_items_per_second": p["items_per_second"], "retries": _retries(metrics, job_id)}


def _retries(metrics: str, job_id: str) -> dict[str, float]:
    """Our retries by cause for one job, from the teacher's /metrics."""
    out: dict[str, float] = {}
    for line in metrics.splitlines():
        m = re.match(r"llm4gov_teacher_(?:teacher_)?retries_total\{([^}]*)\} (\S+)", line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if labels.get("job") == job_id:
            out[labels.get("cause", "?")] = float(m.group(2))
    return out


def timeline(arrivals: list[float], t0: float, t_end: float, latency: float, concurrency: int) -> dict[str, float]:
    """Where the wall time went, from the fake's request arrival times (same clock, same machine)."""
    if not arrivals:
        return {}
    first, last = arrivals[0], arrivals[-1] + latency
    span = last - first
    return {"startup_s": first - t0, "labeling_span_s": span, "tail_s": t_end - last,
            "mean_in_flight": len(arrivals) * latency / span if span > 0 else 0.0,
            "in_flight_share": len(arrivals) * latency / span / concurrency if span > 0 else 0.0}


# --------------------------------------------------------------------------- main

Run = dict[str, Any]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Teacher labeling: ours vs the seed's thread pool, one fake LLM.")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64, help="our concurrency = the seed's num_workers")
    parser.add_argument("--latency-s", type=float, default=0.5)
    parser.add_argument("--p-500", type=float, default=0.05)
    parser.add_argument("--p-429", type=float, default=0.03)
    parser.add_argument("--p-invalid-json", type=float, default=0.02)
    parser.add_argument("--retry-after-s", type=float, default=0.2, help="Retry-After of the fake's 429s")
    parser.add_argument("--seed", type=int, default=2026, help="the fake's fault RNG seed")
    parser.add_argument("--k", type=int, default=8, help="documents per call for the token comparison")
    parser.add_argument("--max-attempts", type=int, default=6)
    parser.add_argument("--backoff-initial-s", type=float, default=0.25)
    parser.add_argument("--backoff-max-s", type=float, default=5.0)
    parser.add_argument("--timeout-s", type=float, default=30.0, help="teacher request timeout (both)")
    parser.add_argument("--database-url", default=None, help="our job store (default: SQLite in the data dir)")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--skip-tokens", action="store_true")
    parser.add_argument("--diagnostics", action=argparse.BooleanOptionalAction, default=True,
                        help="also run ours with the shared prompt as task instruction, and with send_raw_text")
    return parser.parse_args()


def main() -> None:
    args = parse_args()

    items, example = load_items(args.data_dir, args.items)
    ideal = args.concurrency / args.latency_s
    execution = {"concurrency": args.concurrency, "max_attempts": args.max_attempts,
                 "backoff_initial_s": args.backoff_initial_s, "backoff_max_s": args.backoff_max_s,
                 "documents_per_call": 1}
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-fake")

    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-teacher-")))
        fake_port, anon_port, teacher_port = free_port(), free_port(), free_port()
        pids: dict[str, int] = {}
        fake_base = f"http://127.0.0.1:{fake_port}"
        pids["fake"] = stack.enter_context(process(
            ["-m", "tests.fakes.teacher_server", "--port", str(fake_port), "--latency-s", str(args.latency_s),
             "--p-500", str(args.p_500), "--p-429", str(args.p_429), "--p-invalid-json", str(args.p_invalid_json),
             "--retry-after-s", str(args.retry_after_s), "--seed", str(args.seed)],
            {}, tmp / "fake.log", fake_base + "/healthz")).pid
        fake = Fake(fake_base)
        anon_url = f"http://127.0.0.1:{anon_port}"
        (tmp / "anon").mkdir()
        pids["anonymizer"] = stack.enter_context(process(
            ["-m", "services.cli", "serve", "anonymizer", "--port", str(anon_port)],
            {"LLM4GOV_AUTH": "off", "LLM4GOV_DATA_DIR": str(tmp / "anon"),
             "LLM4GOV_ANONYMIZER__SECRET_KEY": "a" * 40}, tmp / "anonymizer.log", anon_url + "/readyz")).pid
        teacher_url = f"http://127.0.0.1:{teacher_port}"
        (tmp / "teacher").mkdir()
        teacher_env = {"LLM4GOV_AUTH": "off", "LLM4GOV_DATA_DIR": str(tmp / "teacher"),
                       "LLM4GOV_TEACHER__ANONYMIZER_URL": anon_url, "LLM4GOV_TEACHER__SECRET_KEY": "s" * 40,
                       "LLM4GOV_TEACHER__POLL_INTERVAL_S": "0.2", "LLM4GOV_TEACHER__WORKER_ID": "bench",
                       "LLM4GOV_TEACHER__ENDPOINTS": json.dumps({"fake": {
                           "base_url": fake.url, "api_key_env": "OPENAI_API_KEY", "allow_http": True}})}
        if args.database_url:
            teacher_env["LLM4GOV_DATABASE_URL"] = args.database_url
        pids["teacher"] = stack.enter_context(process(
            ["-m", "services.cli", "serve", "teacher", "--port", str(teacher_port)],
            teacher_env, tmp / "teacher.log", teacher_url + "/readyz")).pid

        runs = run_contenders(args, items, example, execution, teacher_url, fake, pids, tmp)

    report(args, execution, ideal, runs)


def run_contenders(args: argparse.Namespace, items: list[dict[str, Any]], example: dict[str, Any],
                   execution: dict[str, Any], teacher_url: str, fake: Fake, pids: dict[str, int], tmp: Path
                   ) -> dict[str, Run]:
    """Every contender on the started processes, after a warm-up; the fake is reset before each."""
    runs: dict[str, Run] = {}
    # Warm-up (model loading, first requests, imports), not measured.
    run_ours(teacher_url, job_request(items[:32], example, {**execution, "concurrency": 8},
                                      args.timeout_s))
    if not args.skip_seed:
        run_seed(items[:32], example, "fake-teacher", 8, args.timeout_s, tmp / "warm.json")

    def measure(fn: Callable[[], dict[str, Any]], ours: bool = True) -> Run:
        fake.reset()
        cpu0 = cpu_seconds(pids)
        result = fn()
        cpu1 = cpu_seconds(pids)
        run: Run = {"result": result, "stats": fake.stats(),
                    "cpu_s": {k: round(cpu1[k] - cpu0[k], 2) for k in cpu0}}
        if ours:
            run["timeline"] = timeline(fake.arrivals(), result["t0"], result["t_end"], args.latency_s,
                                       args.concurrency)
        return run

    def ours_job(request: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        return lambda: run_ours(teacher_url, request)

    runs["ours"] = measure(ours_job(job_request(items, example, execution, args.timeout_s)))
    if not args.skip_seed:
        runs["seed"] = measure(lambda: run_seed(items, example, "fake-teacher", args.concurrency,
                                                args.timeout_s, tmp / "seed_output.json"), ours=False)
    if not args.skip_tokens:
        runs[f"ours_k{args.k}"] = measure(ours_job(job_request(
            items, example, {**execution, "documents_per_call": args.k}, args.timeout_s)))
    if args.diagnostics:
        # (a) the shared system prompt given once as the task's instruction (records carry only their
        #     user_prompt): the same messages reach the teacher, only the documents are anonymized;
        shared_prompt = {i["system_prompt"] for i in items}
        if len(shared_prompt) == 1:
            request = job_request([{"user_prompt": i["user_prompt"]} for i in items], example,
                                  execution, args.timeout_s)
            request["task"]["instruction"] = shared_prompt.pop()
            runs["ours_instruction"] = measure(ours_job(request))
        # (b) no anonymization at all (send_raw_text, admin only; what the seed sends).
        request = job_request(items, example, execution, args.timeout_s)
        request["send_raw_text"] = True
        runs["ours_raw_text"] = measure(ours_job(request))
    return runs


def report(args: argparse.Namespace, execution: dict[str, Any], ideal: float, runs: dict[str, Run]) -> None:
    k_name = f"ours_k{args.k}"

    def rate(r: dict[str, Any]) -> float:
        return (r["items"] - r["lost"]) / r["seconds"]

    def tokens_per_item(r: dict[str, Any]) -> float:
        return r["tokens_in"] / max(r["items"] - r["lost"], 1)

    labels = {"ours": "ours (k=1)", "seed": "seed runner", k_name: f"ours (k={args.k})",
              "ours_instruction": "ours, prompt as task instruction", "ours_raw_text": "ours, send_raw_text"}
    environment = run_environment()
    print(f"Teacher labeling benchmark ({describe(environment)})")
    print(f"  fake teacher (own process): latency {args.latency_s} s, faults 500={args.p_500} 429={args.p_429} "
          f"(Retry-After {args.retry_after_s} s) invalid_json={args.p_invalid_json}, seed {args.seed}")
    print(f"  {args.items} items, concurrency {args.concurrency}; ideal = {args.concurrency}/{args.latency_s} "
          f"= {ideal:.1f} items/s")
    print(f"  ours: execution {execution}, teacher timeout {args.timeout_s} s, "
          f"job store {'PostgreSQL' if args.database_url else 'SQLite'}")
    print()
    print(f"{'':33}{'items/s':>8}{'of ideal':>9}{'lost':>5}{'seconds':>8}{'requests':>9}{'tok_in/item':>12}"
          f"{'start-up':>9}{'in flight':>10}{'tail':>6}")
    for name, run in runs.items():
        r, tl = run["result"], run.get("timeline") or {}
        flight = f"{tl['mean_in_flight']:.1f}" if tl else "-"
        startup = f"{tl['startup_s']:.2f}" if tl else "-"
        tail = f"{tl['tail_s']:.2f}" if tl else "-"
        print(f"{labels[name]:33}{rate(r):8.1f}{rate(r) / ideal:9.3f}{r['lost']:5d}{r['seconds']:8.2f}"
              f"{run['stats'].get('total', 0):9d}{tokens_per_item(r):12.1f}{startup:>9}{flight:>10}{tail:>6}")
    print("  start-up: POST -> first request at the fake (s); in flight: mean requests in flight at the fake "
          "over the labeling span; tail: last answer -> job seen succeeded (s)")
    print()
    for name, run in runs.items():
        retries = run["result"].get("retries")
        print(f"  {labels[name]}: fake outcomes {run['stats']}" + (f"; our retries {retries}" if retries else ""))
        print(f"  {'':{len(labels[name])}}  CPU seconds {run['cpu_s']}")
    ours = runs["ours"]["result"]
    ours_rate = rate(ours)
    figures: dict[str, Any] = {
        "benchmark": "teacher", "date": environment["date"], "machine": environment, "items": args.items,
        "concurrency": args.concurrency, "latency_s": args.latency_s,
        "faults": {"p_500": args.p_500, "p_429": args.p_429, "p_invalid_json": args.p_invalid_json},
        "retry_after_s": args.retry_after_s, "fake_seed": args.seed, "ideal_items_per_s": ideal,
        "execution": execution, "job_store": "postgresql" if args.database_url else "sqlite"}
    for name, run in runs.items():
        r = run["result"]
        figures[name] = {"items_per_s": rate(r), "share_of_ideal": rate(r) / ideal, "lost": r["lost"],
                         "seconds": r["seconds"], "requests": run["stats"].get("total"), "outcomes": run["stats"],
                         "tokens_in_per_item": tokens_per_item(r), "cpu_s": run["cpu_s"]}
        if run.get("timeline"):
            figures[name]["timeline"] = run["timeline"]
        if r.get("retries"):
            figures[name]["retries"] = r["retries"]
    print()
    if "seed" in runs:
        seed = runs["seed"]["result"]
        ratio = ours_rate / rate(seed)
        figures["ratio_items_per_s_ours_over_seed"] = ratio
        print(f"ours/seed items/s: {ratio:.2f}x ({ours_rate:.1f} vs {rate(seed):.1f}); share of ideal "
              f"{ours_rate / ideal:.3f} vs {rate(seed) / ideal:.3f}; items lost {ours['lost']} vs {seed['lost']}")
    goal_rate = ours_rate / ideal >= 0.9 and ours["lost"] == 0
    print(f"goal >= 0.9 of ideal at concurrency {args.concurrency} with 0 items lost: "
          f"{'met' if goal_rate else 'NOT met'} ({ours_rate / ideal:.3f} of ideal, {ours['lost']} lost)")
    goals: dict[str, Any] = {"share_of_ideal_ge_0_9_and_0_lost": goal_rate}
    if k_name in runs:
        tok1, tokk = tokens_per_item(ours), tokens_per_item(runs[k_name]["result"])
        goal_tokens = tokk / tok1 <= 0.25
        goals["tokens_ratio_le_0_25"] = goal_tokens
        figures["tokens"] = {"k": args.k, "tokens_in_per_item_k1": tok1, "tokens_in_per_item_k": tokk,
                             "ratio": tokk / tok1}
        print(f"input tokens per item: k=1 {tok1:.1f}, k={args.k} {tokk:.1f} -> {tokk / tok1:.3f}x; goal <= 0.25x: "
              f"{'met' if goal_tokens else 'NOT met'}")
    figures["goals"] = goals
    print(json_line(figures))


if __name__ == "__main__":
    main()
