"""OpenAI's fine-tuning API (`/v1/fine_tuning/jobs`) over our training jobs, for the official SDK.

`client.fine_tuning.jobs.create(training_file=..., model=..., hyperparameters=...)` becomes a training
job on the uploaded file; what our jobs have beyond OpenAI's (task, method lora/qlora, label head,
promote policy, validation) comes through the SDK's `extra_body`. Responses are OpenAI's objects,
with our full view under `llm4gov`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.app import request_id
from shared.auth import Principal, require_role
from shared.errors import Unprocessable
from shared.files import FILE_ID_PATTERN
from shared.jobstore import JobState
from services.trainer.protocol import CreateTrainingJob, EventView, HyperparametersSpec, TrainingJobView
from services.trainer.service import TrainingService

router = APIRouter(prefix="/v1/fine_tuning/jobs", tags=["openai"])
_ERRORS = {401: {"description": "Missing or invalid API key."}, 403: {"description": "Role missing."},
           404: {"description": "Unknown job."}, 422: {"description": "Invalid request."}}
#: `learning_rate_multiplier` scales this (our default learning rate).
BASE_LEARNING_RATE = HyperparametersSpec.model_fields["learning_rate"].default
_OURS = ("task", "label_head", "promote", "validation", "instruction_mode", "answer_order")
JobId = Annotated[str, Path(max_length=64)]


class CreateFineTuningJob(BaseModel):
    """OpenAI's request; our extra fields (extra_body) are read as CreateTrainingJob's."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1, max_length=1024, description="The base model (GET /v1/base-models).")
    training_file: str = Field(pattern=FILE_ID_PATTERN, description="A fine-tune file from POST /v1/files.")
    validation_file: str | None = Field(default=None, pattern=FILE_ID_PATTERN)
    hyperparameters: dict[str, Any] | None = None
    method: dict[str, Any] | Literal["lora", "qlora"] | None = None
    suffix: str | None = Field(default=None, max_length=64)
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)
    integrations: list[Any] | None = None
    metadata: dict[str, str] | None = None


def _hyperparameters(openai: dict[str, Any], seed: int | None) -> dict[str, Any]:
    """OpenAI's names (`n_epochs`, `batch_size`, `learning_rate_multiplier`; "auto" = our default) and ours."""
    ours: dict[str, Any] = {}
    for key, value in openai.items():
        if value == "auto":
            continue
        if key == "n_epochs":
            ours["epochs"] = value
        elif key == "learning_rate_multiplier":
            ours["learning_rate"] = BASE_LEARNING_RATE * float(value)
        else:
            ours[key] = value
    if seed is not None:
        ours["seed"] = seed
    return ours


def to_training_job(body: CreateFineTuningJob) -> CreateTrainingJob:
    """Our training job for an OpenAI request (422 naming what does not fit)."""
    if body.integrations:
        raise Unprocessable("integrations are not supported (training metrics are in the job's events).")
    extra = dict(body.model_extra or {})
    unknown = sorted(set(extra) - set(_OURS))
    if unknown:
        raise Unprocessable(f"Unknown field(s): {', '.join(unknown)}.")
    hyper = dict(body.hyperparameters or {})
    method = "lora"
    if isinstance(body.method, str):
        method = body.method
    elif isinstance(body.method, dict):
        kind = body.method.get("type", "supervised")
        if kind != "supervised":
            raise Unprocessable(f"method.type '{kind}' is not supported; only 'supervised' fine-tuning is.")
        hyper.update((body.method.get("supervised") or {}).get("hyperparameters") or {})
    request: dict[str, Any] = {"dataset": {"file_id": body.training_file}, "base_model": body.model, "method": method,
                               "hyperparameters": _hyperparameters(hyper, body.seed), **extra}
    if body.validation_file:
        request["validation"] = {**(extra.get("validation") or {}), "dataset": {"file_id": body.validation_file},
                                 "fraction": None}
    if body.suffix:
        request["suffix"] = body.suffix
    try:
        return CreateTrainingJob.model_validate(request)
    except ValidationError as exc:
        where = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
        raise Unprocessable(f"Invalid fine-tuning job: {', '.join(where)}.",
                            extra={"errors": [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]}
                                              for e in exc.errors()]}) from None


