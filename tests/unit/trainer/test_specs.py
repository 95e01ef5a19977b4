"""The training job spec: one typed model from the request to the training core, stored and read back
unchanged; specs stored in the earlier layout (evaluation options among the hyperparameters) still read."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.trainer.protocol import CreateTrainingJob
from services.trainer.specs import EvaluationOptions, Hyperparameters, TrainingJobSpec
from tests.unit.trainer.specs import training_spec


def test_the_request_hyperparameters_split_into_training_and_evaluation() -> None:
    request = CreateTrainingJob.model_validate({
        "dataset": {"uri": "uploads/x.jsonl"}, "base_model": "tiny-llama",
        "hyperparameters": {"r": 4, "batch_size": 2, "eval_steps": 3, "eval_decoding": "free"}})
    hp, evaluation = request.hyperparameters.training(), request.hyperparameters.evaluation()
    assert hp == Hyperparameters(r=4, batch_size=2)
    assert evaluation == EvaluationOptions(eval_steps=3, eval_decoding="free")
    assert evaluation.decoding_options() == {"max_new_tokens": 512, "decoding": "free",
                                             "max_string_chars": evaluation.eval_max_string_chars}


def test_a_spec_round_trips_through_the_job_store_representation() -> None:
    stored = training_spec(r=8, label_loss_weight=3.0)
    spec = TrainingJobSpec.model_validate(stored)
    assert spec.hyperparameters.r == 8 and spec.hyperparameters.label_loss_weight == 3.0
    assert spec.model_dump(mode="json") == stored
    assert spec.request_hyperparameters()["eval_max_new_tokens"] == 512  # the API's flat view


def test_a_spec_stored_in_the_earlier_layout_still_reads() -> None:
    earlier = training_spec(r=8)
    evaluation = earlier.pop("evaluation")
    earlier["hyperparameters"].update({**evaluation, "eval_steps": 5, "eval_max_new_tokens": 64})
    spec = TrainingJobSpec.model_validate(earlier)
    assert spec.hyperparameters.r == 8
    assert spec.evaluation.eval_steps == 5 and spec.evaluation.eval_max_new_tokens == 64


def test_an_unknown_or_invalid_hyperparameter_is_refused() -> None:
    with pytest.raises(ValidationError):
        Hyperparameters.model_validate({"r": 4, "rank": 4})
    with pytest.raises(ValidationError):
        Hyperparameters.model_validate({"target_modules": ["q_proj; rm -rf"]})
    with pytest.raises(ValidationError):
        TrainingJobSpec.model_validate({**training_spec(), "method": "full"})
