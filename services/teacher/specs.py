"""A labeling job's typed spec: what the service stores with the job and what the runner reads back.

The task's instruction and schema descriptions may hold personal data, so the spec keeps the task
encrypted (`task_enc`, the payload key) and only its name in clear. Specs written before that kept
the task in clear under `task`; they are still read.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet
from pydantic import model_validator

from shared.jobstore import Job
from shared.protocol import StrictModel
from shared.tasks import Task
from services.teacher.protocol import ExecutionSpec, TeacherSpec


class LabelingJobSpec(StrictModel):
    task_name: str
    #: The Task as JSON, Fernet-encrypted with the payload key.
    task_enc: str | None = None
    #: The task in clear: only in specs stored before the task was encrypted.
    task: Task | None = None
    teacher: TeacherSpec
    execution: ExecutionSpec
    send_raw_text: bool = False

    @model_validator(mode="before")
    @classmethod
    def _earlier_layout(cls, data: Any) -> Any:
        if isinstance(data, dict) and "task_name" not in data and isinstance(data.get("task"), dict):
            data = {**data, "task_name": data["task"].get("name")}
        return data

    @classmethod
    def create(cls, key: Fernet, task: Task, teacher: TeacherSpec, execution: ExecutionSpec,
               send_raw_text: bool) -> "LabelingJobSpec":
        blob = key.encrypt(json.dumps(task.model_dump(), ensure_ascii=False).encode("utf-8")).decode("ascii")
        return cls(task_name=task.name, task_enc=blob, teacher=teacher, execution=execution,
                   send_raw_text=send_raw_text)

    @classmethod
    def of(cls, job: Job) -> "LabelingJobSpec":
        return cls.model_validate(job.spec)

    def decrypted_task(self, key: Fernet) -> Task:
        if self.task_enc is not None:
            return Task.model_validate_json(key.decrypt(self.task_enc.encode("ascii")))
        if self.task is None:
            raise ValueError("the job spec holds no task")
        return self.task

    def stored(self) -> dict[str, Any]:
        """The JSON the job store keeps."""
        return self.model_dump(mode="json", exclude_none=True)
