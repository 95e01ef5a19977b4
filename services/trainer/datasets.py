"""A training job's data: read from object storage or a labeling job's output, checked against the
task, split, and frozen.

Everything is checked when the job is created (so bad input is a 4xx, not a failed job an hour
later), and the records the job will train and validate on are written once, content-addressed, to
`training-data/<sha256>.jsonl`: the job trains on exactly what was checked even if the source
changes, the manifest's dataset hash means something, and a restarted job reads the same split.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shared.errors import PayloadTooLarge, Unprocessable
from shared.records import Record, RecordsError, dump_jsonl, parse_records
from shared.storage import ObjectNotFound, ObjectStore
from shared.tasks import SchemaError, Task
from services.trainer.protocol import CreateTrainingJob, DatasetSource
from services.trainer.specs import DatasetSnapshot, SplitSnapshot

SNAPSHOT_PREFIX = "training-data"
#: Reads an uploaded file's records and task (`/v1/files`, purpose fine-tune) for the caller, or raises a 4xx.
FileReader = Callable[[str], tuple[list[Record], Task | None]]


@dataclass
class PreparedData:
    task: Task
    train: list[Record]
    validation: list[Record]
    source: dict[str, Any]

    def snapshot(self, objects: ObjectStore) -> DatasetSnapshot:
        """Write train and validation records (content-addressed) and describe them for the manifest."""
        splits = {}
        for name, records in (("train", self.train), ("validation", self.validation)):
            data = dump_jsonl(records)
            digest = hashlib.sha256(data).hexdigest()
            key = f"{SNAPSHOT_PREFIX}/{digest}.jsonl"
            if records and not objects.exists(key):
                objects.put_bytes(key, data, "application/x-ndjson")
            splits[name] = SplitSnapshot(uri=key if records else None, sha256=digest, records=len(records))
        return DatasetSnapshot(source=self.source, **splits)


def load_snapshot(objects: ObjectStore, split: SplitSnapshot) -> list[Record]:
    """The records of a frozen split (an empty split has no object)."""
    if not split.uri:
        return []
    data = objects.get_bytes(split.uri)
    if hashlib.sha256(data).hexdigest() != split.sha256:
        raise RuntimeError(f"training data {split.uri} does not match its recorded SHA-256")
    return parse_records(data)


def _read_source(objects: ObjectStore, source: DatasetSource, what: str,
                 files: FileReader | None = None) -> tuple[list[Record], Task | None, dict[str, Any]]:
    if source.file_id:
        if files is None:
            raise Unprocessable(f"{what}: this trainer has no Files API (file_id).")
        records, file_task = files(source.file_id)
        return records, file_task, {"file_id": source.file_id,
                               "sha256": hashlib.sha256(dump_jsonl(records)).hexdigest()}
    if source.labeling_job_id:
        prefix = f"datasets/{source.labeling_job_id}"
        try:
            metadata = objects.get_json(f"{prefix}/metadata.json")
            if metadata.get("anonymized") is False:
                raise Unprocessable(f"{what}: labeling job '{source.labeling_job_id}' sent raw text; its results stay "
                                    "encrypted in the teacher's store and are not written to shared storage. An "
                                    "admin can download them (/results) and provide them as a dataset uri.")
            data = objects.get_bytes(f"{prefix}/data.jsonl")
        except ObjectNotFound:
            raise Unprocessable(f"{what}: labeling job '{source.labeling_job_id}' has no finished dataset.") from None
        task = Task.model_validate(metadata["task"]) if isinstance(metadata.get("task"), dict) else None
        described = {"labeling_job_id": source.labeling_job_id, "uri": f"{prefix}/data.jsonl"}
    else:
        try:
            data = objects.get_bytes(source.uri or "")
        except ObjectNotFound:
            raise Unprocessable(f"{what}: no object '{source.uri}' in storage.") from None
        except ValueError:
            raise Unprocessable(f"{what}: uri is not a valid object key.") from None
        task, described = None, {"uri": source.uri}
    try:
        records = parse_records(data)
    except RecordsError as exc:
        raise Unprocessable(f"{what}: {exc}.") from None
    described["sha256"] = hashlib.sha256(data).hexdigest()
    return records, task, described


def _labeled(task: Task, records: list[Record], what: str) -> list[Record]:
    """Labeled records with their teacher_output validated (unlabeled ones are dropped)."""
    out = []
    for index, record in enumerate(records):
        if record.teacher_output is None:
            continue
        try:
            task.validate_output(record.teacher_output)
        except ValidationError as exc:
            fields = sorted({".".join(str(p) for p in e["loc"]) or "output" for e in exc.errors()})
            raise Unprocessable(f"{what}: record {index}: teacher_output does not match the task schema "
                                f"(fields: {', '.join(fields)}).") from None
        out.append(record)
    if not out:
        raise Unprocessable(f"{what}: no record has a teacher_output: nothing to learn from.")
    return out


def split(records: list[Record], fraction: float, seed: int) -> tuple[list[Record], list[Record]]:
    """A seeded shuffle, then the last `fraction` held out (at least one record each side when
    possible): the same dataset and seed always give the same split."""
    if fraction <= 0 or len(records) < 2:
        return list(records), []
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    held = min(len(records) - 1, max(1, round(len(records) * fraction)))
    return [records[i] for i in order[:-held]], [records[i] for i in order[-held:]]


def prepare(objects: ObjectStore, request: CreateTrainingJob, max_records: int,
            files: FileReader | None = None) -> PreparedData:
    """Read, check and split the job's data; every problem is a 4xx naming the record, never its text."""
    records, source_task, described = _read_source(objects, request.dataset, "dataset", files)
    if request.task is not None:
        try:
            task = request.task.to_task()
        except SchemaError as exc:
            raise Unprocessable(f"Invalid task structure: {exc}") from None
    elif source_task is not None:
        task = source_task
    else:
        raise Unprocessable("task is required unless the dataset is a labeling job's output or a file uploaded "
                            "with a task.")
    if len(records) > max_records:
        raise PayloadTooLarge(f"The dataset has {len(records)} records; the limit is {max_records}.")
    labeled = _labeled(task, records, "dataset")
    validation_spec = request.validation
    if validation_spec.dataset is not None:
        held_records, _, held_described = _read_source(objects, validation_spec.dataset, "validation.dataset",
                                                       files)
        train, validation = labeled, _labeled(task, held_records, "validation.dataset")
        described["validation_source"] = held_described
    else:
        train, validation = split(labeled, validation_spec.fraction or 0.0, request.hyperparameters.seed)
    missing = [i for i, r in enumerate(train) if not (r.system_prompt or task.instruction)]
    if request.instruction_mode == "full" and missing:
        raise Unprocessable(f"instruction_mode 'full' needs a system_prompt: labeled record {missing[0]} has none "
                            "and the task has no instruction.")
    return PreparedData(task=task, train=train, validation=validation, source=described)

