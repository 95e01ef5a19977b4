"""A complete training job spec for tests that put training jobs in the job store by hand."""

from __future__ import annotations

from typing import Any

from shared.prompts import PromptSpec
from shared.tasks import Task
from services.trainer.specs import DatasetSnapshot, Hyperparameters, SplitSnapshot, TrainingJobSpec

TASK = Task.from_example("severity", {"severity_level": "BAIXA|MEDIA|ALTA"})


def training_spec(**hyperparameters: Any) -> dict[str, Any]:
    """A stored spec (as the service writes it) with these hyperparameters and no data objects."""
    empty = SplitSnapshot(uri=None, sha256="0" * 64, records=0)
    return TrainingJobSpec(task=TASK, base_model="tiny-llama", method="lora",
                           hyperparameters=Hyperparameters(**hyperparameters), prompt=PromptSpec(),
                           instruction_mode="compact", promote="never",
                           dataset=DatasetSnapshot(source={"uri": "uploads/x.jsonl"}, train=empty,
                                                   validation=empty)).model_dump(mode="json")
