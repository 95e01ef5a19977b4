"""The student's training core: tokenized examples with the loss on the completion only, a 4-bit
(QLoRA) or full-precision (LoRA) base model with a PEFT adapter, checkpoints a restarted run resumes
from, and greedy batched generation for validation.

Prompts come from `shared.prompts`, the function inference reuses, so a student is queried exactly
as it was trained. Runs on CPU (bitsandbytes 4-bit works there) and on GPU unchanged.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import (AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig, PreTrainedModel,
                          PreTrainedTokenizerBase, Trainer, TrainerCallback, TrainingArguments)
from transformers.trainer_utils import get_last_checkpoint, set_seed

from shared.prompts import (PromptSpec, answer_fields, build_completion, build_prompt, json_separators,
                            prompt_token_ids)
from shared.records import Record
from shared.scoring import score_outputs
from shared.structured_output import DEFAULT_MAX_STRING_CHARS, XGRAMMAR_JSON_OPTIONS, decoding_schema, pin_labels
from shared.tasks import Task
from services.trainer.specs import Decoding, Hyperparameters, Method
_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class TrainResult:
    adapter_dir: Path
    global_step: int
    train_loss: float
    runtime_s: float
    tokens_seen: int
    resumed_from: int | None
    log_history: list[dict[str, Any]] = field(default_factory=list)
    #: The trained model (adapter attached) and its tokenizer, for evaluation without a reload.
    model: Any = field(default=None, repr=False)
    tokenizer: Any = field(default=None, repr=False)


def build_examples(task: Task, records: Sequence[Record], spec: PromptSpec, tokenizer: PreTrainedTokenizerBase,
                   max_seq_length: int, label_loss_weight: float = 1.0) -> list[dict[str, Any]]:
    """Token ids and labels per labeled record (records without teacher_output are skipped); prompt
    tokens are masked (-100) so the loss is on the answer only. A prompt too long is cut from the left
    so the answer always fits; an answer that leaves no room for any prompt token is refused. With
    `label_loss_weight` != 1, each example also carries per-token loss weights (`weights`)."""
    examples = []
    for index, record in enumerate(records):
        if record.teacher_output is None:  # unlabeled: nothing to learn from
            continue
        validated = task.validate_output(record.teacher_output)
        output = {name: validated[name] for name in answer_fields(task, spec) if name in validated}
        prompt_ids = prompt_token_ids(tokenizer, build_prompt(spec, record.user_prompt, record.system_prompt))
        completion = build_completion(output, spec.template)
        encoded = tokenizer(completion, add_special_tokens=False, return_offsets_mapping=True)
        completion_ids = [*encoded["input_ids"], tokenizer.eos_token_id]
        if len(completion_ids) >= max_seq_length:
            raise ValueError(f"record {index}: the answer alone is {len(completion_ids)} tokens, over "
                             f"max_seq_length {max_seq_length}")
        prompt_ids = prompt_ids[-(max_seq_length - len(completion_ids)):]
        spans = _label_value_spans(task, output, completion, spec)
        in_label = [any(a < end and start < b for a, b in spans) for start, end in encoded["offset_mapping"]]
        example: dict[str, Any] = {"input_ids": prompt_ids + completion_ids,
                                   "labels": [-100] * len(prompt_ids) + completion_ids,
                                   "label_mask": [0] * len(prompt_ids) + [int(x) for x in in_label] + [0]}
        if label_loss_weight != 1.0:
            example["weights"] = ([0.0] * len(prompt_ids) + [label_loss_weight if x else 1.0 for x in in_label]
                                  + [1.0])
        examples.append(example)
    return examples


def _label_value_spans(task: Task, output: dict[str, Any], completion: str, spec: PromptSpec) -> list[tuple[int, int]]:
    """Character spans of the label fields' values (quotes included) in the answer text."""
    spans = []
    for name in task.label_fields:
        if name not in output:
            continue
        value = build_completion(output[name], spec.template)
        key = build_completion(name, spec.template) + json_separators(spec.template)[1]  # "name":
        at = completion.find(key + value)
        if at >= 0:
            spans.append((at + len(key), at + len(key) + len(value)))
    return spans


