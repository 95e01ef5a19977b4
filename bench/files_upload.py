"""Uploading a large dataset: the Files API's memory against reading the file whole, then jobs from its id.

Generates a JSONL of `--records` labeled records (~1 KB each: 200k records is ~200 MB), starts the
anonymizer, teacher and trainer as `llm4gov up` does (real processes, default settings), and uploads
the file to the trainer's `POST /v1/files` (purpose fine-tune, streamed by httpx) while sampling the
trainer process's resident memory every 20 ms. Then a labeling job is created from the returned file
id on the teacher (its records streamed into the job's items; the teacher's memory sampled the same
way) and a training job on the trainer; both are cancelled at once.

Peer, same run, same file: what a service does with a dataset it reads whole (the `dataset.uri` path
of a job: the object's bytes, then `parse_records`), measured as the peak resident memory growth of
a fresh Python process doing exactly that.

Prints the memory ratios (upload / peer, labeling job creation / peer) and ends with one JSON line of
the figures.

    python -m bench.files_upload --records 200000
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

WORDS = ("protocolo servidor atendimento prazo sistema falha relato unidade processo documento pedido setor "
         "solicitação análise registro reclamação ouvidoria atraso equipamento contrato").split()
LEVELS = ("BAIXA", "MEDIA", "ALTA", "CRITICA")
TASK = {"name": "severity", "structure_example": {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA|CRITICA"}}
T = TypeVar("T")
PEER_SCRIPT = """
import resource, sys
from shared.records import parse_records
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sys.argv[1], "rb") as handle:
    records = parse_records(handle.read())
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(records), (after - before) * 1024)
"""


def write_dataset(path: Path, records: int, seed: int = 7) -> int:
    """Labeled seed-format records of about 1 KB each; returns the file size."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(records):
            text = " ".join(rng.choice(WORDS) for _ in range(110))
            level = LEVELS[i % 4]
            out.write(json.dumps({"id": f"DOC-{i}", "system_prompt": "Classifique a severidade.",
                                  "user_prompt": {"document_id": f"DOC-{i}", "texto": text},
                                  "teacher_output": {"document_id": f"DOC-{i}", "severity_level": level}},
                                 ensure_ascii=False) + "\n")
    return path.stat().st_size


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class RssSampler(threading.Thread):
    """Peak resident memory of a process while it runs (sampled every 20 ms)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, rss_bytes(pid), threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.02)


def peer_growth(path: Path) -> tuple[int, int]:
    """(records, peak RSS growth in bytes) of reading the file whole and parsing it, in a fresh process."""
    done = subprocess.run([sys.executable, "-c", PEER_SCRIPT, str(path)], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    records, growth = done.stdout.split()
    return int(records), int(growth)


def measured(pid: int, action: Callable[[], T]) -> tuple[T, int, float]:
    """(result, peak resident memory growth of process `pid` in bytes, seconds) of running `action`."""
    idle = rss_bytes(pid)
    sampler = RssSampler(pid)
    sampler.start()
    started = time.perf_counter()
    try:
        result = action()
    finally:
        sampler.stopped.set()
        sampler.join()
    return result, sampler.peak - idle, time.perf_counter() - started


def upload(url: str, headers: dict[str, str], dataset: Path) -> dict[str, Any]:
    """POST the dataset to the trainer's Files API as a fine-tune file, streamed by httpx."""
    with dataset.open("rb") as handle:
        answer = httpx.post(f"{url}/v1/files", headers=headers, timeout=3600, files={"file": ("dataset.jsonl", handle)},
                            data={"purpose": "fine-tune", "task": json.dumps(TASK)})
    answer.raise_for_status()
    return answer.json()


def create_and_cancel(url: str, headers: dict[str, str], path: str, body: dict[str, Any]) -> int:
    """Create a job (its status code), and cancel it at once so nothing runs."""
    created = httpx.post(f"{url}{path}", headers=headers, timeout=3600, json=body)
    if created.status_code == 201:
        httpx.post(f"{url}{path}/{created.json()['id']}/cancel", headers=headers)
    return created.status_code


