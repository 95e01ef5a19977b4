"""Child processes: they must not outlive the service that started them, and need a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from shared.clients import wait_until_healthy


def die_with_parent(sig: int = signal.SIGKILL) -> Callable[[], None]:
    """A `preexec_fn` that makes Linux send `sig` to the child when its parent dies (PR_SET_PDEATHSIG),
    so a killed service leaves no orphan (a training run, a vLLM server)."""

    def _set() -> None:
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG = 1
        except OSError:  # not Linux: callers have their own recovery (leases, restarts)
            pass

    return _set


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now on `host` (for a server started next)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def service_command(service: str, port: int) -> list[str]:
    """The command line of `llm4gov serve <service>` with this interpreter (works without the entry point)."""
    return [sys.executable, "-m", "services.cli", "serve", service, "--port", str(port)]


def stop_process(proc: "subprocess.Popen[bytes]", timeout_s: float = 60.0, sig: int = signal.SIGTERM) -> None:
    """Ask a child to stop (`sig`), give it `timeout_s` to finish what it is doing, then kill it."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def running_process(args: list[str], env: Mapping[str, str], log_path: Path, ready_url: str,
                    timeout_s: float = 180.0, cwd: Path | None = None,
                    stop_timeout_s: float = 60.0) -> Iterator["subprocess.Popen[bytes]"]:
    """`python <args>` as a child (environment `env` on top of ours, output appended to `log_path`),
    yielded once `ready_url` answers 200 and stopped at the end unless it already exited. A child that
    exits or is not ready in time raises RuntimeError with the end of its log."""
    log = open(log_path, "ab")
    proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        try:
            wait_until_healthy(ready_url, timeout_s=timeout_s, path="", process=proc)
        except (RuntimeError, TimeoutError) as exc:
            proc.kill()
            proc.wait(timeout=10)
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(args[:4])} did not start ({exc}):\n{tail}") from None
        yield proc
    finally:
        if proc.poll() is None:
            stop_process(proc, stop_timeout_s)
        log.close()


@contextmanager
def running_service(service: str, env: Mapping[str, str], log_path: Path, port: int | None = None,
                    timeout_s: float = 180.0, stop_timeout_s: float = 60.0,
                    ready_path: str = "/readyz") -> Iterator[tuple[str, "subprocess.Popen[bytes]"]]:
    """`llm4gov serve <service>` on 127.0.0.1 (a free port unless given), yielded as (URL, process)
    once `ready_path` answers 200 (/readyz: every dependency answers; /healthz: the process serves);
    stopped at the end unless it already exited."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with running_process(service_command(service, port)[1:], env, log_path, url + ready_path, timeout_s,
                         cwd=Path(__file__).resolve().parents[1], stop_timeout_s=stop_timeout_s) as proc:
        yield url, proc


@contextmanager
def serve_app(app: Any, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Serve an ASGI app with a real uvicorn server in a thread; yields its base URL."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://{host}:{port}"
    try:
        wait_until_healthy(base, timeout_s=30)
    except TimeoutError:
        server.should_exit = True
        raise
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
