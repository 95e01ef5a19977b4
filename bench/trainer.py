"""Student training: our trainer vs trl's SFTTrainer with default settings and the seed's recipe, one run.

Data: the seed's severity task (`../shared/data/llm4gov-severity/train_labeled.json`, 100 records
labeled by the teacher), a fixed 80/20 split (`random.Random(0)` shuffle, first 80 train, last 20
held out). The task is `structure_example.json` (`severity_level` is the label field).

Base model: SmolLM2-135M-Instruct from its PyPI package (`llm4gov models import smollm2-135m-instruct`
conversion, cached under `--work`).

Arms (each in its own Python process, so that its peak memory is its own; same epochs, LoRA r/alpha/
dropout on the same projections, learning rate, batch size and seed):
* **peer**: trl 1.16 `SFTTrainer` + `SFTConfig` defaults (bf16 on, gradient checkpointing on, no
  packing, no padding-free, completion-only loss on a prompt-completion dataset) with the seed's
  recipe: the full system prompt + the document as chat messages through the model's chat template,
  a 16-bit (bf16) base model with a LoRA adapter;
* **ours**: `services.trainer.training.train`, what a training job runs: nf4 4-bit QLoRA base, the
  compact instruction (`shared.prompts`, instruction_mode "compact"), completion-only loss, dynamic
  padding with length-grouped batches;
* **ours_full** (diagnostic, `--arms` to skip it): ours with the full system prompt, to show what the
  compact instruction does to speed and accuracy.

Figures per arm: training wall time and CPU time (user + system; less sensitive to other load on a shared
machine) of `trainer.train()` alone (model load excluded), training examples/s
and tokens/s (tokens = every input token of every example x epochs), peak memory (VmHWM, the process's
peak resident set, model load included), and on the 20 held-out records (greedy generation, each arm
with its own prompt format): JSON validity, schema validity, agreement with the teacher's
severity_level and macro-F1 (shared.scoring). Each arm is scored the way it would be used: the peer by
plain generation with the JSON parsed afterwards (the seed's way); ours decoded under the task schema, as
the inference service serves it (what a training job reports), and also by plain generation (diagnostic). Ratios: speed = peer time / our time; memory = our peak /
peer peak.

    .venv/bin/python -m bench.trainer                       # ~100 min on 2 vCPU (peer ~46 min, ours ~12 min, ours_full ~43 min)
    .venv/bin/python -m bench.trainer --arms peer,ours --epochs 1 --max-eval 8   # quick look

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.report import fmt, json_line, print_table, ratio
from bench.severity_data import DATA, MODEL_NAME, ensure_model, load_split

ARMS = ("peer", "ours", "ours_full")


def peak_rss_mib() -> float:
    """The process's peak resident set size (VmHWM), MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def cpu_seconds() -> float:
    """User + system CPU time of this process: less sensitive than wall time to other load on the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def native_bf16() -> bool:
    """Whether the trainer computes in bf16 here, i.e. the hardware has it (the trainer's own rule)."""
    import torch

    from services.trainer.training import default_compute_dtype

    return default_compute_dtype() == torch.bfloat16


# --------------------------------------------------------------------------------------------------
# Arms (run in child processes)
# --------------------------------------------------------------------------------------------------


def run_peer(cfg: dict[str, Any]) -> dict[str, Any]:
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from services.trainer.training import generate
    from shared.prompts import build_completion
    from shared.records import user_prompt_text
    from shared.scoring import score_outputs

    task, train_records, held_out = load_split(Path(cfg["data"]))
    held_out = held_out[:cfg["max_eval"]]
    tokenizer = AutoTokenizer.from_pretrained(cfg["model"])

    def messages(record: Any) -> list[dict[str, str]]:
        return [{"role": "system", "content": record.system_prompt},
                {"role": "user", "content": user_prompt_text(record.user_prompt)}]

    dataset = Dataset.from_list([{"prompt": messages(r), "completion": [
        # the seed's answer format: json.dumps with its default separators (spaces after "," and ":")
        {"role": "assistant", "content": build_completion(task.validate_output(r.teacher_output), "llm4gov-v1")}]}
        for r in train_records])
    model = AutoModelForCausalLM.from_pretrained(cfg["model"], dtype=torch.bfloat16)
    lora = LoraConfig(r=cfg["r"], lora_alpha=cfg["alpha"], lora_dropout=cfg["dropout"], task_type="CAUSAL_LM",
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    args = SFTConfig(output_dir=cfg["out"], use_cpu=True, num_train_epochs=cfg["epochs"],
                     max_steps=cfg["max_steps"] or -1, per_device_train_batch_size=cfg["batch_size"],
                     learning_rate=cfg["learning_rate"], seed=cfg["seed"], report_to=[], save_strategy="no",
                     disable_tqdm=True)
    clock = _cpu_clock()
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                         peft_config=lora, callbacks=[clock])
    tokens_per_epoch = sum(len(x) for x in trainer.train_dataset["input_ids"])
    started = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - started
    epochs_done = trainer.state.epoch or cfg["epochs"]
    prompts = [tokenizer.apply_chat_template(messages(r), tokenize=False, add_generation_prompt=True)
               for r in held_out]
    started = time.perf_counter()
    generations = generate(trainer.model, tokenizer, prompts, cfg["max_new_tokens"], batch_size=8)
    eval_seconds = time.perf_counter() - started
    metrics = score_outputs(task, [r.teacher_output or {} for r in held_out], [_json_part(g) for g in generations])
    return {"train_seconds": seconds, "train_cpu_seconds": clock.seconds, "eval_seconds": eval_seconds,
            "epochs": epochs_done,
            "examples": len(train_records), "tokens": int(tokens_per_epoch * epochs_done),
            "steps": trainer.state.global_step, "metrics": metrics}


def _json_part(text: str) -> str:
    """The seed parsed the JSON object out of the generated text (chat models may add prose)."""
    start, end = text.find("{"), text.rfind("}")
    return text[start:end + 1] if 0 <= start < end else text


def _cpu_clock() -> Any:
    """A callback measuring the CPU time of `trainer.train()` alone (model loading excluded)."""
    from transformers import TrainerCallback

    class CpuClock(TrainerCallback):
        seconds = 0.0

        def on_train_begin(self, *args: Any, **kwargs: Any) -> None:
            self.started = cpu_seconds()

        def on_train_end(self, *args: Any, **kwargs: Any) -> None:
            self.seconds = cpu_seconds() - self.started

    return CpuClock()


def run_ours(cfg: dict[str, Any], mode: str) -> dict[str, Any]:
    from peft import PeftModel

    from services.trainer.training import (Hyperparameters, build_examples, evaluate, load_base_model,
                                           load_tokenizer, train)
    from shared.prompts import prompt_spec_for

    task, train_records, held_out = load_split(Path(cfg["data"]))
    held_out = held_out[:cfg["max_eval"]]
    spec = prompt_spec_for(task, mode, cfg.get("answer_order", "schema"))  # type: ignore[arg-type]
    hp = Hyperparameters(r=cfg["r"], alpha=cfg["alpha"], dropout=cfg["dropout"], epochs=cfg["epochs"],
                         max_steps=cfg["max_steps"], learning_rate=cfg["learning_rate"],
                         batch_size=cfg["batch_size"], seed=cfg["seed"], save_steps=10_000,
                         label_loss_weight=cfg.get("label_loss_weight", 1.0))
    clock = _cpu_clock()
    method = cfg.get("method", "lora")
    result = train(cfg["model"], task, train_records, spec, hp, Path(cfg["out"]), method=method, resume=False,
                   callbacks=[clock])
    pinned = None
    if cfg.get("label_head", True):  # the training job's default: label fields from the label head
        from services.trainer.label_heads import fit_head

        fitted = fit_head(Path(cfg["model"]), task, train_records, held_out, cfg["seed"])
        pinned = fitted.validation_labels if fitted is not None else None
    tokenizer = load_tokenizer(cfg["model"])
    tokens_per_epoch = sum(len(x["input_ids"]) for x in build_examples(task, train_records, spec, tokenizer,
                                                                        hp.max_seq_length))
    model = PeftModel.from_pretrained(load_base_model(cfg["model"], method), str(result.adapter_dir))
    started = time.perf_counter()
    # as served: decoded under the task schema (xgrammar, the inference service's engine and settings)
    metrics = evaluate(model, tokenizer, task, held_out, spec, max_new_tokens=cfg["max_new_tokens"], batch_size=8,
                       pinned=pinned)
    eval_seconds = time.perf_counter() - started
    # diagnostic: plain greedy decoding, the JSON parsed afterwards (how the peer is scored)
    metrics_free = evaluate(model, tokenizer, task, held_out, spec, max_new_tokens=cfg["max_new_tokens"],
                            batch_size=8, decoding="free")
    epochs_done = result.tokens_seen / tokens_per_epoch if tokens_per_epoch else 0
    return {"train_seconds": result.runtime_s, "train_cpu_seconds": clock.seconds, "eval_seconds": eval_seconds, "epochs": round(epochs_done, 3),
            "examples": len(train_records), "tokens": result.tokens_seen, "steps": result.global_step,
            "metrics": metrics, "metrics_free_decoding": metrics_free}


def run_arm(arm: str, cfg: dict[str, Any]) -> dict[str, Any]:
    figures = run_peer(cfg) if arm == "peer" else run_ours(cfg, "full" if arm == "ours_full" else "compact")
    figures["peak_rss_mib"] = round(peak_rss_mib(), 1)
    figures["examples_per_s"] = round(figures["examples"] * figures["epochs"] / figures["train_seconds"], 4)
    figures["tokens_per_s"] = round(figures["tokens"] / figures["train_seconds"], 1)
    return figures


# --------------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--work", type=Path, default=Path(".llm4gov/bench-trainer"))
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--max-steps", type=int, default=0, help="stop each arm after N steps (quick looks)")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--r", type=int, default=16)
    parser.add_argument("--alpha", type=int, default=32)
    parser.add_argument("--dropout", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--answer-order", choices=("schema", "labels_last"), default="schema",
                        help="ours: the order the student writes the answer's fields in (training jobs' answer_order)")
    parser.add_argument("--label-loss-weight", type=float, default=1.0,
                        help="ours: weight of the label value tokens in the loss (training jobs' label_loss_weight)")
    parser.add_argument("--base-model", default=MODEL_NAME,
                        help="a packaged model (`llm4gov models import` names); the goals are set for SmolLM2-135M")
    parser.add_argument("--method", choices=("lora", "qlora"), default="lora",
                        help="ours: the training job's method (default lora, as the trainer's default)")
    parser.add_argument("--no-label-head", action="store_true",
                        help="ours: labels decoded by the generative student instead of the label head")
    parser.add_argument("--max-eval", type=int, default=20)
    parser.add_argument("--max-new-tokens", type=int, default=320)
    parser.add_argument("--run-arm", choices=ARMS, help=argparse.SUPPRESS)
    parser.add_argument("--config", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.run_arm:
        unknown = set(arms_of(args)) - set(ARMS)
        if unknown:
            parser.error(f"unknown arms {sorted(unknown)}")
    return args


def arms_of(args: argparse.Namespace) -> list[str]:
    return [a.strip() for a in args.arms.split(",") if a.strip()]


def run_arms(args: argparse.Namespace, arms: list[str], work: Path, model: Path) -> dict[str, dict[str, Any]]:
    """Each arm in its own process (`--run-arm`), one after the other; a failed arm stops the benchmark."""
    results: dict[str, dict[str, Any]] = {}
    for arm in arms:
        cfg = {"data": str(args.data), "model": str(model), "out": str(work / "runs" / arm), "epochs": args.epochs,
               "max_steps": args.max_steps or None, "batch_size": args.batch_size,
               "learning_rate": args.learning_rate, "r": args.r, "alpha": args.alpha, "dropout": args.dropout,
               "seed": args.seed, "max_eval": args.max_eval, "max_new_tokens": args.max_new_tokens,
               "label_loss_weight": args.label_loss_weight, "answer_order": args.answer_order,
               "method": args.method, "label_head": not args.no_label_head}
        print(f"== {arm} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "bench.trainer", "--run-arm", arm, "--config", json.dumps(cfg)],
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("ARM-RESULT ")]
        if proc.returncode != 0 or not lines:
            sys.exit(f"arm {arm} failed (exit {proc.returncode})")
        results[arm] = json.loads(lines[-1][len("ARM-RESULT "):])
        (work / "runs" / f"{arm}.json").write_text(json.dumps(results[arm], indent=2))  # kept if a later arm fails
        print(f"   {arm}: {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return results


def report(args: argparse.Namespace, arms: list[str], results: dict[str, dict[str, Any]], bf16_native: bool) -> None:
    rows = []
    for arm, r in results.items():
        m = r["metrics"]
        rows.append([arm, fmt(r["train_seconds"], 1), fmt(r["train_cpu_seconds"], 1), fmt(r["examples_per_s"], 3), fmt(r["tokens_per_s"], 1),
                     fmt(r["peak_rss_mib"], 0), fmt(m["json_valid_rate"], 2), fmt(m["schema_valid_rate"], 2),
                     fmt(m["agreement"], 3), fmt(m["macro_f1"], 3), m.get("decoding", "free"),
                     fmt(r.get("metrics_free_decoding", m)["agreement"], 3)])
    print(f"{args.base_model}, {results[arms[0]]['examples']} training records x {args.epochs} epochs, "
          f"{args.max_eval} held out; batch {args.batch_size}, lr {args.learning_rate}, LoRA r {args.r}")
    print_table(rows, ["arm", "train s", "train CPU s", "examples/s", "tokens/s", "peak MiB", "json ok", "schema ok",
                       "agreement", "macro-F1", "decoding", "agreement (free decoding)"])
    summary: dict[str, Any] = {"benchmark": "trainer", "arms": results,
                               "config": {k: v for k, v in vars(args).items() if k not in ("run_arm", "config")}}
    if "peer" in results and "ours" in results:
        peer, ours = results["peer"], results["ours"]
        summary["speed_ratio"] = ratio(peer["train_seconds"], ours["train_seconds"])
        summary["cpu_time_ratio"] = ratio(peer["train_cpu_seconds"], ours["train_cpu_seconds"])
        summary["tokens_per_s_ratio"] = ratio(ours["tokens_per_s"], peer["tokens_per_s"])
        summary["memory_ratio"] = ratio(ours["peak_rss_mib"], peer["peak_rss_mib"])
        summary["goals"] = {"speed_ratio>=2": (summary["speed_ratio"] or 0) >= 2,
                            "memory_ratio<=0.6": (summary["memory_ratio"] or 9) <= 0.6,
                            "agreement>=0.75": (ours["metrics"]["agreement"] or 0) >= 0.75}
        print(f"speed (peer time / our time): {summary['speed_ratio']}x wall, {summary['cpu_time_ratio']}x CPU; tokens/s ours/peer: "
              f"{summary['tokens_per_s_ratio']}x; peak memory ours/peer: {summary['memory_ratio']}x; "
              f"agreement ours {ours['metrics']['agreement']} vs peer {peer['metrics']['agreement']}")
    summary["config"]["data"] = str(args.data)
    summary["config"]["native_bf16"] = bf16_native
    summary["config"]["work"] = str(args.work)
    print(json_line(summary))


def main() -> None:
    args = parse_args()
    if args.run_arm:
        print("ARM-RESULT " + json.dumps(run_arm(args.run_arm, json.loads(args.config))), flush=True)
        return
    arms = arms_of(args)
    work = args.work.resolve()
    model = ensure_model(work, args.base_model)
    bf16_native = native_bf16()
    if "peer" in arms and not bf16_native:
        print("warning: this machine has no native bf16 (a CPU without AVX512-BF16/AMX, or such a GPU): the peer "
              "(trl defaults, bf16) will run many times slower than on hardware with it, so its speed ratio would "
              "measure the hardware; our arms compute in float32 here", file=sys.stderr, flush=True)
    results = run_arms(args, arms, work, model)
    report(args, arms, results, bf16_native)


if __name__ == "__main__":
    main()
