"""Batch classification jobs: every record of an uploaded file classified asynchronously.

`POST /v1/classify/batch-jobs {task, file_id}` creates a job with one work item per record of the file
(purpose `classification`, see shared/files.py); the records themselves stay in the file's object and
are not copied into the database. A worker on each replica (an asyncio task on the app's event loop,
beside the serving supervisor) claims items in batches of at most `max_documents_per_request` with a
lease (shared/jobstore.py), sends each batch through the same in-process path as `/v1/classify`
(`Classifier.classify`: the router, the engine, schema validation) and writes the batch's outcomes in
one small transaction as soon as it is answered. Only `batch.concurrency` batches are in flight per
replica, so interactive requests still find room in the engine's continuous batching.

Resumability: an item is either done/failed (its outcome is in the database) or pending/claimed. A
killed process loses at most the batch it had in flight, and no answered item is classified again: on
start the worker gives back every claim its worker id still holds (or, under another id, the lease
expires). When the engine (or the anonymizer, or the task) is unavailable, the batch's items are given
back and the job pauses with the reason; `POST .../resume` continues it. When the last item is
answered, the results (one JSONL line per record, in input order: `{id, output}` or `{id, error}`) are
written to object storage and registered as a file (purpose `classification`), `output_file_id`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import sessionmaker

from services.inference.metrics import InferenceMetrics
from services.inference.protocol import (BatchJobView, BatchProgress, ClassifyRequest, ClassifyResponse,
                                         CreateBatchJob, Document)
from services.inference.routing import Router
from services.inference.settings import InferenceOptions
from shared.auth import Principal
from shared.errors import (Conflict, NotFound, PayloadTooLarge, ProblemError, ServiceUnavailable,
                           Unprocessable)
from shared.files import FileRow, FileStore
from shared.jobstore import ItemOutcome, ItemState, Job, JobItem, JobState, JobStore
from shared.logs import get_logger
from shared.records import dump_jsonl
from shared.storage import ObjectNotFound, ObjectStore

log = get_logger("inference.batch")

JOB_KIND = "classify.batch"
#: `details.kind` of a results file (it holds outputs, not documents: not an input for another job).
RESULTS_KIND = "classification_results"
#: Batches in a row answered only in part (engine errors) before the job pauses.
MAX_ENGINE_TROUBLE = 3


class BatchJobSpec(BaseModel):
    """What a batch job stores: the task to classify with, the input file and its record count (checked
    again when the job runs: a file replaced under the same id is refused), and whether to anonymize."""

    task: str
    file_id: str
    anonymize: bool = False
    records: int

    @classmethod
    def of(cls, job: Job) -> "BatchJobSpec":
        return cls.model_validate(job.spec)


class ClassifierLike(Protocol):
    anonymizer: Any

    async def classify(self, request: ClassifyRequest) -> ClassifyResponse: ...


class EngineState(Protocol):
    engine_ready: bool
    synced: bool


@dataclass
class BatchContext:
    store: JobStore
    files: FileStore
    sessions: sessionmaker
    objects: ObjectStore
    classifier: ClassifierLike
    router: Router
    supervisor: EngineState
    options: InferenceOptions
    metrics: InferenceMetrics
    work_dir: Path

    @property
    def worker_id(self) -> str:
        return self.options.batch.worker_id

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.options.batch.lease_s)

    @property
    def batch_size(self) -> int:
        """Documents per batch: `batch.batch_size`, by default half the engine's sequence slots (the other
        half stays free for interactive requests), never more than `max_documents_per_request`."""
        limit = self.options.max_documents_per_request
        default = max(1, self.options.engine.max_num_seqs // 2)
        return min(self.options.batch.batch_size or default, limit)


def _unix(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def result_line(item: JobItem) -> dict[str, Any] | None:
    """An answered item's line in the results: `{id, output}` or `{id, error: {code, detail}}`."""
    if item.state not in (ItemState.DONE, ItemState.FAILED) or item.result is None:
        return None
    result = item.result
    if "output" in result and item.state == ItemState.DONE:
        return {"id": result["id"], "output": result["output"]}
    return {"id": result.get("id", str(item.idx)),
            "error": result.get("error") or {"code": "failed", "detail": item.error or "unknown error"}}


def iter_result_lines(store: JobStore, job_id: str, page: int = 500) -> Iterator[bytes]:
    """The answered items' lines, in input order, as JSONL."""
    after = -1
    while batch := store.items(job_id, after_idx=after, limit=page):
        lines = [line for line in (result_line(item) for item in batch) if line is not None]
        if lines:
            yield dump_jsonl(lines)
        after = batch[-1].idx