class PaddingCollator:
    """Pads each batch to its own longest example (right side): no compute on padding to a fixed length.
    Counts the real (unpadded) tokens it has batched, for throughput figures."""

    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id
        self.tokens = 0

    def __call__(self, batch: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = max(len(x["input_ids"]) for x in batch)
        self.tokens += sum(len(x["input_ids"]) for x in batch)

        def pad(values: list[Any], fill: Any) -> list[Any]:
            return values + [fill] * (width - len(values))

        out = {"input_ids": torch.tensor([pad(x["input_ids"], self.pad_token_id) for x in batch]),
               "labels": torch.tensor([pad(x["labels"], -100) for x in batch]),
               "attention_mask": torch.tensor([pad([1] * len(x["input_ids"]), 0) for x in batch])}
        if "weights" in batch[0]:
            out["weights"] = torch.tensor([pad(x["weights"], 0.0) for x in batch])
        if "label_mask" in batch[0]:
            out["label_mask"] = torch.tensor([pad(x["label_mask"], 0) for x in batch])
        return out


def label_token_stats(logits: torch.Tensor, labels: torch.Tensor, label_mask: torch.Tensor) -> tuple[float, int, int]:
    """(summed loss, correct, count) of the next-token predictions at the label fields' value tokens."""
    mask = label_mask[:, 1:].bool() & (labels[:, 1:] != -100)
    if not mask.any():
        return 0.0, 0, 0
    picked = logits[:, :-1, :][mask].float()
    targets = labels[:, 1:][mask]
    loss = torch.nn.functional.cross_entropy(picked, targets, reduction="sum")
    return float(loss), int((picked.argmax(-1) == targets).sum()), int(mask.sum())


class EpochSeededLengthGroupedSampler(torch.utils.data.Sampler):  # type: ignore[type-arg]
    """The Trainer's length-grouped order (similar lengths batched together, less padding), drawn from a
    generator seeded with (seed, epoch) instead of the global RNG. The order of every epoch is then a
    function of the seed alone, so a run resumed mid-epoch from a checkpoint sees the very batches the
    interrupted run would have (the Trainer skips the consumed ones), whatever the global RNG did
    between (model loading, dropout of other epochs)."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int) -> None:
        self.lengths, self.batch_size, self.seed = lengths, batch_size, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Any:
        from transformers.trainer_pt_utils import get_length_grouped_indices

        generator = torch.Generator()
        generator.manual_seed(self.seed * 1_000_003 + self.epoch)
        return iter(get_length_grouped_indices(self.lengths, self.batch_size, generator=generator))


class StudentTrainer(Trainer):
    """The Trainer with the answer loss optionally weighted (`weights`, from label_loss_weight), and the
    loss and accuracy on the label tokens alone logged with every step (`label_loss`, `label_accuracy`):
    a label is 1-3 tokens of an answer of ~100, so the mean token loss can be low while no label is learned."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._label_sums = [0.0, 0, 0]

    def _get_train_sampler(self, train_dataset: Any = None) -> Any:
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        if isinstance(dataset, _ListDataset):
            return EpochSeededLengthGroupedSampler(
                [len(x["input_ids"]) for x in dataset.examples],
                self.args.train_batch_size * self.args.gradient_accumulation_steps, self.args.seed)
        return super()._get_train_sampler(train_dataset)

    def compute_loss(self, model: Any, inputs: dict[str, torch.Tensor], return_outputs: bool = False,
                     num_items_in_batch: Any = None) -> Any:
        weights = inputs.pop("weights", None)
        label_mask = inputs.pop("label_mask", None)
        labels = inputs["labels"]
        if weights is None:
            loss, outputs = super().compute_loss(model, inputs, True, num_items_in_batch)
        else:
            inputs = {k: v for k, v in inputs.items() if k != "labels"}
            outputs = model(**inputs)
            logits = outputs.logits[:, :-1, :].float()
            targets, w = labels[:, 1:], weights[:, 1:].to(logits.dtype) * (labels[:, 1:] != -100)
            losses = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                                                       ignore_index=-100, reduction="none")
            loss = (losses * w.reshape(-1)).sum() / w.sum().clamp(min=1e-6)
        if label_mask is not None and model.training:
            with torch.no_grad():
                stats = label_token_stats(outputs.logits.detach(), labels, label_mask)
            self._label_sums = [a + b for a, b in zip(self._label_sums, stats)]
        return (loss, outputs) if return_outputs else loss

    def log(self, logs: dict[str, float], *args: Any, **kwargs: Any) -> None:
        loss_sum, correct, count = self._label_sums
        if "loss" in logs and count:
            logs["label_loss"] = round(loss_sum / count, 5)
            logs["label_accuracy"] = round(correct / count, 4)
            self._label_sums = [0.0, 0, 0]
        super().log(logs, *args, **kwargs)


