"""The job worker a service runs beside its API (the teacher's labeling, the trainer's scheduler).

A service hands `create_service_app` a `BackgroundWorker`: the worker is built when the app starts
(so it can use what the app holds by then), only on replicas where it is enabled, and stopped when
the app stops. The API wakes it after creating or resuming a job without caring whether it runs here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from fastapi import FastAPI


class Worker(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...

    def wake(self) -> None: ...


class BackgroundWorker:
    """Starts, wakes and stops a service's worker; every call is a no-op where it is disabled."""

    def __init__(self, build: Callable[[FastAPI], Worker], enabled: bool = True) -> None:
        self._build = build
        self._enabled = enabled
        self.worker: Worker | None = None

    def start(self, app: FastAPI) -> None:
        """Build and start the worker (on app startup), if this replica runs one."""
        if self._enabled:
            self.worker = self._build(app)
            self.worker.start()

    def stop(self) -> None:
        """Stop the worker (on app shutdown): it gives back what it held, so another replica resumes at once."""
        if self.worker is not None:
            self.worker.stop()

    def wake(self) -> None:
        """Look for work now (a job was just created or resumed); nothing before startup or where disabled."""
        if self.worker is not None:
            self.worker.wake()
