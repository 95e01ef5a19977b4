"""Waiting in tests for something a server does in the background (a job finishing, a state reached)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def wait_until(fetch: Callable[[], T], done: Callable[[T], bool], timeout_s: float, interval_s: float = 0.2) -> T:
    """Call `fetch` until `done` holds for its answer, and return that answer; fail the test with the last
    answer once `timeout_s` have passed."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached after {timeout_s} s: {value}")
        time.sleep(interval_s)


def wait_for_state(client: httpx.Client, path: str, states: Collection[str], state_key: str = "status",
                   timeout_s: float = 90, interval_s: float = 0.2) -> dict[str, Any]:
    """GET the job at `path` until its `state_key` is one of `states`."""
    return wait_until(lambda: client.get(path).json(), lambda job: job[state_key] in states, timeout_s, interval_s)
