"""Where a training job's checkpoints live in object storage, and which ones are complete.

A light module (no torch): the API process lists checkpoints and the training process writes them.
"""

from __future__ import annotations

from shared.storage import ObjectStore

#: The job-store kind of training jobs.
JOB_KIND = "training"
#: Checkpoints kept in object storage per job (older ones are pruned).
CHECKPOINTS_KEEP = 2
#: Marker object written last: a checkpoint without it was interrupted and is never adopted.
COMPLETE_MARKER = "COMPLETE"


def checkpoints_prefix(job_id: str) -> str:
    return f"training-jobs/{job_id}/checkpoints"


def stored_checkpoints(objects: ObjectStore, job_id: str) -> list[int]:
    """Steps of the job's checkpoints in object storage that were uploaded completely, oldest first."""
    prefix = checkpoints_prefix(job_id) + "/"
    steps = set()
    for key in objects.list(prefix):
        name, _, rest = key[len(prefix):].partition("/")
        if rest == COMPLETE_MARKER and name.startswith("checkpoint-") and name[11:].isdigit():
            steps.add(int(name[11:]))
    return sorted(steps)
