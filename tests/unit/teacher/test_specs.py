"""The labeling job spec keeps the task encrypted and reads specs stored before it was."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet

from shared.tasks import Task
from services.teacher.protocol import ExecutionSpec, TeacherSpec
from services.teacher.specs import LabelingJobSpec

TASK = Task.from_example("severity", {"severity_level": "BAIXA|MEDIA|ALTA"}, instruction="Classifique o caso de Maria")


def test_the_task_is_stored_encrypted_and_read_back() -> None:
    key = Fernet(Fernet.generate_key())
    spec = LabelingJobSpec.create(key, TASK, TeacherSpec(model="m"), ExecutionSpec(concurrency=2), False)
    stored = spec.stored()
    assert "Maria" not in json.dumps(stored) and stored["task_name"] == "severity"
    again = LabelingJobSpec.model_validate(stored)
    assert again.decrypted_task(key) == TASK and again.execution.concurrency == 2


def test_a_spec_stored_with_the_task_in_clear_still_reads() -> None:
    earlier = {"task": TASK.model_dump(), "teacher": {"model": "m"}, "execution": {}, "send_raw_text": True}
    spec = LabelingJobSpec.model_validate(earlier)
    assert spec.task_name == "severity" and spec.send_raw_text
    assert spec.decrypted_task(Fernet(Fernet.generate_key())) == TASK
