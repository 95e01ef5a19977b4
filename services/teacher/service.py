"""The teacher's use cases: create (or estimate) labeling jobs, report on them, cancel and resume."""

from __future__ import annotations

import math
from collections.abc import Generator, Iterable, Iterator
from datetime import datetime
from typing import Any

from shared.audit import AuditLog
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Forbidden, NotFound, PayloadTooLarge, Unprocessable
from shared.files import FileStore
from shared.jobstore import ItemState, Job, JobState, JobStore
from shared.records import Record, RecordsError, dump_jsonl, parse_records, user_prompt_text
from shared.storage import ObjectNotFound, ObjectStore
from shared.tasks import SchemaError, Task, TaskSpec
from services.teacher.protocol import (CreateLabelingJob, Estimate, ItemFailure, JobEventView, LabelingJobView,
                                       Progress, TeacherSpec)
from services.teacher.runner import RunnerContext, cost_of, dataset_line, encrypt_payload, iter_items
from services.teacher.specs import LabelingJobSpec
from services.teacher.settings import TeacherEndpoint, TeacherOptions
from services.teacher.worker import JOB_KIND

#: Rough characters per token for estimates (Portuguese text, BPE tokenizers).
CHARS_PER_TOKEN = 4


def build_task(spec: TaskSpec) -> Task:
    try:
        return spec.to_task()
    except SchemaError as exc:
        raise Unprocessable(f"Invalid task structure: {exc}") from None


def estimate(task: Task, records: Iterable[Record], teacher: TeacherSpec, k: int, samples: int) -> Estimate:
    """Token and cost estimate from text lengths (about 4 characters per token), in one pass."""
    schema_chars = len(str(task.output_schema)) if teacher.response_format == "json_object" else 0
    output_chars = 40 + sum(240 if "enum" not in p and p.get("type") == "string" else 12
                            for p in task.output_schema["properties"].values())
    count = prompt_chars = 0
    for index, record in enumerate(records):
        count += 1
        if index % k == 0:  # one system prompt per call of k documents
            prompt_chars += len(record.system_prompt or task.instruction)
        prompt_chars += len(user_prompt_text(record.user_prompt))
    calls = math.ceil(count / k)
    prompt_chars += schema_chars * calls
    tokens_in = prompt_chars // CHARS_PER_TOKEN
    tokens_out = count * samples * output_chars // CHARS_PER_TOKEN
    return Estimate(items=count, calls=calls, estimated_input_tokens=tokens_in,
                    estimated_output_tokens=tokens_out, estimated_cost=round(cost_of(teacher, tokens_in, tokens_out), 6))


def _with_instruction(records: Iterable[Record], task: Task) -> Generator[Record, None, None]:
    """The records, refusing (422, nothing created) the first one that has no system prompt when the
    task has no instruction either: the teacher would get no instruction for it."""
    try:
        for index, record in enumerate(records):
            if not (record.system_prompt or task.instruction):
                raise Unprocessable(f"Record {index} has no system_prompt and the task has no instruction.")
            yield record
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()


