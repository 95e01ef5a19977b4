"""The Helm chart (helm/llm4gov): lint, render, schema, Kubernetes validation, alerts, security properties.

Everything runs offline: helm-python-sdk renders the chart like `helm template` (no helm binary, no
cluster), kubernetes-validate checks each manifest against the Kubernetes 1.30 schemas, yamllint checks
the plain YAML files, promtool checks and unit-tests the alert rules.

A missing tool skips its tests locally; under CI=true it fails them, so CI cannot pass silently
without the checks it is meant to run.
"""

from __future__ import annotations

import copy
import importlib.util
import ipaddress
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

try:
    import helm_python as helm
except ImportError:  # pragma: no cover - depends on the environment
    helm = None

ROOT = Path(__file__).resolve().parents[2]
HELM_DIR = ROOT / "helm"
CHART_DIR = HELM_DIR / "llm4gov"
PRODUCTION_VALUES = HELM_DIR / "values-production.yaml"
RELEASE = "llm4gov"
NAMESPACE = "llm4gov"
KUBERNETES_VERSION = "1.30.0"
API_COMPONENTS = ("anonymizer", "teacher", "trainer", "inference")
# Components with a secret key of their own (LLM4GOV_<COMPONENT>__SECRET_KEY).
SECRET_KEY_COMPONENTS = ("anonymizer", "teacher")
# Labels the trainer's Kubernetes executor puts on every training pod (services/trainer/kubernetes_executor.py).
TRAINING_POD_LABELS = {"app.kubernetes.io/name": "llm4gov", "app.kubernetes.io/component": "trainer-job",
                       "app.kubernetes.io/managed-by": "llm4gov-trainer"}
TRAINER_JOB_VERBS = ["create", "get", "list", "watch", "delete"]
# Custom resources (Prometheus Operator, Cilium): kubernetes-validate has no schema for them; the tests
# check them structurally instead.
CRD_KINDS = {"ServiceMonitor", "PrometheusRule", "CiliumNetworkPolicy"}
POD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet", "Pod"}

# Distinctive secret values: none may appear anywhere but in a Secret.
MARKERS = {
    "anonymizer_key": "ANONKEY-3f9c1e7a-distinctive-secret-value-0001",
    "teacher_key": "TEACHKEY-8b2d4c6e-distinctive-secret-value-0002",
    "anonymizer_api_key": "ANONAPIKEY-5e7f9a1b-distinctive-0003",
    "llm_api_key": "sk-LLMKEY-1a2b3c4d-distinctive-0004",
    "db_password": "DBPASSWORD-6c8e0a2b-distinctive-0005",
    "s3_access_key": "S3ACCESSKEY7d9f1b3c0006",
    "s3_secret_key": "S3SECRET-2b4d6f8a-distinctive-0007",
    "api_key_hash": "a1" * 32,
    "inference_anonymizer_api_key": "INFANONKEY-9d1f3b5c-distinctive-0008",
}
# Where the inference pod may write (root filesystem read-only): the vLLM engine's home and caches, the
# work dir (base model, adapters), the data dir, /tmp and shared memory.
INFERENCE_WRITABLE = ("/var/lib/llm4gov", "/scratch", "/home/llm4gov", "/tmp", "/dev/shm")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _need(available: bool, what: str) -> None:
    """Skip when a tool is missing, except under CI=true where that is a failure."""
    if available:
        return
    if _in_ci():
        pytest.fail(f"{what} is required under CI=true", pytrace=False)
    pytest.skip(f"{what} is not installed")


