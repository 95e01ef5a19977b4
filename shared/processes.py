"""Child processes that must not outlive the service that started them."""

from __future__ import annotations

import signal
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
