"""The student prompt shared by trainer and inference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.prompts import PromptSpec, build_completion, build_prompt, compact_instruction, prompt_spec_for
from shared.tasks import Task

TASK = Task.from_example("severity", {"document_id": "ID", "severity_level": "BAIXA|MEDIA|ALTA|CRITICA",
                                      "explanation": "..."}, instruction="Você é um analista de risco. " * 40)


def test_compact_instruction_names_fields_and_enum_values() -> None:
    text = compact_instruction(TASK)
    assert "severity" in text and "severity_level (BAIXA|MEDIA|ALTA|CRITICA)" in text
    assert "document_id" in text and "explanation" in text
    assert len(text) < len(TASK.instruction) / 5


def test_compact_prompt_ignores_the_record_system_prompt() -> None:
    spec = prompt_spec_for(TASK, "compact")
    prompt = build_prompt(spec, {"document_id": "D1", "texto": "Falha no servidor."}, "long system prompt")
    assert "long system prompt" not in prompt and spec.instruction in prompt
    assert '{"document_id": "D1", "texto": "Falha no servidor."}' in prompt
    assert prompt.endswith("### Resposta\n")


def test_full_prompt_uses_the_record_system_prompt_or_the_task_instruction() -> None:
    spec = prompt_spec_for(TASK, "full")
    assert "Instrução\nsistema próprio\n" in build_prompt(spec, "texto", "sistema próprio")
    assert TASK.instruction.strip() in build_prompt(spec, "texto", None)


def test_spec_round_trips_through_a_manifest_and_builds_the_same_prompt() -> None:
    spec = prompt_spec_for(TASK, "compact")
    again = PromptSpec.model_validate(json.loads(spec.model_dump_json()))
    assert build_prompt(again, "doc") == build_prompt(spec, "doc")


def test_completion_is_json_in_field_order() -> None:
    output = {"document_id": "D1", "severity_level": "ALTA", "explanation": "Ação imediata."}
    text = build_completion(output)
    assert json.loads(text) == output and text.index("severity_level") < text.index("explanation")
    assert "Ação" in text  # not \\u-escaped: fewer tokens


def test_completion_is_what_the_serving_grammar_allows(tmp_path: Path) -> None:
    """No whitespace between tokens: the inference engine decodes with `disable_any_whitespace`, so a
    student trained on spaced JSON would be forced off what it learned at every separator."""
    xgrammar = pytest.importorskip("xgrammar")
    transformers = pytest.importorskip("transformers")
    from shared.structured_output import XGRAMMAR_JSON_OPTIONS, decoding_schema
    from tests.tiny_models import build_tiny_llama

    output = {"document_id": "D1", "severity_level": "ALTA", "explanation": "Ação imediata, sem demora: já."}
    text = build_completion(output)
    assert text == '{"document_id":"D1","severity_level":"ALTA","explanation":"Ação imediata, sem demora: já."}'
    assert build_completion(output, "llm4gov-v1").startswith('{"document_id": "D1", ')
    model_dir = build_tiny_llama(tmp_path, [text, build_completion(output, "llm4gov-v1")])
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    compiler = xgrammar.GrammarCompiler(xgrammar.TokenizerInfo.from_huggingface(tokenizer))
    grammar = compiler.compile_json_schema(json.dumps(decoding_schema(TASK.output_schema, 600)),
                                           **XGRAMMAR_JSON_OPTIONS)
    assert xgrammar.GrammarMatcher(grammar).accept_string(text)
    assert not xgrammar.GrammarMatcher(grammar).accept_string(build_completion(output, "llm4gov-v1"))


def test_labels_last_puts_the_label_fields_after_the_others_in_training_and_decoding() -> None:
    from shared.prompts import answer_fields
    from shared.structured_output import decoding_schema

    schema_order = prompt_spec_for(TASK, "compact")
    last = prompt_spec_for(TASK, "compact", "labels_last")
    assert answer_fields(TASK, schema_order) == ["document_id", "severity_level", "explanation"]
    assert answer_fields(TASK, last) == ["document_id", "explanation", "severity_level"]
    again = PromptSpec.model_validate(json.loads(last.model_dump_json()))
    assert again.answer_order == "labels_last"
    decoded = decoding_schema(TASK.output_schema, 600, answer_fields(TASK, last))
    assert list(decoded["properties"]) == ["document_id", "explanation", "severity_level"]
    assert decoded["required"] == TASK.output_schema["required"]
    assert list(decoding_schema(TASK.output_schema, 600)["properties"]) == list(TASK.output_schema["properties"])


def test_full_mode_serves_the_system_prompt_the_student_was_trained_with() -> None:
    from shared.prompts import prompt_spec_for
    from shared.tasks import Task

    task = Task.from_example("t", {"kind": "A|B"}, instruction="Classifique o documento de Maria Souza.")
    trained = ["Classifique o documento de <PESSOA_1>."] * 3 + ["Outra instrução."]
    assert prompt_spec_for(task, "full", system_prompts=trained).instruction == trained[0]
    assert prompt_spec_for(task, "full").instruction == task.instruction
    assert prompt_spec_for(task, "compact", system_prompts=trained).instruction.startswith("Tarefa: t.")
