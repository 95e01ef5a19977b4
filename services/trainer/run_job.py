"""`python -m services.trainer.run_job JOB_ID`: the training process (local child or Kubernetes Job).

Configured by the same `LLM4GOV_*` environment as the service; exits 0 when the job reached a final
state it recorded itself (succeeded or cancelled), 1 when it failed.
"""

from __future__ import annotations

import sys

from services.trainer.runner import run_job

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m services.trainer.run_job JOB_ID")
    sys.exit(run_job(sys.argv[1]))
