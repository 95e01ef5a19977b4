"""One training run, as the training process executes it (locally or in a Kubernetes Job).

Steps: read the job, restore its last checkpoint (local scratch, else object storage), train with
callbacks that record progress and events and upload each checkpoint, evaluate on the held-out
records, publish the adapter with its manifest, apply the promotion policy, and finish the job.

A rerun of the same job (after a crash, a kill -9, a node loss) picks up where the last one stopped:
training resumes from the newest checkpoint uploaded completely (its COMPLETE marker is written last;
a checkpoint being written or uploaded when the process died is never adopted, locally or remotely),
with the optimizer, scheduler, RNG and data-order state it saved, and an adapter that was already
published by this job (its manifest names the job) is not published twice.

Outcomes: the run records success or failure in the job store itself; a failure it records is final
(bad data, a schema error, an adapter that cannot be published would fail again). Object storage
unreachable for longer than `checkpoint_upload_wait_s` is not such a failure: the run stops with exit
code 75 and no recorded outcome, and the worker relaunches it from the last complete checkpoint.
"""

from __future__ import annotations

import resource
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from shared.adapters import AdapterManifest, AdapterRegistry, adapter_name
from shared.audit import AuditLog
from shared.auth import Principal
from shared.db import create_db_engine, init_db
from shared.errors import Conflict
from shared.jobstore import TERMINAL_STATES, JobState, JobStore
from shared.logs import configure_logging, get_logger
from shared.label_head import HEAD_DIR
from shared.prompts import PROMPT_TOKENS
from shared.storage import ObjectStore, create_object_store
from shared.base_models import BaseModelResolver
from services.trainer.checkpoints import (CHECKPOINTS_KEEP, COMPLETE_MARKER, JOB_KIND, checkpoints_prefix,
                                          stored_checkpoints)
from shared.baselines import baseline_scores, beats_majority
from services.trainer.datasets import load_snapshot
from services.trainer.executors import EXIT_TRANSIENT
from services.trainer.settings import TrainerSettings
from services.trainer.specs import TrainingJobSpec

log = get_logger("trainer.runner")


class StorageUnavailable(RuntimeError):
    """Object storage stayed unreachable for longer than the run waits: a transient fault, not a failure
    of the job (the run exits without an outcome and is relaunched from its last checkpoint)."""


