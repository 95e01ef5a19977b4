"""Keeps this replica serving what the registry says: the engine up, and each task's promoted version loaded.

One background task per replica: resolve the base model, start (or wait for) the engine, then every
`registry_poll_interval_s` read each task's registry state and converge on it — download the newly
promoted version, check it, load it into the engine under its own name, switch routing, and unload the
old version once its in-flight requests finish. Every replica does this on its own, so all converge on
the promoted version without talking to each other. A version that fails to load leaves the previous
one serving; the failure shows in /readyz, the adapter status API and the metrics, and the load is
retried after `load_retry_s`. If the managed engine process dies it is restarted and the promoted
adapters are loaded again.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from services.inference.base_tools import BaseModelTools
from services.inference.engine import AdapterLoadFailed, EngineClient, ManagedVllmServer
from services.inference.metrics import InferenceMetrics
from services.inference.routing import Route, Router
from services.inference.settings import InferenceOptions
from shared.adapters import AdapterManifest, AdapterRegistry, adapter_name
from shared.base_models import BaseModelResolver
from shared.db import utcnow
from shared.logs import get_logger
from shared.embeddings import EMBEDDER
from shared.label_head import HEAD_DIR, LabelHead
from shared.prompts import PROMPT_TOKENS, PromptSpec, prompt_spec_for
from shared.tasks import Task, TaskSpec

log = get_logger("inference.supervisor")


@dataclass
class LoadFailure:
    version: str
    reason: str
    at: datetime = field(default_factory=utcnow)
    monotonic: float = field(default_factory=time.monotonic)


@dataclass
class SwapEvent:
    task: str
    previous: str | None
    version: str | None
    at: datetime = field(default_factory=utcnow)


def zero_shot_route(task: Task, served_model_name: str) -> Route:
    """The base model answers with the task's own instruction (or a compact one), schema-constrained."""
    mode = "full" if task.instruction.strip() else "compact"
    return Route(task=task, prompt=prompt_spec_for(task, mode), served_name=served_model_name, version=None)