class LabelingService:
    def __init__(self, ctx: RunnerContext, objects: ObjectStore, options: TeacherOptions, audit: AuditLog,
                 wake: Any = None, files: FileStore | None = None) -> None:
        self.ctx = ctx
        self.files = files
        self.store: JobStore = ctx.store
        self.objects = objects
        self.options = options
        self.audit = audit
        self._wake = wake or (lambda: None)

    # --- create -----------------------------------------------------------------------------------
    def _records(self, request: CreateLabelingJob, principal: Principal) -> tuple[int, Iterable[Record]]:
        """How many records the job gets, and the records: a file's are streamed from a temporary copy
        (a job over a large file holds one record at a time, not the file)."""
        if request.dataset.records is not None:
            records = request.dataset.records
        elif request.dataset.file_id is not None:
            if self.files is None:
                raise Unprocessable("This teacher has no Files API (dataset.file_id).")
            # a labeled (fine-tune) file can be labeled again, e.g. by another teacher
            row, streamed = self.files.iter_records(request.dataset.file_id, principal,
                                                    purpose=("labeling", "fine-tune"))
            self._check_count(row.records)
            return row.records, streamed
        else:
            try:
                data = self.objects.get_bytes(request.dataset.uri or "")
            except ObjectNotFound:
                raise NotFound(f"No object '{request.dataset.uri}' in storage.") from None
            except ValueError:
                raise Unprocessable("dataset.uri is not a valid object key.") from None
            try:
                records = parse_records(data)
            except RecordsError as exc:
                raise Unprocessable(f"Invalid dataset: {exc}") from None
        self._check_count(len(records))
        return len(records), records

    def _check_count(self, count: int) -> None:
        if not count:
            raise Unprocessable("The dataset is empty.")
        if count > self.options.max_items_per_job:
            raise PayloadTooLarge(f"The dataset has {count} records; the limit is {self.options.max_items_per_job}.")

    def endpoint(self, teacher: TeacherSpec) -> TeacherEndpoint:
        """The operator-configured endpoint a job names; 422 naming the configured ones otherwise."""
        endpoints = self.options.resolved_endpoints()
        configured = ", ".join(sorted(endpoints)) or "none"
        if teacher.base_url is not None or teacher.api_key_env is not None:
            raise Unprocessable("A job names its teacher by teacher.endpoint; it cannot give a base_url or an "
                                f"api_key_env. Configured endpoints: {configured}.")
        endpoint = endpoints.get(teacher.endpoint)
        if endpoint is None:
            raise Unprocessable(f"The teacher endpoint this job names is not configured. Configured endpoints: "
                                f"{configured}.")
        if endpoint.models is not None and teacher.model not in endpoint.models:
            raise Unprocessable(f"Teacher endpoint '{teacher.endpoint}' allows the models "
                                f"{', '.join(endpoint.models)}.")
        return endpoint

    def create(self, request: CreateLabelingJob, principal: Principal, request_id: str) -> LabelingJobView | Estimate:
        task = build_task(request.task)
        teacher = request.teacher
        self.endpoint(teacher)
        execution = request.execution
        if request.send_raw_text and not request.dry_run and not principal.has("admin"):
            raise Forbidden("Sending raw (not anonymized) text needs the 'admin' role.")
        count, source = self._records(request, principal)
        records = _with_instruction(source, task)
        try:
            if request.dry_run:
                return estimate(task, records, teacher, execution.documents_per_call,
                                execution.self_consistency_samples)
            # the task's instruction and descriptions are encrypted at rest like the records
            spec = LabelingJobSpec.create(self.ctx.payload_key, task, teacher, execution, request.send_raw_text)
            items = (encrypt_payload(self.ctx.payload_key, r.model_dump()) for r in records)
            job = self.store.create(JOB_KIND, spec.stored(), principal.name, items=items)  # all or nothing
        finally:
            records.close()  # a file's temporary copy goes at once, also on a 4xx part way
        if request.send_raw_text:
            self.audit.record(principal, "label.raw_text", f"labeling-job:{job.id}", request_id=request_id,
                              details={"items": count, "teacher_model": teacher.model})
        self._wake()
        return self.view(job.id)

    # --- read -------------------------------------------------------------------------------------
    def require_job(self, job_id: str, principal: Principal | None = None) -> Job:
        """The labeling job, or 404; 403 when `principal` is neither its creator nor an admin."""
        return self.store.get_owned(job_id, JOB_KIND, principal)

    def view(self, job_id: str | Job, principal: Principal | None = None) -> LabelingJobView:
        job = job_id if isinstance(job_id, Job) else self.require_job(job_id, principal)
        counts = self.store.item_counts(job.id)
        used_in, used_out = self.store.usage_totals(job.id)
        spec = LabelingJobSpec.of(job)
        teacher = spec.teacher
        rate = None
        if job.started_at is not None:
            ended: datetime = job.finished_at or (job.updated_at if job.state == JobState.PAUSED else utcnow())
            elapsed = (ended - job.started_at).total_seconds()
            finished = counts[ItemState.DONE] + counts[ItemState.FAILED]
            rate = round(finished / elapsed, 3) if elapsed > 0 else None
        progress = Progress(total=sum(counts.values()), done=counts[ItemState.DONE], failed=counts[ItemState.FAILED],
                            pending=counts[ItemState.PENDING], in_progress=counts[ItemState.CLAIMED],
                            items_per_second=rate, tokens_in=used_in, tokens_out=used_out,
                            estimated_cost=round(cost_of(teacher, used_in, used_out), 6))
        return LabelingJobView(id=job.id, state=job.state, reason=job.reason, task=spec.task_name,
                               teacher_model=teacher.model, progress=progress, dataset=job.result,
                               send_raw_text=spec.send_raw_text,
                               created_by=job.created_by, created_at=job.created_at, updated_at=job.updated_at)

    def list(self, state: JobState | None, limit: int, principal: Principal | None = None) -> list[LabelingJobView]:
        """Newest first; a key without `admin` sees the jobs it created."""
        owner = None if principal is None else principal.listing_owner()
        return [self.view(job) for job in self.store.list(JOB_KIND, state, limit, created_by=owner)]

    def events(self, job_id: str, after: int, principal: Principal | None = None) -> list[JobEventView]:
        self.require_job(job_id, principal)
        return [JobEventView.model_validate(e.model_dump()) for e in self.store.events(job_id, after_id=after)]

    def failures(self, job_id: str, principal: Principal | None = None) -> list[ItemFailure]:
        self.require_job(job_id, principal)
        return [ItemFailure(index=i.idx, id=(i.result or {}).get("id"), error=i.error or "", attempts=i.attempts)
                for i in iter_items(self.store, job_id, ItemState.FAILED)]

    def require_results(self, job_id: str, principal: Principal | None = None) -> Job:
        """The job whose results `principal` may read: its own (or admin); a raw-text job's only with admin."""
        job = self.require_job(job_id, principal)
        if LabelingJobSpec.of(job).send_raw_text and principal is not None and not principal.has("admin"):
            raise Forbidden(f"Job '{job_id}' sent raw (not anonymized) text; its results need the 'admin' role.")
        return job

    def results(self, job_id: str) -> Iterator[bytes]:
        """Labeled items so far, in input order, as JSONL (the seed's format + mapping ids)."""
        for item in iter_items(self.store, job_id, ItemState.DONE):
            yield dump_jsonl([dataset_line(item, self.ctx.payload_key)])

    # --- control ----------------------------------------------------------------------------------
    def cancel(self, job_id: str, principal: Principal, request_id: str | None = None) -> LabelingJobView:
        previous = self.require_job(job_id, principal).state
        self.store.transition(job_id, JobState.CANCELLED, f"cancelled by {principal.name}")
        self.audit.record(principal, "label.cancel", f"labeling-job:{job_id}", request_id=request_id,
                          details={"previous_state": previous})
        return self.view(job_id)

    def resume(self, job_id: str, principal: Principal, request_id: str | None = None) -> LabelingJobView:
        previous = self.require_job(job_id, principal).state
        self.store.resume_item_job(job_id, principal.name)
        self.audit.record(principal, "label.resume", f"labeling-job:{job_id}", request_id=request_id,
                          details={"previous_state": previous})
        self._wake()
        return self.view(job_id)

