"""The trainer's use cases: create training jobs, report on them, cancel them; read the adapter
registry, promote and roll back (audited)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.adapters import AdapterRegistry, adapter_name
from shared.audit import AuditLog
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.files import FileStore
from shared.jobstore import ItemState, TERMINAL_STATES, Job, JobState, JobStore
from shared.prompts import prompt_spec_for
from shared.records import Record
from shared.storage import ObjectStore
from shared.tasks import Task
from shared.base_models import BaseModelResolver
from services.trainer.datasets import prepare
from services.trainer.protocol import (AdapterTaskSummary, AdapterTaskView, AdapterVersionView, CheckpointView,
                                       CreateTrainingJob, EventView, TrainingError, TrainingJobView,
                                       TrainingProgress)
from services.trainer.checkpoints import JOB_KIND, checkpoints_prefix, stored_checkpoints
from services.trainer.settings import TrainerOptions
from services.trainer.specs import TrainingJobSpec


@dataclass
class TrainingService:
    store: JobStore
    objects: ObjectStore
    registry: AdapterRegistry
    models: BaseModelResolver
    audit: AuditLog
    options: TrainerOptions
    #: Tells the scheduler a job was queued (a no-op where no scheduler runs beside the API).
    wake: Callable[[], None] = lambda: None
    files: FileStore | None = None

    # --- training jobs ----------------------------------------------------------------------------
    def create(self, request: CreateTrainingJob, principal: Principal, request_id: str) -> TrainingJobView:
        """Check everything (base model, data, task) and queue the job; nothing is written on a 4xx."""
        self.models.check(request.base_model)
        reader = None
        if self.files is not None:
            files = self.files

            def reader(file_id: str) -> tuple[list[Record], Task | None]:
                return files.records(file_id, principal, purpose="fine-tune"), files.task(file_id)

        data = prepare(self.objects, request, self.options.max_records, reader)
        dataset = data.snapshot(self.objects)
        spec = TrainingJobSpec(
            task=data.task, base_model=request.base_model, method=request.method, label_head=request.label_head,
            hyperparameters=request.hyperparameters.training(), evaluation=request.hyperparameters.evaluation(),
            cross_validation_folds=request.validation.folds,
            prompt=prompt_spec_for(data.task, request.instruction_mode, request.answer_order,
                                   [r.system_prompt for r in data.train]),
            instruction_mode=request.instruction_mode, promote=request.promote, suffix=request.suffix,
            dataset=dataset)
        job = self.store.create(JOB_KIND, spec.model_dump(mode="json"), principal.name, items=[{"run": 1}])
        self.audit.record(principal, "train.create", f"training-job:{job.id}", request_id=request_id,
                          details={"task": data.task.name, "base_model": request.base_model,
                                   "method": request.method, "train_records": len(data.train),
                                   "validation_records": len(data.validation)})
        self.wake()
        return self.view(job)

    def require_job(self, job_id: str, principal: Principal | None = None) -> Job:
        """The training job, or 404; 403 when `principal` neither created it nor has `admin`."""
        return self.store.get_owned(job_id, JOB_KIND, principal, "Training job")

    def view(self, job_or_id: Job | str, principal: Principal | None = None) -> TrainingJobView:
        job = job_or_id if isinstance(job_or_id, Job) else self.require_job(job_or_id, principal)
        spec, result = TrainingJobSpec.of(job), job.result or {}
        adapter = result.get("adapter")
        training = result.get("training") or {}
        progress = TrainingProgress.model_validate({k: v for k, v in job.progress.items()
                                                    if k in TrainingProgress.model_fields})
        if progress.resumed_from_step is None:
            progress.resumed_from_step = training.get("resumed_from_step")
        return TrainingJobView(
            id=job.id, status=job.state, model=spec.base_model,
            fine_tuned_model=adapter_name(adapter["task"], adapter["version"]) if adapter else None,
            task=spec.task.name, method=spec.method, hyperparameters=spec.request_hyperparameters(),
            instruction_mode=spec.instruction_mode, promote=spec.promote, suffix=spec.suffix,
            created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
            trained_tokens=training.get("tokens_seen"), progress=progress,
            dataset=spec.dataset.model_dump(), metrics=result.get("metrics"), adapter=adapter,
            error=TrainingError(message=job.reason) if job.state == JobState.FAILED and job.reason else None,
            created_by=job.created_by)

    def list(self, state: JobState | None, limit: int,
             principal: Principal | None = None) -> tuple[list[TrainingJobView], bool]:
        """Newest first; a key without `admin` sees the jobs it created."""
        owner = principal.listing_owner() if principal is not None else None
        jobs = self.store.list(JOB_KIND, state, limit + 1, created_by=owner)
        return [self.view(job) for job in jobs[:limit]], len(jobs) > limit

    def list_page(self, limit: int, after: str | None = None,
                  principal: Principal | None = None) -> tuple[list[TrainingJobView], bool]:
        """Newest first, the page after job `after` (OpenAI's cursor); a key's own jobs unless admin."""
        before = self.require_job(after, principal).created_at if after else None
        owner = principal.listing_owner() if principal is not None else None
        jobs = self.store.list(JOB_KIND, None, limit + 1, before=before, created_by=owner)
        return [self.view(job) for job in jobs[:limit]], len(jobs) > limit

    def events(self, job_id: str, after: int, limit: int, principal: Principal | None = None) -> list[EventView]:
        self.require_job(job_id, principal)
        return [EventView(id=e.id, created_at=e.created_at, type=e.type, data=e.data)
                for e in self.store.events(job_id, after_id=after, limit=limit)]

    def checkpoints(self, job_id: str, principal: Principal | None = None) -> list[CheckpointView]:
        """Checkpoints kept in object storage (the newest ones; a restarted job resumes from the last)."""
        self.require_job(job_id, principal)
        created = {e.data.get("step"): e.created_at for e in self.store.events(job_id, limit=100_000)
                   if e.type == "checkpoint"}
        return [CheckpointView(step=step, uri=f"{checkpoints_prefix(job_id)}/checkpoint-{step}",
                               created_at=created.get(step))
                for step in stored_checkpoints(self.objects, job_id)]

    def cancel(self, job_id: str, principal: Principal, request_id: str) -> TrainingJobView:
        job = self.require_job(job_id, principal)
        if job.state in TERMINAL_STATES:
            raise Conflict(f"Job '{job_id}' is {job.state}; it cannot be cancelled.")
        self.store.transition(job_id, JobState.CANCELLED, f"cancelled by {principal.name}")
        self.audit.record(principal, "train.cancel", f"training-job:{job_id}", request_id=request_id)
        self.wake()
        return self.view(job_id)

    def resume(self, job_id: str, principal: Principal, request_id: str) -> TrainingJobView:
        """Queue a failed or cancelled job again: its next run continues from the last complete
        checkpoint with the same data snapshot and hyperparameters (the job's spec is unchanged), or
        starts again at step 0 when no checkpoint was kept. Its attempts budget starts afresh."""
        job = self.require_job(job_id, principal)
        if job.state == JobState.SUCCEEDED:
            raise Conflict(f"Job '{job_id}' succeeded: there is nothing to resume.")
        if job.state not in (JobState.FAILED, JobState.CANCELLED):
            raise Conflict(f"Job '{job_id}' is {job.state}: only a failed or cancelled job can be resumed.")
        items = self.store.items(job_id)
        if items and items[0].state == ItemState.CLAIMED:
            raise Conflict(f"Job '{job_id}' is still stopping its last run; try again in a few seconds.")
        dataset = TrainingJobSpec.of(job).dataset
        missing = [name for name, split in (("train", dataset.train), ("validation", dataset.validation))
                   if split.uri and not self.objects.exists(split.uri)]
        if missing:
            raise Conflict(f"Job '{job_id}' cannot be resumed: its {' and '.join(missing)} data snapshot is no "
                           f"longer in object storage.")
        steps = stored_checkpoints(self.objects, job_id)
        previous = job.state
        self.store.transition(job_id, JobState.QUEUED, f"resumed by {principal.name}",
                              from_states=frozenset({JobState.FAILED, JobState.CANCELLED}))
        self.store.reset_failed_items(job_id)
        self.store.update_progress(job_id, failed_attempts=0)
        from_step = steps[-1] if steps else None
        self.store.add_event(job_id, "resume.requested", {"by": principal.name, "previous_state": previous,
                                                          "from_step": from_step})
        self.audit.record(principal, "train.resume", f"training-job:{job_id}", request_id=request_id,
                          details={"previous_state": previous, "from_step": from_step})
        self.wake()
        return self.view(job_id)

    # --- registry ---------------------------------------------------------------------------------
    def adapter_tasks(self) -> list[AdapterTaskSummary]:
        return [AdapterTaskSummary(task=t, promoted=self.registry.state(t).promoted,
                                   versions=len(self.registry.versions(t))) for t in self.registry.tasks()]

    def adapter_task(self, task: str) -> AdapterTaskView:
        versions = self.registry.versions(task)
        if not versions:
            raise NotFound(f"No adapter published for task '{task}'.")
        state = self.registry.state(task)
        return AdapterTaskView(task=task, promoted=state.promoted, lineage=state.lineage, history=state.history,
                               updated_at=state.updated_at, versions=[self._version_view(task, v) for v in versions])

    def adapter_version(self, task: str, version: str) -> dict[str, Any]:
        return self.registry.manifest(task, version).model_dump(mode="json")

    def _version_view(self, task: str, version: str) -> AdapterVersionView:
        m = self.registry.manifest(task, version)
        return AdapterVersionView(version=version, name=adapter_name(task, version), base_model=m.base_model,
                                  method=m.method, metrics=m.metrics, created_at=m.created_at,
                                  training_job_id=m.training.get("job_id"))

    def promote(self, task: str, version: str, force: bool, principal: Principal, request_id: str) -> AdapterTaskView:
        try:
            self.registry.promote(task, version, principal.name, force=force)
        except Conflict:
            self.audit.record(principal, "adapter.promote", f"adapter:{task}", outcome="refused",
                              request_id=request_id, details={"version": version, "force": force})
            raise
        self.audit.record(principal, "adapter.promote", f"adapter:{task}", request_id=request_id,
                          details={"version": version, "force": force})
        return self.adapter_task(task)

    def rollback(self, task: str, principal: Principal, request_id: str) -> AdapterTaskView:
        state = self.registry.rollback(task, principal.name)
        self.audit.record(principal, "adapter.rollback", f"adapter:{task}", request_id=request_id,
                          details={"version": state.promoted})
        return self.adapter_task(task)

    def base_models(self) -> list[str]:
        return self.models.names()
