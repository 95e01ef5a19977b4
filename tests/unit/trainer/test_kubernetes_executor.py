"""KubernetesExecutor against kmock's in-process Kubernetes API emulator, through the real client.

kmock has no controller: the tests write the Job status themselves, as the Job controller would.
The emulator runs on its own event loop in a thread because the kubernetes client is synchronous.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import kmock
import pytest
from kubernetes import client

from services.trainer.executors import RunPhase
from services.trainer.kubernetes_executor import JOB_ID_LABEL, KubernetesExecutor, job_name
from services.trainer.metrics import TrainerMetrics
from services.trainer.checkpoints import JOB_KIND
from services.trainer.settings import KubernetesOptions
from services.trainer.worker import TrainingWorker
from shared.db import create_db_engine, init_db
from shared.jobstore import JobState, JobStore
from shared.metrics import create_service_metrics
from tests.unit.trainer.specs import training_spec

NS = "llm4gov-test"
DNS_1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def serve() -> None:
        async with kmock.KubernetesEmulator() as k8s, kmock.Server(k8s) as server:
            state["url"] = str(server.url).rstrip("/")
            state["loop"] = asyncio.get_running_loop()
            state["stop"] = stop = asyncio.Event()
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the emulator did not start"
    yield state["url"]
    state["loop"].call_soon_threadsafe(state["stop"].set)
    thread.join(10)


@pytest.fixture
def batch_api(emulator_url: str) -> Iterator[client.BatchV1Api]:
    configuration = client.Configuration(host=emulator_url)
    with client.ApiClient(configuration) as api_client:
        yield client.BatchV1Api(api_client)


@pytest.fixture
def options() -> KubernetesOptions:
    return KubernetesOptions(
        namespace=NS,
        image="registry.example/llm4gov/trainer:1.2.3-gpu",
        image_pull_policy="Always",
        image_pull_secrets=["regcred"],
        service_account="llm4gov-trainer-job",
        resources={"requests": {"cpu": "4", "memory": "16Gi"},
                   "limits": {"nvidia.com/gpu": "1", "memory": "32Gi"}},
        node_selector={"nvidia.com/gpu.present": "true"},
        tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        env_from_secrets=["llm4gov-trainer-secrets"],
        env_from_config_maps=["llm4gov-trainer-config"],
        env={"LLM4GOV_LOG_LEVEL": "DEBUG"},
        job_name_prefix="llm4gov-train",
        backoff_limit=0,
        active_deadline_s=7200,
        ttl_after_finished_s=3600,
        scratch_size_limit="80Gi",
        in_cluster=False,
    )


@pytest.fixture
def executor(options: KubernetesOptions, batch_api: client.BatchV1Api) -> KubernetesExecutor:
    return KubernetesExecutor(options, batch_api=batch_api)


def raw_job(api: client.BatchV1Api, name: str) -> dict[str, Any]:
    resp = api.read_namespaced_job(name, NS, _preload_content=False)
    return json.loads(resp.data)


def job_names(api: client.BatchV1Api) -> list[str]:
    return [job.metadata.name for job in api.list_namespaced_job(NS).items]


def set_status(api: client.BatchV1Api, name: str, status: dict[str, Any]) -> None:
    """What the Job controller would do (kmock has none)."""
    api.patch_namespaced_job_status(name, NS, {"status": status})


def test_launch_creates_one_hardened_job(executor: KubernetesExecutor, batch_api: client.BatchV1Api,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The service's own credentials must not be copied into the spec (the pod gets them by reference).
    monkeypatch.setenv("LLM4GOV_DATABASE_URL", "postgresql://llm4gov:db-s3cret@db/llm4gov")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3-s3cret")
    job_id = str(uuid.uuid4())
    executor.launch(job_id)

    name = executor.name(job_id)
    assert job_names(batch_api) == [name]
    assert len(name) <= 63 and DNS_1123_LABEL.match(name)
    assert name == f"llm4gov-train-{uuid.UUID(job_id).hex}"

    job = raw_job(batch_api, name)
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job"
    assert job["metadata"]["labels"][JOB_ID_LABEL] == job_id
    assert job["metadata"]["labels"]["app.kubernetes.io/name"] == "llm4gov"
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "trainer-job"
    assert job["metadata"]["annotations"][JOB_ID_LABEL] == job_id

    spec = job["spec"]
    assert spec["backoffLimit"] == 0
    assert spec["ttlSecondsAfterFinished"] == 3600
    assert spec["activeDeadlineSeconds"] == 7200
    assert spec["template"]["metadata"]["labels"][JOB_ID_LABEL] == job_id

    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == "llm4gov-trainer-job"
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["fsGroup"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["scratch"]["emptyDir"] == {"sizeLimit": "80Gi"}

    [container] = pod["containers"]
    assert container["name"] == "trainer"
    assert container["image"] == "registry.example/llm4gov/trainer:1.2.3-gpu"
    assert container["imagePullPolicy"] == "Always"
    assert container["command"] == ["python", "-m", "services.trainer.run_job", job_id]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert container["resources"]["requests"] == {"cpu": "4", "memory": "16Gi"}
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert {"name": "scratch", "mountPath": "/scratch"} in container["volumeMounts"]
    env = {e["name"]: e for e in container["env"]}
    assert env["LLM4GOV_TRAINER__WORK_DIR"]["value"] == "/scratch"
    assert env["HOME"]["value"] == "/scratch"
    assert env["LLM4GOV_LOG_LEVEL"]["value"] == "DEBUG"
    # Settings and credentials come in by reference only.
    assert container["envFrom"] == [{"secretRef": {"name": "llm4gov-trainer-secrets"}},
                                    {"configMapRef": {"name": "llm4gov-trainer-config"}}]
    assert all(set(e) == {"name", "value"} for e in container["env"])
    assert env["XDG_CACHE_HOME"]["value"] == "/scratch/.cache"
    assert set(env) == {"LLM4GOV_TRAINER__WORK_DIR", "HOME", "XDG_CACHE_HOME", "PYTHONUNBUFFERED",
                        "LLM4GOV_LOG_LEVEL"}
    text = json.dumps(job)
    assert "s3cret" not in text and "postgresql://" not in text


def test_training_pod_meets_the_restricted_pod_security_standard(options: KubernetesOptions) -> None:
    """What a namespace labelled pod-security.kubernetes.io/enforce=restricted demands of the pod
    (tests/helm/test_chart.py checks the full profile on the Job the chart's settings produce)."""
    job = KubernetesExecutor(options, batch_api=object()).job_manifest(str(uuid.uuid4()))  # no API call
    pod = job["spec"]["template"]["spec"]
    pod_sc = pod["securityContext"]
    assert pod_sc["runAsNonRoot"] is True
    assert pod_sc["runAsUser"] == pod_sc["runAsGroup"] == pod_sc["fsGroup"] == 10001
    assert pod_sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert not {"hostNetwork", "hostPID", "hostIPC"} & set(pod)
    # Volume types the restricted profile allows; here emptyDirs only.
    assert all(set(v) == {"name", "emptyDir"} for v in pod["volumes"])
    for container in pod.get("initContainers", []) + pod["containers"]:
        sc = container["securityContext"]
        assert sc["runAsNonRoot"] is True and sc.get("runAsUser", 10001) != 0
        assert sc["allowPrivilegeEscalation"] is False and sc["privileged"] is False
        assert sc["capabilities"] == {"drop": ["ALL"]}
        assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
        assert sc["readOnlyRootFilesystem"] is True
        assert "ports" not in container
        # Everything the run writes is on an emptyDir: the scratch volume (HOME, caches) and /tmp.
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert mounts == {"/scratch", "/tmp"}
        env = {e["name"]: e["value"] for e in container["env"]}
        for path in (env["HOME"], env["XDG_CACHE_HOME"], env["LLM4GOV_TRAINER__WORK_DIR"]):
            assert path == "/scratch" or path.startswith("/scratch/")


def test_name_stays_a_valid_label_with_the_longest_prefix() -> None:
    job_id = str(uuid.uuid4())
    name = job_name("a" * 31 + "b", job_id)
    assert len(name) == 63 and DNS_1123_LABEL.match(name)
    assert name.endswith(uuid.UUID(job_id).hex)
    assert job_name("ab-" + "c" * 27 + "-d", job_id).count("--") == 0  # no "-" left dangling by the cut
    with pytest.raises(ValueError):
        job_name("llm4gov-train", "not-a-uuid")


def test_launch_twice_adopts_the_existing_job(executor: KubernetesExecutor, batch_api: client.BatchV1Api) -> None:
    job_id = str(uuid.uuid4())
    executor.launch(job_id)
    executor.launch(job_id)
    assert job_names(batch_api).count(executor.name(job_id)) == 1
    assert executor.status(job_id).phase == RunPhase.RUNNING


def test_status_follows_the_job(executor: KubernetesExecutor, batch_api: client.BatchV1Api) -> None:
    ok, bad, complete = (str(uuid.uuid4()) for _ in range(3))
    for job_id in (ok, bad, complete):
        executor.launch(job_id)
        assert executor.status(job_id).phase == RunPhase.RUNNING

    set_status(batch_api, executor.name(ok), {"active": 0, "succeeded": 1})
    assert executor.status(ok).phase == RunPhase.SUCCEEDED

    set_status(batch_api, executor.name(complete), {"conditions": [
        {"type": "Complete", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]})
    assert executor.status(complete).phase == RunPhase.SUCCEEDED

    set_status(batch_api, executor.name(bad), {"failed": 1, "conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
         "message": "Job has reached the specified backoff limit",
         "lastTransitionTime": "2026-01-01T00:00:00Z"}]})
    failed = executor.status(bad)
    assert failed.phase == RunPhase.FAILED
    assert failed.detail == "Kubernetes Job failed: BackoffLimitExceeded"

    assert executor.status(str(uuid.uuid4())).phase == RunPhase.MISSING


