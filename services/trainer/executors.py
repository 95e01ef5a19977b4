"""Where a training job's process runs: a local child process (embedded default) or a Kubernetes Job.

Both run the same entrypoint, `python -m services.trainer.run_job <job id>`, which reads the job from
the job store, trains (resuming from the last checkpoint), evaluates, publishes and records the
outcome itself. An executor only starts that process, reports whether it still runs, and stops it;
the worker (`services.trainer.worker`) decides when.

`launch` is idempotent: launching a job whose run already exists adopts it (a replica that takes
over a job from a dead one follows the Kubernetes Job that is already there instead of starting a
second one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, SecretStr

from shared.config import ServiceSettings
from shared.logs import get_logger
from shared.processes import die_with_parent

log = get_logger("trainer.executor")

ENTRYPOINT = ["-m", "services.trainer.run_job"]


class RunPhase(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # the process exited 0
    FAILED = "failed"  # it exited non-zero, was killed, or Kubernetes gave up on it
    MISSING = "missing"  # no such run (never launched here, or already cleaned up)


#: Exit code of a run that stopped on a transient fault (object storage unreachable for too long) without
#: recording a failure: the worker relaunches it from its last checkpoint (EX_TEMPFAIL).
EXIT_TRANSIENT = 75


@dataclass(frozen=True)
class RunStatus:
    phase: RunPhase
    #: Why it failed, safe to show (exit code, Kubernetes reason); no document text.
    detail: str | None = None
    #: False when a run that ended without an outcome would fail the same way again (e.g. Kubernetes'
    #: activeDeadlineSeconds): the worker fails the job instead of relaunching it.
    retryable: bool = True
    #: The run was killed by SIGKILL (the kernel's OOM killer sends it; so does `kill -9`).
    killed: bool = False
    #: Highest resident memory of the run's process seen so far (bytes), where the executor can see it.
    peak_rss_bytes: int | None = None


class Executor(Protocol):
    #: True when a run goes on without the service (a Kubernetes Job): a stopping replica leaves it
    #: running for another replica to follow; False for local children, which stop with the service.
    runs_outlive_service: bool

    def launch(self, job_id: str) -> bool | None:
        """Start the job's training process (True), or adopt the one that already exists (False).
        Raises `LaunchNotReady` while a previous run of the job is still going away (try again later)."""

    def status(self, job_id: str) -> RunStatus: ...

    def cancel(self, job_id: str) -> None:
        """Stop the job's process (no error when none runs)."""

    def cleanup(self, job_id: str) -> None:
        """Forget a finished run (reap the process / leave the Kubernetes Job to its TTL)."""


def settings_env(settings: BaseModel, prefix: str = "LLM4GOV_") -> dict[str, str]:
    """The settings as `LLM4GOV_*` environment variables (nested with `__`, secrets revealed), so a
    child process configured by its environment sees exactly the parent's settings."""
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        key = f"{prefix}{name.upper()}"
        if value is None:
            continue
        if isinstance(value, BaseModel):
            env.update(settings_env(value, key + "__"))
        else:
            env[key] = _env_value(value)
    return env


def _env_value(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(_reveal(value))


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, BaseModel):
        return {k: _reveal(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_reveal(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class LaunchNotReady(RuntimeError):
    """The job's previous run is still being removed: launch again on a later round."""


def read_peak_rss(pid: int) -> int | None:
    """VmHWM (peak resident set size) of a live process, in bytes; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class LocalProcessExecutor:
    """One child process per job on this machine. The child dies with its parent (PDEATHSIG), so a
    killed service leaves no orphan training; the restarted service relaunches the job, which
    resumes from its last checkpoint."""

    runs_outlive_service = False

    def __init__(self, settings: ServiceSettings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._peaks: dict[str, int] = {}

    def launch(self, job_id: str) -> bool:
        if job_id in self._procs and self._procs[job_id].poll() is None:
            return False
        self._peaks.pop(job_id, None)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **settings_env(self.settings), "PYTHONUNBUFFERED": "1"}
        with open(self.log_dir / f"{job_id}.log", "ab") as out:
            self._procs[job_id] = subprocess.Popen([sys.executable, *ENTRYPOINT, job_id], env=env, stdout=out,
                                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                                   preexec_fn=die_with_parent())
        log.info("training_process_started", job_id=job_id, pid=self._procs[job_id].pid)
        return True

    def status(self, job_id: str) -> RunStatus:
        proc = self._procs.get(job_id)
        if proc is None:
            return RunStatus(RunPhase.MISSING)
        code = proc.poll()
        if code is None:  # sample the child's peak resident memory while it lives (gone once it is reaped)
            rss = read_peak_rss(proc.pid)
            if rss is not None:
                self._peaks[job_id] = max(rss, self._peaks.get(job_id, 0))
            return RunStatus(RunPhase.RUNNING, peak_rss_bytes=self._peaks.get(job_id))
        peak = self._peaks.get(job_id)
        if code == 0:
            return RunStatus(RunPhase.SUCCEEDED, peak_rss_bytes=peak)
        if code == EXIT_TRANSIENT:
            return RunStatus(RunPhase.FAILED, "the training process stopped on a transient fault (object storage "
                                              "unreachable)", peak_rss_bytes=peak)
        reason = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        return RunStatus(RunPhase.FAILED, f"the training process ended with {reason}", killed=code == -9,
                         peak_rss_bytes=peak)

    def cancel(self, job_id: str) -> None:
        proc = self._procs.get(job_id)
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def cleanup(self, job_id: str) -> None:
        self._peaks.pop(job_id, None)
        proc = self._procs.pop(job_id, None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for job_id in list(self._procs):
            self.cancel(job_id)

