"""`llm4gov label --config teacher_config.yaml`: the seed's labeling script, done by the service's engine.

Accepts the seed's fields (model, api_key or OPENAI_API_KEY, base_url, input_json, output_json,
temperature, num_workers, schema_example_path, schema_name, schema_strict) plus optional
`anonymizer_url` and `documents_per_call`. Texts are anonymized first: by the anonymizer at
`anonymizer_url` (or LLM4GOV_TEACHER__ANONYMIZER_URL), else by a local anonymizer process started
for the run. The job lives in the local job store, so an interrupted run continues with `--resume`.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import yaml
from pydantic import BaseModel, ConfigDict, Field
from tqdm import tqdm

from shared.auth import LOCAL_PRINCIPAL
from shared.clients import AnonymizerClient
from shared.config import secret_value
from shared.errors import ProblemError
from shared.jobstore import ItemState, JobState
from shared.metrics import create_service_metrics
from shared.processes import running_service
from shared.records import parse_records
from shared.tasks import TaskSpec
from services.teacher.context import labeling_service, open_stores
from services.teacher.metrics import TeacherMetrics
from services.teacher.protocol import CreateLabelingJob, DatasetSpec, ExecutionSpec, TeacherSpec
from services.teacher.runner import LabelingRunner, RunnerContext, dataset_line, iter_items
from services.teacher.service import LabelingService
from services.teacher.settings import TeacherEndpoint, TeacherSettings

CLI_KEY_ENV = "LLM4GOV_TEACHER_API_KEY"
CLI_ENDPOINT = "config"


class SeedTeacherConfig(BaseModel):
    """The seed's teacher_config.yaml."""

    model_config = ConfigDict(extra="forbid")

    model: str
    api_key: str | None = None
    base_url: str = "https://api.openai.com/v1"
    input_json: Path
    output_json: Path
    temperature: float = 0.0
    num_workers: int = Field(default=8, ge=1, le=512)
    schema_example_path: Path
    schema_name: str = "task"
    schema_strict: bool = True
    anonymizer_url: str | None = None
    documents_per_call: int = Field(default=1, ge=1, le=32)


@contextmanager
def _anonymizer(url: str | None, data_dir: Path) -> Iterator[str]:
    """The given anonymizer, or a local one started for this run (auth off, loopback only)."""
    if url:
        yield url
        return
    env = {"LLM4GOV_AUTH": "off", "LLM4GOV_DATA_DIR": str(data_dir), "LLM4GOV_LOG_LEVEL": "WARNING"}
    data_dir.mkdir(parents=True, exist_ok=True)
    with running_service("anonymizer", env, data_dir / "anonymizer.log") as (url, _proc):
        yield url


def _schema_name(name: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    return slug[:63] or "task"


def run_label(config_path: Path, resume: str | None = None) -> int:
    raw: dict[str, Any] = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    base = config_path.parent
    cfg = SeedTeacherConfig.model_validate(raw)
    resolve = (lambda p: p if p.is_absolute() else base / p)
    if cfg.api_key:
        os.environ[CLI_KEY_ENV] = cfg.api_key  # this process only; never written anywhere
    key_env = CLI_KEY_ENV if cfg.api_key else "OPENAI_API_KEY"
    if not os.environ.get(key_env):
        print(f"error: no API key: set api_key in the config or {key_env}", file=sys.stderr)
        return 2
    settings = TeacherSettings()
    # the config file is the operator's: its base_url becomes this run's single teacher endpoint
    try:
        endpoint = TeacherEndpoint(base_url=cfg.base_url, api_key_env=key_env,
                                   allow_http=cfg.base_url.startswith("http://"))
    except ValueError:
        print("error: base_url is not a valid http(s) URL", file=sys.stderr)
        return 2
    options = settings.teacher.model_copy(update={"endpoints": {CLI_ENDPOINT: endpoint}, "endpoints_file": None})
    stores = open_stores(settings)
    store = stores.store
    anonymizer_url = cfg.anonymizer_url or os.environ.get("LLM4GOV_TEACHER__ANONYMIZER_URL")
    # the configured key is for the configured anonymizer; the local one started for this run has auth off
    anonymizer_key = secret_value(settings.teacher.anonymizer_api_key) if anonymizer_url else None
    with _anonymizer(anonymizer_url, settings.data_dir) as url:
        service = labeling_service(stores, options, AnonymizerClient(url, anonymizer_key),
                                   TeacherMetrics(create_service_metrics("teacher")),
                                   worker_id=f"cli-{socket.gethostname()}")
        ctx = service.ctx
        store.release_worker_claims(ctx.worker_id)  # what an interrupted run of this CLI still held
        try:
            job_id = resume or _create(service, cfg, resolve)
            if resume:
                job = store.get(resume)
                if job.state in (JobState.PAUSED, JobState.FAILED):
                    service.resume(resume, LOCAL_PRINCIPAL)
        except ProblemError as exc:
            print(f"error: {exc.detail}", file=sys.stderr)
            return 2
        print(f"labeling job {job_id} (resume with: llm4gov label --config {config_path} --resume {job_id})")
        asyncio.run(_run_with_progress(ctx, job_id))
    job = store.get(job_id)
    done = [dataset_line(i, ctx.payload_key) for i in iter_items(store, job_id, ItemState.DONE)]
    output = resolve(cfg.output_json)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(done, ensure_ascii=False, indent=2), encoding="utf-8")
    failures = service.failures(job_id)
    print(f"{job.state}: {len(done)} labeled, {len(failures)} failed -> {output}")
    for failure in failures[:20]:
        print(f"  item {failure.index}: {failure.error}")
    if job.reason:
        print(f"reason: {job.reason}")
    return 0 if job.state == JobState.SUCCEEDED else 1


def _create(service: LabelingService, cfg: SeedTeacherConfig, resolve: Any) -> str:
    records = parse_records(resolve(cfg.input_json).read_bytes())
    example = json.loads(resolve(cfg.schema_example_path).read_text(encoding="utf-8"))
    request = CreateLabelingJob(
        task=TaskSpec(name=_schema_name(cfg.schema_name), structure_example=example),
        dataset=DatasetSpec(records=records),
        teacher=TeacherSpec(endpoint=CLI_ENDPOINT, model=cfg.model, temperature=cfg.temperature,
                            response_format="auto" if cfg.schema_strict else "json_object"),
        execution=ExecutionSpec(concurrency=cfg.num_workers, documents_per_call=cfg.documents_per_call),
    )
    view = service.create(request, LOCAL_PRINCIPAL, request_id="cli")
    return view.id  # type: ignore[union-attr]


async def _run_with_progress(ctx: RunnerContext, job_id: str) -> None:
    total = sum(ctx.store.item_counts(job_id).values())
    with tqdm(total=total, unit="doc", desc="labeling") as bar:
        runner = asyncio.create_task(LabelingRunner(ctx, job_id).run())
        while not runner.done():
            counts = await asyncio.to_thread(ctx.store.item_counts, job_id)
            bar.n = counts[ItemState.DONE] + counts[ItemState.FAILED]
            bar.refresh()
            await asyncio.sleep(0.5)
        await runner
        counts = ctx.store.item_counts(job_id)
        bar.n = counts[ItemState.DONE] + counts[ItemState.FAILED]
        bar.refresh()