class InputFile:
    """A job's input file, downloaded once per run, with the byte offset of each record's line."""

    def __init__(self, path: Path, handle: IO[bytes], offsets: list[int]) -> None:
        self.path, self._handle, self.offsets = path, handle, offsets

    @classmethod
    def open(cls, files: FileStore, objects: ObjectStore, file_id: str, directory: Path) -> "InputFile":
        row = files.require(file_id)  # NotFound once deleted
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="batch-input-", suffix=".jsonl", dir=directory)
        os.close(fd)
        path = Path(name)
        try:
            try:
                objects.download_file(row.object_key, path)
            except ObjectNotFound:
                raise NotFound(f"The content of file '{file_id}' is missing from object storage.") from None
            offsets, position = [], 0
            with path.open("rb") as scan:
                for line in scan:
                    if line.strip():
                        offsets.append(position)
                    position += len(line)
            return cls(path, path.open("rb"), offsets)
        except BaseException:
            path.unlink(missing_ok=True)
            raise

    def record(self, idx: int) -> Any:
        self._handle.seek(self.offsets[idx])
        return json.loads(self._handle.readline())

    def close(self) -> None:
        self._handle.close()
        self.path.unlink(missing_ok=True)


# --- the API's side ------------------------------------------------------------------------------------

class BatchJobService:
    def __init__(self, ctx: BatchContext, wake: Any = None) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self._wake = wake or (lambda: None)

    def create(self, request: CreateBatchJob, principal: Principal) -> BatchJobView:
        """Check everything a run would refuse (nothing is created on a 4xx), then queue the job."""
        ctx = self.ctx
        if ctx.router.current(request.task) is None:
            if not ctx.supervisor.synced:
                raise ServiceUnavailable("The adapter registry has not been read yet (the engine is starting); "
                                         "retry shortly.", extra={"retry_after_s": 5})
            raise NotFound(f"Unknown task '{request.task}': no adapter is promoted for it and it is not "
                           "configured for zero-shot serving.")
        if request.anonymize and ctx.classifier.anonymizer is None:
            raise ServiceUnavailable("anonymize=true needs the anonymizer, and none is configured "
                                     "(LLM4GOV_INFERENCE__ANONYMIZER_URL).")
        row = ctx.files.require(request.file_id, principal, purpose="classification")
        if (row.details or {}).get("kind") == RESULTS_KIND:
            raise Unprocessable(f"File '{row.id}' holds the results of batch job "
                                f"'{row.details.get('job_id')}', not documents to classify.")
        limit = ctx.options.batch.max_items_per_job
        if row.records > limit:
            raise PayloadTooLarge(f"The file has {row.records} records; a batch job takes at most {limit}.")
        spec = BatchJobSpec(task=request.task, file_id=row.id, anonymize=request.anonymize, records=row.records)
        # one empty item per record (the record is read from the file by its line), inserted in chunks
        items = ({} for _ in range(row.records))
        job = self.store.create(JOB_KIND, spec.model_dump(), principal.name, items=items)
        log.info("batch_job_created", job_id=job.id, task=request.task, items=row.records)
        self._wake()
        return self.view(job)

    def require_job(self, job_id: str, principal: Principal | None = None) -> Job:
        """The batch job, or 404; 403 when `principal` is neither its creator nor an admin."""
        return self.store.get_owned(job_id, JOB_KIND, principal, "Batch job")

    def view(self, job_id: str | Job, principal: Principal | None = None) -> BatchJobView:
        job = job_id if isinstance(job_id, Job) else self.require_job(job_id, principal)
        counts = self.store.item_counts(job.id)
        spec = BatchJobSpec.of(job)
        progress = BatchProgress(total=sum(counts.values()), done=counts[ItemState.DONE],
                                 failed=counts[ItemState.FAILED], pending=counts[ItemState.PENDING],
                                 in_progress=counts[ItemState.CLAIMED])
        error = job.reason if job.state in (JobState.PAUSED, JobState.FAILED, JobState.CANCELLED) else None
        return BatchJobView(id=job.id, status=job.state.value, task=spec.task, input_file_id=spec.file_id,
                            output_file_id=(job.result or {}).get("output_file_id"),
                            anonymize=spec.anonymize, progress=progress, created_by=job.created_by,
                            created_at=_unix(job.created_at), started_at=_unix(job.started_at),  # type: ignore[arg-type]
                            finished_at=_unix(job.finished_at), error=error)

    def list(self, status: JobState | None, limit: int, principal: Principal) -> list[BatchJobView]:
        """Newest first; a key without `admin` sees the jobs it created."""
        jobs = self.store.list(JOB_KIND, status, limit, created_by=principal.listing_owner())
        return [self.view(job) for job in jobs]

    def results(self, job_id: str) -> Iterator[bytes]:
        return iter_result_lines(self.store, job_id)

    def cancel(self, job_id: str, principal: Principal) -> BatchJobView:
        self.require_job(job_id, principal)
        self.store.transition(job_id, JobState.CANCELLED, f"cancelled by {principal.name}")
        log.info("batch_job_cancelled", job_id=job_id)
        return self.view(job_id)

    def resume(self, job_id: str, principal: Principal) -> BatchJobView:
        """Continue a paused or failed job where it stopped (documents that failed are tried again)."""
        self.require_job(job_id, principal)
        self.store.resume_item_job(job_id, principal.name)
        self._wake()
        return self.view(job_id)


