"""Label a group of documents: one call for k documents, validation, one repair, self-consistency.

Every answer is validated against the task's pydantic model; an invalid answer gets one repair turn
that shows the model its validation error. With self-consistency, n samples are drawn and the
majority of the label fields wins; the agreement is kept as the label's confidence. Documents of a
multi-document call whose answer is unusable are labeled again one by one.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shared.tasks import Task
from services.teacher.llm import TeacherCallFailed, TeacherClient
from services.teacher.prompts import multi_document_schema, repair_messages


@dataclass
class Document:
    index: int
    system_prompt: str
    user_text: str


@dataclass
class Outcome:
    index: int
    output: dict[str, Any] | None = None
    confidence: float | None = None
    error: str | None = None
    usage_in: int = 0
    usage_out: int = 0
    notes: list[str] = field(default_factory=list)


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc']) or 'resposta'}: {e['msg']}" for e in exc.errors()[:5]]
        return "; ".join(parts)
    return str(exc)[:300]


def _parse(content: str) -> Any:
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("{"):] if "{" in text else text
    return json.loads(text)


class Labeler:
    def __init__(self, task: Task, client: TeacherClient, samples: int = 1, max_tries: int = 3) -> None:
        self.task = task
        self.client = client
        self.samples = samples
        self.max_tries = max_tries
        self.schema = task.output_schema

    def _validate_one(self, value: Any) -> dict[str, Any]:
        return self.task.validate_output(value)

    def _validate_many(self, value: Any, k: int) -> list[dict[str, Any] | Exception]:
        if not isinstance(value, dict) or not isinstance(value.get("results"), list):
            raise ValueError("a resposta deve ser um objeto com a lista 'results'")
        results = value["results"]
        if len(results) != k:
            raise ValueError(f"'results' deve ter exatamente {k} respostas, veio {len(results)}")
        out: list[dict[str, Any] | Exception] = []
        for item in results:
            try:
                out.append(self._validate_one(item))
            except ValidationError as exc:
                out.append(exc)
        return out

    def _vote(self, outputs: list[dict[str, Any]]) -> tuple[dict[str, Any], float]:
        keys = [tuple(o.get(f) for f in self.task.label_fields) for o in outputs]
        winner, count = Counter(keys).most_common(1)[0]
        return outputs[keys.index(winner)], count / len(outputs)

    async def label_one(self, doc: Document) -> Outcome:
        """Label one document; an answer still invalid after its repair turn counts as a failed try,
        and the document is tried again (a fresh sample) up to `max_tries` times."""
        total = Outcome(doc.index)
        for attempt in range(self.max_tries):
            outcome = await self._try_one(doc)
            total.usage_in += outcome.usage_in
            total.usage_out += outcome.usage_out
            total.notes += outcome.notes
            total.output, total.confidence, total.error = outcome.output, outcome.confidence, outcome.error
            if outcome.output is not None or not outcome.error or not outcome.error.startswith("invalid answer"):
                break
            if attempt + 1 < self.max_tries:
                self.client.metrics.retries.labels("invalid_output").inc()
        return total

    async def _try_one(self, doc: Document) -> Outcome:
        """One try: a call (n samples when self-consistency is on), with one repair per sample."""
        outcome = Outcome(doc.index)
        messages = self.client.messages(doc.system_prompt, [doc.user_text], self.schema)
        try:
            result = await self.client.complete(messages, self.schema, n=self.samples)
        except TeacherCallFailed as exc:
            outcome.error = str(exc)
            return outcome
        outcome.usage_in, outcome.usage_out = result.usage_in, result.usage_out
        valid: list[dict[str, Any]] = []
        last_problem = ""
        for content in result.contents:
            try:
                valid.append(self._validate_one(_parse(content)))
                continue
            except (ValueError, ValidationError) as exc:
                last_problem = _problem(exc)
            try:  # one repair turn for this sample
                repaired = await self.client.complete(repair_messages(messages, content, last_problem), self.schema)
                outcome.usage_in += repaired.usage_in
                outcome.usage_out += repaired.usage_out
                valid.append(self._validate_one(_parse(repaired.contents[0])))
                outcome.notes.append("repaired")
            except TeacherCallFailed as exc:
                last_problem = str(exc)
            except (ValueError, ValidationError) as exc:
                last_problem = _problem(exc)
        if not valid:
            outcome.error = f"invalid answer after repair: {last_problem}"
            return outcome
        outcome.output, agreement = self._vote(valid)
        if self.samples > 1:
            outcome.confidence = round(agreement, 4)
        return outcome

    async def label_group(self, docs: list[Document]) -> list[Outcome]:
        """Label documents that share a system prompt, k per call; fall back to one by one."""
        if len(docs) == 1 or self.samples > 1:
            return [await self.label_one(d) for d in docs]
        schema = multi_document_schema(self.schema, len(docs))
        messages = self.client.messages(docs[0].system_prompt, [d.user_text for d in docs], schema)
        outcomes: list[Outcome] = []
        try:
            result = await self.client.complete(messages, schema)
            answers = self._validate_many(_parse(result.contents[0]), len(docs))
        except (TeacherCallFailed, ValueError, ValidationError):
            answers, result = [], None
        share_in = result.usage_in // len(docs) if result else 0
        share_out = result.usage_out // len(docs) if result else 0
        for i, doc in enumerate(docs):
            answer = answers[i] if i < len(answers) else None
            if isinstance(answer, dict):
                outcomes.append(Outcome(doc.index, output=answer, usage_in=share_in, usage_out=share_out))
            else:  # this document's part was unusable: label it alone
                single = await self.label_one(doc)
                single.usage_in += share_in
                single.usage_out += share_out
                outcomes.append(single)
        return outcomes
