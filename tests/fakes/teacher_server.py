"""A fake OpenAI-compatible teacher LLM server, with latency and fault injection.

It stands for the external teacher API, the one test double the project allows.

Endpoints
    POST /v1/chat/completions   a `chat.completion` whose message content is JSON built from a schema
    GET  /v1/models             {"object": "list", "data": [{"id": "fake-teacher", ...}]}
    GET  /healthz               readiness probe (used by `tests.servers.serve_app`)
    GET  /_fake/requests        every recorded chat request (body, headers with Authorization masked,
                                arrival time, outcome, status); also in-process: `app.state.fake.requests`
    GET  /_fake/stats           counts per outcome, plus "total"
    POST /_fake/reset           forget requests, per-content attempt counts and last schemas; reseed the RNG

Which schema the content follows
    1. response_format {"type": "json_schema", "json_schema": {"schema": S}}  ->  S
    2. otherwise (json_object or text mode): a JSON Schema written between "<schema>" and "</schema>"
       in a message (system prompt first, then the others)
    3. otherwise the last schema seen (by rule 1 or 2) for the same model
    4. otherwise {"label": "A"}
    Text mode answers JSON too, as a well-prompted teacher would.

Content generation (`generate_from_schema`)
    objects get every property (local "$ref"/"$defs", allOf, anyOf/oneOf (first non-null branch) and
    const are understood); enum -> a value picked by a hash of (user content, choice index, field path),
    so answers are deterministic and the n choices of one request may differ; string -> a short
    Portuguese phrase (minLength/maxLength and a few formats honoured, pattern ignored); integer/number ->
    within minimum/maximum; boolean; array -> clamp(1, minItems, maxItems) items.
    `FakeTeacherConfig.labeler(user_content, schema) -> dict` replaces the generator (e.g. labels chosen
    from keywords of the document). "User content" is the text of all user messages joined by newlines.
    A completion longer than max_tokens (or max_completion_tokens) is cut, with finish_reason "length".
    Tokens are approximated as ceil(characters / 4).

Faults
    Deterministic, checked first: `require_api_key` -> 401 when the bearer differs; a json_schema request
    when `supports_json_schema` is False -> 400 (param "response_format"); a malformed request -> 400.
    Random: one draw per request from random.Random(seed), under a lock, in arrival order (so a sequential
    client sees a reproducible sequence). Probabilities are cumulative and must sum to at most 1:
    p_429 (Retry-After), p_500, p_503 (Retry-After), p_timeout (sleeps timeout_sleep_s, or until the
    client disconnects, then answers), p_invalid_json (content that is not JSON), p_schema_violation
    (valid JSON with a wrong enum value, else a missing required field, else a wrong type).
    `fail_first_attempts=N`: the first N requests with the same user content get a 500, whatever the draw.
    Latency: latency_s + uniform(0, latency_jitter_s), applied with asyncio.sleep to every drawn request.

Outcomes recorded: ok, 429, 500, 503, timeout, invalid_json, schema_violation, 400, 401.

Command line (for benchmarks and separate-process tests):
    python -m tests.fakes.teacher_server --port 8099 --latency-s 0.2 --p-500 0.1 --no-supports-json-schema
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import itertools
import json
import math
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tests.servers import serve_app

MODEL_ID = "fake-teacher"
DEFAULT_SCHEMA: dict[str, Any] = {
    "type": "object", "properties": {"label": {"type": "string", "enum": ["A"]}}, "required": ["label"]}
INVALID_JSON_CONTENT = "Claro! Aqui está: {nivel: ALTA"
OUT_OF_ENUM = "VALOR_FORA_DO_ENUM"
RANDOM_FAULTS = ("429", "500", "503", "timeout", "invalid_json", "schema_violation")
STATUS = {"429": 429, "500": 500, "503": 503, "400": 400, "401": 401}
PHRASES = ("documento administrativo", "parecer técnico favorável", "solicitação de informação",
           "processo em análise", "ofício encaminhado à secretaria", "nota técnica sobre licitação",
           "relatório de auditoria interna", "despacho do gabinete")
_SCHEMA_MARKER = re.compile(r"<schema>\s*(.*?)\s*</schema>", re.S)

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Labeler = Callable[[str, dict[str, Any]], dict[str, Any]]


class FakeTeacherConfig(BaseModel):
    """Behaviour of the fake teacher: latency, seeded faults and capabilities."""

    model_config = ConfigDict(extra="forbid")

    latency_s: float = Field(0.0, ge=0)
    latency_jitter_s: float = Field(0.0, ge=0)
    seed: int = 0
    p_429: Probability = 0.0
    p_500: Probability = 0.0
    p_503: Probability = 0.0
    p_timeout: Probability = 0.0
    p_invalid_json: Probability = 0.0
    p_schema_violation: Probability = 0.0
    timeout_sleep_s: float = Field(30.0, ge=0)
    retry_after_s: float = Field(1.0, ge=0)
    supports_json_schema: bool = True
    fail_first_attempts: int = Field(0, ge=0)
    require_api_key: str | None = None
    labeler: Labeler | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _probabilities_sum_to_at_most_one(self) -> FakeTeacherConfig:
        if sum(getattr(self, f"p_{fault}") for fault in RANDOM_FAULTS) > 1.0 + 1e-9:
            raise ValueError("fault probabilities must sum to at most 1")
        return self


# --------------------------------------------------------------------------- schema -> value

def _digest(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()


def _hash(*parts: object) -> int:
    return int.from_bytes(_digest(*parts)[:8], "big")


def _resolve(node: Any, root: dict[str, Any]) -> dict[str, Any]:
    """Follow local "$ref"s ("#/..."); sibling keywords override the target's. Unknown refs -> {}."""
    for _ in range(32):
        if not isinstance(node, dict) or "$ref" not in node:
            break
        target: Any = root
        ref = node["$ref"]
        if not ref.startswith("#"):
            target = {}
        for part in filter(None, ref.lstrip("#").split("/")):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    node = node if isinstance(node, dict) else {}
    if "allOf" in node:
        merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
        for sub in node["allOf"]:
            sub = _resolve(sub, root)
            merged.setdefault("properties", {}).update(sub.get("properties", {}))
            merged["required"] = [*merged.get("required", []), *sub.get("required", [])]
            merged.update({k: v for k, v in sub.items() if k not in ("properties", "required")})
        node = merged
    return node


