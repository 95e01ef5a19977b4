"""HTTP routes of the trainer: training jobs, the adapter registry, base models."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from shared.app import request_id
from shared.auth import Principal, require_role
from shared.errors import error_responses
from shared.jobstore import JobState
from services.trainer.protocol import (AdapterTaskList, AdapterTaskView, BaseModelList, CheckpointList,
                                       CreateTrainingJob, EventList, PromoteRequest, TrainingJobList,
                                       TrainingJobView)
from services.trainer.service import TrainingService

jobs = APIRouter(prefix="/v1/training-jobs", tags=["training jobs"])
adapters = APIRouter(prefix="/v1/adapters", tags=["adapter registry"])
models = APIRouter(prefix="/v1/base-models", tags=["base models"])

_ERRORS = error_responses()

JobId = Annotated[str, Path(max_length=64)]
TaskName = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
Version = Annotated[str, Path(pattern=r"^[1-9][0-9]{0,8}$")]


def get_service(request: Request) -> TrainingService:
    return request.app.state.training


Service = Annotated[TrainingService, Depends(get_service)]
CanTrain = Annotated[Principal, Depends(require_role("train"))]


@jobs.post("", response_model=TrainingJobView, status_code=201,
           responses={**_ERRORS, 413: {"description": "Too many records."}},
           summary="Create a training job (fine-tune a student adapter on labeled records).")
async def create_job(body: CreateTrainingJob, request: Request, service: Service,
                     principal: CanTrain) -> TrainingJobView:
    return await run_in_threadpool(service.create, body, principal, request_id(request))


@jobs.get("", response_model=TrainingJobList, responses=_ERRORS, summary="List training jobs, newest first.")
async def list_jobs(service: Service, principal: CanTrain, status: JobState | None = None,
                    limit: Annotated[int, Query(ge=1, le=200)] = 20) -> TrainingJobList:
    data, more = await run_in_threadpool(service.list, status, limit, principal)
    return TrainingJobList(data=data, has_more=more)


@jobs.get("/{job_id}", response_model=TrainingJobView, responses=_ERRORS,
          summary="Status, progress, metrics and the published adapter.")
async def get_job(job_id: JobId, service: Service, principal: CanTrain) -> TrainingJobView:
    return await run_in_threadpool(service.view, job_id, principal)


@jobs.get("/{job_id}/events", response_model=EventList, responses=_ERRORS,
          summary="Steps (loss, learning rate, throughput), evaluations, checkpoints, state changes.")
async def get_events(job_id: JobId, service: Service, principal: CanTrain, after: Annotated[int, Query(ge=0)] = 0,
                     limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> EventList:
    return EventList(data=await run_in_threadpool(service.events, job_id, after, limit, principal))


@jobs.get("/{job_id}/checkpoints", response_model=CheckpointList, responses=_ERRORS,
          summary="Checkpoints kept in object storage.")
async def get_checkpoints(job_id: JobId, service: Service, principal: CanTrain) -> CheckpointList:
    return CheckpointList(data=await run_in_threadpool(service.checkpoints, job_id, principal))


@jobs.post("/{job_id}/cancel", response_model=TrainingJobView,
           responses={**_ERRORS, 409: {"description": "Already finished."}}, summary="Cancel a job.")
async def cancel_job(job_id: JobId, request: Request, service: Service, principal: CanTrain) -> TrainingJobView:
    return await run_in_threadpool(service.cancel, job_id, principal, request_id(request))


@jobs.post("/{job_id}/resume", response_model=TrainingJobView,
           responses={**_ERRORS, 409: {"description": "Nothing to resume: the job succeeded, is still queued or "
                                                      "running, or its data snapshot is gone."}},
           summary="Resume a failed or cancelled job from its last checkpoint (audited).",
           description="The job is queued again; its run continues from the last complete checkpoint in object "
                       "storage with the same data snapshot and hyperparameters (optimizer, scheduler, RNG and "
                       "data order come back with the checkpoint), or starts again at step 0 when none was "
                       "kept. The job's run attempts start afresh.")
async def resume_job(job_id: JobId, request: Request, service: Service, principal: CanTrain) -> TrainingJobView:
    return await run_in_threadpool(service.resume, job_id, principal, request_id(request))


@adapters.get("", response_model=AdapterTaskList, responses=_ERRORS,
              summary="Tasks with published adapters and their promoted version.")
async def list_adapters(service: Service, _: CanTrain) -> AdapterTaskList:
    return AdapterTaskList(data=await run_in_threadpool(service.adapter_tasks))


@adapters.get("/{task}", response_model=AdapterTaskView, responses=_ERRORS,
              summary="A task's versions, promoted version, lineage and history.")
async def get_adapters(task: TaskName, service: Service, _: CanTrain) -> AdapterTaskView:
    return await run_in_threadpool(service.adapter_task, task)


@adapters.get("/{task}/{version}", responses=_ERRORS, summary="One version's manifest.")
async def get_adapter_version(task: TaskName, version: Version, service: Service, _: CanTrain) -> dict[str, Any]:
    return await run_in_threadpool(service.adapter_version, task, version)


@adapters.post("/{task}/promote", response_model=AdapterTaskView,
               responses={**_ERRORS, 409: {"description": "Scores worse than the promoted version (use force)."}},
               summary="Promote a version (atomic; refused if worse unless forced; audited).")
async def promote(task: TaskName, body: PromoteRequest, request: Request, service: Service,
                  principal: CanTrain) -> AdapterTaskView:
    return await run_in_threadpool(service.promote, task, body.version, body.force, principal, request_id(request))


@adapters.post("/{task}/rollback", response_model=AdapterTaskView,
               responses={**_ERRORS, 409: {"description": "No earlier promoted version."}},
               summary="Serve the previously promoted version again (atomic; audited).")
async def rollback(task: TaskName, request: Request, service: Service, principal: CanTrain) -> AdapterTaskView:
    return await run_in_threadpool(service.rollback, task, principal, request_id(request))


@models.get("", response_model=BaseModelList, responses=_ERRORS,
            summary="Base models in object storage (llm4gov models import NAME --upload).")
async def list_base_models(service: Service, _: CanTrain) -> BaseModelList:
    return BaseModelList(data=await run_in_threadpool(service.base_models))