# --- running a job -------------------------------------------------------------------------------------

class _Pause(Exception):
    def __init__(self, reason: str, kind: str) -> None:
        super().__init__(reason)
        self.reason, self.kind = reason, kind


class BatchRunner:
    """Runs one job on this replica: claim a batch, classify it, record it; again until none is left."""

    def __init__(self, ctx: BatchContext, job_id: str, slots: asyncio.Semaphore) -> None:
        self.ctx = ctx
        self.job_id = job_id
        self.slots = slots
        self._engine_trouble = 0

    async def run(self) -> None:
        store = self.ctx.store
        if (job := await asyncio.to_thread(store.start, self.job_id)) is None:
            return  # finished, paused or cancelled meanwhile
        spec = BatchJobSpec.of(job)
        try:
            source = await asyncio.to_thread(InputFile.open, self.ctx.files, self.ctx.objects, spec.file_id,
                                             self.ctx.work_dir / "batch")
        except NotFound as exc:
            await self._end(JobState.FAILED, f"the input file is gone: {exc.detail}")
            return
        try:
            if len(source.offsets) != spec.records:
                await self._end(JobState.FAILED, f"the input file has {len(source.offsets)} records, the job "
                                                 f"{spec.records}")
                return
            while await self._still_running():
                if not await self._engine_ready():
                    raise _Pause("the engine is not available (starting, restarting or down); nothing was lost: "
                                 "resume the job once it serves again", "engine_unavailable")
                async with self.slots:
                    items = await asyncio.to_thread(store.claim_items, self.job_id, self.ctx.worker_id,
                                                    self.ctx.batch_size, self.ctx.lease)
                    if not items:
                        break
                    await self._batch(items, spec, source)
            else:
                return
        except _Pause as pause:
            self.ctx.metrics.batch_pauses.labels(pause.kind).inc()
            await self._end(JobState.PAUSED, pause.reason)
            return
        finally:
            source.close()
        await self._finish_if_complete()

    async def _still_running(self) -> bool:
        return await asyncio.to_thread(self.ctx.store.is_running, self.job_id)

    async def _engine_ready(self) -> bool:
        """Whether the engine serves, waiting up to `engine_wait_s` for it (e.g. while it restarts)."""
        deadline = time.monotonic() + self.ctx.options.batch.engine_wait_s
        while not self.ctx.supervisor.engine_ready:
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.5)
        return True

    async def _end(self, state: JobState, reason: str) -> None:
        try:
            await asyncio.to_thread(self.ctx.store.transition, self.job_id, state, reason)
            log.warning(f"batch_job_{state.value}", job_id=self.job_id, reason=reason)
        except Conflict:
            pass  # cancelled (or ended by another replica) meanwhile

    async def _release(self, indices: list[int]) -> None:
        for idx in indices:
            await asyncio.to_thread(self.ctx.store.release_item, self.job_id, idx, self.ctx.worker_id)

    def _documents(self, items: list[JobItem], source: InputFile) -> tuple[
            list[tuple[JobItem, str, Document]], list[ItemOutcome]]:
        """The items' documents (by the record's line), and outcomes for records that cannot be one."""
        ready: list[tuple[JobItem, str, Document]] = []
        refused: list[ItemOutcome] = []
        limit = self.ctx.options.max_document_chars
        for item in items:
            try:
                record = source.record(item.idx)
            except ValueError:
                refused.append(_failed(item.idx, str(item.idx), "invalid_document", "The record is not JSON."))
                continue
            doc_id = str(record.get("id") or item.idx) if isinstance(record, dict) else str(item.idx)
            try:
                body = record["user_prompt"]
                document = Document(id=str(item.idx), user_prompt=body, system_prompt=record.get("system_prompt") or None)
            except (ValidationError, KeyError, TypeError) as exc:
                fields = (sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}) if isinstance(exc, ValidationError)
                          else ["user_prompt"])
                refused.append(_failed(item.idx, doc_id, "invalid_document",
                                       f"The record is not a valid document (fields: {', '.join(fields) or 'record'})."))
                continue
            size = len(body) if isinstance(body, str) else len(json.dumps(body, ensure_ascii=False))
            if size > limit:
                refused.append(_failed(item.idx, doc_id, "too_long",
                                       f"The document has {size} characters; the limit is {limit}."))
                continue
            ready.append((item, doc_id, document))
        return ready, refused

    async def _batch(self, items: list[JobItem], spec: BatchJobSpec, source: InputFile) -> None:
        ctx, task = self.ctx, spec.task
        started = time.perf_counter()
        ready, outcomes = self._documents(items, source)
        released: list[int] = []
        if ready:
            request = ClassifyRequest(task=task, documents=[d for _, _, d in ready], anonymize=spec.anonymize)
            try:
                response = await ctx.classifier.classify(request)
            except (NotFound, ServiceUnavailable, Unprocessable) as exc:
                await self._release([item.idx for item in items])
                kind = {404: "task_not_served", 503: "unavailable"}.get(exc.status, "refused")
                raise _Pause(f"{exc.detail} (nothing was lost: resume the job once this is fixed)", kind) from None
            except ProblemError as exc:
                await self._release([item.idx for item in items])
                raise _Pause(f"{exc.detail}", "refused") from None
            except Exception as exc:  # a bug must not lose the items: give them back, say why
                log.error("batch_error", job_id=self.job_id, exc_type=type(exc).__name__)
                await self._release([item.idx for item in items])
                raise _Pause(f"internal error while classifying ({type(exc).__name__})", "internal_error") from None
            for (item, doc_id, _), result in zip(ready, response.results, strict=True):
                if result.error is not None and result.error.code == "engine_unavailable":
                    released.append(item.idx)  # not answered: it goes back, it is not a failure
                elif result.error is not None:
                    outcomes.append(_failed(item.idx, doc_id, result.error.code, result.error.detail))
                else:
                    outcomes.append(ItemOutcome(item.idx, {"id": doc_id, "output": result.output,
                                                           "adapter_version": result.adapter_version}))
        if outcomes:
            kept = await asyncio.to_thread(ctx.store.complete_items, self.job_id, ctx.worker_id, outcomes)
            for outcome in outcomes:
                label = ("ok" if outcome.error is None else outcome.result["error"]["code"]) if outcome.idx in kept \
                    else "lease_lost"  # type: ignore[index]
                ctx.metrics.batch_documents.labels(task, label).inc()
        ctx.metrics.batch_duration.labels(task).observe(time.perf_counter() - started)
        if released:
            await self._release(released)
            self._engine_trouble += 1
            if self._engine_trouble >= MAX_ENGINE_TROUBLE:
                raise _Pause(f"the engine failed {len(released)} document(s) of the last batch as unavailable "
                             f"{MAX_ENGINE_TROUBLE} batches in a row; nothing was lost: resume the job",
                             "engine_unavailable")
        else:
            self._engine_trouble = 0

    async def _finish_if_complete(self) -> None:
        store = self.ctx.store
        if (counts := await asyncio.to_thread(store.counts_if_all_finished, self.job_id)) is None:
            return  # other runners still hold items (the last one to finish closes the job), or it stopped
        job = await asyncio.to_thread(store.get, self.job_id)
        file_id = await asyncio.to_thread(write_results_file, self.ctx, job)
        final = JobState.SUCCEEDED if counts[ItemState.DONE] or not counts[ItemState.FAILED] else JobState.FAILED
        reason = "every document failed; see the results" if final == JobState.FAILED else None
        result = {"output_file_id": file_id, "done": counts[ItemState.DONE], "failed": counts[ItemState.FAILED]}
        try:
            await asyncio.to_thread(store.transition, self.job_id, final, reason, result)
            log.info("batch_job_finished", job_id=self.job_id, state=final, done=counts[ItemState.DONE],
                     failed=counts[ItemState.FAILED], output_file_id=file_id)
        except Conflict:  # cancelled, or closed by another replica, meanwhile: this copy is not the output
            await asyncio.to_thread(delete_results_file, self.ctx, file_id)