def run(platform: Any, key: str, dataset: Path, has_base: bool) -> dict[str, Any]:
    """Upload (trainer memory sampled), a labeling job from the file id (teacher memory sampled), and a
    training job from it."""
    headers = {"Authorization": f"Bearer {key}"}
    pid = {s.name: s.process.pid for s in platform.running}
    uploaded, upload_growth, upload_s = measured(pid["trainer"], lambda: upload(platform.url("trainer"), headers,
                                                                                 dataset))
    label_body = {"task": TASK, "dataset": {"file_id": uploaded["id"]},
                  "teacher": {"endpoint": "openai", "model": "gpt-4o-mini"}}
    label_code, label_growth, label_s = measured(pid["teacher"], lambda: create_and_cancel(
        platform.url("teacher"), headers, "/v1/labeling-jobs", label_body))
    jobs = {"labeling": label_code}
    if has_base:
        jobs["training"] = create_and_cancel(platform.url("trainer"), headers, "/v1/training-jobs", {
            "dataset": {"file_id": uploaded["id"]}, "base_model": "smollm2-135m-instruct", "promote": "never"})
    return {"records_checked": uploaded["records"], "upload_s": upload_s, "upload_growth": upload_growth,
            "labeling_job_s": label_s, "labeling_job_growth": label_growth, "jobs": jobs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--work", type=Path, default=None, help="data directory (default: a temporary one)")
    args = parser.parse_args()

    from bench.environment import run_environment
    from services.platform import Platform, ensure_student_base_model, local_admin_key
    from shared.processes import free_port

    with tempfile.TemporaryDirectory(prefix="bench-files-") as scratch:
        data_dir = (args.work or Path(scratch) / "data").resolve()
        dataset = Path(scratch) / "dataset.jsonl"
        size = write_dataset(dataset, args.records)
        print(f"dataset: {args.records} records, {size / 1e6:.1f} MB", file=sys.stderr)
        peer_records, peer = peer_growth(dataset)
        assert peer_records == args.records
        key = local_admin_key(data_dir)
        has_base = ensure_student_base_model(data_dir)
        services = ("anonymizer", "teacher", "trainer")
        platform = Platform(data_dir, services=services, ports={s: free_port() for s in services})
        platform.start(key, progress=lambda m: print(m, file=sys.stderr))
        try:
            figures = run(platform, key, dataset, has_base)
        finally:
            platform.stop()
    ours, label = figures["upload_growth"], figures["labeling_job_growth"]
    print(f"upload: {figures['upload_s']:.1f} s, {figures['records_checked']} records checked, trainer RSS "
          f"+{ours / 1e6:.1f} MB; labeling job from the file id: {figures['labeling_job_s']:.1f} s, teacher RSS "
          f"+{label / 1e6:.1f} MB; peer (read whole + parse_records): +{peer / 1e6:.1f} MB -> ratio "
          f"{ours / peer:.3f} (upload), {label / peer:.3f} (labeling job); jobs: {figures['jobs']}", file=sys.stderr)
    print(json.dumps({"bench": "files_upload", "date": time.strftime("%Y-%m-%d"), "machine": run_environment(),
                      "records": args.records, "file_mb": round(size / 1e6, 1),
                      "upload_s": round(figures["upload_s"], 2), "ours_rss_growth_mb": round(ours / 1e6, 1),
                      "labeling_job_s": round(figures["labeling_job_s"], 2),
                      "labeling_job_rss_growth_mb": round(label / 1e6, 1), "peer_rss_growth_mb": round(peer / 1e6, 1),
                      "ratio": round(ours / peer, 4), "labeling_job_ratio": round(label / peer, 4),
                      "job_status_codes": figures["jobs"]}))


if __name__ == "__main__":
    main()
