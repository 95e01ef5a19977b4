"""Where and when a benchmark ran, measured at run time (not written in the script): date, CPU model,
cores, the instruction-set flags that matter for the CPU kernels, memory, and the GPU if any."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

#: CPU flags that change which kernels run (bf16/AMX matmuls, AVX-512 vector code).
_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile")
#: The repository's reference data, next to the checkout (`../shared/data`).
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _cpu() -> tuple[str, list[str]]:
    model, flags = platform.processor() or platform.machine(), []
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model in ("", platform.machine()):
                model = value.strip()
            elif key.strip() == "flags" and not flags:
                present = set(value.split())
                flags = [f for f in _FLAGS if f in present]
    except OSError:
        pass
    return model, flags


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    return None


def _gpus() -> list[str]:
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        done = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def run_environment() -> dict[str, Any]:
    """The facts a benchmark's figures depend on, for its report and JSON line."""
    model, flags = _cpu()
    return {"date": time.strftime("%Y-%m-%d"), "cpu": model, "cores": os.cpu_count(), "cpu_flags": flags,
            "memory_gib": _memory_gib(), "gpus": _gpus()}


def describe(env: dict[str, Any]) -> str:
    """One line for a report header."""
    gpus = ", ".join(env["gpus"]) or "no GPU"
    flags = " ".join(env["cpu_flags"]) or "no AVX2"
    return f"{env['date']}, {env['cores']} vCPU {env['cpu']} ({flags}), {env['memory_gib']} GiB, {gpus}"
