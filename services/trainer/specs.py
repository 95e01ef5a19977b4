"""A training job's typed spec: what the API checked, what the job store keeps, what the run reads.

One model from request to training core (TRL's one-config style): the API validates the request's
`hyperparameters` object (`HyperparametersSpec` = the training `Hyperparameters` and the
`EvaluationOptions` side by side, one flat object as OpenAI's), the service stores a
`TrainingJobSpec` with `model_dump`, and the training process reads it back with `model_validate`
and hands `spec.hyperparameters` to `training.train` unchanged. A light module (no torch).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from shared.jobstore import Job
from shared.prompts import PromptSpec
from shared.protocol import StrictModel
from shared.structured_output import DEFAULT_MAX_STRING_CHARS
from shared.tasks import Task

Method = Literal["qlora", "lora"]
PromotionPolicy = Literal["never", "always", "if_better"]
InstructionMode = Literal["compact", "full"]
Decoding = Literal["constrained", "free"]


class Hyperparameters(StrictModel):
    """How the adapter is trained: LoRA shape, schedule, batch, memory trade-offs and seed."""

    r: int = Field(default=16, ge=1, le=256, description="LoRA rank.")
    alpha: int = Field(default=32, ge=1, le=1024)
    dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    target_modules: list[str] | None = Field(default=None, min_length=1, max_length=32,
                                             description="Default: every attention and MLP projection.")
    epochs: float = Field(default=3.0, gt=0, le=100)
    max_steps: int | None = Field(default=None, ge=1, le=1_000_000, description="Overrides epochs.")
    learning_rate: float = Field(default=2e-4, gt=0, le=1.0)
    batch_size: int = Field(default=4, ge=1, le=512)
    gradient_accumulation: int = Field(default=1, ge=1, le=1024)
    max_seq_length: int = Field(default=1024, ge=32, le=32_768)
    seed: int = Field(default=42, ge=0, le=2**31 - 1)
    save_steps: int = Field(default=50, ge=1, le=1_000_000, description="Checkpoint every N steps.")
    gradient_checkpointing: bool = Field(default=True, description="Recompute activations in the backward "
                                         "pass: ~40% less peak memory for ~15% more time.")
    label_loss_weight: float = Field(default=1.0, ge=1.0, le=100.0,
                                     description="Weight of the label fields' value tokens in the loss, relative "
                                                 "to the rest of the answer (1: plain mean). A label is 1-3 tokens "
                                                 "of an answer of ~100; a weight > 1 makes the decision count.")

    @model_validator(mode="after")
    def _names(self) -> "Hyperparameters":
        for name in self.target_modules or []:
            if not name.replace("_", "").isalnum() or len(name) > 64:
                raise ValueError("target_modules must be module names such as 'q_proj'")
        return self


class EvaluationOptions(StrictModel):
    """How a run scores its student on the held-out records (the field names are the API's)."""

    eval_steps: int | None = Field(default=None, ge=1, le=1_000_000,
                                   description="Also evaluate every N steps (always at the end).")
    eval_max_new_tokens: int = Field(default=512, ge=8, le=8192)
    eval_decoding: Decoding = Field(
        default="constrained", description="constrained: decode under the task schema as the inference service "
                                           "serves (the scores users get); free: plain greedy decoding.")
    eval_max_string_chars: int = Field(default=DEFAULT_MAX_STRING_CHARS, ge=1, le=100_000,
                                       description="Bound on free-text fields in constrained decoding (the "
                                                   "inference service's max_string_chars).")

    def decoding_options(self) -> dict[str, Any]:
        """The keyword arguments of `training.evaluate` these options set."""
        return {"max_new_tokens": self.eval_max_new_tokens, "decoding": self.eval_decoding,
                "max_string_chars": self.eval_max_string_chars}


class HyperparametersSpec(Hyperparameters, EvaluationOptions):
    """The request's `hyperparameters` object: training hyperparameters and evaluation options."""

    def training(self) -> Hyperparameters:
        return Hyperparameters.model_validate(self.model_dump(include=set(Hyperparameters.model_fields)))

    def evaluation(self) -> EvaluationOptions:
        return EvaluationOptions.model_validate(self.model_dump(include=set(EvaluationOptions.model_fields)))


class SplitSnapshot(BaseModel):
    """One frozen split: a content-addressed object (None when the split is empty)."""

    uri: str | None
    sha256: str
    records: int


class DatasetSnapshot(BaseModel):
    """The records a job trains and validates on, frozen at creation, and where they came from."""

    source: dict[str, Any]
    train: SplitSnapshot
    validation: SplitSnapshot


class TrainingJobSpec(StrictModel):
    """Everything a training run needs, as stored with the job (the task with its schema, the prompt
    layout fixed at creation, the data snapshot) — so a rerun trains exactly what was asked."""

    task: Task
    base_model: str
    method: Method
    label_head: bool = True
    hyperparameters: Hyperparameters
    evaluation: EvaluationOptions = EvaluationOptions()
    #: k-fold cross-validation of the label head (validation.folds in the request).
    cross_validation_folds: int | None = None
    prompt: PromptSpec
    instruction_mode: InstructionMode
    promote: PromotionPolicy
    suffix: str | None = None
    dataset: DatasetSnapshot

    @model_validator(mode="before")
    @classmethod
    def _earlier_layout(cls, data: Any) -> Any:
        """Specs stored before the evaluation options had their own object kept them among the
        hyperparameters: read those too."""
        if isinstance(data, dict) and "evaluation" not in data:
            hp = dict(data.get("hyperparameters") or {})
            evaluation = {k: hp.pop(k) for k in list(hp) if k in EvaluationOptions.model_fields}
            data = {**data, "hyperparameters": hp, "evaluation": evaluation}
        return data

    @classmethod
    def of(cls, job: Job) -> "TrainingJobSpec":
        return cls.model_validate(job.spec)

    def request_hyperparameters(self) -> dict[str, Any]:
        """The job's hyperparameters as the API takes them (training and evaluation, one object)."""
        return {**self.hyperparameters.model_dump(), **self.evaluation.model_dump()}