def _module(name: str, what: str) -> Any:
    """The module `name`; skipped (a failure under CI=true) when it or what it needs is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:  # pragma: no cover - depends on the environment
        _need(False, what)


def _load_module(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _production_values() -> dict[str, Any]:
    return yaml.safe_load(PRODUCTION_VALUES.read_text(encoding="utf-8"))


def _inline_secret_values() -> dict[str, Any]:
    """Every secret given inline (the chart creates the Secrets), bundled stores, every option on."""
    m = MARKERS
    return {
        "apiKeys": {"entries": [{"name": "ouvidoria", "sha256": m["api_key_hash"], "roles": ["anonymize"]}]},
        "anonymizer": {"secretKey": {"value": m["anonymizer_key"]}, "database": {"enabled": True}},
        "teacher": {
            "secretKey": {"value": m["teacher_key"]},
            "anonymizerApiKey": {"value": m["anonymizer_api_key"]},
            "llmApiKey": {"value": m["llm_api_key"]},
        },
        "inference": {
            "anonymizerApiKey": {"value": m["inference_anonymizer_api_key"]},
            "gpu": {"enabled": False},
            "tasks": [{"name": "triagem", "instruction": "Classifique o documento.",
                       "output_schema": {"type": "object", "properties": {"area": {"type": "string",
                                                                                    "enum": ["saude", "educacao"]}},
                                         "required": ["area"], "additionalProperties": False}}],
        },
        "bundled": {
            "postgresql": {"enabled": True, "password": m["db_password"]},
            "s3": {"enabled": True, "accessKeyId": m["s3_access_key"], "secretAccessKey": m["s3_secret_key"]},
        },
        "ingress": {"enabled": True, "tls": [{"secretName": "llm4gov-tls", "hosts": ["anonymizer.llm4gov.local"]}]},
        "monitoring": {"serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": True}},
    }


def _external_inline_values() -> dict[str, Any]:
    """Inline secrets with an external database and S3 (no bundled stores)."""
    values = _inline_secret_values()
    del values["bundled"]
    values["anonymizer"]["database"] = {"enabled": "auto"}  # the external database below
    values["database"] = {"url": f"postgresql://llm4gov:{MARKERS['db_password']}@db.internal:5432/llm4gov"}
    values["storage"] = {"s3": {"accessKeyId": MARKERS["s3_access_key"], "secretAccessKey": MARKERS["s3_secret_key"],
                                "endpointUrl": "https://s3.internal.example"}}
    return values


CASES = {
    "default": lambda: None,
    "production": _production_values,
    "inline-bundled": _inline_secret_values,
    "inline-external": _external_inline_values,
}
# The two deployments a security review looks at: the chart's defaults and the production example.
REVIEWED = ("default", "production")


@pytest.fixture(scope="module")
def chart() -> Any:
    _need(helm is not None, "helm-python-sdk (pip install helm-python-sdk)")
    loaded = helm.Chart.load(str(CHART_DIR))
    yield loaded
    loaded.close()


def _render(chart: Any, values: dict[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    docs = []
    for template, text in sorted(rendered.items()):
        for doc in yaml.safe_load_all(text):
            if doc:
                docs.append((template, doc))
    return docs


@pytest.fixture(scope="module")
def rendered(chart: Any) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    return {case: _render(chart, make()) for case, make in CASES.items()}


def _docs(rendered: dict[str, Any], case: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [doc for _, doc in rendered[case] if kind is None or doc["kind"] == kind]


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "Pod":
        return doc["spec"]
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return doc["spec"]["template"]["spec"]


def _pod_labels(doc: dict[str, Any]) -> dict[str, str]:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    return doc["spec"]["template"]["metadata"]["labels"]


def _workloads(rendered: dict[str, Any], case: str) -> list[dict[str, Any]]:
    return [doc for _, doc in rendered[case] if doc["kind"] in POD_KINDS]


def _by_name(docs: list[dict[str, Any]], name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {name}, found {len(matches)}"
    return matches[0]


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "the chart only uses matchLabels selectors"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


# --------------------------------------------------------------------------------------------------
# Lint, render, schema
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["default", "production"])
def test_lint_strict(chart: Any, case: str) -> None:
    values = CASES[case]()
    report = helm.lint(str(CHART_DIR), values, strict=True, namespace=NAMESPACE, kube_version=f"v{KUBERNETES_VERSION}")
    assert report["errors"] == [], report
    problems = [m for m in report["messages"] if m["severity"] >= 2]  # 2 = warning, 3 = error
    assert problems == [], problems


def test_chart_metadata(chart: Any) -> None:
    meta = chart.metadata
    assert meta["apiVersion"] == "v2"
    assert meta["name"] == "llm4gov"
    assert meta["appVersion"] == "0.1.0"
    assert chart.schema is not None, "values.schema.json must ship with the chart"


@pytest.mark.parametrize("case", list(CASES))
def test_render_produces_the_services(rendered: dict[str, Any], case: str) -> None:
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in _docs(rendered, case)}
    for component in API_COMPONENTS:
        name = f"{RELEASE}-{component}"
        for kind in ("Deployment", "Service", "ConfigMap", "ServiceAccount", "PodDisruptionBudget", "NetworkPolicy"):
            assert (kind, name) in kinds, f"{case}: missing {kind} {name}"
    assert ("HorizontalPodAutoscaler", f"{RELEASE}-anonymizer") in kinds
    assert ("HorizontalPodAutoscaler", f"{RELEASE}-inference") in kinds
    for doc in _docs(rendered, case):
        assert doc["metadata"].get("namespace", NAMESPACE) == NAMESPACE


def test_production_values_render_monitoring_and_ingress(rendered: dict[str, Any]) -> None:
    kinds = {doc["kind"] for doc in _docs(rendered, "production")}
    assert {"Ingress", "ServiceMonitor", "PrometheusRule"} <= kinds
    assert not _docs(rendered, "production", "Secret"), "production values reference existing Secrets only"
    assert not _docs(rendered, "production", "StatefulSet"), "no bundled evaluation stores in production"


def test_defaults_use_external_services_and_existing_secrets(rendered: dict[str, Any]) -> None:
    assert not _docs(rendered, "default", "Secret")
    assert not _docs(rendered, "default", "StatefulSet")
    teacher = _by_name(_docs(rendered, "default", "Deployment"), f"{RELEASE}-teacher")
    env = {e["name"]: e for e in _pod_spec(teacher)["containers"][0]["env"]}
    assert env["LLM4GOV_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "llm4gov-database", "key": "url"}
    config = _by_name(_docs(rendered, "default", "ConfigMap"), f"{RELEASE}-teacher")["data"]
    assert config["LLM4GOV_STORAGE__BACKEND"] == "s3"


BAD_VALUES = {
    "auth not on/off": {"config": {"auth": "maybe"}},
    "auth as a boolean": {"config": {"auth": True}},
    "replicas below 1": {"teacher": {"replicas": 0}},
    "replicas as a string": {"anonymizer": {"replicas": "2"}},
    "unknown top-level key": {"trainer_typo": {"enabled": True}},
    "unknown nested key": {"anonymizer": {"replica": 2}},
    "latest image tag": {"anonymizer": {"image": {"tag": "latest"}}},
    "empty image tag": {"teacher": {"image": {"tag": ""}}},
    "bad pull policy": {"teacher": {"image": {"pullPolicy": "Sometimes"}}},
    "short anonymizer secret key": {"anonymizer": {"secretKey": {"value": "too-short"}}},
    "short teacher secret key": {"teacher": {"secretKey": {"value": "too-short"}}},
    "api key entry with a raw key": {"apiKeys": {"entries": [{"name": "x", "sha256": "not-a-hash", "roles": ["admin"]}]}},
    "api key entry with an unknown role": {"apiKeys": {"entries": [{"name": "x", "sha256": "0" * 64, "roles": ["root"]}]}},
    "root user": {"podSecurity": {"runAsUser": 0}},
    "bad log level": {"config": {"logLevel": "TRACE"}},
    "bad egress cidr": {"teacher": {"networkPolicy": {"llmEgress": {"cidrs": ["everywhere"]}}}},
    "fqdn flag as a string": {"teacher": {"networkPolicy": {"llmEgress": {"fqdn": {"enabled": "yes"}}}}},
    "teacher egress to an address through extraEgress": {"teacher": {"networkPolicy": {"extraEgress": [
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}]}}},
    "anonymizer database mode unknown": {"anonymizer": {"database": {"enabled": "sometimes"}}},
    "non-postgres anonymizer database url": {"anonymizer": {"database": {"url": "sqlite:///vault.db"}}},
    "non-postgres teacher database url": {"teacher": {"database": {"url": "mysql://db/llm4gov"}}},
    "teacher s3 access key without secret": {"teacher": {"storage": {"accessKeyId": "AKIA0000"}}},
    "training pods' s3 secret without key id": {"trainer": {"job": {"storage": {"secretAccessKey": "x" * 40}}}},
    "unknown per-service storage key": {"inference": {"storage": {"bucket": "other"}}},
    "api docs as a string": {"config": {"apiDocs": "false"}},
    "engine metrics as a string": {"inference": {"engineMetrics": "no"}},
    "empty database egress": {"database": {"networkPolicy": {"cidrs": []}}},
    "port out of range": {"database": {"networkPolicy": {"port": 70000}}},
    "score threshold above 1": {"anonymizer": {"settings": {"scoreThreshold": 1.5}}},
    "hpa utilization above 100": {"anonymizer": {"autoscaling": {"targetCPUUtilizationPercentage": 150}}},
    "non-postgres database url": {"database": {"url": "mysql://db/llm4gov"}},
    "resources without limits": {"teacher": {"resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": None}}},
    "weak bundled postgres password": {"bundled": {"postgresql": {"password": "short"}}},
    "unknown trainer executor": {"trainer": {"settings": {"executor": "slurm"}}},
    "negative training gpu count": {"trainer": {"job": {"gpu": -1}}},
    "training gpu count as a string": {"trainer": {"job": {"gpu": "1"}}},
    "latest training image": {"trainer": {"job": {"image": {"tag": "latest"}}}},
    "training deadline under a minute": {"trainer": {"job": {"activeDeadlineSeconds": 30}}},
    "negative training job ttl": {"trainer": {"job": {"ttlSecondsAfterFinished": -1}}},
    "training backoff above 10": {"trainer": {"job": {"backoffLimit": 11}}},
    "bad training toleration effect": {"trainer": {"job": {"tolerations": [{"key": "gpu", "operator": "Exists",
                                                                             "effect": "Sometimes"}]}}},
    "secret-like plain training env": {"trainer": {"job": {"env": {"LLM4GOV_DATABASE_URL": "postgresql://u:p@db/x"}}}},
    "training env overriding the work dir": {"trainer": {"job": {"env": {"LLM4GOV_TRAINER__WORK_DIR": "/"}}}},
    "bad training job name prefix": {"trainer": {"job": {"jobNamePrefix": "Train_Jobs"}}},
    "zero concurrent training jobs": {"trainer": {"settings": {"maxConcurrentJobs": 0}}},
    "empty kubernetes api egress": {"trainer": {"networkPolicy": {"kubernetesApi": {"cidrs": []}}}},
    "unknown trainer key": {"trainer": {"job": {"gpus": 2}}},
    "negative inference replicas": {"inference": {"replicas": -1}},
    "zero inference replicas": {"inference": {"replicas": 0}},
    "unknown quantization": {"inference": {"settings": {"engine": {"quantization": "awq"}}}},
    "unknown engine dtype": {"inference": {"settings": {"engine": {"dtype": "int8"}}}},
    "unknown engine mode": {"inference": {"settings": {"engine": {"mode": "remote"}}}},
    "external engine without url": {"inference": {"settings": {"engine": {"mode": "external", "url": ""}}}},
    "engine url without scheme": {"inference": {"settings": {"engine": {"mode": "external", "url": "vllm:8000"}}}},
    "zero inference gpus": {"inference": {"gpu": {"count": 0}}},
    "inference gpu count as a string": {"inference": {"gpu": {"count": "1"}}},
    "inference gpu flag as a string": {"inference": {"gpu": {"enabled": "yes"}}},
    "latest inference image": {"inference": {"image": {"tag": "latest"}}},
    "inference tag with a variant suffix": {"inference": {"image": {"tag": "0.1.0-gpu"}}},
    "kv cache under 1 MiB": {"inference": {"settings": {"engine": {"kvCacheMemoryBytes": 1024}}}},
    "lora rank 0": {"inference": {"settings": {"engine": {"maxLoraRank": 0}}}},
    "max tokens below 16": {"inference": {"settings": {"maxTokens": 8}}},
    "zero registry poll interval": {"inference": {"settings": {"registryPollIntervalSeconds": 0}}},
    "base model as a path": {"inference": {"settings": {"baseModel": "/models/llama"}}},
    "engine arg rebinding the engine": {"inference": {"settings": {"engine": {"extraArgs": ["--host=0.0.0.0"]}}}},
    "engine arg logging requests": {"inference": {"settings": {"engine": {"extraArgs": ["--enable-log-requests"]}}}},
    "engine arg with remote code": {"inference": {"settings": {"engine": {"extraArgs": ["--trust-remote-code"]}}}},
    "task with example and schema": {"inference": {"tasks": [{"name": "t", "structure_example": {"a": "x"},
                                                              "output_schema": {"type": "object"}}]}},
    "task without structure": {"inference": {"tasks": [{"name": "t", "instruction": "x"}]}},
    "task with a bad name": {"inference": {"tasks": [{"name": "Bad Name", "structure_example": {"a": "x"}}]}},
    "inference egress to an address": {"inference": {"networkPolicy": {"extraEgress": [
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}]}}},
    "inference egress without ports": {"inference": {"networkPolicy": {"extraEgress": [
        {"to": [{"podSelector": {"matchLabels": {"app": "vllm"}}}], "ports": []}]}}},
    "inference rollout that can never progress": {"inference": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}},
    "shm size without unit suffix form": {"inference": {"volumes": {"shmSizeLimit": "lots"}}},
    "inference startup threshold above 360": {"inference": {"probes": {"startupFailureThreshold": 400}}},
    "unknown inference key": {"inference": {"settings": {"quantization": "bitsandbytes"}}},
    "inference error ratio above 1": {"monitoring": {"prometheusRule": {"inferenceErrorRatio": 2}}},
    "latency threshold for an unknown service": {"monitoring": {"prometheusRule": {"latencyP95Seconds": {"gateway": 1}}}},
}


@pytest.mark.parametrize("values", list(BAD_VALUES.values()), ids=list(BAD_VALUES))
def test_schema_rejects_bad_values(chart: Any, values: dict[str, Any]) -> None:
    with pytest.raises(helm.HelmValuesError):
        chart.validate_schema(values)
    with pytest.raises(helm.HelmError):
        chart.render(values, name=RELEASE, namespace=NAMESPACE)


@pytest.mark.parametrize("case", list(CASES))
def test_schema_accepts_the_shipped_values(chart: Any, case: str) -> None:
    chart.validate_schema(CASES[case]())


MISSING_SECRETS = {
    "anonymizer secret key": ({"anonymizer": {"secretKey": {"existingSecret": ""}}}, "anonymizer.secretKey"),
    "teacher secret key": ({"teacher": {"secretKey": {"existingSecret": ""}}}, "teacher.secretKey"),
    "database url": ({"database": {"existingSecret": ""}, "anonymizer": {"enabled": False}},
                     "database: set database.url"),
    "anonymizer database required": ({"database": {"existingSecret": ""}, "teacher": {"enabled": False},
                                      "trainer": {"enabled": False},
                                      "anonymizer": {"database": {"enabled": True}}},
                                     "database: set database.url"),
    "bundled postgres password": ({"bundled": {"postgresql": {"enabled": True}}}, "bundled.postgresql.password"),
    "bundled s3 credentials": ({"bundled": {"s3": {"enabled": True}}}, "bundled.s3.accessKeyId"),
    "training pods' env secret": ({"trainer": {"job": {"envSecret": {"existingSecret": ""}}}},
                                  "trainer.job.envSecret.existingSecret"),
    "trainer role on the default service account": ({"trainer": {"serviceAccount": {"create": False}}},
                                                    "trainer.serviceAccount"),
}


@pytest.mark.parametrize("values,message", list(MISSING_SECRETS.values()), ids=list(MISSING_SECRETS))
def test_render_fails_clearly_without_required_secrets(chart: Any, values: dict[str, Any], message: str) -> None:
    with pytest.raises(helm.HelmRenderError, match=re.escape(message)):
        chart.render(values, name=RELEASE, namespace=NAMESPACE)


# --------------------------------------------------------------------------------------------------
# kubernetes-validate, yamllint, promtool
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kubernetes_validate() -> Any:
    return _module("kubernetes_validate", "kubernetes-validate (pip install kubernetes-validate)")


def test_kubernetes_validate_is_strict(kubernetes_validate: Any) -> None:
    """The validator itself must reject an unknown field, or the next test proves nothing."""
    bad = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {}, "dataa": {}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("case", list(CASES))
def test_every_manifest_passes_kubernetes_validate(rendered: dict[str, Any], kubernetes_validate: Any,
                                                   case: str) -> None:
    errors = []
    validated = 0
    for template, doc in rendered[case]:
        if doc["kind"] in CRD_KINDS:
            # Prometheus Operator CRDs have no schema in kubernetes-validate's Kubernetes set;
            # test_monitoring_objects_are_well_formed checks them structurally instead.
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
            validated += 1
        except Exception as exc:  # collect every failure, not only the first
            errors.append(f"{template} {doc['kind']}/{doc['metadata']['name']}: {exc}")
    assert not errors, "\n".join(errors)
    assert validated >= 10


def test_monitoring_objects_are_well_formed(rendered: dict[str, Any]) -> None:
    docs = _docs(rendered, "production")
    monitors = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ServiceMonitor"}
    # /metrics of every service, and vLLM's own metrics (/metrics/engine) of inference as a job of their own.
    assert set(monitors) == {RELEASE, f"{RELEASE}-inference-engine"}
    services = _docs(rendered, "production", "Service")
    scraped_paths: dict[str, set[str]] = {}
    for name, monitor in monitors.items():
        assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
        assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        spec = monitor["spec"]
        assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
        assert set(spec) <= {"selector", "namespaceSelector", "endpoints", "jobLabel"}
        scraped = [s for s in services if _selects(spec["selector"], s["metadata"]["labels"])]
        assert scraped, f"{name} scrapes nothing"
        for endpoint in spec["endpoints"]:
            assert set(endpoint) <= {"port", "path", "scheme", "interval", "scrapeTimeout", "honorLabels", "relabelings"}
            assert endpoint["honorLabels"] is False
            assert re.fullmatch(r"\d+[smh]", endpoint["interval"])
            for service in scraped:
                assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
                scraped_paths.setdefault(service["metadata"]["name"], set()).add(endpoint["path"])
    assert scraped_paths == {**{f"{RELEASE}-{c}": {"/metrics"} for c in API_COMPONENTS},
                             f"{RELEASE}-inference": {"/metrics", "/metrics/engine"}}
    # The engine's scrape job is named apart, so a starting engine (503 there) does not read as a target down.
    (engine,) = monitors[f"{RELEASE}-inference-engine"]["spec"]["endpoints"]
    assert engine["relabelings"] == [{"action": "replace", "targetLabel": "job", "replacement": f"{RELEASE}-inference-engine"}]

    (rule,) = [d for d in docs if d["kind"] == "PrometheusRule"]
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(rule["spec"]) == {"groups"}
    names = set()
    for group in rule["spec"]["groups"]:
        assert set(group) <= {"name", "rules", "interval"} and group["rules"]
        for r in group["rules"]:
            assert set(r) <= {"alert", "expr", "for", "labels", "annotations"}
            assert r["alert"].startswith("LLM4Gov") and r["expr"].strip()
            assert r["labels"]["severity"] in {"critical", "warning", "info"}
            assert r["annotations"]["summary"] and r["annotations"]["description"]
            if "for" in r:
                assert re.fullmatch(r"\d+[smh]", r["for"])
            assert f'namespace="{NAMESPACE}"' in r["expr"], "alerts are scoped to the release namespace"
            names.add(r["alert"])
    assert {"LLM4GovHighErrorRate", "LLM4GovHighLatency", "LLM4GovLabelingItemsFailing",
            "LLM4GovLabelingJobFailed", "LLM4GovTrainingJobFailed", "LLM4GovTrainingJobStalled",
            "LLM4GovInferenceEngineDown", "LLM4GovInferenceAdapterLoadFailing",
            "LLM4GovInferenceClassificationErrors", "LLM4GovInferenceHighLatency"} <= names
    services = {r["labels"]["llm4gov_service"] for g in rule["spec"]["groups"] for r in g["rules"]
                if r["alert"] == "LLM4GovHighErrorRate"}
    assert services == set(API_COMPONENTS), "HTTP alerts for every service"


def test_yamllint_plain_yaml_files() -> None:
    try:
        from yamllint import linter
        from yamllint.config import YamlLintConfig
    except ImportError:
        linter = None
    _need(linter is not None, "yamllint (pip install yamllint)")
    config = YamlLintConfig(file=str(HELM_DIR / ".yamllint.yaml"))
    files = [PRODUCTION_VALUES, CHART_DIR / "Chart.yaml", CHART_DIR / "values.yaml",
             CHART_DIR / "prometheus" / "alerts_test.yaml", HELM_DIR / ".yamllint.yaml"]
    problems = []
    for path in files:
        for problem in linter.run(path.read_text(encoding="utf-8"), config, str(path)):
            problems.append(f"{path.relative_to(ROOT)}:{problem.line}:{problem.column} {problem.level} {problem.desc}")
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def rules_dir(chart: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered PrometheusRule as a promtool rules file, next to a copy of alerts_test.yaml."""
    extract = _load_module("llm4gov_extract_rules", CHART_DIR / "prometheus" / "extract_rules.py")
    out = tmp_path_factory.mktemp("rules")
    spec = extract.render_rules(release=RELEASE, namespace=NAMESPACE)
    (out / "llm4gov.rules.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    shutil.copy(CHART_DIR / "prometheus" / "alerts_test.yaml", out / "alerts_test.yaml")
    return out


def _promtool() -> str:
    path = shutil.which("promtool")
    _need(path is not None, "promtool (apt-get install -y prometheus)")
    return str(path)


def test_promtool_check_rules(rules_dir: Path) -> None:
    result = subprocess.run([_promtool(), "check", "rules", str(rules_dir / "llm4gov.rules.yaml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_test_rules(rules_dir: Path) -> None:
    result = subprocess.run([_promtool(), "test", "rules", "alerts_test.yaml"], cwd=rules_dir,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_promtool_test(rules_dir: Path) -> None:
    spec = yaml.safe_load((rules_dir / "llm4gov.rules.yaml").read_text(encoding="utf-8"))
    alerts = {r["alert"] for g in spec["groups"] for r in g["rules"]}
    tests = yaml.safe_load((rules_dir / "alerts_test.yaml").read_text(encoding="utf-8"))["tests"]
    firing, quiet = set(), set()
    for test in tests:
        for case in test["alert_rule_test"]:
            (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    assert alerts <= firing, f"alerts never tested firing: {alerts - firing}"
    assert alerts <= quiet, f"alerts never tested quiet: {alerts - quiet}"


def _defined_metrics() -> set[str]:
    """Metric names the services define (shared HTTP metrics + each service's own)."""
    names = set()
    for component in API_COMPONENTS:
        prefix = f"llm4gov_{component}"
        names |= {f"{prefix}_http_requests_total", f"{prefix}_http_request_duration_seconds",
                  f"{prefix}_http_requests_in_flight"}
        for source in (ROOT / "services" / component).glob("*.py"):
            for name in re.findall(r"\.(?:counter|histogram|gauge)\(\s*\"([a-z_]+)\"", source.read_text(encoding="utf-8")):
                names.add(f"{prefix}_{name}")
    return names


def _referenced_metrics(text: str) -> set[str]:
    found = set()
    for component in API_COMPONENTS:
        text_c = text.replace("${service}", component)
        for name in re.findall(r"\b(llm4gov_[a-z_]+)", text_c):
            found.add(re.sub(r"_(bucket|count|sum)$", "", name))
    return found


def test_alerts_and_dashboard_only_use_existing_metrics(rendered: dict[str, Any]) -> None:
    defined = _defined_metrics()
    assert "llm4gov_anonymizer_entities_detected_total" in defined  # the scan itself works
    rule = _docs(rendered, "production", "PrometheusRule")[0]
    dashboard = (CHART_DIR / "dashboards" / "llm4gov.json").read_text(encoding="utf-8")
    exprs = [r["expr"] for g in rule["spec"]["groups"] for r in g["rules"]]
    exprs += [t["expr"] for p in json.loads(dashboard)["panels"] for t in p.get("targets", [])]
    used = _referenced_metrics("\n".join(exprs))
    assert used, "no metric found"
    assert used <= defined, f"metrics that no service defines: {sorted(used - defined)}"


def test_grafana_dashboard(rendered: dict[str, Any]) -> None:
    (configmap,) = [d for d in _docs(rendered, "default", "ConfigMap") if d["metadata"]["name"] == f"{RELEASE}-dashboard"]
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    dashboard = json.loads(configmap["data"]["llm4gov.json"])
    assert dashboard["uid"] and dashboard["title"]
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    exprs = " ".join(t["expr"] for p in panels for t in p["targets"])
    for needle in ("_http_requests_total", 'status=~"5.."', "histogram_quantile(0.50", "histogram_quantile(0.95",
                   "entities_detected_total", "teacher_calls_total", "teacher_retries_total", "teacher_tokens_total",
                   "teacher_items_total", "llm4gov_trainer_jobs{", "trainer_job_tokens_per_second",
                   "trainer_job_loss", "trainer_job_step{", "trainer_job_step_seconds", "trainer_adapter_eval_score"):
        assert needle in exprs, f"dashboard has no panel with {needle}"
    for needle in ("llm4gov_inference_documents_total", "llm4gov_inference_document_latency_seconds_bucket",
                   "llm4gov_inference_tokens_total", "llm4gov_inference_chat_requests_total",
                   "llm4gov_inference_adapter_serving", "llm4gov_inference_adapter_load_failing",
                   "llm4gov_inference_adapter_swaps_total", "llm4gov_inference_engine_up",
                   "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc"):
        assert needle in exprs, f"dashboard has no panel with {needle}"
    rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
    assert "Trainer" in rows and "Inference" in rows
    (service,) = [v for v in dashboard["templating"]["list"] if v["name"] == "service"]
    assert {o["value"] for o in service["options"]} == set(API_COMPONENTS)
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------------------------------
# Security properties of the rendered manifests
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_every_container_is_hardened(rendered: dict[str, Any], case: str) -> None:
    workloads = _workloads(rendered, case)
    assert workloads
    for doc in workloads:
        where = f"{case}: {doc['kind']}/{doc['metadata']['name']}"
        pod = _pod_spec(doc)
        pod_sc = pod.get("securityContext", {})
        assert pod_sc.get("runAsNonRoot") is True, where
        assert pod_sc.get("runAsUser", 0) > 0, where
        assert pod_sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert pod.get("automountServiceAccountToken") is False, where
        assert not pod.get("hostNetwork") and not pod.get("hostPID") and not pod.get("hostIPC"), where
        for volume in pod.get("volumes", []):
            assert "hostPath" not in volume, where
        for container in pod.get("initContainers", []) + pod["containers"]:
            sc = container.get("securityContext", {})
            at = f"{where} container {container['name']}"
            assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, at
            assert sc.get("runAsUser", pod_sc.get("runAsUser", 0)) != 0, at
            assert sc.get("allowPrivilegeEscalation") is False, at
            assert sc.get("readOnlyRootFilesystem") is True, at
            assert sc.get("privileged", False) is False, at
            assert "ALL" in sc.get("capabilities", {}).get("drop", []), at
            assert not sc.get("capabilities", {}).get("add"), at
            seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {}))
            assert seccomp.get("type") == "RuntimeDefault", at
            assert container["resources"]["requests"] and container["resources"]["limits"]["memory"], at


@pytest.mark.parametrize("case", list(CASES))
def test_images_are_pinned(rendered: dict[str, Any], case: str) -> None:
    for doc in _workloads(rendered, case):
        for container in _pod_spec(doc).get("initContainers", []) + _pod_spec(doc)["containers"]:
            image = container["image"]
            if "@sha256:" in image:
                continue
            name, _, tag = image.rpartition(":")
            assert name and "/" not in tag, f"{image} has no tag"
            assert tag not in {"latest", "stable", "main", "master", ""}, f"{image} is not pinned"


@pytest.mark.parametrize("case", list(CASES))
def test_service_accounts_do_not_mount_tokens(rendered: dict[str, Any], case: str) -> None:
    accounts = _docs(rendered, case, "ServiceAccount")
    assert {a["metadata"]["name"] for a in accounts} >= {f"{RELEASE}-{c}" for c in API_COMPONENTS}
    for account in accounts:
        assert account.get("automountServiceAccountToken") is False
    for doc in _docs(rendered, case, "Deployment"):
        component = doc["metadata"]["labels"]["app.kubernetes.io/component"]
        assert _pod_spec(doc)["serviceAccountName"] == f"{RELEASE}-{component}"
    # The only RBAC is the trainer's namespaced Role and its binding (test_trainer_role_allows_only_batch_jobs).
    rbac = {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}
    assert {(d["kind"], d["metadata"]["name"]) for d in _docs(rendered, case) if d["kind"] in rbac} == \
        {("Role", f"{RELEASE}-trainer"), ("RoleBinding", f"{RELEASE}-trainer")}


@pytest.mark.parametrize("case", list(CASES))
def test_probes_use_healthz_and_readyz(rendered: dict[str, Any], case: str) -> None:
    for component in API_COMPONENTS:
        deployment = _by_name(_docs(rendered, case, "Deployment"), f"{RELEASE}-{component}")
        (container,) = _pod_spec(deployment)["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": 8080}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        startup = container["startupProbe"]
        if component == "inference":
            # Ready only once the base model is fetched and the engine runs (minutes): liveness starts after that.
            assert startup["httpGet"] == {"path": "/readyz", "port": "http"}
            assert startup["periodSeconds"] * startup["failureThreshold"] >= 600
        else:
            assert startup["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("case", list(CASES))
def test_writable_paths_are_emptydirs(rendered: dict[str, Any], case: str) -> None:
    for component in API_COMPONENTS:
        deployment = _by_name(_docs(rendered, case, "Deployment"), f"{RELEASE}-{component}")
        pod = _pod_spec(deployment)
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
        for path in ("/var/lib/llm4gov", "/tmp"):
            assert "emptyDir" in volumes[mounts[path]], f"{component}: {path} is not an emptyDir"
        config = _by_name(_docs(rendered, case, "ConfigMap"), f"{RELEASE}-{component}")["data"]
        assert config["LLM4GOV_DATA_DIR"] == "/var/lib/llm4gov"
        assert pod["enableServiceLinks"] is False
        if component == "trainer":  # checkpoints and the base-model cache: inside the data emptyDir
            assert config["LLM4GOV_TRAINER__WORK_DIR"].startswith("/var/lib/llm4gov/")
        if component == "inference":  # the engine's work dir, home and caches, /dev/shm: emptyDirs too
            env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
            for path in (config["LLM4GOV_INFERENCE__WORK_DIR"], env["HOME"], env["XDG_CACHE_HOME"],
                         env["VLLM_CACHE_ROOT"]):
                mount = max((m for m in mounts if path == m or path.startswith(m.rstrip("/") + "/")), key=len)
                assert "emptyDir" in volumes[mounts[mount]], f"inference: {path} is not on an emptyDir"
            assert volumes[mounts["/dev/shm"]]["emptyDir"]["medium"] == "Memory"


@pytest.mark.parametrize("case", list(CASES))
def test_pdbs_and_hpa(rendered: dict[str, Any], case: str) -> None:
    deployments = _docs(rendered, case, "Deployment")
    pdbs = _docs(rendered, case, "PodDisruptionBudget")
    for deployment in deployments:
        labels = _pod_labels(deployment)
        assert any(_selects(p["spec"]["selector"], labels) for p in pdbs), deployment["metadata"]["name"]
    hpas = {h["metadata"]["name"]: h for h in _docs(rendered, case, "HorizontalPodAutoscaler")}
    assert set(hpas) == {f"{RELEASE}-anonymizer", f"{RELEASE}-inference"}
    for name, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert "replicas" not in _by_name(deployments, name)["spec"], f"the HPA owns {name}'s replica count"


def test_hpa_can_be_disabled(chart: Any) -> None:
    docs = [d for _, d in _render(chart, {"anonymizer": {"autoscaling": {"enabled": False}, "replicas": 3},
                                          "inference": {"autoscaling": {"enabled": False}, "replicas": 2}})]
    assert not [d for d in docs if d["kind"] == "HorizontalPodAutoscaler"]
    for component, replicas in (("anonymizer", 3), ("inference", 2)):
        deployment = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-{component}")
        assert deployment["spec"]["replicas"] == replicas


def test_inference_hpa_extra_metrics_and_bounds(chart: Any) -> None:
    queue = {"type": "Pods", "pods": {"metric": {"name": "vllm_num_requests_waiting"},
                                      "target": {"type": "AverageValue", "averageValue": "4"}}}
    docs = [d for _, d in _render(chart, {"inference": {"autoscaling": {"extraMetrics": [queue]}}})]
    hpa = _by_name([d for d in docs if d["kind"] == "HorizontalPodAutoscaler"], f"{RELEASE}-inference")
    assert [m["type"] for m in hpa["spec"]["metrics"]] == ["Resource", "Pods"]
    assert hpa["spec"]["metrics"][1] == queue
    with pytest.raises(helm.HelmRenderError, match="minReplicas must not exceed maxReplicas"):
        chart.render({"inference": {"autoscaling": {"minReplicas": 5, "maxReplicas": 2}}}, name=RELEASE,
                     namespace=NAMESPACE)


@pytest.mark.parametrize("case", list(CASES))
def test_no_secret_value_outside_secrets(rendered: dict[str, Any], case: str) -> None:
    """Render with distinctive secret values: they reach Secrets only, never a ConfigMap or a pod spec."""
    secrets_text = yaml.safe_dump([d for d in _docs(rendered, case, "Secret")])
    for template, doc in rendered[case]:
        if doc["kind"] == "Secret":
            continue
        text = yaml.safe_dump(doc)
        for label, marker in MARKERS.items():
            assert marker not in text, f"{case}: secret {label} found in {doc['kind']}/{doc['metadata']['name']} ({template})"
    for configmap in _docs(rendered, case, "ConfigMap"):
        for key in configmap.get("data", {}):
            assert not re.search(r"SECRET_KEY$|API_KEY$|PASSWORD|DATABASE_URL|ACCESS_KEY", key), \
                f"{case}: secret-like setting {key} in ConfigMap {configmap['metadata']['name']}"
    if case.startswith("inline"):
        # The check above is only meaningful if the markers were rendered at all.
        for label, marker in MARKERS.items():
            assert marker in secrets_text, f"{case}: {label} did not reach a Secret"


@pytest.mark.parametrize("case", list(CASES))
def test_secret_settings_come_from_secret_refs(rendered: dict[str, Any], case: str) -> None:
    for component in API_COMPONENTS:
        deployment = _by_name(_docs(rendered, case, "Deployment"), f"{RELEASE}-{component}")
        env = {e["name"]: e for e in _pod_spec(deployment)["containers"][0]["env"]}
        secret_env = [n for n in env if re.search(r"SECRET_KEY$|API_KEY$|DATABASE_URL$|ACCESS_KEY_ID$", n)]
        for name in secret_env:
            assert "value" not in env[name], f"{case}: {component} {name} is a literal"
            assert "secretKeyRef" in env[name]["valueFrom"], f"{case}: {component} {name} is not from a Secret"
        if component in SECRET_KEY_COMPONENTS:
            assert f"LLM4GOV_{component.upper()}__SECRET_KEY" in env
    trainer = _by_name(_docs(rendered, case, "Deployment"), f"{RELEASE}-trainer")
    env = {e["name"]: e for e in _pod_spec(trainer)["containers"][0]["env"]}
    assert {"LLM4GOV_DATABASE_URL", "LLM4GOV_STORAGE__S3_ACCESS_KEY_ID"} <= set(env)
    assert env["LLM4GOV_TRAINER__WORKER_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    teacher = _by_name(_docs(rendered, case, "Deployment"), f"{RELEASE}-teacher")
    env = {e["name"]: e for e in _pod_spec(teacher)["containers"][0]["env"]}
    assert env["LLM4GOV_TEACHER__WORKER_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert "OPENAI_API_KEY" in env and "LLM4GOV_TEACHER__ANONYMIZER_API_KEY" in env
    config = _by_name(_docs(rendered, case, "ConfigMap"), f"{RELEASE}-teacher")["data"]
    assert config["LLM4GOV_TEACHER__ANONYMIZER_URL"] == f"http://{RELEASE}-anonymizer:8080"
    service = _by_name(_docs(rendered, case, "Service"), f"{RELEASE}-anonymizer")
    assert [p["port"] for p in service["spec"]["ports"]] == [8080]


# ---- NetworkPolicies -----------------------------------------------------------------------------

PRIVATE_NETS = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]


def _policies_for(policies: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [p for p in policies if _selects(p["spec"]["podSelector"], labels)]


def _is_cluster_internal(peer: dict[str, Any]) -> bool:
    if "ipBlock" not in peer:
        return True  # pod / namespace selectors stay inside the cluster
    net = ipaddress.ip_network(peer["ipBlock"]["cidr"])
    return any(net.subnet_of(private) for private in PRIVATE_NETS if net.version == private.version)


@pytest.mark.parametrize("case", list(CASES))
def test_default_deny_covers_every_pod(rendered: dict[str, Any], case: str) -> None:
    policies = _docs(rendered, case, "NetworkPolicy")
    deny = [p for p in policies if not p["spec"].get("ingress") and not p["spec"].get("egress")
            and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}]
    assert len(deny) == 1, "expected one default-deny policy (ingress and egress)"
    for doc in _workloads(rendered, case):
        assert _selects(deny[0]["spec"]["podSelector"], _pod_labels(doc)), \
            f"{doc['metadata']['name']} is not covered by the default-deny policy"


@pytest.mark.parametrize("case", list(CASES))
def test_no_policy_allows_everything(rendered: dict[str, Any], case: str) -> None:
    for policy in _docs(rendered, case, "NetworkPolicy"):
        name = policy["metadata"]["name"]
        assert policy["spec"]["podSelector"].get("matchLabels"), f"{name} selects every pod of the namespace"
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("from"), f"{name}: an ingress rule without 'from' admits everyone"
            assert rule.get("ports"), f"{name}: an ingress rule without ports"
        for rule in policy["spec"].get("egress", []):
            assert rule.get("to"), f"{name}: an egress rule without 'to' allows every destination"
            assert rule.get("ports"), f"{name}: an egress rule without ports"


@pytest.mark.parametrize("case", list(CASES))
def test_anonymizer_vault_is_shared_and_reaches_dns_and_postgres_only(rendered: dict[str, Any], case: str) -> None:
    """With a database configured (every shipped case) the anonymizer's vault is in PostgreSQL, shared by
    its replicas; it gets egress to DNS and the database, nothing else."""
    anonymizer = _by_name(_docs(rendered, case, "Deployment"), f"{RELEASE}-anonymizer")
    env = {e["name"]: e for e in _pod_spec(anonymizer)["containers"][0]["env"]}
    assert "secretKeyRef" in env["LLM4GOV_DATABASE_URL"]["valueFrom"]
    if case == "production":  # a database role of the anonymizer's own
        assert env["LLM4GOV_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
            "name": "llm4gov-anonymizer-database", "key": "url"}
    rules = [r for p in _policies_for(_docs(rendered, case, "NetworkPolicy"), _pod_labels(anonymizer))
             for r in p["spec"].get("egress", [])]
    ports = sorted({port["port"] for r in rules for port in r["ports"]})
    assert ports == [53, 5432]
    assert all(_is_cluster_internal(peer) for r in rules for peer in r["to"])


def _anonymizer_scale(chart: Any, database: Any, **scale: Any) -> list[dict[str, Any]]:
    values: dict[str, Any] = {"anonymizer": {"database": {"enabled": database}, **scale}}
    return [d for _, d in _render(chart, values)]


@pytest.mark.parametrize("scale", [
    {"replicas": 2, "autoscaling": {"enabled": False}},
    {"replicas": 1, "autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 2}},
    {},  # the defaults: the HPA scales 2..6
], ids=["replicas", "hpa-max", "defaults"])
def test_anonymizer_refuses_several_pods_with_pod_local_vaults(chart: Any, scale: dict[str, Any]) -> None:
    """A mapping_id works only on the pod whose SQLite vault holds it: more than one pod needs PostgreSQL."""
    with pytest.raises(helm.HelmRenderError, match="without a shared database"):
        _anonymizer_scale(chart, False, **scale)
    # "auto" without any database configured (an anonymizer-only release) is refused the same way.
    with pytest.raises(helm.HelmRenderError, match="without a shared database"):
        chart.render({"database": {"existingSecret": ""}, "teacher": {"enabled": False},
                      "trainer": {"enabled": False}, "anonymizer": scale}, name=RELEASE, namespace=NAMESPACE)


def test_anonymizer_single_pod_with_a_local_vault_has_no_egress(chart: Any) -> None:
    for scale in ({"replicas": 1, "autoscaling": {"enabled": False}},
                  {"autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 1}}):
        docs = _anonymizer_scale(chart, False, **scale)
        anonymizer = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-anonymizer")
        assert "LLM4GOV_DATABASE_URL" not in {e["name"] for e in _pod_spec(anonymizer)["containers"][0]["env"]}
        assert "llm4gov.io/database-client" not in _pod_labels(anonymizer)
        policies = _policies_for([d for d in docs if d["kind"] == "NetworkPolicy"], _pod_labels(anonymizer))
        assert policies and any("Egress" in p["spec"]["policyTypes"] for p in policies)
        assert not [r for p in policies for r in p["spec"].get("egress", [])], "a local vault needs no egress"
    # Several replicas with the shared database (the default "auto", or true) render.
    for database in ("auto", True):
        docs = _anonymizer_scale(chart, database, replicas=3, autoscaling={"enabled": False})
        anonymizer = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-anonymizer")
        assert anonymizer["spec"]["replicas"] == 3
        env = {e["name"]: e for e in _pod_spec(anonymizer)["containers"][0]["env"]}
        assert env["LLM4GOV_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "llm4gov-database", "key": "url"}


@pytest.mark.parametrize("case", list(CASES))
def test_only_the_teacher_leaves_the_cluster(rendered: dict[str, Any], case: str) -> None:
    policies = _docs(rendered, case, "NetworkPolicy")
    leaving = set()
    for doc in _workloads(rendered, case):
        component = _pod_labels(doc)["app.kubernetes.io/component"]
        for policy in _policies_for(policies, _pod_labels(doc)):
            for rule in policy["spec"].get("egress", []):
                assert rule.get("to"), f"{component}: an egress rule to every destination"
                if not all(_is_cluster_internal(peer) for peer in rule["to"]):
                    leaving.add(component)
                    assert [p["port"] for p in rule["ports"]] == [443], \
                        f"{component}: external egress beyond HTTPS"
    # By default nothing leaves the cluster, not even the teacher: its operator lists its endpoints'
    # addresses first (production does).
    assert leaving == ({"teacher"} if case == "production" else set())
    assert not [d for d in _docs(rendered, case) if d["kind"] == "CiliumNetworkPolicy"]


def _external_peers(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return [peer["ipBlock"] for rule in policy["spec"].get("egress", []) for peer in rule["to"]
            if not _is_cluster_internal(peer)]


def test_teacher_reaches_no_external_host_by_default(rendered: dict[str, Any]) -> None:
    teacher_policy = _by_name(_docs(rendered, "default", "NetworkPolicy"), f"{RELEASE}-teacher")
    assert _external_peers(teacher_policy) == []
    # The teacher reaches the anonymizer, DNS, the database and S3 (443, private ranges) inside the cluster.
    ports = sorted({p["port"] for rule in teacher_policy["spec"]["egress"] for p in rule["ports"]})
    assert ports == [53, 443, 5432, 8080]
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))
    assert values["teacher"]["networkPolicy"]["llmEgress"]["cidrs"] == []
    assert values["teacher"]["networkPolicy"]["llmEgress"]["fqdn"] == {"enabled": False}
    # Production lists its provider's ranges, HTTPS only.
    production = _by_name(_docs(rendered, "production", "NetworkPolicy"), f"{RELEASE}-teacher")
    assert _external_peers(production) == [{"cidr": "203.0.113.0/24"}, {"cidr": "198.51.100.0/24"}]


def test_teacher_listed_cidrs_exclude_private_and_metadata_ranges(chart: Any) -> None:
    values = {"teacher": {"networkPolicy": {"llmEgress": {"cidrs": ["0.0.0.0/0", "2001:db8::/32"],
                                                          "ports": [443, 8443]}}}}
    docs = [d for _, d in _render(chart, values)]
    policy = _by_name([d for d in docs if d["kind"] == "NetworkPolicy"], f"{RELEASE}-teacher")
    assert _external_peers(policy) == [
        {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                         "169.254.0.0/16", "100.64.0.0/10", "127.0.0.0/8"]},
        {"cidr": "2001:db8::/32"}]
    (rule,) = [r for r in policy["spec"]["egress"] if any("ipBlock" in p and not _is_cluster_internal(p)
                                                          for p in r["to"])]
    assert rule["ports"] == [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 8443}]


def test_teacher_fqdn_policy_names_the_endpoint_hosts(chart: Any, kubernetes_validate: Any) -> None:
    """Cilium: a CiliumNetworkPolicy allows the teacher the host names of its endpoints, on each URL's
    port, plus DNS through kube-dns (how Cilium learns their addresses); nothing else."""
    endpoints = {
        "openai": None,  # drop the chart's default entry
        "provedor": {"base_url": "https://LLM.provedor.example.com/v1", "api_key_env": "PROVEDOR_KEY"},
        "reserva": {"base_url": "https://llm.provedor.example.com/v2", "api_key_env": "PROVEDOR_KEY"},
        "interno": {"base_url": "http://vllm.ia.svc.cluster.local:8000/v1", "api_key_env": "INTERNO_KEY",
                    "allow_http": True},
        "outro": {"base_url": "https://api.outro.example.org:8443", "api_key_env": "OUTRO_KEY"},
    }
    values = {"teacher": {"settings": {"endpoints": endpoints},
                          "networkPolicy": {"llmEgress": {"fqdn": {"enabled": True}}}}}
    docs = [d for _, d in _render(chart, values)]
    for doc in docs:
        if doc["kind"] not in CRD_KINDS:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    (cnp,) = [d for d in docs if d["kind"] == "CiliumNetworkPolicy"]
    assert cnp["apiVersion"] == "cilium.io/v2"
    assert cnp["metadata"]["name"] == f"{RELEASE}-teacher-fqdn" and cnp["metadata"]["namespace"] == NAMESPACE
    spec = cnp["spec"]
    assert set(spec) == {"endpointSelector", "egress"}, "egress allows only"
    teacher = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-teacher")
    assert spec["endpointSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "llm4gov", "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/component": "teacher"}
    assert _selects(spec["endpointSelector"], _pod_labels(teacher))
    dns, *fqdn_rules = spec["egress"]
    assert dns == {"toEndpoints": [{"matchLabels": {"io.kubernetes.pod.namespace": "kube-system",
                                                    "k8s-app": "kube-dns"}}],
                   "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}],
                                "rules": {"dns": [{"matchPattern": "*"}]}}]}
    allowed = {}
    for rule in fqdn_rules:
        assert set(rule) == {"toFQDNs", "toPorts"}, rule
        ((port,),) = [p["ports"] for p in rule["toPorts"]]
        assert port["protocol"] == "TCP"
        for name in rule["toFQDNs"]:
            assert set(name) == {"matchName"}, "exact names only, no patterns"
            allowed.setdefault(name["matchName"], set()).add(port["port"])
    assert allowed == {"llm.provedor.example.com": {"443"}, "vllm.ia.svc.cluster.local": {"8000"},
                       "api.outro.example.org": {"8443"}}
    # The NetworkPolicy still opens no address outside the cluster.
    policy = _by_name([d for d in docs if d["kind"] == "NetworkPolicy"], f"{RELEASE}-teacher")
    assert _external_peers(policy) == []
    # An endpoint given by address cannot be matched by name: the chart says to list its CIDR.
    for base_url in ("https://203.0.113.10/v1", "https://[2001:db8::1]/v1"):
        bad = {"teacher": {"settings": {"endpoints": {"openai": None, "ip": {"base_url": base_url, "api_key_env": "K"}}},
                           "networkPolicy": {"llmEgress": {"fqdn": {"enabled": True}}}}}
        with pytest.raises(helm.HelmRenderError, match="llmEgress.cidrs"):
            chart.render(bad, name=RELEASE, namespace=NAMESPACE)
    # No NetworkPolicies at all (networkPolicy.enabled: false): no Cilium policy either.
    docs = [d for _, d in _render(chart, {**values, "networkPolicy": {"enabled": False}})]
    assert not [d for d in docs if d["kind"] in {"CiliumNetworkPolicy", "NetworkPolicy"}]


def test_teacher_extra_egress_reaches_in_cluster_peers(chart: Any, kubernetes_validate: Any) -> None:
    egress = [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ia"}}}],
               "ports": [{"protocol": "TCP", "port": 8000}]}]
    docs = [d for _, d in _render(chart, {"teacher": {"networkPolicy": {"extraEgress": egress}}})]
    policy = _by_name([d for d in docs if d["kind"] == "NetworkPolicy"], f"{RELEASE}-teacher")
    kubernetes_validate.validate(policy, KUBERNETES_VERSION, strict=True)
    assert egress[0] in policy["spec"]["egress"]
    assert _external_peers(policy) == []


@pytest.mark.parametrize("case", list(CASES))
def test_anonymizer_accepts_only_its_callers(rendered: dict[str, Any], case: str) -> None:
    policy = _by_name(_docs(rendered, case, "NetworkPolicy"), f"{RELEASE}-anonymizer")
    (rule,) = policy["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    components = {peer["podSelector"]["matchLabels"].get("app.kubernetes.io/component")
                  for peer in rule["from"] if "namespaceSelector" not in peer}
    assert components == {"teacher", "inference"}, "only the teacher and inference call the anonymizer in-namespace"


def test_ingress_routes_only_api_paths_with_tls(rendered: dict[str, Any]) -> None:
    (ingress,) = _docs(rendered, "production", "Ingress")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"][0]["secretName"] == "llm4gov-tls"
    backends = set()
    for rule in ingress["spec"]["rules"]:
        assert rule["host"] in ingress["spec"]["tls"][0]["hosts"]
        for path in rule["http"]["paths"]:
            assert path["path"] == "/v1", "only the API is exposed (no /metrics, /healthz, /readyz)"
            backends.add(path["backend"]["service"]["name"])
    assert backends == {f"{RELEASE}-{c}" for c in API_COMPONENTS}
    # The ingress controller is allowed in by the services' policies.
    for component in API_COMPONENTS:
        policy = _by_name(_docs(rendered, "production", "NetworkPolicy"), f"{RELEASE}-{component}")
        peers = policy["spec"]["ingress"][0]["from"]
        assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "ingress-nginx"}}} in peers


def test_bundled_stores_are_evaluation_only(rendered: dict[str, Any]) -> None:
    statefulsets = _docs(rendered, "inline-bundled", "StatefulSet")
    assert {s["metadata"]["name"] for s in statefulsets} == {f"{RELEASE}-postgresql", f"{RELEASE}-s3"}
    for statefulset in statefulsets:
        assert statefulset["metadata"]["annotations"]["llm4gov.io/evaluation-only"] == "true"
        assert statefulset["spec"]["replicas"] == 1
    teacher = _by_name(_docs(rendered, "inline-bundled", "ConfigMap"), f"{RELEASE}-teacher")["data"]
    assert teacher["LLM4GOV_STORAGE__S3_ENDPOINT_URL"] == f"http://{RELEASE}-s3:8333"
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))
    assert values["bundled"]["postgresql"]["enabled"] is False and values["bundled"]["s3"]["enabled"] is False


