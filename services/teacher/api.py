"""HTTP routes of the teacher (labeling jobs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from shared.app import request_id
from shared.auth import Principal, require_role
from shared.errors import error_responses
from shared.jobstore import JobState
from services.teacher.protocol import (CreateLabelingJob, Estimate, ItemFailureList, JobEventList,
                                       LabelingJobList, LabelingJobView)
from services.teacher.service import LabelingService

router = APIRouter(prefix="/v1/labeling-jobs", tags=["labeling jobs"])

_ERRORS = error_responses(forbidden="Role missing, or the job belongs to another key (admin reads every job).",
                          not_found="Unknown job.")


def get_service(request: Request) -> LabelingService:
    return request.app.state.labeling


Service = Annotated[LabelingService, Depends(get_service)]
CanLabel = Annotated[Principal, Depends(require_role("label"))]


@router.post("", response_model=LabelingJobView | Estimate, status_code=201,
             responses={**_ERRORS, 413: {"description": "Too many records."}},
             summary="Create a labeling job (or, with dry_run, estimate its tokens and cost).")
async def create_job(body: CreateLabelingJob, request: Request, service: Service,
                     principal: CanLabel) -> LabelingJobView | Estimate:
    return await run_in_threadpool(service.create, body, principal, request_id(request))


@router.get("", response_model=LabelingJobList, responses=_ERRORS, summary="List labeling jobs, newest first.")
async def list_jobs(service: Service, principal: CanLabel, state: JobState | None = None,
                    limit: Annotated[int, Query(ge=1, le=200)] = 50) -> LabelingJobList:
    return LabelingJobList(data=await run_in_threadpool(service.list, state, limit, principal))


@router.get("/{job_id}", response_model=LabelingJobView, responses=_ERRORS,
            summary="State, progress, throughput, tokens and estimated cost.")
async def get_job(job_id: str, service: Service, principal: CanLabel) -> LabelingJobView:
    return await run_in_threadpool(service.view, job_id, principal)


@router.get("/{job_id}/events", response_model=JobEventList, responses=_ERRORS, summary="Job events.")
async def get_events(job_id: str, service: Service, principal: CanLabel,
                     after: Annotated[int, Query(ge=0)] = 0) -> JobEventList:
    return JobEventList(data=await run_in_threadpool(service.events, job_id, after, principal))


@router.get("/{job_id}/failures", response_model=ItemFailureList, responses=_ERRORS,
            summary="Items that failed for good, with their reasons.")
async def get_failures(job_id: str, service: Service, principal: CanLabel) -> ItemFailureList:
    return ItemFailureList(data=await run_in_threadpool(service.failures, job_id, principal))


@router.get("/{job_id}/results", responses={**_ERRORS, 200: {"content": {"application/x-ndjson": {}}}},
            response_class=StreamingResponse, summary="Labeled items (JSONL, the seed's labeled format).")
async def get_results(job_id: str, service: Service, principal: CanLabel) -> StreamingResponse:
    await run_in_threadpool(service.require_results, job_id, principal)  # 403/404 before streaming starts
    return StreamingResponse(service.results(job_id), media_type="application/x-ndjson")


@router.post("/{job_id}/cancel", response_model=LabelingJobView, responses={**_ERRORS, 409: {"description": "Already finished."}},
             summary="Cancel a job; labeled items are kept.")
async def cancel_job(job_id: str, request: Request, service: Service, principal: CanLabel) -> LabelingJobView:
    return await run_in_threadpool(service.cancel, job_id, principal, request_id(request))


@router.post("/{job_id}/resume", response_model=LabelingJobView, responses={**_ERRORS, 409: {"description": "Not paused or failed."}},
             summary="Resume a paused or failed job (failed items are retried).")
async def resume_job(job_id: str, request: Request, service: Service, principal: CanLabel) -> LabelingJobView:
    return await run_in_threadpool(service.resume, job_id, principal, request_id(request))