def test_cancel_deletes_the_job(executor: KubernetesExecutor, batch_api: client.BatchV1Api) -> None:
    job_id = str(uuid.uuid4())
    executor.launch(job_id)
    executor.cancel(job_id)
    assert executor.name(job_id) not in job_names(batch_api)
    assert executor.status(job_id).phase == RunPhase.MISSING
    executor.cancel(job_id)  # already gone
    executor.cancel(str(uuid.uuid4()))  # never existed


def test_cleanup_deletes_finished_jobs_only(executor: KubernetesExecutor, batch_api: client.BatchV1Api) -> None:
    running, done = str(uuid.uuid4()), str(uuid.uuid4())
    executor.launch(running)
    executor.launch(done)
    set_status(batch_api, executor.name(done), {"succeeded": 1})

    executor.cleanup(running)
    executor.cleanup(done)
    executor.cleanup(str(uuid.uuid4()))

    assert executor.status(running).phase == RunPhase.RUNNING
    assert executor.status(done).phase == RunPhase.MISSING


def test_namespace_defaults_without_a_service_account_mount(batch_api: client.BatchV1Api,
                                                            monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    import services.trainer.kubernetes_executor as module

    monkeypatch.setattr(module, "NAMESPACE_FILE", tmp_path / "missing")
    assert KubernetesExecutor(KubernetesOptions(), batch_api=batch_api).namespace == "default"
    (tmp_path / "namespace").write_text("llm4gov-prod\n")
    monkeypatch.setattr(module, "NAMESPACE_FILE", tmp_path / "namespace")
    assert KubernetesExecutor(KubernetesOptions(), batch_api=batch_api).namespace == "llm4gov-prod"


def test_the_worker_follows_kubernetes_jobs_into_the_job_store(executor: KubernetesExecutor,
                                                               batch_api: client.BatchV1Api, tmp_path: Path) -> None:
    """The scheduler launches a Job per queued training job, records a Job that Kubernetes gave up on
    as a failed training job (with the reason), deletes the Job of a cancelled one, and on shutdown
    leaves running Jobs alone for another replica to adopt."""
    store = JobStore(init_db(create_db_engine(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")))
    spec = training_spec()
    failing, cancelled, running = (store.create(JOB_KIND, spec, "t", items=[{"run": 1}]).id for _ in range(3))
    worker = TrainingWorker(store, executor, TrainerMetrics(create_service_metrics("trainer")), "replica-a",
                            lease_s=60, poll_interval_s=0.1, max_concurrent=5)
    worker.poll()
    names = {job_id: job_name("llm4gov-train", job_id) for job_id in (failing, cancelled, running)}
    assert all(batch_api.read_namespaced_job(name, NS) for name in names.values())
    assert all(store.get(job_id).state == JobState.RUNNING for job_id in names)

    set_status(batch_api, names[failing], {"failed": 1, "conditions": [
        {"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}]})
    store.transition(cancelled, JobState.CANCELLED, "cancelled by t")
    worker.poll()
    assert store.get(failing).state == JobState.FAILED and "DeadlineExceeded" in (store.get(failing).reason or "")
    assert executor.status(cancelled).phase == RunPhase.MISSING  # its Job was deleted
    assert store.get(running).state == JobState.RUNNING and executor.status(running).phase == RunPhase.RUNNING

    worker.start()  # the thread loop; stopping it hands the job back without touching its Job
    worker.stop()
    assert executor.status(running).phase == RunPhase.RUNNING
    assert store.claim_items(running, "replica-b", 1, timedelta(seconds=60))


def test_a_retry_never_adopts_the_previous_attempts_finished_job(executor: KubernetesExecutor,
                                                                  batch_api: client.BatchV1Api) -> None:
    """One owner of retries: backoffLimit is 0 whatever the options say, and relaunching a job whose
    previous Job has finished removes that Job and asks to be called again instead of adopting it."""
    from services.trainer.executors import LaunchNotReady

    job_id = str(uuid.uuid4())
    assert executor.launch(job_id) is True
    assert raw_job(batch_api, executor.name(job_id))["spec"]["backoffLimit"] == 0
    assert executor.launch(job_id) is False  # still running: adopted
    set_status(batch_api, executor.name(job_id), {"failed": 1, "conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]})
    status = executor.status(job_id)
    assert status.phase == RunPhase.FAILED and status.retryable
    with pytest.raises(LaunchNotReady):
        executor.launch(job_id)
    assert executor.status(job_id).phase == RunPhase.MISSING
    assert executor.launch(job_id) is True  # the next round creates the retry's Job