# --------------------------------------------------------------------------------------------------
# Trainer: RBAC, API token, training Jobs and their settings
# --------------------------------------------------------------------------------------------------


def _config(rendered: dict[str, Any], case: str, name: str) -> dict[str, str]:
    return _by_name(_docs(rendered, case, "ConfigMap"), name)["data"]


@pytest.fixture(scope="module")
def trainer_executor() -> Any:
    """The trainer's own settings class and Kubernetes executor (the chart's settings must parse)."""
    what = "the trainer's dependencies (pip install -e '.[trainer]')"
    settings = _module("services.trainer.settings", what)
    return settings.TrainerSettings, _module("services.trainer.kubernetes_executor", what).KubernetesExecutor


def _training_job(trainer_executor: Any, config: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The batch/v1 Job the trainer would create, configured by the rendered ConfigMap only."""
    settings_cls, executor_cls = trainer_executor
    for key in list(os.environ):
        if key.startswith("LLM4GOV_"):
            monkeypatch.delenv(key)
    for key, value in config.items():
        monkeypatch.setenv(key, value)
    settings = settings_cls()
    assert settings.trainer.executor == "kubernetes"
    executor = executor_cls(settings.trainer.kubernetes, batch_api=object())  # no API call is made
    return executor.job_manifest("0b7e2c1a-4d4f-4f6e-9a55-2f0c3d9e8a11")


@pytest.mark.parametrize("case", list(CASES))
def test_trainer_role_allows_only_batch_jobs(rendered: dict[str, Any], case: str) -> None:
    docs = _docs(rendered, case)
    assert not [d for d in docs if d["kind"] in {"ClusterRole", "ClusterRoleBinding"}]
    (role,) = _docs(rendered, case, "Role")
    assert role["metadata"]["namespace"] == NAMESPACE
    assert role["rules"] == [{"apiGroups": ["batch"], "resources": ["jobs"], "verbs": TRAINER_JOB_VERBS}]
    for rule in role["rules"]:
        assert "*" not in rule["apiGroups"] + rule["resources"] + rule["verbs"]
        assert "resourceNames" not in rule and "nonResourceURLs" not in rule
    (binding,) = _docs(rendered, case, "RoleBinding")
    assert binding["metadata"]["namespace"] == NAMESPACE
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role["metadata"]["name"]}
    # Bound to the trainer's own ServiceAccount only: not the training pods', not the namespace's default.
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": f"{RELEASE}-trainer", "namespace": NAMESPACE}]
    trainer = _by_name(_docs(rendered, case, "Deployment"), f"{RELEASE}-trainer")
    assert _pod_spec(trainer)["serviceAccountName"] == f"{RELEASE}-trainer"


@pytest.mark.parametrize("case", list(CASES))
def test_only_the_trainer_gets_an_api_token(rendered: dict[str, Any], case: str) -> None:
    """No pod automounts a token; the trainer mounts a short-lived projected one, read-only."""
    token_path = "/var/run/secrets/kubernetes.io/serviceaccount"
    with_token = set()
    for doc in _workloads(rendered, case):
        pod = _pod_spec(doc)
        assert pod.get("automountServiceAccountToken") is False
        token_volumes = {v["name"]: v for v in pod.get("volumes", [])
                         if any("serviceAccountToken" in s for s in v.get("projected", {}).get("sources", []))}
        if not token_volumes:
            continue
        with_token.add(doc["metadata"]["name"])
        ((name, volume),) = token_volumes.items()
        (token,) = [s["serviceAccountToken"] for s in volume["projected"]["sources"] if "serviceAccountToken" in s]
        assert token["expirationSeconds"] <= 3607 and "audience" not in token
        (container,) = pod["containers"]
        (mount,) = [m for m in container["volumeMounts"] if m["name"] == name]
        assert mount == {"name": name, "mountPath": token_path, "readOnly": True}
    assert with_token == {f"{RELEASE}-trainer"}


@pytest.mark.parametrize("case", list(CASES))
def test_training_pods_service_account_has_no_rights(rendered: dict[str, Any], case: str) -> None:
    account = _by_name(_docs(rendered, case, "ServiceAccount"), f"{RELEASE}-trainer-job")
    assert account["automountServiceAccountToken"] is False
    for binding in _docs(rendered, case, "RoleBinding"):
        assert {s["name"] for s in binding["subjects"]} == {f"{RELEASE}-trainer"}
    config = _config(rendered, case, f"{RELEASE}-trainer")
    assert config["LLM4GOV_TRAINER__KUBERNETES__SERVICE_ACCOUNT"] == f"{RELEASE}-trainer-job"


@pytest.mark.parametrize("case", list(CASES))
def test_trainer_config(rendered: dict[str, Any], case: str) -> None:
    config = _config(rendered, case, f"{RELEASE}-trainer")
    assert config["LLM4GOV_TRAINER__EXECUTOR"] == "kubernetes"
    assert config["LLM4GOV_TRAINER__KUBERNETES__NAMESPACE"] == NAMESPACE
    assert config["LLM4GOV_TRAINER__KUBERNETES__IN_CLUSTER"] == "true"
    assert config["LLM4GOV_TRAINER__KUBERNETES__IMAGE"].endswith("-gpu")
    for key in ("RESOURCES", "NODE_SELECTOR", "TOLERATIONS", "ENV_FROM_SECRETS", "ENV_FROM_CONFIG_MAPS", "ENV",
                "IMAGE_PULL_SECRETS"):
        json.loads(config[f"LLM4GOV_TRAINER__KUBERNETES__{key}"])  # list/dict settings are JSON
    resources = json.loads(config["LLM4GOV_TRAINER__KUBERNETES__RESOURCES"])
    assert resources["limits"]["nvidia.com/gpu"] == "1"
    assert json.loads(config["LLM4GOV_TRAINER__KUBERNETES__ENV_FROM_CONFIG_MAPS"]) == [f"{RELEASE}-trainer-job"]
    # The training pods' ConfigMap: storage and logging only; no API settings, no secrets.
    job_config = _config(rendered, case, f"{RELEASE}-trainer-job")
    assert job_config["LLM4GOV_STORAGE__BACKEND"] == "s3"
    assert not [k for k in job_config if k.startswith(("LLM4GOV_TRAINER__KUBERNETES", "LLM4GOV_API_KEYS"))]


def test_production_trainer_runs_jobs_on_the_gpu_pool(rendered: dict[str, Any]) -> None:
    config = _config(rendered, "production", f"{RELEASE}-trainer")
    assert json.loads(config["LLM4GOV_TRAINER__KUBERNETES__NODE_SELECTOR"]) == {"node-pool.example.gov.br/name": "gpu"}
    assert json.loads(config["LLM4GOV_TRAINER__KUBERNETES__TOLERATIONS"]) == [
        {"key": "nvidia.com/gpu", "operator": "Equal", "value": "present", "effect": "NoSchedule"}]
    assert json.loads(config["LLM4GOV_TRAINER__KUBERNETES__IMAGE_PULL_SECRETS"]) == ["registry-credentials"]
    assert config["LLM4GOV_TRAINER__KUBERNETES__IMAGE"] == "registry.example.gov.br/llm4gov/trainer:0.1.0-gpu"
    # Secrets come from existing Secrets only.
    assert json.loads(config["LLM4GOV_TRAINER__KUBERNETES__ENV_FROM_SECRETS"]) == ["llm4gov-trainer-job-env"]
    trainer = _by_name(_docs(rendered, "production", "Deployment"), f"{RELEASE}-trainer")
    assert "nvidia.com/gpu" not in trainer["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]


@pytest.mark.parametrize("case", list(CASES))
def test_trainer_settings_make_a_valid_training_job(rendered: dict[str, Any], case: str, trainer_executor: Any,
                                                    kubernetes_validate: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The executor, configured by the rendered ConfigMap, builds a Job that validates and that only
    references what the release provides (or the documented existing Secret)."""
    job = _training_job(trainer_executor, _config(rendered, case, f"{RELEASE}-trainer"), monkeypatch)
    kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)
    assert job["metadata"]["namespace"] == NAMESPACE
    pod = job["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == f"{RELEASE}-trainer-job"
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert {t["key"] for t in pod["tolerations"]} == {"nvidia.com/gpu"}
    secrets = {d["metadata"]["name"]: d for d in _docs(rendered, case, "Secret")}
    configmaps = {d["metadata"]["name"] for d in _docs(rendered, case, "ConfigMap")}
    for source in container["envFrom"]:
        if "configMapRef" in source:
            assert source["configMapRef"]["name"] in configmaps
        else:
            name = source["secretRef"]["name"]
            assert name in secrets or name == "llm4gov-trainer-job-env", f"{case}: unknown Secret {name}"
    # Only references: no value in the Job spec comes from a Secret.
    text = yaml.safe_dump(job)
    assert not [m for m in MARKERS.values() if m in text]
    assert not [e for e in container["env"] if re.search(r"SECRET|PASSWORD|DATABASE_URL|ACCESS_KEY", e["name"])]
    # The Job's pods are the ones the training NetworkPolicy isolates.
    labels = job["spec"]["template"]["metadata"]["labels"]
    assert TRAINING_POD_LABELS.items() <= labels.items()
    policies = _policies_for(_docs(rendered, case, "NetworkPolicy"), labels)
    assert [p["metadata"]["name"] for p in policies] == [f"{RELEASE}-trainer-job"]


@pytest.mark.parametrize("case", ["inline-bundled", "inline-external"])
def test_inline_values_reach_the_training_pods_through_a_secret(rendered: dict[str, Any], case: str) -> None:
    secret = _by_name(_docs(rendered, case, "Secret"), f"{RELEASE}-trainer-job-secret")
    data = secret["stringData"]
    assert set(data) == {"LLM4GOV_DATABASE_URL", "LLM4GOV_STORAGE__S3_ACCESS_KEY_ID",
                         "LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY"}
    assert data["LLM4GOV_STORAGE__S3_ACCESS_KEY_ID"] == MARKERS["s3_access_key"]
    assert MARKERS["db_password"] in data["LLM4GOV_DATABASE_URL"]
    if case == "inline-bundled":
        bundled = _by_name(_docs(rendered, case, "Secret"), f"{RELEASE}-postgresql-secret")["stringData"]
        assert data["LLM4GOV_DATABASE_URL"] == bundled["url"]
    config = _config(rendered, case, f"{RELEASE}-trainer")
    # Everything is inline: the pods need no Secret from outside the chart.
    assert json.loads(config["LLM4GOV_TRAINER__KUBERNETES__ENV_FROM_SECRETS"]) == [f"{RELEASE}-trainer-job-secret"]


def test_training_pods_reach_the_bundled_stores(rendered: dict[str, Any]) -> None:
    for name, port in ((f"{RELEASE}-postgresql", 5432), (f"{RELEASE}-s3-bundled", 8333)):
        policy = _by_name(_docs(rendered, "inline-bundled", "NetworkPolicy"), name)
        (rule,) = policy["spec"]["ingress"]
        assert rule["ports"] == [{"protocol": "TCP", "port": port}]
        assert any(_selects(peer["podSelector"], TRAINING_POD_LABELS) for peer in rule["from"]), name


@pytest.mark.parametrize("case", list(CASES))
def test_trainer_and_training_pods_stay_in_the_cluster(rendered: dict[str, Any], case: str) -> None:
    """No egress to 0.0.0.0/0 or any public address; the API server only from the trainer service."""
    policies = _docs(rendered, case, "NetworkPolicy")
    trainer = _by_name(_docs(rendered, case, "Deployment"), f"{RELEASE}-trainer")
    api_ports = {443, 6443}
    for labels, may_reach_api in ((_pod_labels(trainer), True), (TRAINING_POD_LABELS, False)):
        selected = _policies_for(policies, labels)
        assert selected and all({"Ingress", "Egress"} <= set(p["spec"]["policyTypes"]) for p in selected)
        rules = [r for p in selected for r in p["spec"].get("egress", [])]
        for rule in rules:
            for peer in rule["to"]:
                assert _is_cluster_internal(peer), f"{case}: {labels['app.kubernetes.io/component']} egress to {peer}"
                assert peer.get("ipBlock", {}).get("cidr") not in {"0.0.0.0/0", "::/0"}
        ports = {p["port"] for r in rules for p in r["ports"]}
        if not may_reach_api:
            assert not ports & {6443, 8080}, f"{case}: training pods reach {sorted(ports)}"
            assert [p["spec"]["ingress"] for p in selected] == [[]], "nothing may connect to a training pod"
        else:
            api = [r for r in rules if 6443 in {p["port"] for p in r["ports"]}]
            assert len(api) == 1, f"{case}: the trainer has no egress to the Kubernetes API"
            assert {p["port"] for p in api[0]["ports"]} <= api_ports
    # No other component reaches the Kubernetes API port.
    for doc in _workloads(rendered, case):
        if doc is trainer:
            continue
        for policy in _policies_for(policies, _pod_labels(doc)):
            for rule in policy["spec"].get("egress", []):
                assert 6443 not in {p["port"] for p in rule["ports"]}, doc["metadata"]["name"]


def test_trainer_local_executor_gets_no_kubernetes_access(chart: Any, kubernetes_validate: Any) -> None:
    docs = [d for _, d in _render(chart, {"trainer": {"settings": {"executor": "local"}}})]
    for doc in docs:
        if doc["kind"] not in CRD_KINDS:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    assert not [d for d in docs if d["kind"] in {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}]
    assert not [d for d in docs if d["metadata"]["labels"].get("app.kubernetes.io/component") == "trainer-job"]
    config = _by_name([d for d in docs if d["kind"] == "ConfigMap"], f"{RELEASE}-trainer")["data"]
    assert config["LLM4GOV_TRAINER__EXECUTOR"] == "local"
    assert not [k for k in config if k.startswith("LLM4GOV_TRAINER__KUBERNETES__")]
    trainer = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-trainer")
    assert not [v for v in _pod_spec(trainer)["volumes"] if "projected" in v]
    policy = _by_name([d for d in docs if d["kind"] == "NetworkPolicy"], f"{RELEASE}-trainer")
    ports = sorted({p["port"] for rule in policy["spec"]["egress"] for p in rule["ports"]})
    assert ports == [53, 443, 5432], "DNS, S3 and PostgreSQL only"


def test_trainer_can_be_disabled(chart: Any) -> None:
    values = {"trainer": {"enabled": False}, "ingress": {"enabled": True},
              "monitoring": {"serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": True}}}
    docs = [d for _, d in _render(chart, values)]
    assert not [d for d in docs if d["metadata"]["labels"].get("app.kubernetes.io/component") in {"trainer", "trainer-job"}]
    assert not [d for d in docs if d["kind"] in {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}]
    (rule,) = [d for d in docs if d["kind"] == "PrometheusRule"]
    assert not [r for g in rule["spec"]["groups"] for r in g["rules"] if r["labels"]["llm4gov_service"] == "trainer"]
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    assert "trainer.llm4gov.local" not in {r["host"] for r in ingress["spec"]["rules"]}


