"""Child processes: they must not outlive the service that started them, and need a free port."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable


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
