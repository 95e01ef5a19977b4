"""Exact resume: a run SIGKILLed at step k and resumed from its checkpoint ends like an uninterrupted
run with the same seed (loss curve after the checkpoint, validation figures), because the optimizer,
scheduler, RNG and data-order state come back with the checkpoint. Each run is its own process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[3]


def run(base: Path, workdir: Path, out: Path, kill_at: int | None = None) -> tuple[int, dict[str, Any]]:
    args = [sys.executable, "-m", "tests.integration.trainer.resume_run", str(base), str(workdir), str(out)]
    proc = subprocess.run(args + ([str(kill_at)] if kill_at else []), cwd=ROOT, capture_output=True, timeout=900)
    assert out.exists(), proc.stderr.decode()[-3000:]
    return proc.returncode, json.loads(out.read_text())


def test_a_run_killed_at_step_16_resumes_exactly(tiny_base: Path, tmp_path: Path) -> None:
    code, _ = run(tiny_base, tmp_path / "uninterrupted", tmp_path / "whole.json")
    whole = json.loads((tmp_path / "whole.json").read_text())
    assert code == 0 and whole["global_step"] == 30 and whole["resumed_from"] is None

    code, killed = run(tiny_base, tmp_path / "interrupted", tmp_path / "killed.json", kill_at=16)
    assert code == -signal.SIGKILL and killed["logs"][-1]["step"] == 15  # killed at the end of step 16, before its log
    checkpoints = sorted(p.name for p in (tmp_path / "interrupted" / "checkpoints").glob("checkpoint-*"))
    assert checkpoints == ["checkpoint-10"]
    # what the checkpoint carries besides the adapter: optimizer, scheduler, RNG and trainer (data position) state
    saved = {p.name for p in (tmp_path / "interrupted" / "checkpoints" / "checkpoint-10").iterdir()}
    assert {"optimizer.pt", "scheduler.pt", "rng_state.pth", "trainer_state.json"} <= saved, saved

    code, resumed = run(tiny_base, tmp_path / "interrupted", tmp_path / "resumed.json")
    assert code == 0 and resumed["resumed_from"] == 10 and resumed["global_step"] == 30
    after = {e["step"]: e["loss"] for e in resumed["logs"]}
    assert sorted(after) == list(range(11, 31))  # the 6 steps after the checkpoint are redone: loss <= save_steps
    reference = {e["step"]: e["loss"] for e in whole["logs"] if e["step"] > 10}
    for step, loss in reference.items():
        assert after[step] == pytest.approx(loss, rel=1e-3, abs=1e-4), (step, after[step], loss)
    # the steps the killed run did after the checkpoint were the same steps too (same data, same dropout)
    for e in killed["logs"]:
        assert e["loss"] == pytest.approx(next(x["loss"] for x in whole["logs"] if x["step"] == e["step"]),
                                          rel=1e-3, abs=1e-4)
    assert abs(resumed["agreement"] - whole["agreement"]) <= 0.02, (resumed["agreement"], whole["agreement"])
    assert resumed["label_tokens"]["loss"] == pytest.approx(whole["label_tokens"]["loss"], rel=1e-3, abs=1e-4)
    print(f"\nexact resume: agreement uninterrupted={whole['agreement']} resumed={resumed['agreement']} "
          f"diff={abs(resumed['agreement'] - whole['agreement']):.4f}; validation label-token loss "
          f"{whole['label_tokens']['loss']} vs {resumed['label_tokens']['loss']}")