def test_training_gpu_count_and_cpu_training(chart: Any) -> None:
    for gpu, expected in ((0, None), (2, "2")):
        docs = [d for _, d in _render(chart, {"trainer": {"job": {"gpu": gpu}}})]
        config = _by_name([d for d in docs if d["kind"] == "ConfigMap"], f"{RELEASE}-trainer")["data"]
        limits = json.loads(config["LLM4GOV_TRAINER__KUBERNETES__RESOURCES"])["limits"]
        assert limits.get("nvidia.com/gpu") == expected
        assert limits["memory"] == "32Gi"


# --------------------------------------------------------------------------------------------------
# Inference: image variant and GPUs, hardening, settings, zero-shot tasks, secrets, NetworkPolicy
# --------------------------------------------------------------------------------------------------


def _inference(source: Any, case: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Deployment, its container) of inference, from `rendered` and a case, or from a list of docs."""
    docs = _docs(source, case) if case is not None else source
    deployment = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-inference")
    (container,) = _pod_spec(deployment)["containers"]
    return deployment, container


@pytest.mark.parametrize("case", list(CASES))
def test_inference_runs_non_root_with_a_read_only_root_filesystem(rendered: dict[str, Any], case: str) -> None:
    deployment, container = _inference(rendered, case)
    pod = _pod_spec(deployment)
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    sc = container["securityContext"]
    assert sc["runAsNonRoot"] is True and sc.get("runAsUser", pod["securityContext"]["runAsUser"]) != 0
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False and sc["privileged"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    # Every writable path is an emptyDir mount; nothing else is writable.
    volumes = {v["name"]: v for v in pod["volumes"]}
    writable = {m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")}
    assert writable == set(INFERENCE_WRITABLE)
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        if mount.get("readOnly"):
            assert "secret" in volume or "configMap" in volume, mount
        else:
            assert "emptyDir" in volume and volume["emptyDir"].get("sizeLimit"), mount
    assert volumes["dshm"]["emptyDir"]["medium"] == "Memory"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["HOME"] == "/home/llm4gov"
    assert env["XDG_CACHE_HOME"].startswith("/home/llm4gov/") and env["VLLM_CACHE_ROOT"].startswith("/home/llm4gov/")


@pytest.mark.parametrize("case", REVIEWED)
def test_inference_gets_a_gpu_on_the_gpu_pool(rendered: dict[str, Any], case: str) -> None:
    deployment, container = _inference(rendered, case)
    pod = _pod_spec(deployment)
    assert container["image"].endswith(":0.1.0-gpu")
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert container["resources"]["limits"]["memory"] and container["resources"]["requests"]["cpu"]
    assert {t["key"] for t in pod["tolerations"]} == {"nvidia.com/gpu"}
    if case == "production":
        assert container["image"] == "registry.example.gov.br/llm4gov/inference:0.1.0-gpu"
        assert pod["nodeSelector"] == {"node-pool.example.gov.br/name": "gpu"}
        assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}
    # The other services stay off the GPU pool.
    for doc in _docs(rendered, case, "Deployment"):
        if doc is not deployment:
            assert not _pod_spec(doc).get("tolerations"), doc["metadata"]["name"]
            assert "nvidia.com/gpu" not in _pod_spec(doc)["containers"][0]["resources"]["limits"]


def test_inference_cpu_variant(chart: Any) -> None:
    docs = [d for _, d in _render(chart, {"inference": {"gpu": {"enabled": False}}})]
    _, container = _inference(docs)
    assert container["image"] == "llm4gov/inference:0.1.0-cpu"
    assert "nvidia.com/gpu" not in container["resources"]["limits"]
    digest = "sha256:" + "ab" * 32
    docs = [d for _, d in _render(chart, {"inference": {"image": {"digest": digest}, "gpu": {"count": 2}}})]
    _, container = _inference(docs)
    assert container["image"] == f"llm4gov/inference@{digest}"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "2"


@pytest.fixture(scope="module")
def inference_settings() -> Any:
    """The inference service's own settings class (the chart's ConfigMap must parse into it)."""
    return _module("services.inference.settings", "the inference service's settings (services/inference)"
                   ).InferenceSettings


def _load_settings(settings_cls: Any, config: dict[str, str], container: dict[str, Any],
                   monkeypatch: pytest.MonkeyPatch) -> Any:
    for key in list(os.environ):
        if key.startswith("LLM4GOV_"):
            monkeypatch.delenv(key)
    for key, value in config.items():
        monkeypatch.setenv(key, value)
    for entry in container["env"]:
        if "value" in entry:
            monkeypatch.setenv(entry["name"], entry["value"])
    return settings_cls()


@pytest.mark.parametrize("case", list(CASES))
def test_inference_config_parses_into_its_settings(rendered: dict[str, Any], case: str, inference_settings: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(rendered, case, f"{RELEASE}-inference")
    _, container = _inference(rendered, case)
    settings = _load_settings(inference_settings, config, container, monkeypatch)
    options = settings.inference
    assert settings.storage.backend == "s3" and settings.auth == "on"
    assert str(settings.data_dir) == "/var/lib/llm4gov"
    assert str(options.work_dir) == "/scratch"
    assert options.engine.mode == "managed"
    assert options.anonymizer_url == f"http://{RELEASE}-anonymizer:8080"
    assert options.anonymizer_api_key is None, "the key comes from a Secret, not the ConfigMap"
    assert options.engine.kv_cache_memory_bytes >= 1 << 20
    if case == "production":
        assert options.base_model == "gemma-3-270m"
        assert (options.engine.max_loras, options.engine.max_model_len, options.engine.dtype) == (8, 4096, "bfloat16")
    else:
        assert options.base_model == "smollm2-135m-instruct"
    tasks_file = config.get("LLM4GOV_INFERENCE__TASKS_FILE")
    assert (tasks_file is not None) == (case in {"production", "inline-bundled", "inline-external"})


def test_inference_engine_options_reach_the_settings(chart: Any, inference_settings: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    engine = {"mode": "external", "url": "http://vllm.llm4gov.svc:8000", "quantization": "bitsandbytes",
              "maxCpuLoras": 16, "extraArgs": ["--gpu-memory-utilization", "0.85"], "kvCacheMemoryBytes": 8 << 30}
    egress = [{"to": [{"podSelector": {"matchLabels": {"app": "vllm"}}}], "ports": [{"protocol": "TCP", "port": 8000}]}]
    docs = [d for _, d in _render(chart, {"inference": {"settings": {"engine": engine},
                                                        "networkPolicy": {"extraEgress": egress}}})]
    config = _by_name([d for d in docs if d["kind"] == "ConfigMap"], f"{RELEASE}-inference")["data"]
    _, container = _inference(docs)
    options = _load_settings(inference_settings, config, container, monkeypatch).inference
    assert options.engine.mode == "external" and options.engine.url == engine["url"]
    assert options.engine.quantization == "bitsandbytes"
    assert options.engine.max_cpu_loras == 16
    assert options.engine.extra_args == ["--gpu-memory-utilization", "0.85"]
    assert options.engine.kv_cache_memory_bytes == 8 << 30
    # The external engine is reachable, in the cluster only.
    policy = _by_name([d for d in docs if d["kind"] == "NetworkPolicy"], f"{RELEASE}-inference")
    assert egress[0] in policy["spec"]["egress"]
    with pytest.raises(helm.HelmError):
        chart.render({"inference": {"settings": {"engine": {"mode": "external"}}}}, name=RELEASE, namespace=NAMESPACE)


def test_inference_zero_shot_tasks_are_mounted_from_a_configmap(rendered: dict[str, Any], tmp_path: Path) -> None:
    config = _config(rendered, "production", f"{RELEASE}-inference")
    deployment, container = _inference(rendered, "production")
    tasks_cm = _by_name(_docs(rendered, "production", "ConfigMap"), f"{RELEASE}-inference-tasks")
    tasks = yaml.safe_load(tasks_cm["data"]["tasks.yaml"])
    assert [t["name"] for t in tasks] == ["ouvidoria-severidade"]
    volumes = {v["name"]: v for v in _pod_spec(deployment)["volumes"]}
    (mount,) = [m for m in container["volumeMounts"] if config["LLM4GOV_INFERENCE__TASKS_FILE"].startswith(m["mountPath"] + "/")]
    assert mount["readOnly"] is True
    assert volumes[mount["name"]]["configMap"]["name"] == f"{RELEASE}-inference-tasks"
    assert "checksum/tasks" in deployment["spec"]["template"]["metadata"]["annotations"]
    # The service reads the file as it is rendered.
    load_tasks_file = _module("services.inference.supervisor", "the inference service (services/inference)"
                              ).load_tasks_file
    path = tmp_path / "tasks.yaml"
    path.write_text(tasks_cm["data"]["tasks.yaml"], encoding="utf-8")
    (task,) = load_tasks_file(path)
    assert task.name == "ouvidoria-severidade"
    assert task.output_schema["properties"]["severity_level"]["enum"] == ["BAIXA", "MEDIA", "ALTA", "CRITICA"]


@pytest.mark.parametrize("case", list(CASES))
def test_inference_anonymizer_key_comes_from_a_secret(rendered: dict[str, Any], case: str) -> None:
    _, container = _inference(rendered, case)
    env = {e["name"]: e for e in container["env"]}
    ref = env["LLM4GOV_INFERENCE__ANONYMIZER_API_KEY"]["valueFrom"]["secretKeyRef"]
    if case.startswith("inline"):
        assert ref == {"name": f"{RELEASE}-inference-secret", "key": "anonymizer-api-key"}
        secret = _by_name(_docs(rendered, case, "Secret"), f"{RELEASE}-inference-secret")
        assert secret["stringData"] == {"anonymizer-api-key": MARKERS["inference_anonymizer_api_key"]}
    else:
        assert ref == {"name": "llm4gov-inference", "key": "anonymizer-api-key"}
    config = _config(rendered, case, f"{RELEASE}-inference")
    assert not [k for k in config if re.search(r"API_KEY$|SECRET|PASSWORD|ACCESS_KEY", k)]
    # the database (uploaded files, batch jobs): its URL from a Secret only
    assert "secretKeyRef" in env["LLM4GOV_DATABASE_URL"]["valueFrom"]
    assert not [k for k in config if "DATABASE" in k]
    # the batch worker's id is the pod's name (a restarted container gives back its claims at once)
    assert env["LLM4GOV_INFERENCE__BATCH__WORKER_ID"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}


@pytest.mark.parametrize("case", list(CASES))
def test_inference_reaches_only_dns_storage_the_database_and_the_anonymizer(rendered: dict[str, Any],
                                                                           case: str) -> None:
    deployment, _ = _inference(rendered, case)
    labels = _pod_labels(deployment)
    assert labels["llm4gov.io/database-client"] == "true" and labels["llm4gov.io/storage-client"] == "true"
    policies = _policies_for(_docs(rendered, case, "NetworkPolicy"), labels)
    assert {p["metadata"]["name"] for p in policies} == {f"{RELEASE}-default-deny", f"{RELEASE}-inference"}
    policy = _by_name(policies, f"{RELEASE}-inference")
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    rules = policy["spec"]["egress"]
    for rule in rules:
        for peer in rule["to"]:
            assert _is_cluster_internal(peer), f"{case}: inference egress to {peer}"
    ports = sorted({p["port"] for r in rules for p in r["ports"]})
    storage_port = 8333 if case == "inline-bundled" else 443
    assert ports == sorted({53, storage_port, 5432, 8080}), \
        f"{case}: DNS, object storage, the database and the anonymizer only"
    (anonymizer_rule,) = [r for r in rules if [p["port"] for p in r["ports"]] == [8080]]
    assert anonymizer_rule["to"] == [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/name": "llm4gov", "app.kubernetes.io/instance": RELEASE,
        "app.kubernetes.io/component": "anonymizer"}}}]
    # Callers: the ingress controller (when routed), Prometheus (when scraped), the listed client peers;
    # by default (no Ingress, no ServiceMonitor, no peers) nothing may connect.
    if case == "default":
        assert policy["spec"]["ingress"] == []
        return
    (ingress,) = policy["spec"]["ingress"]
    assert ingress["ports"] == [{"protocol": "TCP", "port": 8080}]
    assert not [peer for peer in ingress["from"] if "podSelector" in peer and "namespaceSelector" not in peer], \
        "no other pod of the release calls inference"
    if case == "production":
        assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "protocolo-digital"}}} in ingress["from"]


def test_inference_without_the_anonymizer_and_disabled(chart: Any, kubernetes_validate: Any) -> None:
    # Without the anonymizer: no anonymizer URL or key, no egress to it.
    docs = [d for _, d in _render(chart, {"anonymizer": {"enabled": False}})]
    config = _by_name([d for d in docs if d["kind"] == "ConfigMap"], f"{RELEASE}-inference")["data"]
    assert "LLM4GOV_INFERENCE__ANONYMIZER_URL" not in config
    _, container = _inference(docs)
    assert "LLM4GOV_INFERENCE__ANONYMIZER_API_KEY" not in {e["name"] for e in container["env"]}
    policy = _by_name([d for d in docs if d["kind"] == "NetworkPolicy"], f"{RELEASE}-inference")
    assert sorted({p["port"] for r in policy["spec"]["egress"] for p in r["ports"]}) == [53, 443, 5432]
    # Disabled: nothing of inference is rendered, and the anonymizer admits the teacher only.
    values = {"inference": {"enabled": False}, "ingress": {"enabled": True},
              "monitoring": {"serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": True}}}
    docs = [d for _, d in _render(chart, values)]
    for doc in docs:
        if doc["kind"] not in CRD_KINDS:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    assert not [d for d in docs if d["metadata"]["labels"].get("app.kubernetes.io/component") == "inference"]
    assert not [d for d in docs if "inference" in d["metadata"]["name"]]
    (rule,) = [d for d in docs if d["kind"] == "PrometheusRule"]
    assert not [r for g in rule["spec"]["groups"] for r in g["rules"] if r["labels"]["llm4gov_service"] == "inference"]
    anonymizer = _by_name([d for d in docs if d["kind"] == "NetworkPolicy"], f"{RELEASE}-anonymizer")
    callers = {peer["podSelector"]["matchLabels"].get("app.kubernetes.io/component")
               for peer in anonymizer["spec"]["ingress"][0]["from"] if "namespaceSelector" not in peer}
    assert callers == {"teacher"}
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    assert "inference.llm4gov.local" not in {r["host"] for r in ingress["spec"]["rules"]}


# --------------------------------------------------------------------------------------------------
# Pod Security Standards: every pod the chart renders, and the training pods, meet `restricted`
# --------------------------------------------------------------------------------------------------

# https://kubernetes.io/docs/concepts/security/pod-security-standards/ (Kubernetes 1.30, Linux pods).
RESTRICTED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                           "projected", "secret"}
SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes"}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}


def _restricted_violations(pod: dict[str, Any], annotations: dict[str, str] | None = None) -> list[str]:
    """What the `restricted` profile (which includes `baseline`) refuses in a pod spec; [] when none."""
    out = []
    psc = pod.get("securityContext") or {}
    containers = pod.get("initContainers", []) + pod.get("containers", []) + pod.get("ephemeralContainers", [])

    def seccomp_ok(profile: dict[str, Any] | None) -> bool:
        return (profile or {}).get("type") in {"RuntimeDefault", "Localhost"}

    # --- baseline ---
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            out.append(f"{field}: true")
    for sysctl in psc.get("sysctls", []):
        if sysctl["name"] not in SAFE_SYSCTLS:
            out.append(f"unsafe sysctl {sysctl['name']}")
    for key, value in (annotations or {}).items():
        if key.startswith("container.apparmor.security.beta.kubernetes.io/") and \
                value != "runtime/default" and not value.startswith("localhost/"):
            out.append(f"AppArmor annotation {key}={value}")
    scopes = [("pod", psc)] + [(f"container {c['name']}", c.get("securityContext") or {}) for c in containers]
    for where, sc in scopes:
        selinux = sc.get("seLinuxOptions") or {}
        if selinux.get("type", "") not in SELINUX_TYPES or selinux.get("user") or selinux.get("role"):
            out.append(f"{where}: seLinuxOptions {selinux}")
        if (sc.get("appArmorProfile") or {}).get("type", "RuntimeDefault") not in {"RuntimeDefault", "Localhost"}:
            out.append(f"{where}: appArmorProfile {sc['appArmorProfile']}")
        if (sc.get("seccompProfile") or {}).get("type") == "Unconfined":
            out.append(f"{where}: seccomp Unconfined")
        if sc.get("runAsUser") == 0:
            out.append(f"{where}: runAsUser 0")
        if sc.get("runAsNonRoot") is False:
            out.append(f"{where}: runAsNonRoot false")
    for volume in pod.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUME_TYPES:
            out.append(f"volume {volume['name']}: {sorted(kinds - RESTRICTED_VOLUME_TYPES)}")
    # --- restricted ---
    for container in containers:
        sc = container.get("securityContext") or {}
        where = f"container {container['name']}"
        if sc.get("privileged"):
            out.append(f"{where}: privileged")
        if sc.get("procMount", "Default") != "Default":
            out.append(f"{where}: procMount {sc['procMount']}")
        for port in container.get("ports", []):
            if port.get("hostPort"):
                out.append(f"{where}: hostPort {port['hostPort']}")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"{where}: allowPrivilegeEscalation is not false")
        if sc.get("runAsNonRoot") is not True and psc.get("runAsNonRoot") is not True:
            out.append(f"{where}: runAsNonRoot is not true (pod or container)")
        if not seccomp_ok(sc.get("seccompProfile")) and not seccomp_ok(psc.get("seccompProfile")):
            out.append(f"{where}: no RuntimeDefault/Localhost seccomp profile (pod or container)")
        capabilities = sc.get("capabilities") or {}
        if "ALL" not in capabilities.get("drop", []):
            out.append(f"{where}: capabilities do not drop ALL")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            out.append(f"{where}: adds capabilities {capabilities['add']}")
    return out


def test_restricted_checker_catches_violations() -> None:
    """The checker itself must see a violation of each rule, or the tests below prove nothing."""
    bad = {"hostNetwork": True, "securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}]},
           "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
           "containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 80}], "securityContext": {
               "privileged": True, "runAsUser": 0, "capabilities": {"add": ["SYS_ADMIN"]},
               "seccompProfile": {"type": "Unconfined"}}}]}
    found = " | ".join(_restricted_violations(bad, {"container.apparmor.security.beta.kubernetes.io/c": "unconfined"}))
    for needle in ("hostNetwork", "unsafe sysctl", "AppArmor", "volume host", "privileged", "hostPort",
                   "allowPrivilegeEscalation", "runAsNonRoot", "seccomp", "runAsUser 0", "drop ALL", "adds capabilities"):
        assert needle in found, needle
    good = {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "c", "securityContext": {"allowPrivilegeEscalation": False,
                                                             "capabilities": {"drop": ["ALL"]}}}]}
    assert _restricted_violations(good) == []


@pytest.mark.parametrize("case", list(CASES))
def test_every_pod_meets_the_restricted_pod_security_standard(rendered: dict[str, Any], case: str,
                                                              trainer_executor: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A namespace labelled pod-security.kubernetes.io/enforce=restricted admits every pod of the
    release (the bundled evaluation stores included) and the training pods the trainer creates."""
    workloads = _workloads(rendered, case)
    assert workloads
    for doc in workloads:
        template = doc["spec"]["template"] if doc["kind"] != "CronJob" else doc["spec"]["jobTemplate"]["spec"]["template"]
        violations = _restricted_violations(_pod_spec(doc), template["metadata"].get("annotations"))
        assert violations == [], f"{case}: {doc['kind']}/{doc['metadata']['name']}: {violations}"
    job = _training_job(trainer_executor, _config(rendered, case, f"{RELEASE}-trainer"), monkeypatch)
    pod = job["spec"]["template"]["spec"]
    assert _restricted_violations(pod, job["spec"]["template"]["metadata"].get("annotations")) == [], case
    # The training pods run as the user the chart runs its own pods as, with a read-only root filesystem.
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text(encoding="utf-8"))["podSecurity"]
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"],
            pod["securityContext"]["fsGroup"]) == (values["runAsUser"], values["runAsGroup"], values["fsGroup"])
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert {m["mountPath"]: "emptyDir" in volumes[m["name"]] for m in container["volumeMounts"]} == \
        {"/scratch": True, "/tmp": True}


