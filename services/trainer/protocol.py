"""Request and response models of the trainer's API: training jobs (shaped like OpenAI's fine-tuning
jobs), the adapter registry and base models."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shared.adapters import RegistryEvent
from shared.files import FILE_ID_PATTERN
from shared.jobstore import JobState
from shared.protocol import StrictModel, require_exactly_one
from shared.tasks import TaskSpec
from services.trainer.specs import HyperparametersSpec, InstructionMode, Method, PromotionPolicy

_OBJECT_KEY = r"^[A-Za-z0-9@=+,._-]+(/[A-Za-z0-9@=+,._-]+)*$"
_JOB_ID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class DatasetSource(StrictModel):
    """Labeled records: a file uploaded through `/v1/files` (purpose `fine-tune`), an object-storage key
    (JSON array or JSONL in the seed's labeled format), or the id of a finished labeling job (its dataset
    and task are taken from the teacher's output)."""

    file_id: str | None = Field(default=None, pattern=FILE_ID_PATTERN, description="From POST /v1/files.")
    uri: str | None = Field(default=None, pattern=_OBJECT_KEY, max_length=1024,
                            description="Object-storage key, e.g. uploads/severity-labeled.jsonl")
    labeling_job_id: str | None = Field(default=None, pattern=_JOB_ID)

    @model_validator(mode="after")
    def _one_source(self) -> "DatasetSource":
        require_exactly_one(self, "file_id", "uri", "labeling_job_id")
        return self


class ValidationSpec(StrictModel):
    """Held-out records for evaluation: a fraction of the dataset (a seeded split) or another dataset."""

    fraction: float | None = Field(default=None, ge=0.0, le=0.5)
    dataset: DatasetSource | None = None
    folds: int | None = Field(default=None, ge=2, le=20,
                              description="Also score the label head by k-fold cross-validation over every labeled "
                                          "record (training and validation): on small datasets a far steadier "
                                          "figure than a split of a few records (metrics.cross_validation).")

    @model_validator(mode="after")
    def _at_most_one(self) -> "ValidationSpec":
        if self.fraction is not None and self.dataset is not None:
            raise ValueError("give 'fraction' or 'dataset', not both")
        if self.fraction is None and self.dataset is None:
            self.fraction = 0.2
        return self


class CreateTrainingJob(StrictModel):
    task: TaskSpec | None = Field(default=None, description="Required unless the dataset is a labeling job's.")
    dataset: DatasetSource
    base_model: str = Field(min_length=1, max_length=1024,
                            description="A name under base-models/ (GET /v1/base-models) or a local path under "
                                        "a configured model root.")
    method: Method = Field(
        default="lora", description="lora (default): LoRA on the 16/32-bit base the inference service serves, so "
                                    "the validated student is the served one. qlora: the 4-bit base (less memory "
                                    "for large bases); serve it with engine.quantization=bitsandbytes.")
    label_head: bool = Field(
        default=True, description="Label fields come from a classifier on the base model's document embeddings "
                                  "and TF-IDF features (fitted with the adapter, cross-validated); the generative "
                                  "student writes the other fields. false: the student decodes labels itself.")
    hyperparameters: HyperparametersSpec = HyperparametersSpec()
    validation: ValidationSpec = ValidationSpec()
    instruction_mode: InstructionMode = Field(
        default="compact", description="compact: a short instruction derived from the schema; full: the "
                                       "records' system prompts, as the teacher saw them.")
    answer_order: Literal["schema", "labels_last"] = Field(
        default="schema", description="labels_last: the student writes the label fields after the others (its "
                                      "explanation before its decision); inference decodes in the same order.")
    promote: PromotionPolicy = "if_better"
    suffix: str | None = Field(default=None, max_length=64, pattern=r"^[A-Za-z0-9._-]+$",
                               description="Free label kept with the job.")


class RunAttempt(BaseModel):
    attempt: int
    cause: str
    killed: bool = False
    peak_rss_mb: float | None = None
    reached_step: int | None = None
    resumed_from_step: int | None = None


class TrainingProgress(BaseModel):
    step: int = 0
    total_steps: int | None = None
    epoch: float | None = None
    loss: float | None = None
    learning_rate: float | None = None
    tokens_per_second: float | None = None
    step_seconds: float | None = None
    #: Loss and accuracy of the last step on the label fields' value tokens alone.
    label_loss: float | None = None
    label_accuracy: float | None = None
    #: The checkpoint step the current run resumed from (None: it started at step 0).
    resumed_from_step: int | None = None
    #: Current run (1 = the first; a retry or a relaunch after a service restart counts one more).
    attempt: int | None = None
    #: Runs that may die without an outcome before the job fails (`run_attempts`).
    max_attempts: int | None = None
    #: Runs of this job that died without an outcome (killed, lost) so far.
    failed_attempts: int = 0
    #: Peak resident memory of the current run (MiB), as the run reports it.
    peak_rss_mb: float | None = None
    #: The runs that died, oldest first: cause, peak memory, the step reached and the one resumed from.
    attempts: list[RunAttempt] = []


class TrainingError(BaseModel):
    message: str


class TrainingJobView(BaseModel):
    """A training job, with the fields of an OpenAI fine-tuning job where they apply."""

    id: str
    object: Literal["fine_tuning.job"] = "fine_tuning.job"
    status: JobState
    model: str = Field(description="The base model.")
    fine_tuned_model: str | None = Field(description="The published adapter, `<task>@<version>`.")
    task: str
    method: str
    hyperparameters: dict[str, Any]
    instruction_mode: str
    promote: str
    suffix: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    trained_tokens: int | None
    progress: TrainingProgress
    dataset: dict[str, Any] = Field(description="Source, SHA-256 and split sizes.")
    metrics: dict[str, Any] | None = Field(description="Validation metrics of the published adapter.")
    adapter: dict[str, Any] | None = Field(description="Task, version and whether it was promoted.")
    error: TrainingError | None
    created_by: str


class TrainingJobList(BaseModel):
    object: Literal["list"] = "list"
    data: list[TrainingJobView]
    has_more: bool


class EventView(BaseModel):
    id: int
    object: Literal["fine_tuning.job.event"] = "fine_tuning.job.event"
    created_at: datetime
    type: str
    data: dict[str, Any]


class EventList(BaseModel):
    object: Literal["list"] = "list"
    data: list[EventView]


class CheckpointView(BaseModel):
    object: Literal["fine_tuning.job.checkpoint"] = "fine_tuning.job.checkpoint"
    step: int
    uri: str
    created_at: datetime | None


class CheckpointList(BaseModel):
    object: Literal["list"] = "list"
    data: list[CheckpointView]


class PromoteRequest(StrictModel):
    version: str = Field(pattern=r"^[1-9][0-9]{0,8}$")
    force: bool = Field(default=False, description="Promote even if its validation metrics are worse.")


class AdapterVersionView(BaseModel):
    version: str
    name: str = Field(description="Serving name, `<task>@<version>`.")
    base_model: str
    method: str
    metrics: dict[str, Any]
    created_at: datetime
    training_job_id: str | None


class AdapterTaskView(BaseModel):
    task: str
    promoted: str | None
    lineage: list[str]
    history: list[RegistryEvent]
    updated_at: datetime | None
    versions: list[AdapterVersionView]


class AdapterTaskSummary(BaseModel):
    task: str
    promoted: str | None
    versions: int


class AdapterTaskList(BaseModel):
    data: list[AdapterTaskSummary]


class BaseModelList(BaseModel):
    data: list[str]