@torch.inference_mode()
def label_token_scores(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, task: Task,
                       records: Sequence[Record], spec: PromptSpec, max_seq_length: int,
                       batch_size: int = 8) -> dict[str, Any] | None:
    """Teacher-forced loss and accuracy on the label fields' value tokens of `records` (None without any)."""
    examples = [e for e in build_examples(task, records, spec, tokenizer, max_seq_length) if any(e["label_mask"])]
    if not examples:
        return None
    was_training = model.training
    model.eval()
    collate = PaddingCollator(tokenizer.pad_token_id)
    sums = [0.0, 0, 0]
    for start in range(0, len(examples), batch_size):
        batch = {k: v.to(model.device) for k, v in collate(examples[start:start + batch_size]).items()}
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        sums = [a + b for a, b in zip(sums, label_token_stats(logits, batch["labels"], batch["label_mask"]))]
    if was_training:
        model.train()
    return {"records": len(examples), "tokens": sums[2], "loss": round(sums[0] / sums[2], 5),
            "accuracy": round(sums[1] / sums[2], 4)}


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def default_compute_dtype() -> torch.dtype:
    """bf16 where the hardware computes it natively (GPUs with bf16; CPUs with AVX512-BF16/AMX, where
    it is ~1.6x faster and lighter than float32 on our machines), float32 elsewhere."""
    if torch.cuda.is_available():
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    return torch.bfloat16 if torch.ops.mkldnn._is_mkldnn_bf16_supported() else torch.float32


def load_base_model(path: str | Path, method: Method, dtype: torch.dtype | None = None,
                    gradient_checkpointing: bool = False) -> PreTrainedModel:
    """The frozen base: nf4 4-bit with double quantization for QLoRA, 16/32-bit weights for LoRA.

    `dtype` is the LoRA base's weight dtype and the QLoRA compute dtype (default:
    `default_compute_dtype()`)."""
    cuda = torch.cuda.is_available()
    chosen = dtype or default_compute_dtype()
    device_map = "auto" if cuda else "cpu"
    if method == "qlora":
        quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=chosen,
                                   bnb_4bit_use_double_quant=True)
        model = AutoModelForCausalLM.from_pretrained(str(path), quantization_config=quant, device_map=device_map)
        return prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing,
                                               gradient_checkpointing_kwargs={"use_reentrant": False})
    if method != "lora":
        raise ValueError(f"unknown method {method!r}: use 'qlora' or 'lora'")
    return AutoModelForCausalLM.from_pretrained(str(path), dtype=chosen, device_map=device_map)


def target_modules_of(model: PreTrainedModel, wanted: list[str] | None) -> list[str]:
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    chosen = [m for m in (wanted or _PROJECTIONS) if m in names]
    if not chosen:
        raise ValueError(f"none of the target modules {wanted or list(_PROJECTIONS)} exist in the model")
    return chosen