# --------------------------------------------------------------------------------------------------
# Least privilege: per-service object-storage and database credentials
# --------------------------------------------------------------------------------------------------

# Distinctive per-service credentials: each may reach its own service's pods only.
OWN_CREDENTIALS = {
    "teacher": ["TEACHERS3ID0101", "teacher-s3-secret-distinctive-0102", "TEACHERDBPW-0103"],
    "trainer": ["TRAINERS3ID0201", "trainer-s3-secret-distinctive-0202", "TRAINERDBPW-0203"],
    "inference": ["INFERENCES3ID0301", "inference-s3-secret-distinctive-0302", "INFERENCEDBPW-0303"],
    "anonymizer": ["ANONYMIZERDBPW-0403"],
    "trainer-job": ["TRAININGS3ID0501", "training-s3-secret-distinctive-0502", "TRAININGDBPW-0503"],
}
SHARED_CREDENTIALS = [MARKERS["s3_access_key"], MARKERS["s3_secret_key"], MARKERS["db_password"]]


def _db_url(password: str) -> str:
    return f"postgresql://role:{password}@db.internal:5432/llm4gov"


def _per_service_values() -> dict[str, Any]:
    own = OWN_CREDENTIALS
    values = _external_inline_values()  # the shared credentials are inline too: they must reach no pod
    extra = {
        "teacher": {"storage": {"accessKeyId": own["teacher"][0], "secretAccessKey": own["teacher"][1]},
                    "database": {"url": _db_url(own["teacher"][2])}},
        "trainer": {"storage": {"accessKeyId": own["trainer"][0], "secretAccessKey": own["trainer"][1]},
                    "database": {"url": _db_url(own["trainer"][2])},
                    "job": {"storage": {"accessKeyId": own["trainer-job"][0], "secretAccessKey": own["trainer-job"][1]},
                            "database": {"url": _db_url(own["trainer-job"][2])}}},
        "inference": {"storage": {"accessKeyId": own["inference"][0], "secretAccessKey": own["inference"][1]},
                      "database": {"url": _db_url(own["inference"][2])}},
        "anonymizer": {"database": {"url": _db_url(own["anonymizer"][0])}},
    }
    return _merge(values, extra)


