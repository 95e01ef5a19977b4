"""Trainer settings: `LLM4GOV_TRAINER__<FIELD>` environment variables."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.config import ServiceSettings


class KubernetesOptions(BaseModel):
    """How the Kubernetes executor shapes the batch/v1 Job of each training run."""

    #: Namespace of the Jobs; default: the service's own (from its service-account mount).
    namespace: str | None = None
    #: The trainer image (the same entrypoint runs in it); GPU variant in production.
    image: str = "llm4gov/trainer:0.1.0-gpu"
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    image_pull_secrets: list[str] = []
    #: Service account of the Job's pod (needs no Kubernetes API rights).
    service_account: str | None = None
    #: Container resources, e.g. {"limits": {"nvidia.com/gpu": "1", "memory": "24Gi"}}.
    resources: dict[str, Any] = {"requests": {"cpu": "2", "memory": "8Gi"},
                                 "limits": {"nvidia.com/gpu": "1", "memory": "24Gi"}}
    node_selector: dict[str, str] = {}
    tolerations: list[dict[str, Any]] = []
    #: Secrets whose keys become the pod's environment (database URL, S3 credentials...).
    env_from_secrets: list[str] = []
    #: ConfigMaps whose keys become the pod's environment (the service's LLM4GOV_* settings).
    env_from_config_maps: list[str] = []
    #: Extra plain environment variables.
    env: dict[str, str] = {}
    job_name_prefix: str = Field(default="llm4gov-train", pattern=r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$")
    #: Always 0: Kubernetes never restarts a failed training pod. The trainer's worker owns retries
    #: (`TrainerOptions.run_attempts`): it relaunches a run that died without an outcome from its last
    #: checkpoint, counts the attempts and reports each one; a second retry loop here would hide them.
    backoff_limit: int = Field(default=0, ge=0, le=0)
    active_deadline_s: int | None = Field(default=None, ge=60)
    ttl_after_finished_s: int = Field(default=86_400, ge=0)
    #: Scratch volume for checkpoints and the base-model cache (emptyDir), e.g. "50Gi".
    scratch_size_limit: str | None = "50Gi"
    #: User, group and fsGroup of the training pods (the `restricted` Pod Security profile: never root).
    run_as_user: int = Field(default=10001, ge=1)
    run_as_group: int = Field(default=10001, ge=1)
    fs_group: int = Field(default=10001, ge=1)
    #: In-cluster credentials (the service's service account); false: the local kubeconfig.
    in_cluster: bool = True


class TrainerOptions(BaseModel):
    executor: Literal["local", "kubernetes"] = "local"
    #: Run the scheduler in this process: it launches queued jobs and follows running ones. Every
    #: replica may run one; a job is held by one replica at a time through a renewed lease.
    worker_enabled: bool = True
    worker_id: str = Field(default_factory=socket.gethostname, min_length=1, max_length=100)
    poll_interval_s: float = Field(default=2.0, gt=0)
    #: A job whose holder stopped renewing for this long is taken over by another replica.
    lease_s: float = Field(default=120.0, ge=5)
    #: Jobs this replica runs at once (local executor: each is a training process on this machine).
    max_concurrent_jobs: int = Field(default=1, ge=1, le=64)
    #: Scratch space: per-job checkpoints, adapters before upload, the base-model cache, process logs;
    #: default `<data_dir>/trainer`.
    work_dir: Path | None = None
    #: Directories a job's `base_model` may name as an absolute path (besides object storage names).
    local_model_roots: list[Path] = []
    max_records: int = Field(default=500_000, ge=1)
    #: Runs a job gets in all when its run dies without recording an outcome (killed by a signal or for
    #: memory, node lost, pod evicted, object storage unreachable for too long): each retry resumes from
    #: the last complete checkpoint. A failure the run recorded itself (bad data, an adapter that cannot
    #: be published) is never retried. A run stopped because its service replica stopped is relaunched
    #: without using up an attempt.
    run_attempts: int = Field(default=3, ge=1, le=20)
    #: Wait before the first retry; doubled for each further one, up to `retry_backoff_max_s`.
    retry_backoff_s: float = Field(default=10.0, ge=0)
    retry_backoff_max_s: float = Field(default=300.0, ge=0)
    #: How long a run keeps retrying a checkpoint upload while object storage is unreachable before it
    #: stops (without a recorded failure, so the worker relaunches it from the last complete checkpoint).
    checkpoint_upload_wait_s: float = Field(default=600.0, ge=0)
    kubernetes: KubernetesOptions = KubernetesOptions()


class TrainerSettings(ServiceSettings):
    trainer: TrainerOptions = TrainerOptions()

    def resolved_work_dir(self) -> Path:
        return self.scratch_dir(self.trainer.work_dir, "trainer")

    def resolved_model_roots(self) -> list[Path]:
        return self.allowed_model_roots(self.trainer.local_model_roots)
