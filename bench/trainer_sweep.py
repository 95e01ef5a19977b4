"""Choose the student's training recipe by cross-validation on the training split alone.

`bench.trainer` scores a student on 20 held-out records; picking epochs or learning rate by that score
would tune on the test set. This script never looks at those 20: it splits `bench.trainer`'s 80 training
records into k folds, trains one QLoRA student per (configuration, fold) with what a training job runs
(`services.trainer.training.train`, compact instruction) and scores it on the fold it did not see,
decoded under the task schema as served (`evaluate`, constrained). The configuration with the best mean
agreement is the choice (ties: better mean macro-F1, then fewer epochs, then the lower learning rate);
`bench.trainer` then measures it once on the held-out records. The peer, always in the grid and measured in
the same run, is a training job's default recipe (`Hyperparameters()`); the ratio is the choice's mean
agreement over the default's.

Jobs run in parallel worker processes (one model each); on a GPU many fit at once, on a CPU use
`--workers 1`. Every finished job is appended to `<work>/sweep/results.jsonl` at once, so a run stopped by
`--deadline-s` (or killed) keeps what it finished; configurations missing a fold are not ranked.

    .venv/bin/python -m bench.trainer_sweep --epochs 3,6,10 --learning-rates 2e-4,6e-4,1.5e-3 --workers 12

The last line is one JSON object: every configuration's mean scores and the choice.
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import itertools
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.report import fmt, fmt_ratio, json_line, print_table, ratio
from bench.severity_data import DATA, ensure_model, load_split


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def config_id(cfg: dict[str, Any]) -> str:
    return (f"e{cfg['epochs']:g}-lr{cfg['learning_rate']:g}-r{cfg['r']}-a{cfg['alpha']}"
            f"-w{cfg['label_loss_weight']:g}")


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Train on every training record outside the job's fold, score on the fold (in a worker process)."""
    import torch

    if torch.cuda.is_available():
        torch.set_num_threads(1)
    from services.trainer.training import Hyperparameters, evaluate, train
    from shared.prompts import prompt_spec_for

    task, records, held_out = load_split(Path(job["data"]))
    if job["fold"] is None:  # the final check of a chosen configuration: all 80 in, the bench's 20 out
        train_part, eval_part = records, held_out
    else:
        train_part = [r for i, r in enumerate(records) if i % job["folds"] != job["fold"]]
        eval_part = [r for i, r in enumerate(records) if i % job["folds"] == job["fold"]]
    cfg = job["config"]
    spec = prompt_spec_for(task, "compact")
    hp = Hyperparameters(r=cfg["r"], alpha=cfg["alpha"], dropout=cfg["dropout"], epochs=cfg["epochs"],
                         learning_rate=cfg["learning_rate"], batch_size=cfg["batch_size"], seed=cfg["seed"],
                         save_steps=1_000_000, label_loss_weight=cfg["label_loss_weight"])
    out = Path(job["out"])
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    result = train(job["model"], task, train_part, spec, hp, out, method=job["method"], resume=False)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    metrics = evaluate(result.model, result.tokenizer, task, eval_part, spec, max_new_tokens=job["max_new_tokens"],
                       batch_size=len(eval_part))
    eval_seconds = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return {"config_id": config_id(cfg), "config": cfg, "fold": job["fold"], "n_eval": len(eval_part),
            "agreement": metrics["agreement"], "macro_f1": metrics["macro_f1"],
            "schema_valid_rate": metrics["schema_valid_rate"], "train_loss": result.train_loss,
            "train_seconds": round(train_seconds, 1), "eval_seconds": round(eval_seconds, 1),
            "device": "cuda" if torch.cuda.is_available() else "cpu"}


