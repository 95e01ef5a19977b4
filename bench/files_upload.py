"""Uploading a large dataset: the Files API's memory against reading the file whole, then jobs from its id.

Generates a JSONL of `--records` labeled records (~1 KB each: 200k records is ~200 MB), starts the
anonymizer, teacher and trainer as `llm4gov up` does (real processes, default settings), and uploads
the file to the trainer's `POST /v1/files` (purpose fine-tune, streamed by httpx) while sampling the
trainer process's resident memory every 20 ms. Then a labeling job (teacher) and a training job
(trainer) are created from the returned file id and cancelled.

Peer, same run, same file: what a service does with a dataset it reads whole (the `dataset.uri` path
of a job: the object's bytes, then `parse_records`), measured as the peak resident memory growth of
a fresh Python process doing exactly that.

Prints the memory ratio (ours / peer) and ends with one JSON line of the figures.

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
from pathlib import Path

import httpx

WORDS = ("protocolo servidor atendimento prazo sistema falha relato unidade processo documento pedido setor "
         "solicitação análise registro reclamação ouvidoria atraso equipamento contrato").split()
LEVELS = ("BAIXA", "MEDIA", "ALTA", "CRITICA")
TASK = {"name": "severity", "structure_example": {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA|CRITICA"}}
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
        headers = {"Authorization": f"Bearer {key}"}
        try:
            trainer = next(s for s in platform.running if s.name == "trainer")
            idle = rss_bytes(trainer.process.pid)
            sampler = RssSampler(trainer.process.pid)
            sampler.start()
            started = time.perf_counter()
            with dataset.open("rb") as handle:
                answer = httpx.post(f"{platform.url('trainer')}/v1/files", headers=headers, timeout=3600,
                                    files={"file": ("dataset.jsonl", handle)},
                                    data={"purpose": "fine-tune", "task": json.dumps(TASK)})
            upload_s = time.perf_counter() - started
            sampler.stopped.set()
            sampler.join()
            answer.raise_for_status()
            uploaded = answer.json()
            ours = sampler.peak - idle
            print(f"upload: {upload_s:.1f} s, {uploaded['records']} records checked, trainer RSS +{ours / 1e6:.1f} MB "
                  f"(peak {sampler.peak / 1e6:.0f} MB); peer (read whole + parse_records): +{peer / 1e6:.1f} MB "
                  f"-> ratio {ours / peer:.3f}", file=sys.stderr)
            jobs = {}
            label = httpx.post(f"{platform.url('teacher')}/v1/labeling-jobs", headers=headers, timeout=3600, json={
                "task": TASK, "dataset": {"file_id": uploaded["id"]},
                "teacher": {"endpoint": "openai", "model": "gpt-4o-mini"}})
            jobs["labeling"] = label.status_code
            if label.status_code == 201:
                httpx.post(f"{platform.url('teacher')}/v1/labeling-jobs/{label.json()['id']}/cancel", headers=headers)
            if has_base:
                train = httpx.post(f"{platform.url('trainer')}/v1/training-jobs", headers=headers, timeout=3600, json={
                    "dataset": {"file_id": uploaded["id"]}, "base_model": "smollm2-135m-instruct", "promote": "never"})
                jobs["training"] = train.status_code
                if train.status_code == 201:
                    httpx.post(f"{platform.url('trainer')}/v1/training-jobs/{train.json()['id']}/cancel",
                               headers=headers)
            print(f"jobs from the file id: {jobs}", file=sys.stderr)
        finally:
            platform.stop()
    print(json.dumps({"bench": "files_upload", "date": time.strftime("%Y-%m-%d"), "machine": run_environment(),
                      "records": args.records,
                      "file_mb": round(size / 1e6, 1), "upload_s": round(upload_s, 2),
                      "ours_rss_growth_mb": round(ours / 1e6, 1), "peer_rss_growth_mb": round(peer / 1e6, 1),
                      "ratio": round(ours / peer, 4), "job_status_codes": jobs}))


if __name__ == "__main__":
    main()