def _failed(idx: int, doc_id: str, code: str, detail: str) -> ItemOutcome:
    return ItemOutcome(idx, {"id": doc_id, "error": {"code": code, "detail": detail}}, f"{code}: {detail}")


def write_results_file(ctx: BatchContext, job: Job) -> str:
    """Stream the results to a temporary file, store it as `files/<id>.jsonl` and register the file."""
    file_id = f"file-{uuid.uuid4().hex}"
    key = f"files/{file_id}.jsonl"
    directory = ctx.work_dir / "batch"
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="batch-results-", suffix=".jsonl", dir=directory)
    temp = Path(name)
    digest, size, lines = hashlib.sha256(), 0, 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter_result_lines(ctx.store, job.id):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                lines += chunk.count(b"\n")
        ctx.objects.upload_file(temp, key)
        try:
            with ctx.sessions.begin() as session:
                session.add(FileRow(id=file_id, purpose="classification", filename=f"{job.id}-results.jsonl",
                                    bytes=size, records=lines, labeled=0, source_format="jsonl",
                                    sha256=digest.hexdigest(), object_key=key, created_by=job.created_by,
                                    details={"kind": RESULTS_KIND, "job_id": job.id,
                                             "input_file_id": BatchJobSpec.of(job).file_id}))
        except Exception:
            ctx.objects.delete(key)
            raise
    finally:
        temp.unlink(missing_ok=True)
    return file_id


