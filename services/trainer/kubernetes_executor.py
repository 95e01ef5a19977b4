"""Run each training job as a batch/v1 Job (`executor: kubernetes`).

The Job runs the same entrypoint as the local executor (`python -m services.trainer.run_job <id>`)
in the trainer image; the pod reads its settings (database, object storage) from the Secrets and
ConfigMaps named in `KubernetesOptions`, so the Job spec holds references only, never secret values.

The Job name is derived from the full job id, so every replica computes the same name: `launch` of a
job whose Job already exists (a replica taking over from a dead one) adopts it instead of starting a
second training run.

The training pod satisfies the Kubernetes `restricted` Pod Security Standard (a namespace labelled
`pod-security.kubernetes.io/enforce: restricted` admits it): a non-root user (the images' user 10001,
the one the Helm chart runs its own pods as), no privilege escalation, every capability dropped,
seccomp RuntimeDefault, emptyDir volumes only, and a read-only root filesystem (the run writes to its
scratch volume, where HOME and the caches point, and to /tmp).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from services.trainer.executors import ENTRYPOINT, LaunchNotReady, RunPhase, RunStatus
from services.trainer.settings import KubernetesOptions
from shared.logs import get_logger

log = get_logger("trainer.executor.kubernetes")

JOB_ID_LABEL = "llm4gov.dev/training-job"
SCRATCH_DIR = "/scratch"
NAMESPACE_FILE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
_MAX_NAME = 63  # a Job name must be a DNS-1123 label (its pods' hostnames derive from it)
_TIMEOUT_S = 30  # per API call: a hung API server must not stall the worker loop forever
_SUCCESS_CONDITIONS = {"Complete", "SuccessCriteriaMet"}


class KubernetesJobError(RuntimeError):
    """An API call failed. Carries only the HTTP status: the response body may echo the spec."""


def job_name(prefix: str, job_id: str) -> str:
    """`<prefix>-<uuid hex>`, at most 63 characters: the full id keeps names unique (a short hash
    could make two jobs adopt each other's Job); the prefix is cut to make room."""
    parsed = uuid.UUID(job_id)
    if str(parsed) != job_id:  # only canonical ids: the id also goes verbatim into a label value
        raise ValueError("job id must be a canonical lowercase UUID")
    prefix = prefix[: _MAX_NAME - 1 - len(parsed.hex)].rstrip("-")
    return f"{prefix}-{parsed.hex}"


def resolve_namespace(options: KubernetesOptions) -> str:
    """The configured namespace, else the service's own (service-account mount), else "default"."""
    if options.namespace:
        return options.namespace
    try:
        return NAMESPACE_FILE.read_text().strip() or "default"
    except OSError:
        return "default"


class KubernetesExecutor:
    """One batch/v1 Job per training job; Kubernetes restarts nothing (restartPolicy Never,
    backoffLimit 0): a failed run is reported, and retrying it is the worker's decision (one owner of
    retries: the worker relaunches a run that died without an outcome from its last checkpoint, up to
    `TrainerOptions.run_attempts`, and records each attempt)."""

    runs_outlive_service = True

    def __init__(self, options: KubernetesOptions, batch_api: client.BatchV1Api | None = None) -> None:
        self.options = options
        self.namespace = resolve_namespace(options)
        self.api = batch_api if batch_api is not None else _default_batch_api(options.in_cluster)

    def name(self, job_id: str) -> str:
        return job_name(self.options.job_name_prefix, job_id)

    def launch(self, job_id: str) -> bool:
        body = self.job_manifest(job_id)
        try:
            self.api.create_namespaced_job(self.namespace, body, _request_timeout=_TIMEOUT_S)
        except ApiException as exc:
            if exc.status != 409:
                raise _error("creating", exc) from None
            self._check_adoptable(job_id)
            log.info("kubernetes_job_adopted", job_id=job_id, job_name=body["metadata"]["name"])
            return False
        log.info("kubernetes_job_created", job_id=job_id, job_name=body["metadata"]["name"],
                 namespace=self.namespace)
        return True

    def _check_adoptable(self, job_id: str) -> None:
        """A Job of that name exists: adopt it only if it still runs. A finished one, or one being
        deleted (the previous attempt's, after `cleanup`), must not be adopted: its outcome is old, and
        a retry would be reported as failed at once."""
        try:
            job = self.api.read_namespaced_job(self.name(job_id), self.namespace, _request_timeout=_TIMEOUT_S)
        except ApiException as exc:
            if exc.status == 404:  # deleted meanwhile: create it on the next round
                raise LaunchNotReady("the previous Kubernetes Job was just deleted") from None
            raise _error("reading", exc) from None
        if job.metadata is not None and job.metadata.deletion_timestamp is not None:
            raise LaunchNotReady("the previous Kubernetes Job is still being deleted")
        if job_status(job).phase != RunPhase.RUNNING:
            self.cancel(job_id)
            raise LaunchNotReady("the previous Kubernetes Job had finished; it was deleted")

    def status(self, job_id: str) -> RunStatus:
        try:
            job = self.api.read_namespaced_job(self.name(job_id), self.namespace, _request_timeout=_TIMEOUT_S)
        except ApiException as exc:
            if exc.status == 404:
                return RunStatus(RunPhase.MISSING)
            raise _error("reading", exc) from None
        return job_status(job)

    def cancel(self, job_id: str) -> None:
        """Delete the Job; Background propagation lets the garbage collector stop its pod (SIGTERM,
        then the grace period) without blocking this call."""
        try:
            self.api.delete_namespaced_job(self.name(job_id), self.namespace, propagation_policy="Background",
                                           _request_timeout=_TIMEOUT_S)
        except ApiException as exc:
            if exc.status != 404:
                raise _error("deleting", exc) from None
            return
        log.info("kubernetes_job_deleted", job_id=job_id)

    def cleanup(self, job_id: str) -> None:
        """Delete the Job once it has finished; a running one is left alone.

        A finished Job must go: `launch` adopts any Job of that name, so a later run of the same job
        (a retry or resume) would otherwise adopt the old, finished one and report its outcome at once.
        The outcome is already in the job store (run_job records it), so nothing is lost but the pod
        logs, which the cluster's log collection keeps. A running Job is never touched here: stopping
        runs is `cancel`'s job, and a replica that lost its lease must not kill the run another replica
        now follows. `ttlSecondsAfterFinished` removes Jobs whose replica died before cleaning up.
        """
        if self.status(job_id).phase in (RunPhase.SUCCEEDED, RunPhase.FAILED):
            self.cancel(job_id)

    def job_manifest(self, job_id: str) -> dict[str, Any]:
        """The batch/v1 Job, in the API's own JSON shape (options hold resources and tolerations as
        Kubernetes writes them, so they pass through unchanged)."""
        o = self.options
        labels = {"app.kubernetes.io/name": "llm4gov", "app.kubernetes.io/component": "trainer-job",
                  "app.kubernetes.io/managed-by": "llm4gov-trainer", JOB_ID_LABEL: job_id}
        # The scratch volume is the only writable place besides /tmp (the root file system is read-only):
        # checkpoints, adapters before upload and the base-model cache; HOME and XDG_CACHE_HOME point
        # there too, so the caches of torch, Triton, Hugging Face and the like land on it.
        env = {"LLM4GOV_TRAINER__WORK_DIR": SCRATCH_DIR, "HOME": SCRATCH_DIR,
               "XDG_CACHE_HOME": f"{SCRATCH_DIR}/.cache", "PYTHONUNBUFFERED": "1", **o.env}
        env_from = ([{"secretRef": {"name": n}} for n in o.env_from_secrets]
                    + [{"configMapRef": {"name": n}} for n in o.env_from_config_maps])
        scratch: dict[str, Any] = {"name": "scratch", "emptyDir": {}}
        if o.scratch_size_limit:
            scratch["emptyDir"]["sizeLimit"] = o.scratch_size_limit
        container: dict[str, Any] = {
            "name": "trainer",
            "image": o.image,
            "imagePullPolicy": o.image_pull_policy,
            "command": ["python", *ENTRYPOINT, job_id],
            "env": [{"name": k, "value": v} for k, v in env.items()],
            "envFrom": env_from,
            "resources": o.resources,
            "volumeMounts": [{"name": "scratch", "mountPath": SCRATCH_DIR}, {"name": "tmp", "mountPath": "/tmp"}],
            # The `restricted` Pod Security Standard, stated on the container too (not only inherited
            # from the pod), as the chart's own containers do.
            "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "privileged": False,
                                "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
                                "seccompProfile": {"type": "RuntimeDefault"}},
        }
        pod: dict[str, Any] = {
            "restartPolicy": "Never",
            # The training pod needs no Kubernetes API access; no token means none to steal.
            "automountServiceAccountToken": False,
            "securityContext": {"runAsNonRoot": True, "runAsUser": o.run_as_user, "runAsGroup": o.run_as_group,
                                "fsGroup": o.fs_group, "fsGroupChangePolicy": "OnRootMismatch",
                                "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [container],
            "volumes": [scratch, {"name": "tmp", "emptyDir": {}}],
        }
        if o.service_account:
            pod["serviceAccountName"] = o.service_account
        if o.image_pull_secrets:
            pod["imagePullSecrets"] = [{"name": n} for n in o.image_pull_secrets]
        if o.node_selector:
            pod["nodeSelector"] = o.node_selector
        if o.tolerations:
            pod["tolerations"] = o.tolerations
        spec: dict[str, Any] = {
            "backoffLimit": 0,  # the worker owns retries (see the class docstring)
            "ttlSecondsAfterFinished": o.ttl_after_finished_s,
            "template": {"metadata": {"labels": labels}, "spec": pod},
        }
        if o.active_deadline_s is not None:
            spec["activeDeadlineSeconds"] = o.active_deadline_s
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": self.name(job_id), "namespace": self.namespace, "labels": labels,
                         "annotations": {JOB_ID_LABEL: job_id}},
            "spec": spec,
        }