def is_transient(exc: BaseException) -> bool:
    """Faults that say nothing about the job: object storage unreachable (connection refused, reset,
    timed out)."""
    if isinstance(exc, StorageUnavailable):
        return True
    try:
        from botocore.exceptions import ConnectionError as BotoConnectionError, HTTPClientError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, (BotoConnectionError, HTTPClientError))


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (MiB; Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class JobCallback(TrainerCallback):
    """Progress, events, cancellation and checkpoint upload for one job."""

    def __init__(self, store: JobStore, objects: ObjectStore, job_id: str, evaluate_every: int | None,
                 evaluator: Any, upload_wait_s: float = 600.0) -> None:
        self.store, self.objects, self.job_id = store, objects, job_id
        self.upload_wait_s = upload_wait_s
        self.evaluate_every, self.evaluator = evaluate_every, evaluator
        self.collator: Any = None
        self.cancelled = False
        self._last_step_at: float | None = None
        self._last_tokens = 0
        self._step_seconds: float | None = None
        self._tokens_per_s: float | None = None

    def bind_collator(self, collator: Any) -> None:
        self.collator = collator

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                       **kwargs: Any) -> None:
        self._last_step_at = time.perf_counter()
        self.store.update_progress(self.job_id, total_steps=state.max_steps, step=state.global_step)

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                    **kwargs: Any) -> None:
        now = time.perf_counter()
        if self._last_step_at is not None:
            self._step_seconds = now - self._last_step_at
            tokens = self.collator.tokens if self.collator is not None else 0
            if self._step_seconds > 0 and tokens:
                self._tokens_per_s = (tokens - self._last_tokens) / self._step_seconds
            self._last_tokens = tokens
        self._last_step_at = now
        if self.store.get(self.job_id).state == JobState.CANCELLED:
            self.cancelled = True
            control.should_training_stop = True
            control.should_save = False
            return
        if self.evaluate_every and state.global_step % self.evaluate_every == 0 and state.global_step < state.max_steps:
            metrics = self.evaluator(kwargs["model"])
            kwargs["model"].train()
            self.store.add_event(self.job_id, "eval", {"step": state.global_step, **summary(metrics)})

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
               logs: dict[str, float] | None = None, **kwargs: Any) -> None:
        if not logs or "loss" not in logs:
            return
        figures = {"step": state.global_step, "epoch": round(state.epoch or 0.0, 4), "loss": round(logs["loss"], 5),
                   "learning_rate": logs.get("learning_rate"),
                   "step_seconds": round(self._step_seconds, 3) if self._step_seconds else None,
                   "tokens_per_second": round(self._tokens_per_s, 1) if self._tokens_per_s else None,
                   "label_loss": logs.get("label_loss"), "label_accuracy": logs.get("label_accuracy"),
                   "peak_rss_mb": peak_rss_mb()}
        self.store.update_progress(self.job_id, **figures)
        self.store.add_event(self.job_id, "train.log", figures)

    def on_save(self, args: TrainingArguments, state: TrainerState, control: TrainerControl,
                **kwargs: Any) -> None:
        """Upload the checkpoint the trainer just wrote (marker last, in object storage and then locally),
        keep the newest few. While object storage is unreachable, wait and retry (training waits too)."""
        step = state.global_step
        local = Path(args.output_dir) / f"checkpoint-{step}"
        if not local.is_dir():
            return
        prefix = f"{checkpoints_prefix(self.job_id)}/checkpoint-{step}"

        def upload() -> None:
            self.objects.upload_dir(local, prefix)  # every file: weights, optimizer, scheduler, RNG, state
            self.objects.put_bytes(f"{prefix}/{COMPLETE_MARKER}", b"")

        self._retrying(upload, step)
        (local / COMPLETE_MARKER).touch()  # the local copy is adoptable too, now that it is complete
        self.store.add_event(self.job_id, "checkpoint", {"step": step, "uri": prefix})
        try:
            for old in stored_checkpoints(self.objects, self.job_id)[:-CHECKPOINTS_KEEP]:
                old_prefix = f"{checkpoints_prefix(self.job_id)}/checkpoint-{old}"
                self.objects.delete(f"{old_prefix}/{COMPLETE_MARKER}")  # incomplete first, then remove
                for key in self.objects.list(old_prefix + "/"):
                    self.objects.delete(key)
        except Exception as exc:  # pruning is tidying: the next checkpoint prunes again
            log.warning("checkpoint_prune_failed", job_id=self.job_id, exc_type=type(exc).__name__)

    def _retrying(self, upload: Any, step: int) -> None:
        deadline = time.monotonic() + self.upload_wait_s
        delay, failures = 1.0, 0
        while True:
            try:
                upload()
            except Exception as exc:
                failures += 1
                if failures == 1:
                    self.store.add_event(self.job_id, "checkpoint.upload_waiting", {
                        "step": step, "error": type(exc).__name__,
                        "wait_s": self.upload_wait_s})
                log.warning("checkpoint_upload_failed", job_id=self.job_id, step=step, exc_type=type(exc).__name__,
                            failures=failures)
                if time.monotonic() + delay > deadline:
                    raise StorageUnavailable(f"object storage unreachable for {self.upload_wait_s:.0f} s while "
                                             f"uploading checkpoint {step} ({type(exc).__name__})") from exc
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            if failures:
                self.store.add_event(self.job_id, "checkpoint.upload_recovered", {"step": step, "failures": failures})
            return