def _first_branch(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any] | None:
    for keyword in ("anyOf", "oneOf"):
        if keyword in node:
            branches = [_resolve(b, root) for b in node[keyword]]
            return next((b for b in branches if b.get("type") != "null"), branches[0] if branches else {})
    return None


def _bounds(node: dict[str, Any], integer: bool) -> tuple[float, float]:
    lo: float | None = node.get("minimum")
    hi: float | None = node.get("maximum")
    if integer:
        lo = math.ceil(lo) if lo is not None else (math.floor(node["exclusiveMinimum"]) + 1
                                                  if "exclusiveMinimum" in node else None)
        hi = math.floor(hi) if hi is not None else (math.ceil(node["exclusiveMaximum"]) - 1
                                                   if "exclusiveMaximum" in node else None)
    else:
        lo = lo if lo is not None else node.get("exclusiveMinimum")
        hi = hi if hi is not None else node.get("exclusiveMaximum")
    span = 10 if integer else 1
    if lo is None and hi is None:
        return 0, span
    if lo is None:
        return hi - span, hi  # type: ignore[operator]
    return lo, hi if hi is not None else lo + span


def _string(node: dict[str, Any], h: int, key: str, path: str) -> str:
    fmt = node.get("format")
    if fmt == "date":
        text = "2024-03-15"
    elif fmt == "date-time":
        text = "2024-03-15T10:30:00Z"
    elif fmt == "email":
        text = "contato@exemplo.gov.br"
    elif fmt in ("uri", "url"):
        text = "https://exemplo.gov.br/documento"
    elif fmt == "uuid":
        text = str(uuid.UUID(bytes=_digest(key, path)[:16], version=4))
    else:
        text = PHRASES[h % len(PHRASES)]
    minimum, maximum = node.get("minLength", 0), node.get("maxLength")
    if len(text) < minimum:
        text = ((text + " ") * (minimum // (len(text) + 1) + 1))[:minimum]
    return text[:maximum] if maximum is not None else text


def _generate(node: Any, root: dict[str, Any], key: str, path: str) -> Any:
    node = _resolve(node, root)
    h = _hash(key, path)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return node["enum"][h % len(node["enum"])] if node["enum"] else None
    branch = _first_branch(node, root)
    if branch is not None:
        return _generate(branch, root, key, path)
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in node else "array" if "items" in node else "string"
    if kind == "object":
        return {name: _generate(sub, root, key, f"{path}.{name}")
                for name, sub in node.get("properties", {}).items()}
    if kind == "array":
        items = node.get("items", {})
        items = items[0] if isinstance(items, list) and items else items
        count = max(node.get("minItems", 0), 1)
        count = min(count, node["maxItems"]) if "maxItems" in node else count
        resolved = _resolve(items, root)
        if node.get("uniqueItems") and resolved.get("enum"):
            values = resolved["enum"]
            return [values[(h + i) % len(values)] for i in range(min(count, len(values)))]
        return [_generate(items, root, key, f"{path}[{i}]") for i in range(count)]
    if kind == "integer":
        lo, hi = _bounds(node, integer=True)
        return int(lo + h % (int(hi - lo) + 1)) if hi >= lo else int(lo)
    if kind == "number":
        lo, hi = _bounds(node, integer=False)
        value = lo + (h % 1000 + 1) / 1002 * (hi - lo)
        rounded = round(value, 4)
        return rounded if lo < rounded < hi else value
    if kind == "boolean":
        return h % 2 == 0
    if kind == "null":
        return None
    return _string(node, h, key, path)


def generate_from_schema(schema: dict[str, Any], key: str = "") -> Any:
    """A value satisfying `schema`; `key` (user content + choice index) picks enum values by hash."""
    return _generate(schema, schema, key, "$")


def _has_enum(node: Any, root: dict[str, Any]) -> bool:
    node = _resolve(node, root)
    if "enum" in node or "const" in node:
        return True
    branches = [_resolve(b, root) for b in node.get("anyOf", node.get("oneOf", []))]
    return bool(branches) and all("enum" in b or "const" in b or b.get("type") == "null" for b in branches) \
        and any("enum" in b or "const" in b for b in branches)


def _break_enum(value: Any, node: Any, root: dict[str, Any]) -> bool:
    node = _resolve(node, root)
    node = _first_branch(node, root) or node
    if isinstance(value, dict):
        for name, sub in node.get("properties", {}).items():
            if name in value and _has_enum(sub, root):
                value[name] = OUT_OF_ENUM
                return True
            if name in value and _break_enum(value[name], sub, root):
                return True
    if isinstance(value, list) and value and isinstance(node.get("items"), dict):
        if _has_enum(node["items"], root):
            value[0] = OUT_OF_ENUM
            return True
        return _break_enum(value[0], node["items"], root)
    return False


def violate_schema(value: Any, schema: dict[str, Any]) -> Any:
    """A copy of `value` that breaks `schema`: a wrong enum value, else a missing required field, else a wrong type."""
    value = copy.deepcopy(value)
    if _break_enum(value, schema, schema):
        return value
    root = _resolve(schema, schema)
    required = root.get("required") or []
    if isinstance(value, dict) and required:
        value.pop(required[0], None)
        return value
    return [value] if isinstance(value, dict) else {"valor": value}


# --------------------------------------------------------------------------- server state

@dataclass
class FakeTeacherState:
    """Mutable state of one fake server: recorded requests, seeded RNG, attempt counts."""

    config: FakeTeacherConfig
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
            self.rng = random.Random(self.config.seed)
            self.attempts: Counter[str] = Counter()
            self.last_schema: dict[str, dict[str, Any]] = {}
            self.ids = itertools.count(1)

    def stats(self) -> dict[str, int]:
        with self.lock:
            counts = Counter(r["outcome"] for r in self.requests)
        return {**counts, "total": sum(counts.values())}

    def record(self, body: Any, headers: dict[str, str], arrived: float, outcome: str) -> None:
        """Append a record; the caller holds the lock."""
        self.requests.append({"id": len(self.requests) + 1, "arrived_at": arrived, "outcome": outcome,
                              "status": STATUS.get(outcome, 200), "headers": headers, "body": body})

    def decide(self, user: str, body: Any, headers: dict[str, str], arrived: float) -> tuple[str, float]:
        """Draw the outcome and latency of one request, and record it (in arrival order)."""
        cfg = self.config
        with self.lock:
            draw = self.rng.random()
            delay = cfg.latency_s + (self.rng.uniform(0, cfg.latency_jitter_s) if cfg.latency_jitter_s else 0.0)
            outcome, threshold = "ok", 0.0
            for fault in RANDOM_FAULTS:
                threshold += getattr(cfg, f"p_{fault}")
                if draw < threshold:
                    outcome = fault
                    break
            self.attempts[user] += 1
            if self.attempts[user] <= cfg.fail_first_attempts:
                outcome = "500"
            self.record(body, headers, arrived, outcome)
        return outcome, delay


# --------------------------------------------------------------------------- app

def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _error(status: int, message: str, kind: str, code: str | None = None, param: str | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def _schema_in_messages(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    for message in sorted(messages, key=lambda m: m.get("role") != "system"):
        for match in _SCHEMA_MARKER.finditer(_text(message.get("content"))):
            try:
                schema = json.loads(match.group(1))
            except ValueError:
                continue
            if isinstance(schema, dict):
                return schema
    return None


def _request_problem(body: Any, config: FakeTeacherConfig) -> JSONResponse | None:
    if not isinstance(body, dict) or not isinstance(body.get("model"), str):
        return _error(400, "you must provide a model parameter", "invalid_request_error", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
        return _error(400, "messages must be a non-empty array", "invalid_request_error", param="messages")
    if body.get("stream"):
        return _error(400, "stream is not supported by the fake teacher", "invalid_request_error", param="stream")
    n = body.get("n") or 1
    if not isinstance(n, int) or not 1 <= n <= 128:
        return _error(400, "n must be between 1 and 128", "invalid_request_error", param="n")
    fmt = body.get("response_format") or {"type": "text"}
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind not in ("text", "json_object", "json_schema"):
        return _error(400, f"invalid response_format type: {kind!r}", "invalid_request_error",
                      param="response_format")
    if kind == "json_schema":
        if not config.supports_json_schema:
            return _error(400, "Invalid parameter: response_format json_schema is not supported by this model.",
                          "invalid_request_error", param="response_format")
        if not isinstance((fmt.get("json_schema") or {}).get("schema"), dict):
            return _error(400, "response_format.json_schema.schema is required", "invalid_request_error",
                          param="response_format")
    return None


def _completion(state: FakeTeacherState, body: dict[str, Any], schema: dict[str, Any], user: str,
                outcome: str) -> dict[str, Any]:
    labeler = state.config.labeler
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    choices, completion_tokens = [], 0
    for index in range(body.get("n") or 1):
        value = labeler(user, schema) if labeler else generate_from_schema(schema, f"{user}\x00{index}")
        if outcome == "schema_violation":
            value = violate_schema(value, schema)
        content = INVALID_JSON_CONTENT if outcome == "invalid_json" else json.dumps(value, ensure_ascii=False)
        finish = "stop"
        if limit and math.ceil(len(content) / 4) > limit:
            content, finish = content[: limit * 4], "length"
        completion_tokens += math.ceil(len(content) / 4)
        choices.append({"index": index, "message": {"role": "assistant", "content": content, "refusal": None},
                        "logprobs": None, "finish_reason": finish})
    prompt_tokens = math.ceil(sum(len(_text(m.get("content"))) for m in body["messages"]) / 4)
    return {"id": f"chatcmpl-fake-{next(state.ids):06d}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"], "system_fingerprint": "fp_fake_teacher", "choices": choices,
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


async def _sleep_unless_disconnected(request: Request, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(0.1, left))
        if await request.is_disconnected():
            return


def create_fake_teacher(config: FakeTeacherConfig | None = None) -> FastAPI:
    """The fake teacher as a FastAPI app; its state is `app.state.fake` (a FakeTeacherState)."""
    state = FakeTeacherState(config or FakeTeacherConfig())
    app = FastAPI(title="fake teacher LLM")
    app.state.fake = state

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "llm4gov-tests"}]}

    @app.get("/_fake/requests")
    async def recorded() -> list[dict[str, Any]]:
        with state.lock:
            return list(state.requests)

    @app.get("/_fake/stats")
    async def stats() -> dict[str, int]:
        return state.stats()

    @app.post("/_fake/reset")
    async def reset() -> dict[str, bool]:
        state.reset()
        return {"reset": True}

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> JSONResponse:
        cfg = state.config
        arrived = time.time()
        headers = {k: ("***" if k == "authorization" else v) for k, v in request.headers.items()}
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if cfg.require_api_key is not None and request.headers.get("authorization") != f"Bearer {cfg.require_api_key}":
            outcome, problem = "401", _error(401, "Incorrect API key provided.", "invalid_request_error",
                                             code="invalid_api_key")
        else:
            outcome, problem = "400", _request_problem(body, cfg)
        if problem is not None:
            with state.lock:
                state.record(body, headers, arrived, outcome)
            return problem

        fmt = body.get("response_format") or {"type": "text"}
        with state.lock:
            if fmt["type"] == "json_schema":
                schema = fmt["json_schema"]["schema"]
            else:
                schema = _schema_in_messages(body["messages"]) or state.last_schema.get(body["model"])
            if schema is not None:
                state.last_schema[body["model"]] = schema
        schema = schema or DEFAULT_SCHEMA
        user = "\n".join(_text(m.get("content")) for m in body["messages"] if m.get("role") == "user")

        outcome, delay = state.decide(user, body, headers, arrived)
        if delay:
            await asyncio.sleep(delay)
        retry_after = {"Retry-After": f"{cfg.retry_after_s:g}"}
        if outcome == "429":
            return _error(429, "Rate limit reached for requests. Please try again later.", "requests",
                          code="rate_limit_exceeded", headers=retry_after)
        if outcome == "500":
            return _error(500, "The server had an error while processing your request.", "server_error")
        if outcome == "503":
            return _error(503, "The engine is currently overloaded, please try again later.", "server_error",
                          headers=retry_after)
        if outcome == "timeout":
            await _sleep_unless_disconnected(request, cfg.timeout_sleep_s)
        return JSONResponse(_completion(state, body, schema, user, outcome))

    return app


# --------------------------------------------------------------------------- test handle

@dataclass
class FakeTeacher:
    """A running fake teacher: `url` is the OpenAI base URL (ends in /v1)."""

    url: str
    base_url: str
    app: FastAPI

    @property
    def state(self) -> FakeTeacherState:
        return self.app.state.fake

    def requests(self) -> list[dict[str, Any]]:
        """Recorded requests (dicts with body, headers, arrived_at, outcome, status), fetched over HTTP."""
        return httpx.get(f"{self.base_url}/_fake/requests", timeout=10).raise_for_status().json()

    def bodies(self) -> list[dict[str, Any]]:
        """Only the JSON bodies of the recorded requests."""
        return [r["body"] for r in self.requests()]

    def stats(self) -> dict[str, int]:
        return httpx.get(f"{self.base_url}/_fake/stats", timeout=10).raise_for_status().json()

    def reset(self) -> None:
        httpx.post(f"{self.base_url}/_fake/reset", timeout=10).raise_for_status()


@contextmanager
def serve_fake_teacher(config: FakeTeacherConfig | None = None, **overrides: Any) -> Iterator[FakeTeacher]:
    """Serve a fake teacher on 127.0.0.1 with uvicorn in a thread; `overrides` update `config`'s fields."""
    config = FakeTeacherConfig.model_validate({**dict(config or FakeTeacherConfig()), **overrides})
    app = create_fake_teacher(config)
    with serve_app(app) as base:
        yield FakeTeacher(url=f"{base}/v1", base_url=base, app=app)


def main(argv: list[str] | None = None) -> None:
    """Run the fake teacher from the command line; every config field (but labeler) is a --flag."""
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.teacher_server", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    for name, info in FakeTeacherConfig.model_fields.items():
        if name == "labeler":
            continue
        flag = "--" + name.replace("_", "-")
        if info.annotation is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=info.default)
        else:
            parser.add_argument(flag, type={int: int, float: float}.get(info.annotation, str), default=info.default)
    args = vars(parser.parse_args(argv))
    host, port = args.pop("host"), args.pop("port")
    uvicorn.run(create_fake_teacher(FakeTeacherConfig(**args)), host=host, port=port, log_level="warning")


if __name__ == "__main__":
    main()
