"""The training core on a tiny random Llama built at test time: completion-only labels, LoRA and
real 4-bit QLoRA steps on CPU, resume from a checkpoint, batched generation."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from services.trainer.training import (Hyperparameters, build_examples, default_compute_dtype,  # noqa: E402
                                       generate, load_base_model, load_tokenizer, train)
from shared.prompts import build_prompt, prompt_spec_for  # noqa: E402
from transformers import TrainingArguments  # noqa: E402
from shared.records import Record  # noqa: E402
from shared.tasks import Task  # noqa: E402
from tests.tiny_models import build_tiny_llama  # noqa: E402

TASK = Task.from_example("severity", {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA",
                                      "explanation": "..."}, instruction="Classifique o documento.")
WORDS = {"BAIXA": "rotina", "MEDIA": "atraso", "ALTA": "incêndio"}


def _records(n: int) -> list[Record]:
    rng = random.Random(7)
    records = []
    for i in range(n):
        level = ["BAIXA", "MEDIA", "ALTA"][i % 3]
        text = f"Relato {i}: houve {WORDS[level]} no setor {rng.randint(1, 9)}."
        records.append(Record(system_prompt=TASK.instruction, user_prompt={"document_id": f"D{i}", "texto": text},
                              teacher_output={"document_id": f"D{i}", "severity_level": level,
                                              "explanation": f"Evento de {WORDS[level]}."}))
    return records


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random Llama (hidden 64, 2 layers, head_dim 32) and a BPE tokenizer trained on the fly."""
    spec = prompt_spec_for(TASK, "compact")
    corpus = [build_prompt(spec, r.user_prompt) + json.dumps(r.teacher_output, ensure_ascii=False)
              for r in _records(60)]
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"), corpus)


def test_examples_mask_the_prompt_and_end_with_eos(tiny_model: Path) -> None:
    tokenizer = load_tokenizer(tiny_model)
    records = _records(3)
    examples = build_examples(TASK, records, prompt_spec_for(TASK, "compact"), tokenizer, 512)
    for example, record in zip(examples, records):
        ids, labels = example["input_ids"], example["labels"]
        answer = [i for i, label in enumerate(labels) if label != -100]
        assert answer and answer == list(range(answer[0], len(ids)))  # one block, at the end
        assert [ids[i] for i in answer] == [labels[i] for i in answer]
        assert ids[-1] == tokenizer.eos_token_id and ids[0] == tokenizer.bos_token_id
        decoded = tokenizer.decode(ids[answer[0]:-1])
        assert json.loads(decoded) == record.teacher_output


def test_label_loss_weight_marks_only_the_label_value_tokens(tiny_model: Path) -> None:
    tokenizer = load_tokenizer(tiny_model)
    spec = prompt_spec_for(TASK, "compact")
    plain = build_examples(TASK, _records(3), spec, tokenizer, 512)
    assert all("weights" not in x for x in plain)
    weighted = build_examples(TASK, _records(3), spec, tokenizer, 512, label_loss_weight=5.0)
    for example, record in zip(weighted, _records(3), strict=True):
        assert len(example["weights"]) == len(example["input_ids"])
        heavy = [t for t, w in zip(example["input_ids"], example["weights"], strict=True) if w == 5.0]
        text = tokenizer.decode(heavy)  # the value's tokens (a token may also hold a quote or comma next to it)
        assert record.teacher_output["severity_level"] in text and len(text) <= len(record.teacher_output[
            "severity_level"]) + 4 and "severity" not in text
        prompt = [w for w, lab in zip(example["weights"], example["labels"], strict=True) if lab == -100]
        assert prompt and set(prompt) == {0.0}
        marked = [w == 5.0 for w in example["weights"]]
        assert [bool(m) for m in example["label_mask"]] == marked  # the tokens label accuracy is measured on


