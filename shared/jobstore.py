"""The job store: jobs, their events, and their work items, in one SQLAlchemy database.

State changes are compare-and-set UPDATEs (`WHERE state IN allowed`), so two replicas cannot both
start, finish or cancel the same job. Work items are claimed with a lease: on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so several workers split one job without double work; an item whose lease
expired (its worker died) is claimed again. Results are written per item as they complete.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from collections.abc import Iterable, Iterator
from enum import StrEnum
from itertools import islice
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (JSON, ForeignKey, Index, Integer, String, Text, func, insert, or_, select,
                        update)
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from shared.db import Base, UTCDateTime, utcnow
from shared.errors import Conflict, Forbidden, NotFound

if TYPE_CHECKING:
    from shared.auth import Principal


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
#: Items inserted per statement when a job is created.
ITEM_INSERT_CHUNK = 5_000

#: Which states a job may enter from which; anything else is a 409.
ALLOWED_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.RUNNING: frozenset({JobState.QUEUED, JobState.PAUSED, JobState.RUNNING}),
    JobState.PAUSED: frozenset({JobState.QUEUED, JobState.RUNNING}),
    JobState.QUEUED: frozenset({JobState.PAUSED, JobState.FAILED}),
    JobState.SUCCEEDED: frozenset({JobState.RUNNING}),
    JobState.FAILED: frozenset({JobState.QUEUED, JobState.RUNNING, JobState.PAUSED}),
    JobState.CANCELLED: frozenset({JobState.QUEUED, JobState.RUNNING, JobState.PAUSED}),
}


class ItemState(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: First time the job ran, and when it reached a terminal state (for throughput figures).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JobEventRow(Base):
    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class JobItemRow(Base):
    __tablename__ = "job_items"
    __table_args__ = (Index("ix_job_items_claim", "job_id", "state"),)

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default=ItemState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Usage spent on the item (e.g. LLM tokens in/out), retries included, summed per job in SQL.
    usage_in: Mapped[int] = mapped_column(Integer, default=0)
    usage_out: Mapped[int] = mapped_column(Integer, default=0)


class Job(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    state: JobState
    spec: dict[str, Any]
    progress: dict[str, Any]
    result: dict[str, Any] | None
    reason: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class JobEvent(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    job_id: str
    created_at: datetime
    type: str
    data: dict[str, Any]


class JobItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    job_id: str
    idx: int
    state: ItemState
    attempts: int
    payload: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None


@dataclass
class ItemOutcome:
    """What became of one work item (for `complete_items`)."""

    idx: int
    result: dict[str, Any] | None = None
    error: str | None = None
    usage_in: int = 0
    usage_out: int = 0


def _chunks(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class JobStore:
    """Jobs of every kind (labeling, training...) behind one small API."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions
        self._skip_locked = sessions.kw["bind"].dialect.name == "postgresql"

    # --- jobs -------------------------------------------------------------------------------------
    def create(self, kind: str, spec: dict[str, Any], created_by: str,
               items: Iterable[dict[str, Any]] = ()) -> Job:
        """Create a queued job, and its work items (payloads) in the same transaction: all or nothing, also
        when `items` raises part way (a record found invalid while streaming a file). Items are inserted
        in chunks without ORM objects, so a million of them stay a few MB in memory."""
        row = JobRow(id=str(uuid.uuid4()), kind=kind, state=JobState.QUEUED, spec=spec,
                     progress={}, created_by=created_by)
        count = 0
        with self._sessions.begin() as session:
            session.add(row)
            session.flush()
            for chunk in _chunks(items, ITEM_INSERT_CHUNK):
                session.execute(insert(JobItemRow), [
                    {"job_id": row.id, "idx": count + i, "state": ItemState.PENDING, "attempts": 0, "payload": p,
                     "usage_in": 0, "usage_out": 0} for i, p in enumerate(chunk)])
                count += len(chunk)
            session.add(JobEventRow(job_id=row.id, type="created", data={"items": count}))
        return Job.model_validate(row)

    def get(self, job_id: str, kind: str | None = None) -> Job:
        with self._sessions() as session:
            row = session.get(JobRow, job_id)
            if row is None or (kind is not None and row.kind != kind):
                raise NotFound(f"No job with id '{job_id}'.")
            return Job.model_validate(row)

    def get_owned(self, job_id: str, kind: str, principal: Principal | None, what: str = "Job") -> Job:
        """The job, or 404; 403 when `principal` neither created it nor has `admin` (None: the service's
        own callers, no check)."""
        job = self.get(job_id, kind=kind)
        if principal is not None and not principal.owns(job.created_by):
            raise Forbidden(f"{what} '{job_id}' was created by another API key; reading or changing it needs the "
                            "'admin' role.")
        return job

    def list(self, kind: str | None = None, state: JobState | None = None, limit: int = 50,
             before: datetime | None = None, created_by: str | None = None) -> list[Job]:
        query = select(JobRow).order_by(JobRow.created_at.desc(), JobRow.id).limit(limit)
        if created_by is not None:
            query = query.where(JobRow.created_by == created_by)
        if kind:
            query = query.where(JobRow.kind == kind)
        if state:
            query = query.where(JobRow.state == state)
        if before:
            query = query.where(JobRow.created_at < before)
        with self._sessions() as session:
            return [Job.model_validate(r) for r in session.scalars(query)]

    def count_by_state(self, kind: str) -> dict[str, int]:
        """How many jobs of `kind` are in each state (every state present, zeros included)."""
        query = select(JobRow.state, func.count()).where(JobRow.kind == kind).group_by(JobRow.state)
        with self._sessions() as session:
            counts = {s.value: 0 for s in JobState}
            counts.update({state: n for state, n in session.execute(query)})
            return counts

    def transition(self, job_id: str, to: JobState, reason: str | None = None,
                   result: dict[str, Any] | None = None,
                   from_states: frozenset[JobState] | None = None) -> Job:
        """Atomically move a job to `to` if its current state allows it; 409 otherwise. `from_states`
        replaces the default allowed sources (`ALLOWED_TRANSITIONS`) for this call."""
        allowed = from_states if from_states is not None else ALLOWED_TRANSITIONS[to]
        now = utcnow()
        values: dict[str, Any] = {"state": to, "reason": reason, "updated_at": now}
        if to == JobState.RUNNING:
            values["started_at"] = func.coalesce(JobRow.started_at, now)
        values["finished_at"] = now if to in TERMINAL_STATES else None
        if result is not None:
            values["result"] = result
        with self._sessions.begin() as session:
            changed = session.execute(
                update(JobRow).where(JobRow.id == job_id, JobRow.state.in_(list(allowed))).values(**values)
            ).rowcount
            if not changed:
                row = session.get(JobRow, job_id)
                if row is None:
                    raise NotFound(f"No job with id '{job_id}'.")
                raise Conflict(f"Job '{job_id}' is {row.state}; it cannot become {to}.")
            session.add(JobEventRow(job_id=job_id, type=f"state.{to}", data={"reason": reason} if reason else {}))
        return self.get(job_id)

    def start(self, job_id: str) -> Job | None:
        """The job if it is running, moved from queued to running first if it was queued (runners of one
        job may race to start it: the one that loses reads it back); None if it is in any other state."""
        job = self.get(job_id)
        if job.state == JobState.QUEUED:
            try:
                job = self.transition(job_id, JobState.RUNNING)
            except Conflict:
                job = self.get(job_id)
        return job if job.state == JobState.RUNNING else None

    def is_running(self, job_id: str) -> bool:
        return self.get(job_id).state == JobState.RUNNING

    def counts_if_all_finished(self, job_id: str) -> dict[str, int] | None:
        """An item job's counts once none of its items is pending or claimed and the job still runs:
        the runner that sees this closes the job. None otherwise (other runners still hold items, or the
        job was paused or cancelled meanwhile)."""
        counts = self.item_counts(job_id)
        if counts[ItemState.PENDING] or counts[ItemState.CLAIMED] or not self.is_running(job_id):
            return None
        return counts

    def update_progress(self, job_id: str, **progress: Any) -> None:
        with self._sessions.begin() as session:
            row = session.get(JobRow, job_id)
            if row is None:
                raise NotFound(f"No job with id '{job_id}'.")
            row.progress = {**(row.progress or {}), **progress}

    # --- events -----------------------------------------------------------------------------------
    def add_event(self, job_id: str, type: str, data: dict[str, Any] | None = None) -> None:
        with self._sessions.begin() as session:
            session.add(JobEventRow(job_id=job_id, type=type, data=data or {}))

    def events(self, job_id: str, after_id: int = 0, limit: int = 1000) -> list[JobEvent]:
        self.get(job_id)
        query = (select(JobEventRow).where(JobEventRow.job_id == job_id, JobEventRow.id > after_id)
                 .order_by(JobEventRow.id).limit(limit))
        with self._sessions() as session:
            return [JobEvent.model_validate(r) for r in session.scalars(query)]

    # --- work items -------------------------------------------------------------------------------
    def claim_items(self, job_id: str, worker: str, limit: int, lease: timedelta) -> list[JobItem]:
        """Claim up to `limit` pending (or lease-expired) items for `worker`.

        Candidates are read (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so concurrent workers get disjoint
        rows), then taken with one guarded `UPDATE ... RETURNING`, so that even without row locks
        (SQLite) an item claimed by someone else in between is skipped rather than claimed twice.
        """
        now = utcnow()
        claimable = or_(JobItemRow.state == ItemState.PENDING,
                        (JobItemRow.state == ItemState.CLAIMED) & (JobItemRow.lease_until < now))
        with self._sessions.begin() as session:
            query = (select(JobItemRow.idx).where(JobItemRow.job_id == job_id, claimable)
                     .order_by(JobItemRow.idx).limit(limit))
            if self._skip_locked:
                query = query.with_for_update(skip_locked=True)
            candidates = session.scalars(query).all()
            if not candidates:
                return []
            taken = session.scalars(
                update(JobItemRow)
                .where(JobItemRow.job_id == job_id, JobItemRow.idx.in_(candidates), claimable)
                .values(state=ItemState.CLAIMED, claimed_by=worker, lease_until=now + lease,
                        attempts=JobItemRow.attempts + 1)
                .returning(JobItemRow.idx)
            ).all()
            if not taken:
                return []
            rows = session.scalars(select(JobItemRow).where(JobItemRow.job_id == job_id,
                                                            JobItemRow.idx.in_(taken)).order_by(JobItemRow.idx))
            return [JobItem.model_validate(r) for r in rows]

    def renew_item_lease(self, job_id: str, idx: int, worker: str, lease: timedelta) -> bool:
        """Extend `worker`'s claim on an item; False if it no longer holds it (lease lost)."""
        with self._sessions.begin() as session:
            changed = session.execute(
                update(JobItemRow)
                .where(JobItemRow.job_id == job_id, JobItemRow.idx == idx,
                       JobItemRow.state == ItemState.CLAIMED, JobItemRow.claimed_by == worker)
                .values(lease_until=utcnow() + lease)
            ).rowcount
        return bool(changed)

    def complete_item(self, job_id: str, idx: int, worker: str, result: dict[str, Any] | None = None,
                      error: str | None = None, usage_in: int = 0, usage_out: int = 0) -> bool:
        """Record an item's outcome; False if the worker no longer holds it (lease lost)."""
        state = ItemState.FAILED if error is not None else ItemState.DONE
        with self._sessions.begin() as session:
            changed = session.execute(
                update(JobItemRow)
                .where(JobItemRow.job_id == job_id, JobItemRow.idx == idx,
                       JobItemRow.state == ItemState.CLAIMED, JobItemRow.claimed_by == worker)
                .values(state=state, result=result, error=error, lease_until=None,
                        usage_in=JobItemRow.usage_in + usage_in, usage_out=JobItemRow.usage_out + usage_out)
            ).rowcount
        return bool(changed)

    def complete_items(self, job_id: str, worker: str, outcomes: list["ItemOutcome"]) -> set[int]:
        """Record several items' outcomes in one transaction; returns the indices still held by
        `worker` (and so recorded)."""
        kept: set[int] = set()
        with self._sessions.begin() as session:
            for o in outcomes:
                changed = session.execute(
                    update(JobItemRow)
                    .where(JobItemRow.job_id == job_id, JobItemRow.idx == o.idx,
                           JobItemRow.state == ItemState.CLAIMED, JobItemRow.claimed_by == worker)
                    .values(state=ItemState.FAILED if o.error is not None else ItemState.DONE, result=o.result,
                            error=o.error, lease_until=None, usage_in=JobItemRow.usage_in + o.usage_in,
                            usage_out=JobItemRow.usage_out + o.usage_out)
                ).rowcount
                if changed:
                    kept.add(o.idx)
                    if o.error is not None:
                        session.add(JobEventRow(job_id=job_id, type="item.failed",
                                                data={"index": o.idx, "reason": o.error[:300]}))
        return kept

    def update_item_payloads(self, job_id: str, worker: str, payloads: dict[int, dict[str, Any]]) -> int:
        """Replace claimed items' payloads in one transaction (e.g. once their text is anonymized)."""
        changed = 0
        with self._sessions.begin() as session:
            for idx, payload in payloads.items():
                changed += session.execute(
                    update(JobItemRow)
                    .where(JobItemRow.job_id == job_id, JobItemRow.idx == idx,
                           JobItemRow.state == ItemState.CLAIMED, JobItemRow.claimed_by == worker)
                    .values(payload=payload)
                ).rowcount
        return changed

    def release_worker_claims(self, worker: str) -> int:
        """Give back every item `worker` holds: called when a worker (re)starts, so a crashed
        process's claims do not wait for their leases to expire."""
        with self._sessions.begin() as session:
            return session.execute(
                update(JobItemRow).where(JobItemRow.claimed_by == worker, JobItemRow.state == ItemState.CLAIMED)
                .values(state=ItemState.PENDING, claimed_by=None, lease_until=None)
            ).rowcount

    def resume_item_job(self, job_id: str, by: str) -> None:
        """Queue a paused or failed item job again, its failed items retried (409 in any other state)."""
        job = self.get(job_id)
        if job.state not in (JobState.PAUSED, JobState.FAILED):
            raise Conflict(f"Job '{job_id}' is {job.state}; only paused or failed jobs can be resumed.")
        retried = self.reset_failed_items(job_id)
        self.transition(job_id, JobState.QUEUED, f"resumed by {by}")
        if retried:
            self.add_event(job_id, "items.retry", {"items": retried})

    def reset_failed_items(self, job_id: str) -> int:
        """Make failed items pending again (a resumed job retries them)."""
        with self._sessions.begin() as session:
            return session.execute(
                update(JobItemRow).where(JobItemRow.job_id == job_id, JobItemRow.state == ItemState.FAILED)
                .values(state=ItemState.PENDING, error=None, claimed_by=None)
            ).rowcount

    def usage_totals(self, job_id: str) -> tuple[int, int]:
        query = select(func.coalesce(func.sum(JobItemRow.usage_in), 0),
                       func.coalesce(func.sum(JobItemRow.usage_out), 0)).where(JobItemRow.job_id == job_id)
        with self._sessions() as session:
            used_in, used_out = session.execute(query).one()
            return int(used_in), int(used_out)

    def release_item(self, job_id: str, idx: int, worker: str) -> None:
        """Give an item back unprocessed (e.g. on pause) so another claim can take it."""
        with self._sessions.begin() as session:
            session.execute(update(JobItemRow)
                            .where(JobItemRow.job_id == job_id, JobItemRow.idx == idx,
                                   JobItemRow.claimed_by == worker, JobItemRow.state == ItemState.CLAIMED)
                            .values(state=ItemState.PENDING, claimed_by=None, lease_until=None))

    def item_counts(self, job_id: str) -> dict[str, int]:
        query = (select(JobItemRow.state, func.count()).where(JobItemRow.job_id == job_id)
                 .group_by(JobItemRow.state))
        with self._sessions() as session:
            counts = {s.value: 0 for s in ItemState}
            counts.update({state: n for state, n in session.execute(query)})
            return counts

    def items(self, job_id: str, state: ItemState | None = None, after_idx: int = -1,
              limit: int = 1000) -> list[JobItem]:
        query = (select(JobItemRow).where(JobItemRow.job_id == job_id, JobItemRow.idx > after_idx)
                 .order_by(JobItemRow.idx).limit(limit))
        if state:
            query = query.where(JobItemRow.state == state)
        with self._sessions() as session:
            return [JobItem.model_validate(r) for r in session.scalars(query)]
