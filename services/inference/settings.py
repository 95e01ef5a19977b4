"""Inference settings: `LLM4GOV_INFERENCE__<FIELD>` environment variables."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator

from shared.config import ServiceSettings
from shared.structured_output import DEFAULT_MAX_STRING_CHARS


#: Environment variable through which the managed server tells our vLLM plugin which CPU LoRA kernels to use.
CPU_LORA_ENV_VAR = "LLM4GOV_VLLM_CPU_LORA"


class EngineOptions(BaseModel):
    """The vLLM engine: a server process this service manages (default) or an external one."""

    #: "managed": this service starts vLLM's OpenAI server as a child process on 127.0.0.1 and restarts
    #: it if it dies. "external": vLLM runs elsewhere (e.g. a sidecar container) at `url`.
    mode: Literal["managed", "external"] = "managed"
    url: str | None = None
    #: Port of the managed server on 127.0.0.1; 0 picks a free one.
    port: int = Field(default=0, ge=0, le=65535)
    #: Name the base model is served under (zero-shot requests and OpenAI clients use it).
    served_model_name: str = Field(default="base", pattern=r"^[A-Za-z0-9._-]{1,64}$")
    #: Adapters in one batch (2: the old and the new version during a hot-swap), and the largest LoRA
    #: rank a published adapter may have. The engine pads every adapter to `max_lora_rank`: keep it at
    #: the trainer's rank (default r=16); on CPU rank 64 made rank-16 adapters decode ~5x slower.
    max_loras: int = Field(default=2, ge=1, le=64)
    max_lora_rank: int = Field(default=16, ge=1, le=512)
    #: Adapters kept loaded at once (cache beside the batch slots); old versions are unloaded anyway.
    max_cpu_loras: int | None = Field(default=None, ge=1)
    max_model_len: int = Field(default=2048, ge=128)
    #: Concurrent sequences the engine batches (continuous batching).
    max_num_seqs: int = Field(default=64, ge=1)
    #: KV cache size in bytes (vLLM's --kv-cache-memory-bytes); None: vLLM's default for the device.
    kv_cache_memory_bytes: int | None = Field(default=1 << 30, ge=1 << 20)
    #: "bitsandbytes": load the base model in 4-bit (nf4). On CPU this needs `vllm-bnb-plugin`.
    quantization: Literal["none", "bitsandbytes"] = "none"
    dtype: Literal["auto", "bfloat16", "float16", "float32"] = "auto"
    #: LoRA kernels on CPU: "grouped" (ours: one matrix product per adapter in the batch, ~1.8x the
    #: decoding speed here, services/inference/vllm_cpu_lora.py) or "vllm" (vLLM's own per-token ops).
    cpu_lora_kernels: Literal["grouped", "vllm"] = "grouped"
    #: Structured-output backend that enforces the task schema while decoding.
    structured_outputs_backend: Literal["xgrammar", "guidance", "outlines"] = "xgrammar"
    startup_timeout_s: float = Field(default=600.0, ge=10)
    #: Extra command-line arguments for the managed vLLM server.
    extra_args: list[str] = []
    #: Seconds a request to the engine may take.
    request_timeout_s: float = Field(default=300.0, gt=0)

    @model_validator(mode="after")
    def _external_needs_url(self) -> "EngineOptions":
        if self.mode == "external" and not self.url:
            raise ValueError("engine mode 'external' needs url (LLM4GOV_INFERENCE__ENGINE__URL)")
        return self


class BatchJobOptions(BaseModel):
    """Batch classification jobs (`/v1/classify/batch-jobs`): a whole uploaded file, asynchronously."""

    #: Run batch jobs on this replica (the API to create and read them is always there).
    worker_enabled: bool = True
    #: Identifies this replica's claims on work items; stable across restarts (the pod name in Kubernetes),
    #: so a restarted process gives back the items it held at once instead of waiting for their leases.
    worker_id: str = Field(default_factory=socket.gethostname, min_length=1, max_length=100)
    #: Documents per batch sent through the classifier (at most max_documents_per_request); None: half the
    #: engine's max_num_seqs, so interactive requests always find free sequence slots.
    batch_size: int | None = Field(default=None, ge=1, le=10_000)
    #: Batches in flight on this replica across all batch jobs: keep it low, so interactive
    #: /v1/classify requests still find room in the engine's continuous batching.
    concurrency: int = Field(default=1, ge=1, le=64)
    poll_interval_s: float = Field(default=2.0, gt=0)
    #: How long a claimed item stays claimed before another worker may take it (its worker died).
    lease_s: float = Field(default=900.0, gt=0)
    #: How long a running job waits for the engine (starting or restarting) before it pauses.
    engine_wait_s: float = Field(default=60.0, ge=0)
    max_items_per_job: int = Field(default=1_000_000, ge=1)


class InferenceOptions(BaseModel):
    #: The base model every adapter was trained on: a name in object storage (`base-models/<name>/`,
    #: see `llm4gov models import`) or an absolute path under `local_model_roots`.
    base_model: str = "smollm2-135m-instruct"
    local_model_roots: list[Path] = []
    engine: EngineOptions = EngineOptions()
    #: Generation budget per document; an output cut off by it is a per-item error, never a result.
    max_tokens: int = Field(default=512, ge=16, le=32_768)
    #: Free-text fields without their own maxLength are bounded to this many characters while
    #: decoding, so a weak student cannot loop inside a string until it runs out of tokens.
    max_string_chars: int = Field(default=DEFAULT_MAX_STRING_CHARS, ge=1, le=100_000)
    max_documents_per_request: int = Field(default=64, ge=1, le=10_000)
    max_document_chars: int = Field(default=50_000, ge=1)
    #: How often the registry is read for newly promoted versions (each replica converges by itself).
    registry_poll_interval_s: float = Field(default=5.0, gt=0)
    #: An old version is unloaded once its in-flight requests finish, or after this long regardless.
    drain_timeout_s: float = Field(default=300.0, gt=0)
    #: A version that failed to load is tried again after this long (it stays promoted in the registry).
    load_retry_s: float = Field(default=60.0, gt=0)
    #: Tasks served zero-shot before any adapter is promoted: a YAML/JSON list of task specs
    #: (`{name, instruction, structure_example | output_schema, label_fields?}`).
    tasks_file: Path | None = None
    #: The anonymizer, for `anonymize: true` requests.
    anonymizer_url: str | None = None
    anonymizer_api_key: SecretStr | None = None
    #: Serve vLLM's own metrics at `/metrics/engine` (no key, like `/metrics`; they name the served
    #: adapters). The Helm chart turns it off unless its ServiceMonitor scrapes them.
    engine_metrics: bool = True
    #: Scratch space (downloaded adapters and base models); default `<data_dir>/inference`.
    work_dir: Path | None = None
    #: Batch classification jobs (`LLM4GOV_INFERENCE__BATCH__<FIELD>`).
    batch: BatchJobOptions = BatchJobOptions()


class InferenceSettings(ServiceSettings):
    inference: InferenceOptions = InferenceOptions()

    def resolved_work_dir(self) -> Path:
        return self.scratch_dir(self.inference.work_dir, "inference")

    def resolved_model_roots(self) -> list[Path]:
        return self.allowed_model_roots(self.inference.local_model_roots)