def load_tasks_file(path: Path) -> list[Task]:
    """Zero-shot tasks from a YAML/JSON list of task specs (a clear error names the bad entry)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of task specs")
    tasks = []
    for index, item in enumerate(data):
        try:
            tasks.append(TaskSpec.model_validate(item).to_task())
        except Exception as exc:
            raise ValueError(f"{path}: task #{index}: {exc}") from None
    return tasks


def check_serving_config(manifest: AdapterManifest, options: InferenceOptions) -> None:
    """Refuse an adapter validated on a base this replica does not serve: a student is only the student
    its job validated on the same weights (a QLoRA adapter on a 16-bit base is another model)."""
    if manifest.base_model != options.base_model:
        raise AdapterLoadFailed(f"trained on base model '{manifest.base_model}', this replica serves "
                                f"'{options.base_model}'")
    serving = getattr(manifest, "serving", None) or {}
    quantization = serving.get("quantization", "bitsandbytes" if manifest.method == "qlora" else "none")
    if quantization != options.engine.quantization:
        raise AdapterLoadFailed(
            f"validated on a base with quantization '{quantization}', this replica serves quantization "
            f"'{options.engine.quantization}': set engine.quantization to '{quantization}' or retrain with "
            f"method {'lora' if quantization != 'none' else 'qlora'}")
    tokens = serving.get("prompt_tokens")
    if tokens is not None and tokens != PROMPT_TOKENS:
        raise AdapterLoadFailed(f"prompt token format '{tokens}' is unknown to this version ({PROMPT_TOKENS})")
    head = serving.get("label_head")
    if head is not None and (head.get("embedder") or {}).get("name") != EMBEDDER:
        raise AdapterLoadFailed(f"label head embedder {(head.get('embedder') or {}).get('name')!r} is unknown "
                                f"to this version ({EMBEDDER})")


def check_adapter_files(directory: Path, manifest: AdapterManifest, options: InferenceOptions) -> None:
    """Refuse an adapter the engine would fail on or serve wrongly, before it reaches the engine."""
    check_serving_config(manifest, options)
    config_file = directory / "adapter_config.json"
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise AdapterLoadFailed("adapter_config.json is missing or not JSON") from None
    rank = config.get("r")
    if not isinstance(rank, int) or rank < 1:
        raise AdapterLoadFailed("adapter_config.json has no valid rank 'r'")
    if rank > options.engine.max_lora_rank:
        raise AdapterLoadFailed(f"adapter rank {rank} exceeds the engine's max_lora_rank "
                                f"{options.engine.max_lora_rank}")
    weights = directory / "adapter_model.safetensors"
    try:
        from safetensors import safe_open

        with safe_open(str(weights), framework="pt") as handle:
            if not list(handle.keys()):
                raise AdapterLoadFailed("adapter_model.safetensors holds no tensors")
    except AdapterLoadFailed:
        raise
    except Exception:
        raise AdapterLoadFailed("adapter_model.safetensors is missing or unreadable") from None


class ServingSupervisor:
    def __init__(self, options: InferenceOptions, registry: AdapterRegistry, resolver: BaseModelResolver,
                 router: Router, client: EngineClient, server: ManagedVllmServer | None, metrics: InferenceMetrics,
                 work_dir: Path, tools: BaseModelTools | None = None) -> None:
        self.options = options
        self.registry = registry
        self.resolver = resolver
        self.router = router
        self.client = client
        self.server = server
        self.metrics = metrics
        self.tools = tools or BaseModelTools()
        self.adapter_dir = work_dir / "adapters"
        self.engine_ready = False
        self.synced = False
        #: Why the replica cannot serve at all (base model missing, engine failing to start), if so.
        self.problem: str | None = None
        self.failures: dict[str, LoadFailure] = {}
        self.events: deque[SwapEvent] = deque(maxlen=100)
        self.loaded: set[str] = set()
        self._static_tasks: list[Task] = []
        self._zero_shot_source: dict[str, str] = {}
        self._drains: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._model_dir: Path | None = None

    # --- lifecycle --------------------------------------------------------------------------------
    async def run(self) -> None:
        if self.options.tasks_file:
            self._static_tasks = load_tasks_file(self.options.tasks_file)
        while True:
            try:
                await self._ensure_engine()
                if self.engine_ready:
                    await self.sync_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep supervising; the reason shows in /readyz
                self.problem = f"{type(exc).__name__}: {str(exc)[:300]}"
                log.error("supervisor_error", error=type(exc).__name__, detail=str(exc)[:300])
            try:
                await asyncio.wait_for(self._wake.wait(), self.options.registry_poll_interval_s)
            except TimeoutError:
                pass
            self._wake.clear()

    def wake(self) -> None:
        self._wake.set()

    async def shutdown(self) -> None:
        for task in list(self._drains):
            task.cancel()
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)

    # --- engine -----------------------------------------------------------------------------------
    async def _ensure_engine(self) -> None:
        if self.server is None:  # external engine: follow its health
            if self._model_dir is None:  # its tokenizer and embedder are still ours
                self._model_dir = await asyncio.to_thread(self.resolver.resolve, self.options.base_model)
                self.tools.set_model_dir(self._model_dir)
                await asyncio.to_thread(self.tools.tokenizer)
            healthy = await self.client.healthy()
            if not healthy and self.engine_ready:
                log.warning("engine_unhealthy")
                self.loaded.clear()
            self._set_engine_ready(healthy)
            if not healthy:
                self.problem = "the external engine does not answer /health"
            return
        if self.server.running() and self.engine_ready:
            return
        if self.engine_ready:  # it was serving and died: restart, adapters are reloaded by the sync
            log.error("engine_process_exited", code=self.server.exit_code())
            self.metrics.engine_restarts.inc()
            self._set_engine_ready(False)
            self.loaded.clear()
        if self._model_dir is None:
            self._model_dir = await asyncio.to_thread(self.resolver.resolve, self.options.base_model)
            self.tools.set_model_dir(self._model_dir)
            await asyncio.to_thread(self.tools.tokenizer)  # loaded before the first request needs it
        if not self.server.running():
            self.server.start(self._model_dir)
        deadline = time.monotonic() + self.options.engine.startup_timeout_s
        while not await self.client.healthy():
            if not self.server.running():
                raise RuntimeError(f"the vLLM server exited with code {self.server.exit_code()} while starting "
                                   f"(see {self.server.log_dir / 'vllm.log'})")
            if time.monotonic() > deadline:
                self.server.stop()
                raise TimeoutError(f"the vLLM server was not ready after {self.options.engine.startup_timeout_s:.0f} s")
            await asyncio.sleep(0.5)
        self.problem = None
        self._set_engine_ready(True)
        log.info("engine_ready", url=self.server.url)

    def _set_engine_ready(self, ready: bool) -> None:
        self.engine_ready = ready
        self.metrics.engine_up.set(1 if ready else 0)
        if ready and self.problem and self.problem.startswith("the external engine"):
            self.problem = None

    # --- registry ---------------------------------------------------------------------------------
    async def sync_once(self) -> None:
        """Converge every task on its promoted version (zero-shot where none is promoted)."""
        for task in self._static_tasks:
            if self.router.current(task.name) is None:
                self.router.switch(zero_shot_route(task, self.options.engine.served_model_name))
        for name in await asyncio.to_thread(self.registry.tasks):
            state = await asyncio.to_thread(self.registry.state, name)
            await self._converge(name, state.promoted)
        self.synced = True
        self._publish_gauges()

    async def _converge(self, task: str, promoted: str | None) -> None:
        current = self.router.current(task)
        if promoted is None:
            if current is None:
                await self._serve_zero_shot_from_registry(task)
            return
        if current is not None and current.version == promoted and current.served_name in self.loaded:
            return
        failure = self.failures.get(task)
        if failure and failure.version == promoted and time.monotonic() - failure.monotonic < self.options.load_retry_s:
            return
        name = adapter_name(task, promoted)
        try:
            manifest, directory = await asyncio.to_thread(self._fetch, task, promoted)
            head = None
            if (getattr(manifest, "serving", None) or {}).get("label_head") is not None:
                head = await asyncio.to_thread(self._load_head, directory)
            route = Route(task=Task.model_validate(manifest.task_spec), prompt=PromptSpec.model_validate(manifest.prompt),
                          served_name=name, version=promoted, head=head)
            if name not in self.loaded:
                await self.client.load_adapter(name, directory)
                self.loaded.add(name)
                await self.client.warm_up(name)
        except Exception as exc:
            reason = str(exc)[:300] if isinstance(exc, AdapterLoadFailed) else f"{type(exc).__name__}: {str(exc)[:200]}"
            self.failures[task] = LoadFailure(promoted, reason)
            self.metrics.load_failures.labels(task).inc()
            self.metrics.swaps.labels(task, "failed").inc()
            log.error("adapter_load_failed", task=task, version=promoted, reason=reason,
                      serving=current.version if current else None)
            if current is None:
                await self._serve_zero_shot_from_registry(task)
            return
        old = self.router.switch(route)
        self.failures.pop(task, None)
        previous = old.version if old is not None else None
        self.events.append(SwapEvent(task, previous, promoted))
        self.metrics.swaps.labels(task, "succeeded").inc()
        log.info("adapter_switched", task=task, version=promoted, previous=previous)
        if old is not None and old.version is not None and old.served_name != name:
            drain = asyncio.get_running_loop().create_task(self._drain_and_unload(old))
            self._drains.add(drain)
            drain.add_done_callback(self._drains.discard)

    async def _serve_zero_shot_from_registry(self, task: str) -> None:
        """A task with published versions but none serving: the base model answers its schema."""
        versions = await asyncio.to_thread(self.registry.versions, task)
        if not versions:
            return
        manifest = await asyncio.to_thread(self.registry.manifest, task, versions[-1])
        self.router.switch(zero_shot_route(Task.model_validate(manifest.task_spec),
                                           self.options.engine.served_model_name))

    def _fetch(self, task: str, version: str) -> tuple[AdapterManifest, Path]:
        """The version's files in the local cache (downloaded once, complete or absent), checked."""
        target = self.adapter_dir / task / version
        if not (target / "manifest.json").is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            scratch = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=target.parent))
            try:
                self.registry.download(task, version, scratch)
                shutil.rmtree(target, ignore_errors=True)
                scratch.rename(target)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        manifest = AdapterManifest.model_validate_json((target / "manifest.json").read_text(encoding="utf-8"))
        check_adapter_files(target, manifest, self.options)
        return manifest, target

    def _load_head(self, directory: Path) -> LabelHead:
        """The version's label head, with the embedder it needs loaded (so the first request is not slow)."""
        try:
            head = LabelHead.load(directory / HEAD_DIR)
        except ValueError as exc:
            raise AdapterLoadFailed(str(exc)) from None
        if self._model_dir is None:
            raise AdapterLoadFailed("the base model is not resolved yet")
        self.tools.set_model_dir(self._model_dir)
        self.tools.embedder()
        return head

    async def _drain_and_unload(self, old: Route) -> None:
        try:
            await asyncio.wait_for(old.drained.wait(), self.options.drain_timeout_s)
        except TimeoutError:
            log.warning("adapter_drain_timeout", task=old.task.name, version=old.version, in_flight=old.in_flight)
        if any(r.served_name == old.served_name for r in self.router.routes()):
            return  # rolled back to it meanwhile: it serves again
        try:
            await self.client.unload_adapter(old.served_name)
        except Exception as exc:
            log.warning("adapter_unload_failed", task=old.task.name, version=old.version, error=type(exc).__name__)
            return
        self.loaded.discard(old.served_name)
        log.info("adapter_unloaded", task=old.task.name, version=old.version)
        self._publish_gauges()

    # --- reporting --------------------------------------------------------------------------------
    def _publish_gauges(self) -> None:
        self.metrics.adapters_loaded.set(len(self.loaded))
        self.metrics.serving.clear()
        for route in self.router.routes():
            self.metrics.serving.labels(route.task.name, route.version or "zero_shot").set(1)
        self.metrics.failing.clear()
        for task, failure in self.failures.items():
            self.metrics.failing.labels(task, failure.version).set(1)

    def status(self) -> dict[str, Any]:
        return {
            "engine_ready": self.engine_ready,
            "synced": self.synced,
            "problem": self.problem,
            "loaded": sorted(self.loaded),
            "tasks": [{"task": r.task.name, "mode": r.mode, "version": r.version, "served_name": r.served_name,
                       "in_flight": r.in_flight,
                       "failed_load": ({"version": f.version, "reason": f.reason, "at": f.at}
                                       if (f := self.failures.get(r.task.name)) else None)}
                      for r in self.router.routes()],
            "failures": {t: {"version": f.version, "reason": f.reason, "at": f.at} for t, f in self.failures.items()},
            "recent_swaps": [{"task": e.task, "previous": e.previous, "version": e.version, "at": e.at}
                             for e in list(self.events)[-20:]],
        }
