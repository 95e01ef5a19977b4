"""Following a job on a service: one description per kind of job (labeling, training), and the `--wait`
polling, the "started" message and the exit code that every job command shares."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer

from services.client.http import EXIT_FAILED_JOB, EXIT_INTERRUPTED, EXIT_SERVER, ApiClient, CliError
from services.client.output import err, print_json, progress_bar

#: While waiting for a job, server errors and outages shorter than this are ridden out.
TRANSIENT_OUTAGE_S = 60.0
#: States a job may stay in without anyone acting: `--wait` stops there.
STOP_STATES = ("succeeded", "failed", "cancelled", "paused")
#: Stop states that end a command with EXIT_FAILED_JOB.
BAD_END_STATES = ("failed", "cancelled", "paused")

Job = dict[str, Any]


@dataclass(frozen=True)
class JobKind:
    """How one kind of job reads over the API and on the terminal."""

    #: "labeling job", as messages name it
    what: str
    #: the collection, e.g. "/v1/labeling-jobs"
    path: str
    #: the command group, e.g. "label" (`llm4gov label status ID`)
    group: str
    #: the field holding the job's state ("state" or "status")
    state_key: str
    #: what the progress bar counts ("doc", "step")
    unit: str
    #: (done, total or None, extra text) of a job
    progress: Callable[[Job], tuple[int, int | None, str]]
    #: why a job stopped, if it says
    reason: Callable[[Job], str | None]


def get_job(client: ApiClient, kind: JobKind, job_id: str, wait: bool = False, poll_interval: float = 2.0) -> Job:
    """The job now, or with `wait` once it reaches a stop state."""
    if wait:
        return wait_job(client, kind, job_id, poll_interval)
    return client.get(f"{kind.path}/{job_id}")


def wait_job(client: ApiClient, kind: JobKind, job_id: str, poll_interval: float) -> Job:
    """Poll until the job reaches a stop state; a progress bar on a terminal, state lines otherwise.
    Short outages (5xx, unreachable) are ridden out for TRANSIENT_OUTAGE_S."""
    bar = progress_bar(None, kind.unit, kind.what)
    last_state, last_line, last_at = "", "", -1.0
    outage_since: float | None = None
    try:
        while True:
            try:
                job = client.get(f"{kind.path}/{job_id}")
                outage_since = None
            except CliError as exc:
                if exc.code != EXIT_SERVER:
                    raise
                now = time.monotonic()
                if outage_since is None:
                    outage_since = now
                    err(f"warning: {exc.message.splitlines()[0]}; retrying for up to {TRANSIENT_OUTAGE_S:.0f}s")
                elif now - outage_since > TRANSIENT_OUTAGE_S:
                    raise
                time.sleep(min(max(poll_interval, 1.0), 5.0))
                continue
            state = str(job.get(kind.state_key))
            done, total, extra = kind.progress(job)
            if bar is not None:
                if total is not None and bar.total != total:
                    bar.total = total
                bar.n = done
                bar.set_postfix_str(f"{state}{', ' + extra if extra else ''}", refresh=False)
                bar.refresh()
            else:
                # a line when the state changes, and at most every 10 s while progress moves
                line = f"{kind.what} {job_id}: {state}" + (f", {done}/{total} {kind.unit}s" if total else "") + \
                    (f", {extra}" if extra else "")
                now = time.monotonic()
                if state != last_state or (line != last_line and now - last_at >= 10):
                    err(line)
                    last_state, last_line, last_at = state, line, now
            if state in STOP_STATES:
                return job
            time.sleep(poll_interval)
    except KeyboardInterrupt:
        raise CliError(EXIT_INTERRUPTED, f"stopped waiting; {kind.what} {job_id} goes on on the server "
                                         f"(see: llm4gov {kind.group} status {job_id})") from None
    finally:
        if bar is not None:
            bar.close()


def report_started(job: Job, kind: JobKind, json_out: bool) -> None:
    """A job created without --wait: its id on stdout (or the job as JSON) and how to follow it."""
    if json_out:
        print_json(job)
        return
    typer.echo(job["id"])
    err(f"{kind.what} {job['id']} is {job.get(kind.state_key)}; follow it with: "
        f"llm4gov {kind.group} status {job['id']}")


def end_code(job: Job, kind: JobKind) -> int:
    """The exit code a job's state gives the command (EXIT_FAILED_JOB, said on stderr, unless it went well)."""
    state = job.get(kind.state_key)
    if state in BAD_END_STATES:
        reason = kind.reason(job)
        err(f"{kind.what} {job.get('id')} is {state}" + (f": {reason}" if reason else ""))
        return EXIT_FAILED_JOB
    return 0
