"""Faster LoRA kernels for vLLM on CPU, installed as a vLLM plugin in the engine's processes.

vLLM's CPU LoRA path (`vllm.lora.ops.torch_ops`, used by `PunicaWrapperCPU`) gathers a copy of the LoRA
matrix for every token (`weights[token_indices]`) and multiplies token by token (`einsum("bi,boi->bo")`):
for a prefill chunk of thousands of tokens that is a weight copy per token per projection. Measured on
our 2-vCPU machine with a rank-16 SmolLM2 student: 45 generated tokens/s with the adapter vs 108 for the
bare base model (16 concurrent schema-constrained requests). A batch holds few distinct adapters (one
per task, two during a hot-swap), so here the tokens are grouped by adapter and each group is one matrix
product with that adapter's weights: no per-token copies.

Same results as vLLM's ops (tests/unit/test_vllm_cpu_lora.py compares them) except for tokens without an
adapter (index -1: a zero-shot request sharing the batch): vLLM's CPU ops index the *last* adapter slot
for them, which applies an unrelated adapter once both slots are loaded; here they get no LoRA term, as
vLLM's GPU kernels do.

Enabled by the managed server (`engine.cpu_lora_kernels: grouped`, the default) through the
`LLM4GOV_VLLM_CPU_LORA` environment variable; registered under vLLM's `vllm.general_plugins` entry point,
which vLLM loads in every process it starts. Nothing is patched on other platforms, when the variable is
not set, or when the installed vLLM's CPU wrapper no longer has the functions this replaces.
"""

from __future__ import annotations

import logging
import os

import torch

from services.inference.settings import CPU_LORA_ENV_VAR

_REPLACED = ("bgmv_shrink", "bgmv_expand", "bgmv_expand_slice", "sgmv_shrink", "sgmv_expand", "sgmv_expand_slice")

# under "vllm": vLLM configures that logger, so these lines land in the engine log
log = logging.getLogger("vllm.plugins.llm4gov_cpu_lora")


def grouped_lora_product(inputs: torch.Tensor, weights: torch.Tensor, indices: torch.Tensor,
                         dtype: torch.dtype) -> torch.Tensor:
    """Row t of the result is `inputs[t] @ weights[indices[t]].T` in `dtype` (zeros where indices[t] < 0).

    `weights` is vLLM's stacked LoRA tensor, `[slots, 1, out, in]` or `[slots, out, in]`."""
    if weights.dim() == 4:
        weights = weights.squeeze(1)
    x = inputs.to(dtype)
    slots = torch.unique(indices).tolist()
    if len(slots) == 1 and slots[0] >= 0:  # the common case: one adapter for the whole batch
        return x @ weights[slots[0]].to(dtype).t()
    out = torch.zeros((x.shape[0], weights.shape[1]), dtype=dtype, device=x.device)
    for slot in slots:
        if slot < 0:
            continue
        rows = (indices == slot).nonzero().squeeze(1)
        out[rows] = x[rows] @ weights[slot].to(dtype).t()
    return out


def bgmv_shrink(inputs: torch.Tensor, lora_b_weights: torch.Tensor, output_tensor: torch.Tensor,
                lora_indices_tensor: torch.Tensor, scaling: float = 1.0) -> None:
    outputs = grouped_lora_product(inputs, lora_b_weights, lora_indices_tensor, output_tensor.dtype)
    output_tensor[:, : outputs.shape[1]] = scaling * outputs


def bgmv_expand(inputs: torch.Tensor, lora_b_weights: torch.Tensor, output_tensor: torch.Tensor,
                lora_indices_tensor: torch.Tensor, add_inputs: bool = True) -> None:
    outputs = grouped_lora_product(inputs, lora_b_weights, lora_indices_tensor, output_tensor.dtype)
    # vLLM's op broadcasts a single row over a taller output; kept for identical behaviour
    limit = 1 if outputs.shape[0] == 1 and output_tensor.shape[0] != 1 else output_tensor.shape[0]
    common = min(outputs.shape[1], output_tensor.shape[1])  # adapter and model may pad differently
    if add_inputs:
        output_tensor[:, :common] += outputs[:limit, :common]
    else:
        output_tensor[:, :common] = outputs[:limit, :common]


def bgmv_expand_slice(inputs: torch.Tensor, lora_b_weights: torch.Tensor, output_tensor: torch.Tensor,
                      lora_indices_tensor: torch.Tensor, slice_offset: int, slice_size: int,
                      add_inputs: bool = True) -> None:
    outputs = grouped_lora_product(inputs, lora_b_weights, lora_indices_tensor, output_tensor.dtype)
    if add_inputs:
        output_tensor[:, slice_offset: slice_offset + slice_size] += outputs
    else:
        output_tensor[:, slice_offset: slice_offset + slice_size] = outputs


def sgmv_shrink(inputs: torch.Tensor, lora_a_weights: torch.Tensor, output_tensor: torch.Tensor,
                b_seq_start_loc: torch.Tensor, seq_len_tensor: torch.Tensor, lora_indices_tensor: torch.Tensor,
                batches: int, max_seq_length: int, token_nums: int, scaling: float) -> None:
    bgmv_shrink(inputs, lora_a_weights, output_tensor, torch.repeat_interleave(lora_indices_tensor, seq_len_tensor),
                scaling)


def sgmv_expand(inputs: torch.Tensor, lora_b_weights: torch.Tensor, output_tensor: torch.Tensor,
                b_seq_start_loc: torch.Tensor, seq_len_tensor: torch.Tensor, lora_indices_tensor: torch.Tensor,
                batches: int, max_seq_length: int, token_nums: int, add_inputs: bool = False) -> None:
    bgmv_expand(inputs, lora_b_weights, output_tensor, torch.repeat_interleave(lora_indices_tensor, seq_len_tensor),
                add_inputs)


def sgmv_expand_slice(inputs: torch.Tensor, lora_b_weights: torch.Tensor, output_tensor: torch.Tensor,
                      b_seq_start_loc: torch.Tensor, seq_len_tensor: torch.Tensor, lora_indices_tensor: torch.Tensor,
                      batches: int, max_seq_length: int, token_nums: int, slice_offset: int, slice_size: int,
                      add_inputs: bool = False) -> None:
    bgmv_expand_slice(inputs, lora_b_weights, output_tensor,
                      torch.repeat_interleave(lora_indices_tensor, seq_len_tensor), slice_offset, slice_size,
                      add_inputs)


def register() -> None:
    """vLLM plugin entry point (`vllm.general_plugins`): install the grouped ops when asked to."""
    if os.environ.get(CPU_LORA_ENV_VAR) != "grouped":
        return
    from vllm.platforms import current_platform

    if not current_platform.is_cpu():
        return
    import vllm.lora.punica_wrapper.punica_cpu as punica_cpu

    missing = [name for name in _REPLACED if not callable(getattr(punica_cpu, name, None))]
    if missing:
        log.warning("llm4gov: vLLM's CPU LoRA wrapper has no %s; its own kernels stay in use", missing)
        return
    for name in _REPLACED:
        setattr(punica_cpu, name, globals()[name])
    log.info("llm4gov: grouped CPU LoRA kernels installed (pid %d)", os.getpid())
