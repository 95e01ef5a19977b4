"""API processes do not import the ML stack: every service's app imports with torch, transformers and
vLLM blocked (the training process and the vLLM engine, separate processes, load them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = ("torch", "transformers", "vllm", "peft", "trl", "bitsandbytes")
PROBE = f"""
import sys
for name in {BLOCKED!r}:
    sys.modules[name] = None  # any import of it raises ImportError
import importlib
importlib.import_module(sys.argv[1])
print("ok")
"""


@pytest.mark.parametrize("module", ["services.anonymizer.app", "services.teacher.app", "services.trainer.app",
                                    "services.inference.app", "services.cli"])
def test_a_service_app_imports_without_the_ml_stack(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, module], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