@pytest.mark.parametrize("weight", [1.0, 4.0])
def test_weighted_loss_equals_the_plain_loss_at_weight_one_and_trains(tiny_model: Path, tmp_path: Path,
                                                                      weight: float) -> None:
    from services.trainer.training import PaddingCollator, StudentTrainer, label_token_scores

    tokenizer = load_tokenizer(tiny_model)
    spec = prompt_spec_for(TASK, "compact")
    model = load_base_model(tiny_model, "lora", torch.float32)
    examples = build_examples(TASK, _records(4), spec, tokenizer, 512)
    for example in examples:
        example["weights"] = [1.0] * len(example["input_ids"])
    batch = PaddingCollator(tokenizer.pad_token_id)(examples)
    trainer = StudentTrainer(model=model, args=TrainingArguments(str(tmp_path), use_cpu=True, report_to=[]))
    weighted = trainer.compute_loss(model, dict(batch))
    plain = model(**{k: v for k, v in batch.items() if k not in ("weights", "label_mask")}).loss
    assert torch.allclose(weighted, plain, atol=1e-5)
    result = train(tiny_model, TASK, _records(8), spec, Hyperparameters(r=4, max_steps=2, label_loss_weight=weight),
                   tmp_path / "run", "lora")
    assert result.global_step == 2 and math.isfinite(result.train_loss)
    # every step logs the loss and accuracy on the label tokens alone
    steps = [h for h in result.log_history if "loss" in h]
    assert len(steps) == 2 and all(h["label_loss"] > 0 and 0 <= h["label_accuracy"] <= 1 for h in steps)
    scores = label_token_scores(result.model, result.tokenizer, TASK, _records(3), spec, 512)
    assert scores is not None and scores["records"] == 3 and scores["tokens"] >= 3 and 0 <= scores["accuracy"] <= 1


def test_long_prompts_are_cut_from_the_left_and_oversized_answers_refused(tiny_model: Path) -> None:
    tokenizer = load_tokenizer(tiny_model)
    spec = prompt_spec_for(TASK, "compact")
    full = build_examples(TASK, _records(1), spec, tokenizer, 512)[0]
    answer_len = sum(1 for label in full["labels"] if label != -100)
    cut = build_examples(TASK, _records(1), spec, tokenizer, answer_len + 5)[0]
    assert len(cut["input_ids"]) == answer_len + 5 and cut["input_ids"][-answer_len:] == full["input_ids"][-answer_len:]
    with pytest.raises(ValueError, match="answer alone"):
        build_examples(TASK, _records(1), spec, tokenizer, answer_len)


def test_unlabeled_records_are_skipped_and_training_needs_one_label(tiny_model: Path, tmp_path: Path) -> None:
    tokenizer = load_tokenizer(tiny_model)
    spec = prompt_spec_for(TASK, "compact")
    records = _records(3)
    unlabeled = [r.model_copy(update={"teacher_output": None}) for r in records]
    assert len(build_examples(TASK, [unlabeled[0], records[1], unlabeled[2]], spec, tokenizer, 512)) == 1
    with pytest.raises(ValueError, match="teacher_output"):
        train(tiny_model, TASK, unlabeled, spec, Hyperparameters(max_steps=1), tmp_path, "lora")


def test_lora_base_dtype_can_be_chosen(tiny_model: Path) -> None:
    assert next(load_base_model(tiny_model, "lora").parameters()).dtype == default_compute_dtype()
    assert next(load_base_model(tiny_model, "lora", dtype=torch.float32).parameters()).dtype == torch.float32
    assert next(load_base_model(tiny_model, "lora", dtype=torch.bfloat16).parameters()).dtype == torch.bfloat16


@pytest.mark.parametrize("method", ["lora", "qlora"])
def test_a_few_steps_train_and_save_an_adapter(tiny_model: Path, tmp_path: Path, method: str) -> None:
    hp = Hyperparameters(r=4, alpha=8, max_steps=4, batch_size=4, learning_rate=1e-3, save_steps=10)
    result = train(tiny_model, TASK, _records(24), prompt_spec_for(TASK, "compact"), hp, tmp_path, method)
    assert result.global_step == 4 and math.isfinite(result.train_loss) and result.tokens_seen > 0
    assert (result.adapter_dir / "adapter_config.json").is_file()
    assert (result.adapter_dir / "adapter_model.safetensors").is_file()
    config = json.loads((result.adapter_dir / "adapter_config.json").read_text())
    assert config["r"] == 4 and set(config["target_modules"]) >= {"q_proj", "v_proj", "down_proj"}
    losses = [e["loss"] for e in result.log_history if "loss" in e]
    assert len(losses) == 4


def test_qlora_base_is_really_4bit(tiny_model: Path) -> None:
    import bitsandbytes as bnb

    model = load_base_model(tiny_model, "qlora")
    layers = [m for name, m in model.named_modules() if name.endswith("q_proj")]
    assert layers and all(isinstance(m, bnb.nn.Linear4bit) for m in layers)
    assert layers[0].weight.quant_type == "nf4"


