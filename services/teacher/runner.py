"""Run one labeling job: claim items, anonymize them, label them, persist each result at once.

A feeder claims items from the job store (leases, `SKIP LOCKED` on PostgreSQL), sends their text
through the anonymizer (fail-closed: if it is unreachable the job pauses and nothing is sent), and
queues groups of documents; `concurrency` workers label groups and write each item's outcome as soon
as it is known. Several runners (threads or replicas) can work on one job; whoever sees the last item
finished writes the dataset and closes the job (a compare-and-set transition picks one).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet

from shared.clients import AnonymizerClient, AnonymizerUnavailable
from shared.errors import Conflict
from shared.jobstore import ItemOutcome, ItemState, JobItem, JobState, JobStore
from shared.logs import get_logger
from shared.records import dump_jsonl, user_prompt_text
from shared.storage import ObjectStore
from shared.tasks import Task
from services.teacher.labeling import Document, Labeler, Outcome
from services.teacher.llm import CallMetrics, TeacherAuthError, TeacherClient
from services.teacher.metrics import TeacherMetrics
from services.teacher.protocol import ExecutionSpec, TeacherSpec
from services.teacher.settings import TeacherEndpoint
from services.teacher.specs import LabelingJobSpec

log = get_logger("teacher.runner")

PSEUDONYMIZE = {"DEFAULT": {"type": "pseudonymize"}}
#: Items sent to the anonymizer per call.
ANONYMIZE_BATCH = 32
#: Finished items are written together, at most this long after they finish / this many at once.
WRITE_INTERVAL_S = 0.05
WRITE_BATCH = 64


@dataclass
class RunnerContext:
    store: JobStore
    objects: ObjectStore
    anonymizer: AnonymizerClient
    payload_key: Fernet
    metrics: TeacherMetrics
    worker_id: str
    lease: timedelta
    #: The operator's teacher endpoints (`TeacherOptions.resolved_endpoints`), read when a job runs.
    endpoints: Callable[[], dict[str, TeacherEndpoint]]


def encrypt_payload(key: Fernet, record: dict[str, Any]) -> dict[str, Any]:
    """Item payload before anonymization: the raw record, encrypted at rest."""
    blob = key.encrypt(json.dumps({"system_prompt": record["system_prompt"],
                                   "user_prompt": record["user_prompt"]}, ensure_ascii=False).encode("utf-8"))
    return {"id": record.get("id"), "enc": blob.decode("ascii")}


def dataset_line(item: JobItem, key: Fernet | None = None) -> dict[str, Any]:
    """An item's result in the seed's labeled format (plus traceability fields).

    A raw-text job's result is encrypted at rest (`enc`); reading it needs the payload key.
    """
    result = item.result or {}
    if "enc" in result:
        if key is None:
            raise ValueError("this item's result is encrypted (a send_raw_text job); the payload key is needed")
        result = {"id": result.get("id"), **json.loads(key.decrypt(result["enc"].encode("ascii")))}
    line = {"id": result.get("id"), "system_prompt": result.get("system_prompt"),
            "user_prompt": result.get("user_prompt"), "teacher_output": result.get("teacher_output"),
            "mapping_id": result.get("mapping_id")}
    if result.get("confidence") is not None:
        line["confidence"] = result["confidence"]
    return {k: v for k, v in line.items() if v is not None}


def iter_items(store: JobStore, job_id: str, state: ItemState, page: int = 500):  # type: ignore[no-untyped-def]
    after = -1
    while batch := store.items(job_id, state=state, after_idx=after, limit=page):
        yield from batch
        after = batch[-1].idx


class LabelingRunner:
    def __init__(self, ctx: RunnerContext, job_id: str) -> None:
        self.ctx = ctx
        self.job_id = job_id
        self.pause_reason: str | None = None
        self.stop = asyncio.Event()
        self._systems: dict[str, str] = {"": ""}  # system prompt -> anonymized, once per run
        self._outcomes: asyncio.Queue[ItemOutcome | None] = asyncio.Queue()

    # --- helpers ----------------------------------------------------------------------------------
    def _request_pause(self, reason: str) -> None:
        if self.pause_reason is None:
            self.pause_reason = reason
        self.stop.set()

    async def _release(self, indices: list[int]) -> None:
        for idx in indices:
            await asyncio.to_thread(self.ctx.store.release_item, self.job_id, idx, self.ctx.worker_id)

    # --- the run ----------------------------------------------------------------------------------
    async def run(self) -> None:
        store = self.ctx.store
        if (job := await asyncio.to_thread(store.start, self.job_id)) is None:
            return  # finished, paused or cancelled meanwhile
        spec = LabelingJobSpec.of(job)
        task = spec.decrypted_task(self.ctx.payload_key)
        teacher, execution = spec.teacher, spec.execution
        endpoint = self.ctx.endpoints().get(teacher.endpoint)
        if endpoint is None:
            await self._pause(f"the teacher endpoint '{teacher.endpoint}' is not configured any more")
            return
        api_key = os.environ.get(endpoint.api_key_env)
        if not api_key:
            await self._pause(f"the API key variable {endpoint.api_key_env} of teacher endpoint "
                              f"'{teacher.endpoint}' is not set")
            return
        if not spec.send_raw_text:
            try:  # the instruction and the schema's descriptions go to the teacher too
                task = await self._anonymized_task(task)
            except AnonymizerUnavailable as exc:
                await self._pause(f"anonymizer unavailable, nothing was sent: {exc}")
                return
        m = self.ctx.metrics
        client = TeacherClient(teacher, str(endpoint.base_url), execution, api_key, CallMetrics(
            calls=m.calls_for(self.job_id), retries=m.retries_for(self.job_id),
            latency=m.latency.labels(self.job_id), tokens=m.tokens_for(self.job_id)))
        labeler = Labeler(task, client, execution.self_consistency_samples, execution.max_attempts)
        # Twice as many items in progress as requests allowed in flight (the client enforces that),
        # so items sleeping in a backoff leave their request slot to others.
        slots = 2 * execution.concurrency
        queue: asyncio.Queue[list[tuple[JobItem, Document]] | None] = asyncio.Queue(maxsize=slots)
        workers = [asyncio.create_task(self._work(queue, labeler)) for _ in range(slots)]
        writer = asyncio.create_task(self._write(self._outcomes))
        try:
            await self._feed(queue, spec, execution, teacher, task.instruction)
        finally:
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers, return_exceptions=True)
            await self._outcomes.put(None)
            await writer
            if client.fell_back:
                await asyncio.to_thread(store.add_event, self.job_id, "teacher.response_format",
                                        {"used": "json_object", "reason": "endpoint refused json_schema"})
            await client.aclose()
        if self.pause_reason:
            await self._pause(self.pause_reason)
            return
        await self._finish_if_complete(task, teacher)

    async def _pause(self, reason: str) -> None:
        try:
            await asyncio.to_thread(self.ctx.store.transition, self.job_id, JobState.PAUSED, reason)
            log.warning("job_paused", job_id=self.job_id, reason=reason)
        except Conflict:
            pass  # cancelled or already paused meanwhile

    async def _still_running(self) -> bool:
        return await asyncio.to_thread(self.ctx.store.is_running, self.job_id)

    async def _over_budget(self, execution: ExecutionSpec, teacher: TeacherSpec) -> str | None:
        if execution.budget_tokens is None and execution.budget_cost is None:
            return None
        used_in, used_out = await asyncio.to_thread(self.ctx.store.usage_totals, self.job_id)
        if execution.budget_tokens is not None and used_in + used_out >= execution.budget_tokens:
            return f"token budget reached ({used_in + used_out} of {execution.budget_tokens})"
        cost = cost_of(teacher, used_in, used_out)
        if execution.budget_cost is not None and cost >= execution.budget_cost:
            return f"cost budget reached ({cost:.4f} of {execution.budget_cost})"
        return None

    async def _feed(self, queue: asyncio.Queue, spec: LabelingJobSpec, execution: ExecutionSpec,
                    teacher: TeacherSpec, instruction: str) -> None:
        chunk = max(2 * execution.concurrency, execution.documents_per_call)
        while not self.stop.is_set():
            if not await self._still_running():
                self.stop.set()
                return
            reason = await self._over_budget(execution, teacher)
            if reason:
                self._request_pause(reason)
                return
            items = await asyncio.to_thread(self.ctx.store.claim_items, self.job_id, self.ctx.worker_id, chunk,
                                            self.ctx.lease)
            if not items:
                return
            # anonymize in small batches so the first requests leave early and labeling overlaps
            step = max(ANONYMIZE_BATCH, execution.documents_per_call)
            for start in range(0, len(items), step):
                batch = items[start:start + step]
                try:
                    prepared = await self._prepare(batch, spec, instruction)
                except AnonymizerUnavailable as exc:
                    await self._release([i.idx for i in items[start:]])
                    self._request_pause(f"anonymizer unavailable, nothing was sent: {exc}")
                    return
                for group in _groups(prepared, execution.documents_per_call):
                    await queue.put(group)

    async def _prepare(self, items: list[JobItem], spec: LabelingJobSpec,
                       instruction: str) -> list[tuple[JobItem, Document]]:
        """Anonymize the items that are not anonymized yet and persist the result (one transaction).

        Only the user prompts are anonymized per item; a system prompt is normally the same task
        instruction for every record, so each distinct one is anonymized once per run. `instruction`
        (already anonymized unless the job sends raw text) stands in for a missing system prompt.
        """
        if spec.send_raw_text:
            # raw text stays encrypted at rest: decrypted here, in memory, for the call only
            records = [json.loads(self.ctx.payload_key.decrypt(i.payload["enc"].encode("ascii"))) for i in items]
            return [(i, Document(i.idx, r["system_prompt"] or instruction,
                                 user_prompt_text(r["user_prompt"]))) for i, r in zip(items, records)]
        raw = [i for i in items if "enc" in i.payload]
        if raw:
            records = [json.loads(self.ctx.payload_key.decrypt(i.payload["enc"].encode("ascii"))) for i in raw]
            systems = await self._anonymized_system_prompts([r["system_prompt"] for r in records])
            results = await self.ctx.anonymizer.anonymize_documents([r["user_prompt"] for r in records],
                                                                    PSEUDONYMIZE)
            updated = [{"id": i.payload.get("id"), "system_prompt": systems[r["system_prompt"]],
                        "user_prompt": res["document"], "mapping_id": res.get("mapping_id"), "anonymized": True}
                       for i, r, res in zip(raw, records, results, strict=True)]
            await asyncio.to_thread(self.ctx.store.update_item_payloads, self.job_id, self.ctx.worker_id,
                                    {item.idx: payload for item, payload in zip(raw, updated)})
            for item, payload in zip(raw, updated):
                item.payload = payload
        return [(i, Document(i.idx, i.payload.get("system_prompt") or instruction,
                             user_prompt_text(i.payload["user_prompt"]))) for i in items]

    async def _anonymized_task(self, task: Task) -> Task:
        """The task with its instruction and every `description` of its output schema anonymized.

        Validation is unchanged (descriptions do not constrain); this is the task the teacher sees and
        the one written with the dataset.
        """
        found: list[str] = []

        def collect(node: Any) -> None:
            if isinstance(node, dict):
                if isinstance(node.get("description"), str) and node["description"].strip():
                    found.append(node["description"])
                for child in node.values():
                    collect(child)
            elif isinstance(node, list):
                for child in node:
                    collect(child)

        collect(task.output_schema)
        if task.instruction:
            found.append(task.instruction)
        if not found:
            return task
        clean = await self._anonymized_system_prompts(found)

        def rebuild(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: clean.get(v, v) if k == "description" and isinstance(v, str) else rebuild(v)
                        for k, v in node.items()}
            if isinstance(node, list):
                return [rebuild(child) for child in node]
            return node

        return task.model_copy(update={"output_schema": rebuild(task.output_schema),
                                       "instruction": clean.get(task.instruction, task.instruction)})

    async def _anonymized_system_prompts(self, prompts: list[str]) -> dict[str, str]:
        missing = sorted({p for p in prompts if p and p not in self._systems})
        if missing:
            results = await self.ctx.anonymizer.anonymize_documents(missing)
            self._systems.update({p: r["document"] for p, r in zip(missing, results)})
        # every non-empty prompt was analyzed (the client fails closed on a short answer): no raw fallback
        return {p: self._systems[p] if p else p for p in prompts}

    async def _work(self, queue: asyncio.Queue, labeler: Labeler) -> None:
        while (group := await queue.get()) is not None:
            if self.stop.is_set():
                await self._release([item.idx for item, _ in group])
                continue
            try:
                outcomes = await labeler.label_group([doc for _, doc in group])
            except TeacherAuthError as exc:
                self._request_pause(str(exc))
                await self._release([item.idx for item, _ in group])
                continue
            except Exception as exc:  # a bug must not lose the items: give them back, record why
                log.error("labeling_error", job_id=self.job_id, exc_type=type(exc).__name__)
                await self._release([item.idx for item, _ in group])
                self._request_pause(f"internal error while labeling ({type(exc).__name__})")
                continue
            by_index = {item.idx: item for item, _ in group}
            for outcome in outcomes:
                await self._outcomes.put(self._outcome(by_index[outcome.index], outcome))

    def _outcome(self, item: JobItem, outcome: Outcome) -> ItemOutcome:
        payload = item.payload
        if outcome.output is None:
            return ItemOutcome(item.idx, {"id": payload.get("id")}, outcome.error or "unknown error",
                               outcome.usage_in, outcome.usage_out)
        if "enc" in payload:  # a raw-text job: the result holds raw text, so it is encrypted like the input
            record = json.loads(self.ctx.payload_key.decrypt(payload["enc"].encode("ascii")))
            secret = {**record, "teacher_output": outcome.output, "confidence": outcome.confidence}
            blob = self.ctx.payload_key.encrypt(json.dumps(secret, ensure_ascii=False).encode("utf-8"))
            return ItemOutcome(item.idx, {"id": payload.get("id"), "enc": blob.decode("ascii")}, None,
                               outcome.usage_in, outcome.usage_out)
        result = {"id": payload.get("id"), "system_prompt": payload.get("system_prompt"),
                  "user_prompt": payload.get("user_prompt"), "mapping_id": payload.get("mapping_id"),
                  "teacher_output": outcome.output, "confidence": outcome.confidence}
        return ItemOutcome(item.idx, result, None, outcome.usage_in, outcome.usage_out)

    async def _write(self, outcomes: asyncio.Queue) -> None:
        """Write finished items in small transactions (every WRITE_INTERVAL_S or WRITE_BATCH items).

        A result waits at most WRITE_INTERVAL_S in memory; if the process dies in that window the item
        is labeled again after restart (it is never lost, and never recorded twice).
        """
        closing = False
        while not closing:
            batch = [await outcomes.get()]
            deadline = asyncio.get_running_loop().time() + WRITE_INTERVAL_S
            while len(batch) < WRITE_BATCH:
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(outcomes.get(), timeout))
                except TimeoutError:
                    break
            closing = None in batch
            batch = [o for o in batch if o is not None]
            if not batch:
                continue
            kept = await asyncio.to_thread(self.ctx.store.complete_items, self.job_id, self.ctx.worker_id, batch)
            for o in batch:
                outcome = ("done" if o.error is None else "failed") if o.idx in kept else "lease_lost"
                self.ctx.metrics.items.labels(self.job_id, outcome).inc()

    async def _finish_if_complete(self, task: Task, teacher: TeacherSpec) -> None:
        store = self.ctx.store
        if (counts := await asyncio.to_thread(store.counts_if_all_finished, self.job_id)) is None:
            return  # other runners still hold items (the last one to finish closes the job), or it stopped
        result = await asyncio.to_thread(self._write_dataset, task, teacher, counts)
        final = JobState.SUCCEEDED if counts[ItemState.DONE] else JobState.FAILED
        reason = (f"{counts[ItemState.FAILED]} item(s) failed; see /failures" if counts[ItemState.FAILED]
                  else None)
        try:
            await asyncio.to_thread(store.transition, self.job_id, final, reason, result)
            log.info("job_finished", job_id=self.job_id, state=final, done=counts[ItemState.DONE],
                     failed=counts[ItemState.FAILED])
        except Conflict:
            pass

    def _write_dataset(self, task: Task, teacher: TeacherSpec, counts: dict[str, int]) -> dict[str, Any]:
        store, objects = self.ctx.store, self.ctx.objects
        job = store.get(self.job_id)
        raw = LabelingJobSpec.of(job).send_raw_text
        prefix = f"datasets/{self.job_id}"
        if not raw:  # a raw-text job's results stay encrypted in the job store (admins read /results)
            lines = [dataset_line(item) for item in iter_items(store, self.job_id, ItemState.DONE)]
            objects.put_bytes(f"{prefix}/data.jsonl", dump_jsonl(lines), "application/x-ndjson")
        used_in, used_out = store.usage_totals(self.job_id)
        # a raw-text job's task is not anonymized: only its name leaves the job store
        metadata = {"job_id": self.job_id, "task": {"name": task.name} if raw else task.model_dump(),
                    "teacher_model": teacher.model,
                    "teacher_endpoint": teacher.endpoint, "items": counts[ItemState.DONE],
                    "failed": counts[ItemState.FAILED], "tokens_in": used_in, "tokens_out": used_out,
                    "anonymized": not raw, "created_at": job.created_at.isoformat()}
        objects.put_json(f"{prefix}/metadata.json", metadata)
        return {"dataset_uri": None if raw else f"{prefix}/data.jsonl", "metadata_uri": f"{prefix}/metadata.json",
                "items": counts[ItemState.DONE], "failed": counts[ItemState.FAILED]}


def cost_of(teacher: TeacherSpec, tokens_in: int, tokens_out: int) -> float:
    return (tokens_in * teacher.price_per_million_input_tokens
            + tokens_out * teacher.price_per_million_output_tokens) / 1_000_000


def _groups(prepared: list[tuple[JobItem, Document]], k: int) -> list[list[tuple[JobItem, Document]]]:
    """Groups of up to k documents that share a system prompt (one call each)."""
    by_prompt: dict[str, list[tuple[JobItem, Document]]] = {}
    for pair in prepared:
        by_prompt.setdefault(pair[1].system_prompt, []).append(pair)
    groups = []
    for pairs in by_prompt.values():
        groups += [pairs[i:i + k] for i in range(0, len(pairs), k)]
    return groups
