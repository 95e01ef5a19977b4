"""Our grouped CPU LoRA kernels give vLLM's results (services/inference/vllm_cpu_lora.py)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
torch_ops = pytest.importorskip("vllm.lora.ops.torch_ops")

from services.inference import vllm_cpu_lora as ours  # noqa: E402

SLOTS, RANK, HIDDEN, OUT = 2, 8, 32, 48


def _weights(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(sum(shape))).to(torch.bfloat16)


@pytest.mark.parametrize("indices", [[0, 0, 0, 0, 0], [1, 0, 1, 1, 0], [1]])
def test_shrink_and_expand_match_vllms_ops(indices: list[int]) -> None:
    idx = torch.tensor(indices)
    x = _weights(len(indices), HIDDEN)
    lora_a = _weights(SLOTS, 1, RANK, HIDDEN)
    lora_b = _weights(SLOTS, 1, OUT, RANK)
    theirs_buf, ours_buf = (torch.zeros(len(indices), RANK, dtype=torch.float32) for _ in range(2))
    torch_ops.bgmv_shrink(x, lora_a, theirs_buf, idx, 0.5)
    ours.bgmv_shrink(x, lora_a, ours_buf, idx, 0.5)
    torch.testing.assert_close(ours_buf, theirs_buf, rtol=1e-5, atol=1e-5)

    base = _weights(len(indices), OUT)
    for add in (True, False):
        theirs_y, ours_y = base.clone(), base.clone()
        torch_ops.bgmv_expand(theirs_buf, lora_b, theirs_y, idx, add)
        ours.bgmv_expand(ours_buf, lora_b, ours_y, idx, add)
        torch.testing.assert_close(ours_y, theirs_y)

        wide = _weights(len(indices), OUT * 3)
        theirs_y, ours_y = wide.clone(), wide.clone()
        torch_ops.bgmv_expand_slice(theirs_buf, lora_b, theirs_y, idx, OUT, OUT, add)
        ours.bgmv_expand_slice(ours_buf, lora_b, ours_y, idx, OUT, OUT, add)
        torch.testing.assert_close(ours_y, theirs_y)


def test_prefill_variants_explode_per_sequence_indices_like_vllm() -> None:
    seq_lens, seq_loras = torch.tensor([3, 2, 4]), torch.tensor([1, 0, 1])
    tokens = int(seq_lens.sum())
    x = _weights(tokens, HIDDEN)
    lora_a, lora_b = _weights(SLOTS, 1, RANK, HIDDEN), _weights(SLOTS, 1, OUT, RANK)
    meta = (torch.tensor([0, 3, 5]), seq_lens, seq_loras, 3, 4, tokens)
    theirs_buf, ours_buf = (torch.zeros(tokens, RANK, dtype=torch.float32) for _ in range(2))
    torch_ops.sgmv_shrink(x, lora_a, theirs_buf, *meta, 2.0)
    ours.sgmv_shrink(x, lora_a, ours_buf, *meta, 2.0)
    torch.testing.assert_close(ours_buf, theirs_buf, rtol=1e-5, atol=1e-5)
    theirs_y, ours_y = _weights(tokens, OUT * 2), None
    ours_y = theirs_y.clone()
    torch_ops.sgmv_expand(theirs_buf, lora_b, theirs_y, *meta, True)
    ours.sgmv_expand(ours_buf, lora_b, ours_y, *meta, True)
    torch.testing.assert_close(ours_y, theirs_y)
    torch_ops.sgmv_expand_slice(theirs_buf, lora_b, theirs_y, *meta, OUT, OUT, True)
    ours.sgmv_expand_slice(ours_buf, lora_b, ours_y, *meta, OUT, OUT, True)
    torch.testing.assert_close(ours_y, theirs_y)


def test_tokens_without_an_adapter_get_no_lora_term() -> None:
    # index -1: a zero-shot request in the same batch; vLLM's CPU ops would apply the last slot's adapter
    idx = torch.tensor([0, -1, 1, -1])
    x = _weights(4, HIDDEN)
    lora_a = _weights(SLOTS, 1, RANK, HIDDEN)
    buf = torch.full((4, RANK), 7.0)
    ours.bgmv_shrink(x, lora_a, buf, idx, 1.0)
    assert torch.all(buf[1] == 0) and torch.all(buf[3] == 0)
    torch.testing.assert_close(buf[2], (x[2].float() @ lora_a[1, 0].float().t()), rtol=1e-5, atol=1e-5)
    y = _weights(4, OUT)
    before = y.clone()
    ours.bgmv_expand(buf, _weights(SLOTS, 1, OUT, RANK), y, idx, True)
    assert torch.equal(y[1], before[1]) and torch.equal(y[3], before[3])


def test_register_patches_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import vllm.lora.punica_wrapper.punica_cpu as punica_cpu

    original = punica_cpu.bgmv_shrink
    monkeypatch.delenv("LLM4GOV_VLLM_CPU_LORA", raising=False)
    ours.register()
    assert punica_cpu.bgmv_shrink is original
    monkeypatch.setenv("LLM4GOV_VLLM_CPU_LORA", "grouped")
    for name in ("bgmv_shrink", "bgmv_expand", "bgmv_expand_slice", "sgmv_shrink", "sgmv_expand", "sgmv_expand_slice"):
        monkeypatch.setattr(punica_cpu, name, getattr(punica_cpu, name))  # restored after the test
    ours.register()
    assert punica_cpu.bgmv_shrink is ours.bgmv_shrink and punica_cpu.sgmv_expand_slice is ours.sgmv_expand_slice