def test_a_rerun_resumes_from_the_last_checkpoint(tiny_model: Path, tmp_path: Path) -> None:
    spec = prompt_spec_for(TASK, "compact")
    first = train(tiny_model, TASK, _records(16), spec, Hyperparameters(r=4, max_steps=4, save_steps=2), tmp_path,
                  "lora")
    assert first.resumed_from is None and (tmp_path / "checkpoints" / "checkpoint-4").is_dir()
    second = train(tiny_model, TASK, _records(16), spec, Hyperparameters(r=4, max_steps=6, save_steps=2), tmp_path,
                   "lora")
    assert second.resumed_from == 4 and second.global_step == 6
    logged_steps = [e["step"] for e in second.log_history if "loss" in e]
    assert logged_steps[-2:] == [5, 6]


def test_generate_returns_one_continuation_per_prompt(tiny_model: Path) -> None:
    tokenizer = load_tokenizer(tiny_model)
    model = load_base_model(tiny_model, "lora")
    spec = prompt_spec_for(TASK, "compact")
    prompts = [build_prompt(spec, r.user_prompt) for r in _records(5)]
    out = generate(model, tokenizer, prompts, max_new_tokens=6, batch_size=2)
    assert len(out) == 5 and all(isinstance(o, str) for o in out)
    assert tokenizer.padding_side == "right"  # restored


def test_labels_last_answers_are_trained_and_decoded_in_that_order(tiny_model: Path) -> None:
    from shared.prompts import answer_fields
    from shared.structured_output import decoding_schema

    tokenizer = load_tokenizer(tiny_model)
    spec = prompt_spec_for(TASK, "compact", "labels_last")
    example = build_examples(TASK, _records(1), spec, tokenizer, 512)[0]
    answer = tokenizer.decode([t for t, lab in zip(example["input_ids"], example["labels"], strict=True)
                               if lab != -100], skip_special_tokens=True)
    assert answer.index('"explanation"') < answer.index('"severity_level"')
    model = load_base_model(tiny_model, "lora")
    out = generate(model, tokenizer, [build_prompt(spec, _records(1)[0].user_prompt)], max_new_tokens=300,
                   schema=decoding_schema(TASK.output_schema, 8, answer_fields(TASK, spec)))
    assert out[0].index('"explanation"') < out[0].index('"severity_level"')


def test_constrained_generation_always_follows_the_task_schema(tiny_model: Path) -> None:
    """An untrained random model, decoded under the schema (xgrammar, as vLLM serves): every output is
    valid, free text within its bound, no whitespace between tokens."""
    from shared.structured_output import decoding_schema, parse_output

    tokenizer = load_tokenizer(tiny_model)
    model = load_base_model(tiny_model, "lora")
    spec = prompt_spec_for(TASK, "compact")
    prompts = [build_prompt(spec, r.user_prompt) for r in _records(5)]
    out = generate(model, tokenizer, prompts, max_new_tokens=300, batch_size=2,
                   schema=decoding_schema(TASK.output_schema, 8))
    for text in out:
        value = parse_output(TASK, text)
        assert len(value["explanation"]) <= 8 and value["severity_level"] in {"BAIXA", "MEDIA", "ALTA"}
        assert text.startswith('{"document_id":"')


def test_evaluate_scores_generations_against_teacher_labels(tiny_model: Path, tmp_path: Path) -> None:
    from peft import PeftModel

    from services.trainer.training import evaluate

    spec = prompt_spec_for(TASK, "compact")
    result = train(tiny_model, TASK, _records(12), spec, Hyperparameters(r=4, max_steps=2), tmp_path, "lora")
    model = PeftModel.from_pretrained(load_base_model(tiny_model, "lora"), str(result.adapter_dir))
    held_out = _records(15)[12:]
    scores = evaluate(model, load_tokenizer(result.adapter_dir), TASK, held_out, spec, max_new_tokens=8)
    assert scores["n"] == 3 and set(scores["fields"]) == {"severity_level"}
    assert 0.0 <= scores["json_valid_rate"] <= 1.0 and scores["fields"]["severity_level"]["confusion_matrix"]
    assert scores["decoding"] == "constrained" and scores["max_string_chars"] == 600
    free = evaluate(model, load_tokenizer(result.adapter_dir), TASK, held_out, spec, max_new_tokens=8,
                    decoding="free")
    assert free["decoding"] == "free" and "max_string_chars" not in free