def summary(metrics: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of a validation run (for events and metrics)."""
    return {k: metrics[k] for k in ("n", "decoding", "labels_from", "json_valid_rate", "schema_valid_rate",
                                    "agreement", "agreement_ci95", "macro_f1", "label_tokens") if k in metrics}


@dataclass
class RunnerContext:
    settings: TrainerSettings
    store: JobStore
    objects: ObjectStore
    registry: AdapterRegistry
    models: BaseModelResolver
    audit: AuditLog

    @classmethod
    def from_settings(cls, settings: TrainerSettings) -> "RunnerContext":
        sessions = init_db(create_db_engine(settings.resolved_database_url()))
        objects = create_object_store(settings)
        work = settings.resolved_work_dir()
        return cls(settings, JobStore(sessions), objects, AdapterRegistry(objects, sessions),
                   BaseModelResolver(objects, work / "base-models", settings.resolved_model_roots()),
                   AuditLog(sessions, "trainer"))


class RunInterrupted(RuntimeError):
    """The run stopped on a transient fault without recording an outcome (exit code 75)."""


class TrainingRun:
    def __init__(self, ctx: RunnerContext, job_id: str) -> None:
        self.ctx = ctx
        self.job_id = job_id
        self.workdir = ctx.settings.resolved_work_dir() / "jobs" / job_id

    def run(self) -> None:
        store = self.ctx.store
        job = store.get(self.job_id, kind=JOB_KIND)
        if job.state in TERMINAL_STATES:
            log.info("job_already_finished", job_id=self.job_id, state=job.state)
            return
        spec = TrainingJobSpec.of(job)
        try:
            store.transition(self.job_id, JobState.RUNNING)
            published = self._published(spec.task.name) or self._train_and_publish(spec)
            if published is None:  # cancelled while training
                return
            adapter = self._promote(spec.task.name, published, spec.promote)
            result = {"adapter": adapter, "metrics": published.metrics, "training": published.training}
            store.transition(self.job_id, JobState.SUCCEEDED, result=result)
            shutil.rmtree(self.workdir, ignore_errors=True)
        except Conflict:
            if store.get(self.job_id).state == JobState.CANCELLED:
                return
            raise
        except Exception as exc:
            if is_transient(exc):  # no outcome recorded: the worker relaunches the run from its last checkpoint
                log.error("training_interrupted", job_id=self.job_id, exc_type=type(exc).__name__)
                store.add_event(self.job_id, "run.interrupted", {"error": type(exc).__name__,
                                                                 "reason": str(exc).splitlines()[0][:300]
                                                                 if str(exc) else None})
                raise RunInterrupted(str(exc)) from exc
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}" if str(exc) else type(exc).__name__
            log.error("training_failed", job_id=self.job_id, exc_type=type(exc).__name__)
            try:
                store.transition(self.job_id, JobState.FAILED, reason=reason)
            except Conflict:
                pass
            raise

    def _published(self, task: str) -> AdapterManifest | None:
        """The version this job already published, if a previous run got that far."""
        for version in reversed(self.ctx.registry.versions(task)):
            manifest = self.ctx.registry.manifest(task, version)
            if manifest.training.get("job_id") == self.job_id:
                return manifest
        return None

    def _restore_checkpoint(self) -> int | None:
        """Leave exactly the checkpoint to resume from in the local scratch: the newest one uploaded
        completely. A local checkpoint without its marker (being written or uploaded when the process
        died) or older than the stored one is removed; the stored one is downloaded when missing
        (a fresh node), into a side directory first so that an interrupted download is never adopted."""
        local = self.workdir / "checkpoints"
        steps = stored_checkpoints(self.ctx.objects, self.job_id)
        keep = f"checkpoint-{steps[-1]}" if steps else None
        for found in local.glob("checkpoint-*") if local.is_dir() else []:
            if found.name != keep or not (found / COMPLETE_MARKER).exists():
                log.info("local_checkpoint_discarded", job_id=self.job_id, checkpoint=found.name)
                shutil.rmtree(found, ignore_errors=True)
        if keep is None:
            self.ctx.store.update_progress(self.job_id, resumed_from_step=None)
            return None
        source = "local"
        if not (local / keep).is_dir():
            source = "object_storage"
            partial = self.workdir / "checkpoint-download"
            shutil.rmtree(partial, ignore_errors=True)
            self.ctx.objects.download_prefix(f"{checkpoints_prefix(self.job_id)}/{keep}", partial)
            local.mkdir(parents=True, exist_ok=True)
            partial.rename(local / keep)
            (local / keep / COMPLETE_MARKER).touch()
        self.ctx.store.add_event(self.job_id, "checkpoint.restored", {"step": steps[-1], "source": source})
        self.ctx.store.update_progress(self.job_id, resumed_from_step=steps[-1], step=steps[-1])
        return steps[-1]

    def _train_and_publish(self, spec: TrainingJobSpec) -> AdapterManifest | None:
        from services.trainer.training import default_compute_dtype, evaluate, train

        store, objects = self.ctx.store, self.ctx.objects
        task, prompt, hp = spec.task, spec.prompt, spec.hyperparameters
        eval_options = spec.evaluation.decoding_options()
        base = self.ctx.models.resolve(spec.base_model)
        train_records = load_snapshot(objects, spec.dataset.train)
        validation = load_snapshot(objects, spec.dataset.validation)
        self._restore_checkpoint()
        tokenizer_holder: dict[str, Any] = {}

        def evaluator(model: Any) -> dict[str, Any]:
            from services.trainer.training import load_tokenizer

            tokenizer = tokenizer_holder.setdefault("t", load_tokenizer(base))
            return evaluate(model, tokenizer, task, validation, prompt, **eval_options)

        eval_every = spec.evaluation.eval_steps if validation else None
        callback = JobCallback(store, objects, self.job_id, eval_every, evaluator,
                               upload_wait_s=self.ctx.settings.trainer.checkpoint_upload_wait_s)
        result = train(base, task, train_records, prompt, hp, self.workdir, method=spec.method,
                       callbacks=[callback])
        if callback.cancelled:
            log.info("training_cancelled", job_id=self.job_id, step=result.global_step)
            return None
        store.add_event(self.job_id, "train.finished", {
            "step": result.global_step, "train_loss": round(result.train_loss, 5),
            "runtime_s": round(result.runtime_s, 1), "resumed_from_step": result.resumed_from})
        fitted, metrics = self._fit_head_and_score(spec, base, train_records, validation, result)
        training = {"job_id": self.job_id, "global_step": result.global_step, "train_loss": round(result.train_loss, 5),
                    "runtime_s": round(result.runtime_s, 1), "tokens_seen": result.tokens_seen,
                    "tokens_per_second": round(result.tokens_seen / result.runtime_s, 1) if result.runtime_s else None,
                    "resumed_from_step": result.resumed_from}
        serving = {"quantization": "bitsandbytes" if spec.method == "qlora" else "none",
                   "dtype": str(default_compute_dtype()).removeprefix("torch."), "prompt_tokens": PROMPT_TOKENS,
                   "label_head": fitted.head.summary() if fitted is not None else None}
        manifest = {"base_model": spec.base_model, "method": spec.method, "task_spec": task.model_dump(),
                    "prompt": prompt.model_dump(), "hyperparameters": spec.request_hyperparameters(),
                    "dataset": spec.dataset.model_dump(), "metrics": metrics, "training": training,
                    "serving": serving}
        published = self.ctx.registry.publish(task.name, result.adapter_dir, manifest,
                                              holder=f"training-job:{self.job_id}")
        store.add_event(self.job_id, "published", {"task": task.name, "version": published.version,
                                                   "adapter": adapter_name(task.name, published.version)})
        return published

    def _fit_head_and_score(self, spec: TrainingJobSpec, base: Path, train_records: list[Any],
                            validation: list[Any], result: Any) -> tuple[Any, dict[str, Any]]:
        """Fit the label head (saved into the adapter), then score the student as it will be served, its
        label tokens, the baselines and (if asked) the head's k-fold cross-validation."""
        from services.trainer.label_heads import fit_head
        from services.trainer.training import evaluate, label_token_scores

        store = self.ctx.store
        task, prompt, hp = spec.task, spec.prompt, spec.hyperparameters
        eval_options = spec.evaluation.decoding_options()
        fitted = None
        if spec.label_head:
            fitted = fit_head(base, task, train_records, validation, hp.seed, spec.cross_validation_folds)
        if fitted is not None:
            fitted.head.save(result.adapter_dir / HEAD_DIR)
            store.add_event(self.job_id, "label_head.fitted", {
                name: {"tfidf_weight": f["tfidf_weight"], "embedding_weight": f["embedding_weight"], "cv": f["cv"]}
                for name, f in fitted.head.summary()["fields"].items()})
        metrics: dict[str, Any] = {}
        if validation:
            pinned = fitted.validation_labels if fitted is not None and spec.evaluation.eval_decoding == "constrained" \
                else None
            metrics = evaluate(result.model, result.tokenizer, task, validation, prompt, pinned=pinned,
                               **eval_options)
            metrics["baselines"] = baseline_scores(task, train_records, validation)
            # the generative student's own grip on the labels (teacher-forced), training sample and validation
            metrics["label_tokens"] = {
                "train": label_token_scores(result.model, result.tokenizer, task, train_records[:64], prompt,
                                            hp.max_seq_length),
                "validation": label_token_scores(result.model, result.tokenizer, task, validation, prompt,
                                                 hp.max_seq_length)}
            store.add_event(self.job_id, "eval", {"step": result.global_step, "final": True, **summary(metrics),
                                                  "baselines": {k: summary(v) for k, v in
                                                                metrics["baselines"].items()}})
        if fitted is not None and fitted.cross_validation is not None:
            metrics["cross_validation"] = fitted.cross_validation
            store.add_event(self.job_id, "cross_validation", fitted.cross_validation)
        return fitted, metrics

    def _promote(self, task: str, published: AdapterManifest, policy: str) -> dict[str, Any]:
        adapter = {"task": task, "version": published.version, "name": adapter_name(task, published.version),
                   "promoted": False}
        if policy == "never":
            return adapter
        actor = f"training-job:{self.job_id}"
        if policy == "if_better":
            better, reason = beats_majority(published.metrics)
            if not better:
                self.ctx.store.add_event(self.job_id, "promotion.refused", {"version": published.version,
                                                                             "reason": reason})
                adapter["promotion_refused"] = reason
                return adapter
        try:
            state = self.ctx.registry.promote(task, published.version, actor, force=policy == "always")
        except Conflict as exc:
            self.ctx.store.add_event(self.job_id, "promotion.refused", {"version": published.version,
                                                                         "reason": exc.detail})
            adapter["promotion_refused"] = exc.detail
            return adapter
        adapter["promoted"] = state.promoted == published.version
        self.ctx.audit.record(Principal(actor, frozenset({"train"})), "adapter.promote", f"adapter:{task}",
                              details={"version": published.version, "policy": policy})
        self.ctx.store.add_event(self.job_id, "promoted", {"version": published.version, "policy": policy})
        return adapter


def run_job(job_id: str, settings: TrainerSettings | None = None) -> int:
    """Entry point of a training process; the exit code tells the executor how it went."""
    settings = settings or TrainerSettings()
    configure_logging(settings.log_level, settings.log_format)
    try:
        TrainingRun(RunnerContext.from_settings(settings), job_id).run()
    except RunInterrupted:
        return EXIT_TRANSIENT
    except Exception as exc:
        return EXIT_TRANSIENT if is_transient(exc) else 1
    return 0
