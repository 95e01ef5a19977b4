"""Calls to the teacher LLM (any OpenAI-compatible API) with our own retry policy.

The `openai` client's built-in retries are off: we retry 429, 5xx, timeouts and connection errors
with exponential backoff and full jitter, honouring Retry-After, and count every retry by cause.
`response_format` is strict json_schema where the endpoint supports it; an endpoint that refuses it
is remembered and asked for json_object (with the schema in the prompt) from then on.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from dataclasses import dataclass
from typing import Any

import httpx
import openai
from aiolimiter import AsyncLimiter
from openai import AsyncOpenAI

from services.teacher.prompts import build_messages
from services.teacher.protocol import ExecutionSpec, TeacherSpec


class TeacherAuthError(RuntimeError):
    """The teacher refused our credentials: no item can succeed until someone fixes the key."""


class TeacherCallFailed(RuntimeError):
    """A call failed for good (retries exhausted, or a request error); the message says why."""


@dataclass
class CallResult:
    contents: list[str]
    usage_in: int
    usage_out: int


@dataclass
class CallMetrics:
    """Prometheus children for one job (created by the runner)."""

    calls: Any
    retries: Any
    latency: Any
    tokens: Any


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` / `retry-after` (delta seconds or HTTP date), if present."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _refuses_json_schema(exc: openai.BadRequestError) -> bool:
    text = str(exc).lower()
    return "response_format" in text or "json_schema" in text


class TeacherClient:
    """One job's connection to its teacher: limits, retries, response-format negotiation."""

    def __init__(self, teacher: TeacherSpec, base_url: str, execution: ExecutionSpec, api_key: str,
                 metrics: CallMetrics, rng: random.Random | None = None) -> None:
        """`base_url` and `api_key` come from the operator's endpoint configuration, never from the job."""
        self.teacher = teacher
        self.execution = execution
        self.metrics = metrics
        self.use_json_schema = teacher.response_format in ("auto", "json_schema")
        self.fell_back = False
        self._rng = rng or random.Random()
        # redirects are not followed: the key is sent to the configured host and nowhere else
        http = httpx.AsyncClient(follow_redirects=False, timeout=teacher.timeout_s,
                                 limits=httpx.Limits(max_connections=1000, max_keepalive_connections=100))
        self._client = AsyncOpenAI(base_url=base_url, api_key=api_key or "unset", timeout=teacher.timeout_s,
                                   max_retries=0, http_client=http)
        #: `concurrency` bounds requests in flight, not items: an item waiting out a backoff does not
        #: hold a request slot, so failures cost little throughput.
        self._in_flight = asyncio.Semaphore(execution.concurrency)
        self._requests = (AsyncLimiter(execution.requests_per_minute, 60)
                          if execution.requests_per_minute else None)
        self._tokens = AsyncLimiter(execution.tokens_per_minute, 60) if execution.tokens_per_minute else None

    def messages(self, system_prompt: str, user_texts: list[str], schema: dict[str, Any]) -> list[dict[str, str]]:
        return build_messages(system_prompt, user_texts, schema, embed_schema=not self.use_json_schema)

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.use_json_schema:
            return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": True}}
        return {"type": "json_object"}

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.execution.backoff_max_s * 5)
        ceiling = min(self.execution.backoff_max_s, self.execution.backoff_initial_s * 2 ** attempt)
        return self._rng.uniform(0, ceiling)

    async def _throttle(self, messages: list[dict[str, str]]) -> None:
        if self._requests:
            await self._requests.acquire()
        if self._tokens:
            estimate = sum(len(m["content"]) for m in messages) // 4 + self.teacher.max_tokens // 4
            await self._tokens.acquire(min(estimate, self.execution.tokens_per_minute or estimate))

    async def complete(self, messages: list[dict[str, str]], schema: dict[str, Any], n: int = 1) -> CallResult:
        """One chat completion (n choices), retried on transient failures."""
        usage_in = usage_out = 0
        attempt = 0
        while True:
            await self._throttle(messages)
            started = time.perf_counter()
            cause: str
            retry_after: float | None = None
            try:
                async with self._in_flight:
                    started = time.perf_counter()
                    response = await self._client.chat.completions.create(
                        model=self.teacher.model, messages=messages, temperature=self.teacher.temperature,
                        max_tokens=self.teacher.max_tokens, n=n, response_format=self._response_format(schema))
                self.metrics.latency.observe(time.perf_counter() - started)
                self.metrics.calls.labels("ok").inc()
                if response.usage:
                    usage_in += response.usage.prompt_tokens or 0
                    usage_out += response.usage.completion_tokens or 0
                    self.metrics.tokens.labels("in").inc(response.usage.prompt_tokens or 0)
                    self.metrics.tokens.labels("out").inc(response.usage.completion_tokens or 0)
                return CallResult([c.message.content or "" for c in response.choices], usage_in, usage_out)
            except openai.BadRequestError as exc:
                self.metrics.calls.labels("bad_request").inc()
                if self.use_json_schema and self.teacher.response_format == "auto" and _refuses_json_schema(exc):
                    self.use_json_schema, self.fell_back = False, True
                    messages = build_messages(messages[0]["content"], [messages[1]["content"]], schema, True) \
                        if len(messages) == 2 else messages
                    continue
                raise TeacherCallFailed(f"teacher rejected the request (400): {_short(exc)}") from None
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                self.metrics.calls.labels("auth").inc()
                raise TeacherAuthError(f"teacher refused the API key ({exc.status_code})") from None
            except openai.RateLimitError as exc:
                cause, retry_after = "rate_limited", retry_after_seconds(exc.response.headers)
            except openai.InternalServerError as exc:
                cause, retry_after = "server_error", retry_after_seconds(exc.response.headers)
            except openai.APITimeoutError:
                cause = "timeout"
            except openai.APIConnectionError:
                cause = "connection"
            except openai.APIStatusError as exc:
                if exc.status_code in (408, 409, 425) or exc.status_code >= 500:
                    cause, retry_after = "server_error", retry_after_seconds(exc.response.headers)
                else:
                    self.metrics.calls.labels("error").inc()
                    raise TeacherCallFailed(f"teacher answered {exc.status_code}: {_short(exc)}") from None
            self.metrics.calls.labels(cause).inc()
            attempt += 1
            if attempt >= self.execution.max_attempts:
                raise TeacherCallFailed(f"{cause} after {attempt} attempts")
            self.metrics.retries.labels(cause).inc()
            await asyncio.sleep(self._backoff(attempt, retry_after))

    async def aclose(self) -> None:
        await self._client.close()


def _short(exc: Exception) -> str:
    return str(exc).replace("\n", " ")[:200]