def _unix(value: datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def fine_tuning_job(view: TrainingJobView) -> dict[str, Any]:
    """OpenAI's fine_tuning.job object for one of our training jobs."""
    hyper = view.hyperparameters
    openai_hyper = {"n_epochs": hyper.get("epochs"), "batch_size": hyper.get("batch_size"),
                    "learning_rate_multiplier": round(hyper.get("learning_rate", BASE_LEARNING_RATE)
                                                      / BASE_LEARNING_RATE, 6)}
    source = (view.dataset or {}).get("source") or {}
    validation_source = source.get("validation_source") or {}
    error = None
    if view.error is not None:
        error = {"code": "training_failed", "message": view.error.message, "param": None}
    return {
        "id": view.id, "object": "fine_tuning.job", "created_at": _unix(view.created_at),
        "finished_at": _unix(view.finished_at), "model": view.model, "fine_tuned_model": view.fine_tuned_model,
        "organization_id": "llm4gov", "status": view.status.value if isinstance(view.status, JobState) else view.status,
        "hyperparameters": openai_hyper, "training_file": source.get("file_id"),
        "validation_file": validation_source.get("file_id"), "result_files": [],
        "trained_tokens": view.trained_tokens, "error": error, "seed": hyper.get("seed"), "estimated_finish": None,
        "integrations": [], "metadata": None, "user_provided_suffix": view.suffix,
        "method": {"type": "supervised", "supervised": {"hyperparameters": openai_hyper}},
        "llm4gov": view.model_dump(mode="json"),
    }


def _event(job_id: str, event: EventView) -> dict[str, Any]:
    """OpenAI's event: training steps and evaluations are `metrics`, the rest `message`s."""
    data = event.data or {}
    if event.type == "train.log":
        message, kind = f"Step {data.get('step')}: training loss={data.get('loss')}", "metrics"
    elif event.type == "eval":
        figures = ", ".join(f"{k}={v}" for k, v in data.items() if k != "step" and isinstance(v, (int, float)))
        message, kind = f"Step {data.get('step')}: validation {figures}", "metrics"
    else:
        details = ", ".join(f"{k}={v}" for k, v in data.items() if isinstance(v, (str, int, float)))
        message, kind = event.type + (f": {details}" if details else ""), "message"
    level = "error" if "fail" in event.type or data.get("state") == "failed" else "info"
    return {"id": f"ftevent-{job_id}-{event.id}", "object": "fine_tuning.job.event",
            "created_at": _unix(event.created_at), "level": level, "message": message, "data": data, "type": kind}


def get_service(request: Request) -> TrainingService:
    return request.app.state.training


Service = Annotated[TrainingService, Depends(get_service)]
CanTrain = Annotated[Principal, Depends(require_role("train"))]


@router.post("", responses=_ERRORS, summary="OpenAI: create a fine-tuning job (a training job on a file).")
async def create(body: CreateFineTuningJob, request: Request, service: Service,
                 principal: CanTrain) -> dict[str, Any]:
    job = to_training_job(body)
    return fine_tuning_job(await run_in_threadpool(service.create, job, principal, request_id(request)))


@router.get("", responses=_ERRORS, summary="OpenAI: list fine-tuning jobs, newest first.")
async def list_jobs(service: Service, principal: CanTrain, after: str | None = None,
                    limit: Annotated[int, Query(ge=1, le=200)] = 20) -> dict[str, Any]:
    views, more = await run_in_threadpool(service.list_page, limit, after, principal)
    return {"object": "list", "data": [fine_tuning_job(v) for v in views], "has_more": more}


@router.get("/{job_id}", responses=_ERRORS, summary="OpenAI: retrieve a fine-tuning job.")
async def retrieve(job_id: JobId, service: Service, principal: CanTrain) -> dict[str, Any]:
    return fine_tuning_job(await run_in_threadpool(service.view, job_id, principal))


@router.post("/{job_id}/cancel", responses={**_ERRORS, 409: {"description": "Already finished."}},
             summary="OpenAI: cancel a fine-tuning job.")
async def cancel(job_id: JobId, request: Request, service: Service, principal: CanTrain) -> dict[str, Any]:
    return fine_tuning_job(await run_in_threadpool(service.cancel, job_id, principal, request_id(request)))


@router.get("/{job_id}/events", responses=_ERRORS, summary="OpenAI: a fine-tuning job's events, oldest first.")
async def list_events(job_id: JobId, service: Service, principal: CanTrain, after: str | None = None,
                      limit: Annotated[int, Query(ge=1, le=10_000)] = 20) -> dict[str, Any]:
    after_id = 0
    if after:
        try:
            after_id = int(after.rsplit("-", 1)[-1])
        except ValueError:
            raise Unprocessable("after must be an event id from this list.") from None
    events = await run_in_threadpool(service.events, job_id, after_id, limit + 1, principal)
    return {"object": "list", "data": [_event(job_id, e) for e in events[:limit]], "has_more": len(events) > limit}


@router.get("/{job_id}/checkpoints", responses=_ERRORS, summary="OpenAI: a fine-tuning job's checkpoints.")
async def list_checkpoints(job_id: JobId, service: Service, principal: CanTrain,
                           limit: Annotated[int, Query(ge=1, le=1000)] = 10) -> dict[str, Any]:
    checkpoints = sorted(await run_in_threadpool(service.checkpoints, job_id, principal), key=lambda c: -c.step)
    data = [{"id": f"ftckpt-{job_id}-{c.step}", "object": "fine_tuning.job.checkpoint",
             "created_at": _unix(c.created_at), "fine_tuned_model_checkpoint": c.uri, "fine_tuning_job_id": job_id,
             "metrics": {"step": c.step}, "step_number": c.step} for c in checkpoints[:limit]]
    return {"object": "list", "data": data, "has_more": len(checkpoints) > limit,
            "first_id": data[0]["id"] if data else None, "last_id": data[-1]["id"] if data else None}
