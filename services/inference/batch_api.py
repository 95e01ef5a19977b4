"""HTTP routes of batch classification jobs (`/v1/classify/batch-jobs`); the work is in batch.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from services.inference.batch import BatchJobService
from services.inference.protocol import BatchJobList, BatchJobStatus, BatchJobView, CreateBatchJob
from shared.auth import Principal, require_role
from shared.errors import error_responses
from shared.jobstore import JobState

router = APIRouter(prefix="/v1/classify/batch-jobs", tags=["batch classification"])

_ERRORS = error_responses(
    forbidden="Role missing, or the job (or file) belongs to another key (admin reads every job).",
    not_found="Unknown job, task or file.")


def get_service(request: Request) -> BatchJobService:
    return request.app.state.batch_jobs


Service = Annotated[BatchJobService, Depends(get_service)]
CanClassify = Annotated[Principal, Depends(require_role("classify"))]


@router.post("", response_model=BatchJobView, status_code=201,
             responses={**_ERRORS, 413: {"description": "The file has more records than a job may take."},
                        503: {"description": "The registry was not read yet, or anonymize=true without an "
                                             "anonymizer."}},
             summary="Classify every record of an uploaded file (purpose 'classification'), asynchronously.")
async def create_batch_job(body: CreateBatchJob, service: Service, principal: CanClassify) -> BatchJobView:
    return await run_in_threadpool(service.create, body, principal)


@router.get("", response_model=BatchJobList, responses=_ERRORS, summary="Your batch jobs, newest first.")
async def list_batch_jobs(service: Service, principal: CanClassify, status: BatchJobStatus | None = None,
                          limit: Annotated[int, Query(ge=1, le=200)] = 50) -> BatchJobList:
    state = JobState(status) if status is not None else None
    data = await run_in_threadpool(service.list, state, limit + 1, principal)
    return BatchJobList(data=data[:limit], has_more=len(data) > limit)


@router.get("/{job_id}", response_model=BatchJobView, responses=_ERRORS, summary="A batch job's status and progress.")
async def get_batch_job(job_id: str, service: Service, principal: CanClassify) -> BatchJobView:
    return await run_in_threadpool(service.view, job_id, principal)


@router.get("/{job_id}/results", response_class=StreamingResponse,
            responses={**_ERRORS, 200: {"content": {"application/x-ndjson": {}}}},
            summary="One JSONL line per answered document, in input order: {id, output} or {id, error}.")
async def get_batch_results(job_id: str, service: Service, principal: CanClassify) -> StreamingResponse:
    await run_in_threadpool(service.require_job, job_id, principal)  # 403/404 before streaming starts
    return StreamingResponse(service.results(job_id), media_type="application/x-ndjson")


@router.post("/{job_id}/cancel", response_model=BatchJobView,
             responses={**_ERRORS, 409: {"description": "Already finished."}},
             summary="Cancel a batch job; answered documents are kept (see /results).")
async def cancel_batch_job(job_id: str, service: Service, principal: CanClassify) -> BatchJobView:
    return await run_in_threadpool(service.cancel, job_id, principal)


@router.post("/{job_id}/resume", response_model=BatchJobView,
             responses={**_ERRORS, 409: {"description": "Not paused or failed."}},
             summary="Continue a paused or failed batch job where it stopped (failed documents are retried).")
async def resume_batch_job(job_id: str, service: Service, principal: CanClassify) -> BatchJobView:
    return await run_in_threadpool(service.resume, job_id, principal)
