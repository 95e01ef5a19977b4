"""Which served model answers each task, switched atomically, with in-flight counting for draining.

A `Route` is immutable apart from its in-flight counter: the task, the prompt spec the student was
trained with, and the engine name to call (`<task>@<version>`, or the base model for zero-shot).
Requests take the task's current route once (`use`), so every document of a request is answered by
the same version; a switch replaces the route for new requests only, and the old route's `drained`
event fires when its last request finishes — then the old adapter can be unloaded safely.

Everything here runs on the service's event loop (request handlers and the registry watcher), so
plain attribute updates between awaits are atomic; no lock is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from typing import Any

from shared.errors import NotFound
from shared.prompts import PromptSpec
from shared.tasks import Task


@dataclass(eq=False)
class Route:
    task: Task
    prompt: PromptSpec
    #: The name the engine serves this under.
    served_name: str
    #: Adapter version, or None when the base model answers zero-shot.
    version: str | None
    #: The student's label head (shared.label_head.LabelHead): its labels are pinned while decoding.
    head: Any = None
    in_flight: int = 0
    retired: bool = False
    drained: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def mode(self) -> str:
        return "zero_shot" if self.version is None else "adapter"


class Router:
    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}

    def tasks(self) -> list[str]:
        return sorted(self._routes)

    def current(self, task: str) -> Route | None:
        return self._routes.get(task)

    def routes(self) -> list[Route]:
        return [self._routes[name] for name in sorted(self._routes)]

    def acquire(self, task: str) -> Route:
        """The task's current route, counted in flight until `release` (prefer `use`)."""
        route = self._routes.get(task)
        if route is None:
            raise NotFound(f"Unknown task '{task}': no adapter is promoted for it and it is not configured "
                           "for zero-shot serving.")
        route.in_flight += 1
        return route

    @staticmethod
    def release(route: Route) -> None:
        route.in_flight -= 1
        if route.retired and route.in_flight == 0:
            route.drained.set()

    @contextmanager
    def use(self, task: str) -> Iterator[Route]:
        """The task's current route, held (counted in flight) for the duration of the block."""
        route = self.acquire(task)
        try:
            yield route
        finally:
            self.release(route)

    def by_served_name(self, name: str) -> Route | None:
        return next((r for r in self._routes.values() if r.served_name == name), None)

    def switch(self, route: Route) -> Route | None:
        """Make `route` the task's route for new requests; returns the retired one (draining)."""
        old = self._routes.get(route.task.name)
        self._routes[route.task.name] = route
        if old is not None and old is not route:
            old.retired = True
            if old.in_flight == 0:
                old.drained.set()
            return old
        return None