def _secret_names_used(pod: dict[str, Any]) -> set[str]:
    names = set()
    for container in pod.get("initContainers", []) + pod["containers"]:
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                names.add(ref["name"])
        names |= {s["secretRef"]["name"] for s in container.get("envFrom", []) if "secretRef" in s}
    names |= {v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v}
    return names


def _credentials_in(text: str) -> set[str]:
    every = [m for markers in OWN_CREDENTIALS.values() for m in markers] + SHARED_CREDENTIALS
    return {m for m in every if m in text}


def test_training_pods_follow_the_charts_pod_security_user(chart: Any, trainer_executor: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    values = _production_values()
    values["podSecurity"] = {"runAsUser": 20002, "runAsGroup": 20003, "fsGroup": 20004}
    docs = _render(chart, values)
    config = _by_name([d for _, d in docs if d["kind"] == "ConfigMap"], f"{RELEASE}-trainer")["data"]
    pod = _training_job(trainer_executor, config, monkeypatch)["spec"]["template"]["spec"]
    sc = pod["securityContext"]
    assert (sc["runAsUser"], sc["runAsGroup"], sc["fsGroup"]) == (20002, 20003, 20004)


def test_each_service_gets_only_its_own_credentials(chart: Any, trainer_executor: Any, kubernetes_validate: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With per-service credentials set, the teacher's pod and the Secrets it reads hold the teacher's
    credentials and no other service's (nor the shared ones); likewise for every service and the
    training pods."""
    chart.validate_schema(_per_service_values())
    docs = [d for _, d in _render(chart, _per_service_values())]
    for doc in docs:
        if doc["kind"] not in CRD_KINDS:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
    for component in API_COMPONENTS:
        deployment = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-{component}")
        pod = _pod_spec(deployment)
        used = _secret_names_used(pod)
        text = yaml.safe_dump(deployment) + "".join(yaml.safe_dump(secrets[n]) for n in used if n in secrets)
        assert _credentials_in(text) == set(OWN_CREDENTIALS[component]), component
        env = {e["name"]: e for e in pod["containers"][0]["env"]}
        if "LLM4GOV_DATABASE_URL" in env:
            assert env["LLM4GOV_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
                "name": f"{RELEASE}-{component}-database-secret", "key": "url"}
        if component != "anonymizer":
            assert env["LLM4GOV_STORAGE__S3_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"] == {
                "name": f"{RELEASE}-{component}-s3-secret", "key": "access-key-id"}
        # The literal values are in the Secrets only, never in the pod spec.
        assert not _credentials_in(yaml.safe_dump(deployment))
    teacher = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-teacher")
    assert _secret_names_used(_pod_spec(teacher)) == {
        f"{RELEASE}-teacher-secret", f"{RELEASE}-teacher-s3-secret", f"{RELEASE}-teacher-database-secret",
        f"{RELEASE}-api-keys-secret"}
    assert secrets[f"{RELEASE}-teacher-s3-secret"]["stringData"] == {
        "access-key-id": OWN_CREDENTIALS["teacher"][0], "secret-access-key": OWN_CREDENTIALS["teacher"][1]}
    # The training pods: their own credentials, neither the trainer service's nor the shared ones.
    config = _by_name([d for d in docs if d["kind"] == "ConfigMap"], f"{RELEASE}-trainer")["data"]
    job = _training_job(trainer_executor, config, monkeypatch)
    used = _secret_names_used(job["spec"]["template"]["spec"])
    assert used == {f"{RELEASE}-trainer-job-secret"}
    assert _credentials_in(yaml.safe_dump(secrets[f"{RELEASE}-trainer-job-secret"])) == set(OWN_CREDENTIALS["trainer-job"])
    # The shared Secrets still exist (inline values) but no pod reads them.
    for doc in docs:
        if doc["kind"] in POD_KINDS:
            assert not _secret_names_used(_pod_spec(doc)) & {f"{RELEASE}-s3-secret", f"{RELEASE}-database-secret"}


def test_per_service_existing_secrets(chart: Any) -> None:
    values = {"teacher": {"storage": {"existingSecret": "teacher-s3", "accessKeyIdKey": "id",
                                      "secretAccessKeyKey": "secret"},
                          "database": {"existingSecret": "teacher-db", "existingSecretKey": "dsn"}},
              "inference": {"storage": {"existingSecret": "inference-s3"},
                            "database": {"existingSecret": "inference-db"}},
              "anonymizer": {"database": {"existingSecret": "anonymizer-db"}}}
    docs = [d for _, d in _render(chart, values)]
    assert not [d for d in docs if d["kind"] == "Secret"], "existing Secrets only"
    expected = {"anonymizer": {"anonymizer-db"}, "teacher": {"teacher-s3", "teacher-db"},
                "trainer": {"llm4gov-s3", "llm4gov-database"}, "inference": {"inference-s3", "inference-db"}}
    own = {"teacher-s3", "teacher-db", "inference-s3", "inference-db", "anonymizer-db"}
    for component in API_COMPONENTS:
        deployment = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-{component}")
        used = _secret_names_used(_pod_spec(deployment)) & (own | {"llm4gov-s3", "llm4gov-database"})
        assert used == expected[component], component
    teacher = _by_name([d for d in docs if d["kind"] == "Deployment"], f"{RELEASE}-teacher")
    env = {e["name"]: e for e in _pod_spec(teacher)["containers"][0]["env"]}
    assert env["LLM4GOV_STORAGE__S3_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"] == {"name": "teacher-s3", "key": "id"}
    assert env["LLM4GOV_STORAGE__S3_SECRET_ACCESS_KEY"]["valueFrom"]["secretKeyRef"] == {"name": "teacher-s3",
                                                                                         "key": "secret"}
    assert env["LLM4GOV_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "teacher-db", "key": "dsn"}


@pytest.mark.parametrize("case", REVIEWED)
def test_production_gives_each_service_its_own_credentials(rendered: dict[str, Any], case: str) -> None:
    deployments = {d["metadata"]["labels"]["app.kubernetes.io/component"]: _pod_spec(d)
                   for d in _docs(rendered, case, "Deployment")}
    used = {c: _secret_names_used(pod) for c, pod in deployments.items()}
    if case == "default":  # the shared Secrets
        assert "llm4gov-s3" in used["teacher"] and "llm4gov-s3" in used["inference"]
        return
    assert used["teacher"] >= {"llm4gov-teacher-s3", "llm4gov-teacher-database"}
    assert used["trainer"] >= {"llm4gov-trainer-s3", "llm4gov-trainer-database"}
    assert used["inference"] >= {"llm4gov-inference-s3", "llm4gov-inference-database"}
    assert used["anonymizer"] >= {"llm4gov-anonymizer-database"}
    for names in used.values():
        assert not names & {"llm4gov-s3", "llm4gov-database"}, "no service uses the shared credentials"


def _readme_policies() -> dict[str, dict[str, Any]]:
    """The S3 policies of helm/README.md ("#### <service>" followed by a ```json block)."""
    text = (HELM_DIR / "README.md").read_text(encoding="utf-8")
    return {name: json.loads(body) for name, body in
            re.findall(r"^#### S3 policy: ([a-z -]+)\n.*?```json\n(.*?)```", text, flags=re.M | re.S)}


def _rights(policy: dict[str, Any]) -> dict[str, set[str]]:
    """action -> object resources (key patterns after the bucket), Allow statements only."""
    out: dict[str, set[str]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            assert action.startswith("s3:") and "*" not in action, action
            for resource in resources:
                assert resource.startswith("arn:aws:s3:::llm4gov"), resource
                out.setdefault(action, set()).add(resource.removeprefix("arn:aws:s3:::llm4gov").lstrip("/"))
    return out


def test_readme_s3_policies_grant_each_service_only_its_prefixes() -> None:
    policies = _readme_policies()
    assert set(policies) == {"teacher", "trainer", "training pods", "inference"}
    rights = {name: _rights(policy) for name, policy in policies.items()}
    writes = ("s3:PutObject", "s3:DeleteObject")
    for name, r in rights.items():
        assert set(r) <= {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}, name
        assert r["s3:ListBucket"] == {""}, f"{name}: ListBucket on the bucket (404 instead of 403)"
    # The teacher (the only pod with internet egress) writes datasets/ and the Files API's files/ only:
    # never adapters/ or base-models/.
    assert rights["teacher"]["s3:PutObject"] == {"datasets/*", "files/*"}
    assert rights["teacher"]["s3:DeleteObject"] == {"files/*"}
    assert rights["teacher"]["s3:GetObject"] == {"uploads/*", "files/*"}
    # Inference reads adapters and base models, and the Files API's files/ (uploads to classify; the
    # results of batch jobs are written there, and DELETE /v1/files removes them).
    assert rights["inference"] == {"s3:ListBucket": {""}, "s3:GetObject": {"adapters/*", "base-models/*", "files/*"},
                                   "s3:PutObject": {"files/*"}, "s3:DeleteObject": {"files/*"}}
    # The trainer's service snapshots datasets and moves the registry pointer; the training pods publish.
    assert rights["trainer"]["s3:PutObject"] == {"training-data/*", "adapters/*/registry.json", "files/*"}
    assert rights["trainer"]["s3:DeleteObject"] == {"files/*"}
    assert rights["training pods"]["s3:PutObject"] == {"training-jobs/*", "adapters/*"}
    # Nobody but the operator writes base models.
    for name, r in rights.items():
        for action in writes:
            assert not {p for p in r.get(action, set()) if p.startswith("base-models")}, name


# --------------------------------------------------------------------------------------------------
# API docs and the engine's metrics: off in the chart
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service_settings() -> Any:
    return _module("shared.config", "the shared settings (shared/config.py)").ServiceSettings


@pytest.mark.parametrize("case", list(CASES))
def test_api_docs_are_off(rendered: dict[str, Any], case: str, service_settings: Any,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    for component in API_COMPONENTS:
        config = _config(rendered, case, f"{RELEASE}-{component}")
        assert config["LLM4GOV_API_DOCS"] == "false", component
        deployment = _by_name(_docs(rendered, case, "Deployment"), f"{RELEASE}-{component}")
        settings = _load_settings(service_settings, config, _pod_spec(deployment)["containers"][0], monkeypatch)
        assert settings.api_docs is False, component


def test_api_docs_can_be_turned_on(chart: Any) -> None:
    docs = [d for _, d in _render(chart, {"config": {"apiDocs": True}})]
    for component in API_COMPONENTS:
        config = _by_name([d for d in docs if d["kind"] == "ConfigMap"], f"{RELEASE}-{component}")["data"]
        assert config["LLM4GOV_API_DOCS"] == "true"


@pytest.mark.parametrize("case", list(CASES))
def test_engine_metrics_only_when_scraped(rendered: dict[str, Any], case: str, inference_settings: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    config = _config(rendered, case, f"{RELEASE}-inference")
    _, container = _inference(rendered, case)
    options = _load_settings(inference_settings, config, container, monkeypatch).inference
    engine_monitor = [d for d in _docs(rendered, case, "ServiceMonitor")
                      if d["metadata"]["name"] == f"{RELEASE}-inference-engine"]
    if case == "production":  # turned on, and scraped
        assert config["LLM4GOV_INFERENCE__ENGINE_METRICS"] == "true" and options.engine_metrics is True
        assert len(engine_monitor) == 1
    else:  # off by default, and nothing scrapes /metrics/engine (inline-bundled has a ServiceMonitor)
        assert config["LLM4GOV_INFERENCE__ENGINE_METRICS"] == "false" and options.engine_metrics is False
        assert engine_monitor == []
    scraping_engine = [m["metadata"]["name"] for m in _docs(rendered, case, "ServiceMonitor")
                       if "/metrics/engine" in {e["path"] for e in m["spec"]["endpoints"]}]
    assert scraping_engine == [m["metadata"]["name"] for m in engine_monitor]


def test_engine_metrics_monitor_follows_the_setting(chart: Any) -> None:
    for enabled in (False, True):
        values = {"inference": {"engineMetrics": enabled}, "monitoring": {"serviceMonitor": {"enabled": True}}}
        docs = [d for _, d in _render(chart, values)]
        names = {d["metadata"]["name"] for d in docs if d["kind"] == "ServiceMonitor"}
        assert names == ({RELEASE, f"{RELEASE}-inference-engine"} if enabled else {RELEASE})
        config = _by_name([d for d in docs if d["kind"] == "ConfigMap"], f"{RELEASE}-inference")["data"]
        assert config["LLM4GOV_INFERENCE__ENGINE_METRICS"] == str(enabled).lower()