def job_status(job: client.V1Job) -> RunStatus:
    """Phase from the Job's status. Only the condition's reason goes into the detail (e.g.
    BackoffLimitExceeded, DeadlineExceeded): messages and pod logs may carry document text."""
    status = job.status
    if status is None:
        return RunStatus(RunPhase.RUNNING)
    conditions = [c for c in (status.conditions or []) if c.status == "True"]
    for cond in conditions:
        if cond.type == "Failed":
            reason = (cond.reason or "")[:100]
            # DeadlineExceeded: activeDeadlineSeconds ran out; a relaunch would run out of it again
            return RunStatus(RunPhase.FAILED, f"Kubernetes Job failed: {reason}" if reason
                             else "Kubernetes Job failed", retryable=reason != "DeadlineExceeded")
    if (status.succeeded or 0) >= 1 or any(c.type in _SUCCESS_CONDITIONS for c in conditions):
        return RunStatus(RunPhase.SUCCEEDED)
    return RunStatus(RunPhase.RUNNING)


def _default_batch_api(in_cluster: bool) -> client.BatchV1Api:
    """A client of its own (not the library's global default configuration)."""
    configuration = client.Configuration()
    if in_cluster:
        config.load_incluster_config(client_configuration=configuration)
    else:
        config.load_kube_config(client_configuration=configuration)
    return client.BatchV1Api(client.ApiClient(configuration))


def _error(action: str, exc: ApiException) -> KubernetesJobError:
    return KubernetesJobError(f"{action} the Kubernetes Job failed: HTTP {exc.status} {exc.reason}")
