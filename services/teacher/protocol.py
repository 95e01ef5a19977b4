"""Request and response models of the teacher's labeling-jobs API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shared.files import FILE_ID_PATTERN
from shared.jobstore import JobState
from shared.protocol import StrictModel, require_exactly_one
from shared.records import Record
from shared.tasks import TaskSpec


class TeacherSpec(StrictModel):
    endpoint: str = Field(default="openai", min_length=1, max_length=64,
                          description="Name of a teacher endpoint the operator configured "
                                      "(LLM4GOV_TEACHER__ENDPOINTS); a job gives no URL and no key.")
    model: str = Field(min_length=1, max_length=200)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    max_tokens: int = Field(default=1024, ge=16, le=32_768)
    base_url: str | None = Field(default=None, max_length=2048, description="Not accepted (422): name an endpoint.")
    api_key_env: str | None = Field(default=None, max_length=128, description="Not accepted (422): name an endpoint.")
    response_format: Literal["auto", "json_schema", "json_object"] = Field(
        default="auto", description="auto: strict json_schema, falling back to json_object if refused.")
    timeout_s: float = Field(default=120.0, gt=0, le=3600)
    price_per_million_input_tokens: float = Field(default=0.0, ge=0)
    price_per_million_output_tokens: float = Field(default=0.0, ge=0)


class ExecutionSpec(StrictModel):
    concurrency: int = Field(default=16, ge=1, le=512)
    requests_per_minute: int | None = Field(default=None, ge=1)
    tokens_per_minute: int | None = Field(default=None, ge=1)
    max_attempts: int = Field(default=6, ge=1, le=20, description="Tries per call on 429/5xx/timeouts.")
    backoff_initial_s: float = Field(default=1.0, gt=0, le=60)
    backoff_max_s: float = Field(default=60.0, gt=0, le=600)
    budget_tokens: int | None = Field(default=None, ge=1, description="Pause when tokens in+out reach this.")
    budget_cost: float | None = Field(default=None, gt=0, description="Pause when the estimated cost reaches this.")
    documents_per_call: int = Field(default=1, ge=1, le=32, description="Label k documents per request.")
    self_consistency_samples: int = Field(default=1, ge=1, le=15,
                                          description="n samples per document; majority label, agreement kept.")


class DatasetSpec(StrictModel):
    """Inline records, a file uploaded through `/v1/files` (purpose `labeling`), or an object-storage key
    holding a JSON array or JSONL file."""

    records: list[Record] | None = None
    file_id: str | None = Field(default=None, pattern=FILE_ID_PATTERN, description="From POST /v1/files.")
    uri: str | None = Field(default=None, description="Object-storage key, e.g. uploads/severity.jsonl")

    @model_validator(mode="after")
    def _one_source(self) -> "DatasetSpec":
        require_exactly_one(self, "records", "file_id", "uri")
        return self


class CreateLabelingJob(StrictModel):
    task: TaskSpec
    dataset: DatasetSpec
    teacher: TeacherSpec
    execution: ExecutionSpec = ExecutionSpec()
    send_raw_text: bool = Field(default=False, description="Skip anonymization (admin role only; audited).")
    dry_run: bool = Field(default=False, description="Only estimate tokens and cost; nothing is created.")


class Estimate(BaseModel):
    items: int
    calls: int
    estimated_input_tokens: int
    estimated_output_tokens: int
    estimated_cost: float


class Progress(BaseModel):
    total: int
    done: int
    failed: int
    pending: int
    in_progress: int
    items_per_second: float | None
    tokens_in: int
    tokens_out: int
    estimated_cost: float


class LabelingJobView(BaseModel):
    id: str
    state: JobState
    reason: str | None
    task: str
    teacher_model: str
    progress: Progress
    dataset: dict[str, Any] | None = Field(default=None, description="Where the labeled dataset was written.")
    send_raw_text: bool = Field(default=False, description="Raw text was sent: results stay encrypted in the "
                                "job store (no dataset object) and only `admin` reads them.")
    created_by: str
    created_at: datetime
    updated_at: datetime


class LabelingJobList(BaseModel):
    data: list[LabelingJobView]


class JobEventView(BaseModel):
    id: int
    created_at: datetime
    type: str
    data: dict[str, Any]


class JobEventList(BaseModel):
    data: list[JobEventView]


class ItemFailure(BaseModel):
    index: int
    id: str | None
    error: str
    attempts: int


class ItemFailureList(BaseModel):
    data: list[ItemFailure]
