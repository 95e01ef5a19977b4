"""Benchmarks report the machine and date they ran on, measured at run time."""

from __future__ import annotations

import os
import time

from bench.environment import describe, run_environment


def test_the_environment_is_measured_not_written() -> None:
    env = run_environment()
    assert env["date"] == time.strftime("%Y-%m-%d")
    assert env["cores"] == os.cpu_count() and env["cpu"]
    assert isinstance(env["cpu_flags"], list) and isinstance(env["gpus"], list)
    assert env["date"] in describe(env) and f"{env['cores']} vCPU" in describe(env)