def train(base_model: str | Path, task: Task, records: Sequence[Record], spec: PromptSpec, hp: Hyperparameters,
          output_dir: Path, method: Method = "lora", tokenizer_path: str | Path | None = None, resume: bool = True,
          callbacks: Sequence[TrainerCallback] = ()) -> TrainResult:
    """Fine-tune an adapter; checkpoints go to `output_dir/checkpoints` and a rerun with the same
    output_dir continues from the last one. The adapter is saved to `output_dir/adapter`."""
    tokenizer = load_tokenizer(tokenizer_path or base_model)
    examples = build_examples(task, records, spec, tokenizer, hp.max_seq_length, hp.label_loss_weight)
    if not examples:
        raise ValueError("no record has a teacher_output: nothing to train on")
    compute_dtype = default_compute_dtype()
    model = load_base_model(base_model, method, compute_dtype, hp.gradient_checkpointing)
    set_seed(hp.seed)  # the adapter's initial weights: the same seed gives the same run, in any process
    model = get_peft_model(model, LoraConfig(r=hp.r, lora_alpha=hp.alpha, lora_dropout=hp.dropout,
                                             target_modules=target_modules_of(model, hp.target_modules),
                                             task_type="CAUSAL_LM"))
    checkpoints = Path(output_dir) / "checkpoints"
    last = get_last_checkpoint(str(checkpoints)) if resume and checkpoints.is_dir() else None
    args = TrainingArguments(
        output_dir=str(checkpoints), per_device_train_batch_size=hp.batch_size,
        gradient_accumulation_steps=hp.gradient_accumulation, learning_rate=hp.learning_rate,
        num_train_epochs=hp.epochs, max_steps=hp.max_steps or -1, seed=hp.seed, data_seed=hp.seed,
        save_strategy="steps", save_steps=hp.save_steps, save_total_limit=2, logging_steps=1, report_to=[],
        use_cpu=not torch.cuda.is_available(), bf16=compute_dtype == torch.bfloat16, remove_unused_columns=False,
        train_sampling_strategy="group_by_length", gradient_checkpointing=hp.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False},
        dataloader_num_workers=0, lr_scheduler_type="linear", warmup_steps=0, disable_tqdm=True)
    collator = PaddingCollator(tokenizer.pad_token_id)
    for callback in callbacks:  # callbacks that report throughput read the collator's token count
        if hasattr(callback, "bind_collator"):
            callback.bind_collator(collator)
    trainer = StudentTrainer(model=model, args=args, train_dataset=_ListDataset(examples),
                            data_collator=collator, callbacks=list(callbacks))
    started = time.perf_counter()
    output = trainer.train(resume_from_checkpoint=last)
    runtime = time.perf_counter() - started
    adapter_dir = Path(output_dir) / "adapter"
    model.save_pretrained(str(adapter_dir))
    tokenizer.save_pretrained(str(adapter_dir))
    steps_per_epoch = max(1, math.ceil(len(examples) / (hp.batch_size * hp.gradient_accumulation)))
    epochs_done = trainer.state.global_step / steps_per_epoch
    tokens = int(sum(len(x["input_ids"]) for x in examples) * epochs_done)
    return TrainResult(adapter_dir=adapter_dir, global_step=trainer.state.global_step,
                       train_loss=float(output.training_loss), runtime_s=runtime, tokens_seen=tokens,
                       resumed_from=int(last.rsplit("-", 1)[-1]) if last else None,
                       log_history=list(trainer.state.log_history), model=model, tokenizer=tokenizer)


