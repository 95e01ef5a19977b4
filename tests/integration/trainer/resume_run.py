"""One training run in its own process, for the exact-resume test: `python -m
tests.integration.trainer.resume_run BASE WORKDIR OUT.json [KILL_AT]`.

Trains the tiny model with fixed hyperparameters (dropout on, several epochs, so RNG and data order
matter), writes every logged step to OUT.json as it goes; with KILL_AT, the process SIGKILLs itself
at that step (no clean shutdown, as the OOM killer would), else it ends with validation figures."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import torch
from transformers import TrainerCallback

from services.trainer.training import Hyperparameters, evaluate, label_token_scores, train
from shared.prompts import prompt_spec_for
from shared.records import Record
from tests.integration.trainer.conftest import TASK, labeled_records

HP = Hyperparameters(r=4, alpha=8, dropout=0.1, max_steps=30, batch_size=4, learning_rate=2e-3, save_steps=10,
                     seed=7, max_seq_length=256, gradient_checkpointing=False)
SPEC = prompt_spec_for(TASK, "compact")


def records() -> tuple[list[Record], list[Record]]:
    data = [Record.model_validate(r) for r in labeled_records(33, seed=5)]
    return data[:24], data[24:]


class Recorder(TrainerCallback):
    def __init__(self, out: Path, kill_at: int | None) -> None:
        self.out, self.kill_at, self.logs = out, kill_at, []

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kw: Any) -> None:
        if logs and "loss" in logs:
            self.logs.append({"step": state.global_step, "loss": logs["loss"]})
            self.out.write_text(json.dumps({"logs": self.logs}))

    def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        if self.kill_at is not None and state.global_step == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    torch.use_deterministic_algorithms(True)
    base, workdir, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    kill_at = int(sys.argv[4]) if len(sys.argv) > 4 else None
    train_records, validation = records()
    recorder = Recorder(out, kill_at)
    result = train(base, TASK, train_records, SPEC, HP, workdir, "lora", callbacks=[recorder])
    metrics = evaluate(result.model, result.tokenizer, TASK, validation, SPEC, max_new_tokens=48, decoding="free")
    tokens = label_token_scores(result.model, result.tokenizer, TASK, validation, SPEC, HP.max_seq_length)
    out.write_text(json.dumps({"logs": recorder.logs, "resumed_from": result.resumed_from,
                               "global_step": result.global_step, "agreement": metrics["agreement"],
                               "label_tokens": tokens, "history": [h for h in result.log_history if "loss" in h]}))


if __name__ == "__main__":
    main()
