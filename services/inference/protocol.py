"""Request and response models of the inference API (separate from the engine and the routes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shared.protocol import StrictModel, require_exactly_one

TASK_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class Document(StrictModel):
    id: str | None = Field(default=None, min_length=1, max_length=128, description="Echoed in the result; "
                           "defaults to the document's position ('0', '1', ...).")
    text: str | None = Field(default=None, min_length=1, description="The document text.")
    user_prompt: str | dict[str, Any] | None = Field(default=None, description="The seed's record format: the "
                                                     "document as text or a JSON object.")
    system_prompt: str | None = Field(default=None, max_length=20_000, description="Used only by students "
                                      "trained with instruction_mode=full.")

    @model_validator(mode="after")
    def _one_body(self) -> "Document":
        require_exactly_one(self, "text", "user_prompt")
        if isinstance(self.user_prompt, str) and not self.user_prompt.strip():
            raise ValueError("user_prompt is empty")
        if isinstance(self.user_prompt, dict) and not self.user_prompt:
            raise ValueError("user_prompt is an empty object")
        return self

    def body(self) -> str | dict[str, Any]:
        return self.text if self.text is not None else self.user_prompt  # type: ignore[return-value]


class ClassifyRequest(StrictModel):
    task: str = Field(pattern=TASK_PATTERN)
    documents: list[Document] = Field(min_length=1)
    anonymize: bool = Field(default=False, description="Run the documents through the anonymizer first.")

    @model_validator(mode="after")
    def _unique_ids(self) -> "ClassifyRequest":
        ids = [d.id for d in self.documents if d.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("document ids must be unique within a request")
        return self


class ItemError(BaseModel):
    #: max_tokens | schema_violation | too_long | rejected
    code: str
    detail: str


class ClassifyResult(BaseModel):
    id: str
    output: dict[str, Any] | None = None
    error: ItemError | None = None
    #: The adapter version that answered; null when the base model answered zero-shot.
    adapter_version: str | None = None
    mode: Literal["adapter", "zero_shot"]
    latency_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class ClassifyResponse(BaseModel):
    task: str
    mode: Literal["adapter", "zero_shot"]
    adapter_version: str | None
    anonymized: bool
    results: list[ClassifyResult]


class ChatCompletionRequest(StrictModel):
    """OpenAI chat completion request, limited to the fields below (anything else is a 422: no engine option
    reaches vLLM unchecked). `model` is a task name (its promoted version), `<task>@<version>` while it
    serves, or the base model's name. The total size of the messages and `max_tokens` are capped by the
    service's settings (max_document_chars, max_tokens)."""

    model: str = Field(min_length=1, max_length=200)
    messages: list[dict[str, Any]] = Field(min_length=1, max_length=64)
    stream: bool = False
    stream_options: dict[str, bool] | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    n: int = Field(default=1, ge=1, le=4)
    stop: str | list[str] | None = None
    seed: int | None = None
    response_format: dict[str, Any] | None = None
    user: str | None = Field(default=None, max_length=200)


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "llm4gov"
    root: str | None = None


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class FailedLoad(BaseModel):
    version: str
    reason: str
    at: datetime


class TaskServing(BaseModel):
    task: str
    mode: Literal["adapter", "zero_shot"]
    version: str | None
    served_name: str
    in_flight: int
    failed_load: FailedLoad | None = None


class SwapView(BaseModel):
    task: str
    previous: str | None
    version: str | None
    at: datetime


class ServingStatus(BaseModel):
    engine_ready: bool
    synced: bool
    problem: str | None
    loaded: list[str]
    tasks: list[TaskServing]
    failures: dict[str, FailedLoad]
    recent_swaps: list[SwapView]


# --- batch classification jobs ----------------------------------------------------------------------

BatchJobStatus = Literal["queued", "running", "paused", "succeeded", "failed", "cancelled"]
FILE_ID_PATTERN = r"^file-[0-9a-f]{32}$"  # shared.files.FILE_ID_PATTERN


class CreateBatchJob(StrictModel):
    """Classify every record of an uploaded file (`POST /v1/files`, purpose `classification`)."""

    task: str = Field(pattern=TASK_PATTERN)
    file_id: str = Field(pattern=FILE_ID_PATTERN, description="A file uploaded with purpose 'classification'.")
    anonymize: bool = Field(default=False, description="Run each document through the anonymizer first.")


class BatchProgress(BaseModel):
    total: int = Field(description="Documents in the input file.")
    done: int = Field(description="Documents answered with a schema-valid output.")
    failed: int = Field(description="Documents answered with a per-document error (max_tokens, ...).")
    pending: int = 0
    in_progress: int = 0


class BatchJobView(BaseModel):
    id: str
    object: Literal["classify.batch_job"] = "classify.batch_job"
    status: BatchJobStatus
    task: str
    input_file_id: str
    output_file_id: str | None = Field(default=None, description="The results as a file (GET /v1/files/{id}/"
                                       "content), once the job has finished.")
    anonymize: bool
    progress: BatchProgress
    created_by: str
    created_at: int = Field(description="Unix seconds.")
    started_at: int | None = None
    finished_at: int | None = None
    error: str | None = Field(default=None, description="Why the job failed, was paused (e.g. the engine is "
                              "unavailable: resume it) or was cancelled.")


class BatchJobList(BaseModel):
    object: Literal["list"] = "list"
    data: list[BatchJobView]
    has_more: bool = False