class _ListDataset(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Pre-tokenized examples; `lengths` lets the trainer group similar lengths into a batch."""

    def __init__(self, examples: list[dict[str, list[int]]]) -> None:
        self.examples = examples

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict[str, list[int]]:
        return self.examples[index]


@torch.inference_mode()
def generate(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, prompts: Sequence[str],
             max_new_tokens: int, batch_size: int = 8, schema: dict[str, Any] | None = None) -> list[str]:
    """Greedy continuations (decoded, special tokens dropped), batched with left padding. With `schema`,
    decoding is constrained to it by xgrammar, the grammar engine vLLM uses when the inference service
    serves the student (same schema, same engine: the same outputs a user would get)."""
    model.eval()
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    grammar = _compile_json_grammar(model, tokenizer, schema) if schema is not None else None
    outputs: list[str] = []
    try:
        for start in range(0, len(prompts), batch_size):
            chunk = list(prompts[start:start + batch_size])
            ids = [prompt_token_ids(tokenizer, p) for p in chunk]
            enc = tokenizer.pad({"input_ids": ids}, return_tensors="pt")
            enc = {k: v.to(model.device) for k, v in enc.items()}
            extra: dict[str, Any] = {}
            if grammar is not None:
                import xgrammar

                # one processor per generate() call: it keeps per-row matcher state
                extra["logits_processor"] = [xgrammar.contrib.hf.LogitsProcessor(grammar)]
            generated = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                       eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
                                       **extra)
            for row in generated[:, enc["input_ids"].shape[1]:]:
                outputs.append(tokenizer.decode(row, skip_special_tokens=True))
    finally:
        tokenizer.padding_side = side
    return outputs


def _compile_json_grammar(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, schema: dict[str, Any]) -> Any:
    import json

    import xgrammar
    import xgrammar.contrib.hf  # noqa: F401  (registers the transformers logits processor)

    # the logits may be wider than the tokenizer's vocabulary (padding rows)
    info = xgrammar.TokenizerInfo.from_huggingface(tokenizer, vocab_size=model.get_output_embeddings().weight.shape[0])
    return xgrammar.GrammarCompiler(info).compile_json_schema(json.dumps(schema), **XGRAMMAR_JSON_OPTIONS)



def evaluate(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, task: Task, records: Sequence[Record],
             spec: PromptSpec, max_new_tokens: int = 256, batch_size: int = 8, decoding: Decoding = "constrained",
             max_string_chars: int = DEFAULT_MAX_STRING_CHARS,
             pinned: Sequence[dict[str, str]] | None = None) -> dict[str, Any]:
    """Generate for held-out records and score against their teacher outputs (shared.scoring): the
    figures stored in the adapter manifest and compared by the registry's if-better gate.

    `constrained` (default) decodes under the task schema as the inference service does, so the scores are
    the ones users get; `free` is plain greedy decoding (how well the student keeps the format on its own).
    `pinned` (constrained only): per record, the label head's labels; each is the only value its field
    may take, exactly as the inference service serves a student with a label head. When every answer
    field is pinned, the answer is the labels alone and no token is generated (as served).
    """
    prompts = [build_prompt(spec, r.user_prompt, r.system_prompt) for r in records]
    references = [r.teacher_output or {} for r in records]
    if decoding != "constrained":
        metrics = score_outputs(task, references, generate(model, tokenizer, prompts, max_new_tokens, batch_size))
        metrics["decoding"] = decoding
        return metrics
    fields = answer_fields(task, spec)
    schema = decoding_schema(task.output_schema, max_string_chars, fields)
    if pinned is None:
        generations = generate(model, tokenizer, prompts, max_new_tokens, batch_size, schema=schema)
    else:
        generations = [""] * len(records)
        groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
        for index, labels in enumerate(pinned):
            groups.setdefault(tuple(sorted(labels.items())), []).append(index)
        for key, indices in groups.items():
            labels = dict(key)
            if set(fields) <= set(labels):
                texts = [build_completion({name: labels[name] for name in fields}, spec.template)] * len(indices)
            else:
                texts = generate(model, tokenizer, [prompts[i] for i in indices], max_new_tokens, batch_size,
                                 schema=pin_labels(schema, labels))
            for i, text in zip(indices, texts):
                generations[i] = text
    metrics = score_outputs(task, references, generations)
    metrics["decoding"] = decoding
    metrics["max_string_chars"] = max_string_chars
    metrics["labels_from"] = "label_head" if pinned is not None else "decoding"
    return metrics