def delete_results_file(ctx: BatchContext, file_id: str) -> None:
    with ctx.sessions.begin() as session:
        row = session.get(FileRow, file_id)
        if row is not None:
            ctx.objects.delete(row.object_key)
            session.delete(row)


class BatchWorker:
    """Polls for queued and running batch jobs and runs each in a `BatchRunner`, on the app's event loop."""

    def __init__(self, ctx: BatchContext) -> None:
        self.ctx = ctx
        self._active: dict[str, asyncio.Task[None]] = {}
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: asyncio.Semaphore | None = None

    def release_claims(self) -> int:
        """Give back every item this worker id holds (a previous process of this replica died holding them)."""
        released = self.ctx.store.release_worker_claims(self.ctx.worker_id)
        if released:
            log.info("batch_claims_released", worker=self.ctx.worker_id, items=released)
        return released

    def wake(self) -> None:
        """Look for work now (thread-safe: a job was just created or resumed)."""
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(self.ctx.options.batch.concurrency)
        await asyncio.to_thread(self.release_claims)
        try:
            while True:
                try:
                    await self._schedule()
                except Exception as exc:  # the database may be briefly unreachable; keep polling
                    log.error("batch_worker_poll_failed", exc_type=type(exc).__name__)
                try:
                    await asyncio.wait_for(self._wake.wait(), self.ctx.options.batch.poll_interval_s)
                except TimeoutError:
                    pass
                self._wake.clear()
        finally:
            for task in self._active.values():
                task.cancel()
            await asyncio.gather(*self._active.values(), return_exceptions=True)

    async def _schedule(self) -> None:
        store = self.ctx.store
        for state, count in (await asyncio.to_thread(store.count_by_state, JOB_KIND)).items():
            self.ctx.metrics.batch_jobs.labels(state).set(count)
        for job_id, task in list(self._active.items()):
            if task.done():
                del self._active[job_id]
                if not task.cancelled() and task.exception() is not None:
                    log.error("batch_runner_crashed", job_id=job_id, exc_type=type(task.exception()).__name__)
        if not self.ctx.supervisor.engine_ready:
            return  # jobs wait (queued, or running with their items pending) until the engine serves
        jobs = await asyncio.to_thread(store.list, JOB_KIND, JobState.QUEUED, 100)
        jobs += await asyncio.to_thread(store.list, JOB_KIND, JobState.RUNNING, 100)
        assert self._slots is not None
        for job in sorted(jobs, key=lambda j: j.created_at):
            if job.id not in self._active:
                self._active[job.id] = asyncio.create_task(BatchRunner(self.ctx, job.id, self._slots).run())