def rank(results: list[dict[str, Any]], folds: int) -> list[dict[str, Any]]:
    """Mean scores of every configuration with all folds done, best first."""
    by_config: dict[str, list[dict[str, Any]]] = {}
    for r in results:
        if r["fold"] is not None:
            by_config.setdefault(r["config_id"], []).append(r)
    rows = []
    for cid, runs in by_config.items():
        if len({r["fold"] for r in runs}) < folds:
            continue
        agreements = [r["agreement"] or 0.0 for r in runs]
        rows.append({"config_id": cid, "config": runs[0]["config"], "cv_agreement": round(statistics.mean(agreements), 4),
                     "cv_agreement_sd": round(statistics.pstdev(agreements), 4),
                     "cv_macro_f1": round(statistics.mean(r["macro_f1"] or 0.0 for r in runs), 4),
                     "cv_schema_valid": round(statistics.mean(r["schema_valid_rate"] for r in runs), 4)})
    rows.sort(key=lambda r: (-r["cv_agreement"], -r["cv_macro_f1"], r["config"]["epochs"], r["config"]["learning_rate"]))
    return rows


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--work", type=Path, default=Path(".llm4gov/bench-trainer"))
    parser.add_argument("--model", type=Path, help="checkpoint directory (default: imported SmolLM2-135M under --work)")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--epochs", default="3", help="comma-separated values to try")
    parser.add_argument("--learning-rates", default="2e-4")
    parser.add_argument("--label-loss-weights", default="1")
    parser.add_argument("--ranks", default="16", help="LoRA r values; alpha = 2 r")
    parser.add_argument("--dropout", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--method", choices=("qlora", "lora"), default="qlora")
    parser.add_argument("--max-new-tokens", type=int, default=320)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--deadline-s", type=float, default=0,
                        help="start no cross-validation job after this many seconds (0: none)")
    parser.add_argument("--held-out-top", type=int, default=0,
                        help="also train the best N configurations on all training records and score them on the "
                             "bench's held-out records (information only: the choice is made by cross-validation)")
    return parser.parse_args()


def grid(args: argparse.Namespace) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The configurations to try, the peer first: a training job's default recipe
    (services.trainer.training), measured in the same run; and that default configuration."""
    configs = [{"epochs": e, "learning_rate": lr, "label_loss_weight": w, "r": int(r), "alpha": int(2 * r),
                "dropout": args.dropout, "batch_size": args.batch_size, "seed": args.seed}
               for w, e, lr, r in itertools.product(_floats(args.label_loss_weights), _floats(args.epochs),
                                                    _floats(args.learning_rates), _floats(args.ranks))]
    from services.trainer.training import Hyperparameters

    default = Hyperparameters()
    default_cfg = {"epochs": default.epochs, "learning_rate": default.learning_rate,
                   "label_loss_weight": default.label_loss_weight, "r": default.r, "alpha": default.alpha,
                   "dropout": args.dropout, "batch_size": args.batch_size, "seed": args.seed}
    if config_id(default_cfg) not in {config_id(c) for c in configs}:
        configs.insert(0, default_cfg)
    return configs, default_cfg


class Sweep:
    """Runs jobs in `workers` processes; every finished job is kept in `results` and appended to the results file."""

    def __init__(self, base: dict[str, Any], sweep_dir: Path, workers: int) -> None:
        self.base = base
        self.sweep_dir = sweep_dir
        self.results_file = sweep_dir / "results.jsonl"
        self.workers = workers
        self.started = time.perf_counter()
        self.results: list[dict[str, Any]] = []

    def job(self, cfg: dict[str, Any], fold: int | None) -> dict[str, Any]:
        name = f"{config_id(cfg)}-{'held-out' if fold is None else f'f{fold}'}"
        return {**self.base, "config": cfg, "fold": fold, "out": str(self.sweep_dir / "runs" / name)}

    def run_all(self, jobs: list[dict[str, Any]], deadline_s: float = 0) -> None:
        context = multiprocessing.get_context("spawn")
        with futures.ProcessPoolExecutor(max_workers=self.workers, mp_context=context, max_tasks_per_child=1) as pool:
            pending: dict[futures.Future, dict[str, Any]] = {}
            queue = list(jobs)
            while queue or pending:
                while queue and len(pending) < self.workers:
                    if deadline_s and time.perf_counter() - self.started > deadline_s:
                        print(f"deadline reached: {len(queue)} jobs not started", file=sys.stderr, flush=True)
                        queue.clear()
                        break
                    j = queue.pop(0)
                    pending[pool.submit(run_job, j)] = j
                if not pending:
                    break
                done, _ = futures.wait(pending, return_when=futures.FIRST_COMPLETED)
                for f in done:
                    self._finished(pending.pop(f), f)

    def _finished(self, j: dict[str, Any], f: futures.Future) -> None:
        try:
            r = f.result()
        except Exception as exc:  # one failed job must not lose the others
            print(f"job {j['out']} failed: {exc!r}", file=sys.stderr, flush=True)
            return
        self.results.append(r)
        with self.results_file.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(r) + "\n")
        print(f"[{time.perf_counter() - self.started:.0f}s] {r['config_id']} fold {r['fold']}: agreement "
              f"{r['agreement']} (train {r['train_seconds']} s, eval {r['eval_seconds']} s)",
              file=sys.stderr, flush=True)


def report(args: argparse.Namespace, configs: list[dict[str, Any]], default_cfg: dict[str, Any], sweep: Sweep,
           ranking: list[dict[str, Any]], held_out: dict[str, Any]) -> None:
    results = sweep.results
    print(f"{len(configs)} configurations x {args.folds} folds of {args.data.name}'s training split "
          f"({args.method}, compact instruction), {time.perf_counter() - sweep.started:.0f} s")
    print_table([[row["config_id"], fmt(row["cv_agreement"], 3), fmt(row["cv_agreement_sd"], 3), fmt(row["cv_macro_f1"], 3),
                  fmt(row["cv_schema_valid"], 2), fmt(held_out.get(row["config_id"], {}).get("agreement"), 3)]
                 for row in ranking],
                ["configuration", "CV agreement", "sd", "CV macro-F1", "schema ok", "held-out agreement"])
    peer = next((row for row in ranking if row["config_id"] == config_id(default_cfg)), None)
    choice = ranking[0] if ranking else None
    agreement_ratio = ratio(choice["cv_agreement"], peer["cv_agreement"]) if choice and peer else None
    print(f"choice {choice['config_id'] if choice else '-'} vs the default recipe {config_id(default_cfg)}: "
          f"CV agreement {fmt_ratio(choice['cv_agreement'] if choice else None, peer['cv_agreement'] if peer else None)}")
    summary = {"benchmark": "trainer_sweep", "folds": args.folds, "method": args.method, "ranking": ranking,
               "choice": choice, "default_recipe": peer, "cv_agreement_ratio": agreement_ratio, "held_out": held_out,
               "device": results[0]["device"] if results else None, "jobs_done": len(results),
               "seconds": round(time.perf_counter() - sweep.started, 1)}
    print(json_line(summary))


def main() -> None:
    args = parse_args()
    work = args.work.resolve()
    model = str(args.model.resolve() if args.model else ensure_model(work))
    sweep_dir = work / "sweep"
    sweep_dir.mkdir(parents=True, exist_ok=True)
    configs, default_cfg = grid(args)
    base = {"data": str(args.data), "model": model, "folds": args.folds, "method": args.method,
            "max_new_tokens": args.max_new_tokens}
    sweep = Sweep(base, sweep_dir, args.workers)
    if args.workers > 1:  # many processes share the cores
        os.environ.setdefault("OMP_NUM_THREADS", "1")

    sweep.run_all([sweep.job(cfg, fold) for cfg in configs for fold in range(args.folds)], args.deadline_s)
    ranking = rank(sweep.results, args.folds)
    held_out: dict[str, Any] = {}
    if args.held_out_top and ranking:
        count = len(sweep.results)
        sweep.run_all([sweep.job(row["config"], None) for row in ranking[:args.held_out_top]])
        held_out = {r["config_id"]: {"agreement": r["agreement"], "macro_f1": r["macro_f1"]}
                    for r in sweep.results[count:]}
    report(args, configs, default_cfg, sweep, ranking, held_out)


if __name__ == "__main__":
    main()
