"""The student's prompt: one function used by the trainer (to build training examples) and by
inference (to query the adapter it trained), so that both always agree.

The format is plain text, not a chat template, so it works the same for base models that have no
chat template (Gemma-3-270M) and instruct models (SmolLM2). The adapter manifest stores the
`PromptSpec` a student was trained with; inference rebuilds prompts from it.

A task-specific student does not need the teacher's long system prompt: `instruction_mode="compact"`
replaces it with a short instruction derived from the task's schema (much shorter sequences, so
faster training and inference); `"full"` keeps each record's system prompt as the seed did.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from shared.protocol import StrictModel
from shared.records import user_prompt_text
from shared.tasks import Task

#: v2: the answer is JSON without whitespace, exactly what the inference service's grammar allows (vLLM
#: structured outputs with `disable_any_whitespace`). v1 (spaces after "," and ":") is only read from
#: manifests of older adapters: served under that grammar, a v1 student is pushed off the token sequences
#: it learned at every separator, which costs accuracy; retrain it.
TEMPLATE = "llm4gov-v2"
Template = Literal["llm4gov-v1", "llm4gov-v2"]
_SEPARATORS: dict[str, tuple[str, str]] = {"llm4gov-v1": (", ", ": "), "llm4gov-v2": (",", ":")}
_INSTRUCTION_HEADER = "### Instrução\n"
_DOCUMENT_HEADER = "\n### Documento\n"
_ANSWER_HEADER = "\n### Resposta\n"


class PromptSpec(StrictModel):
    """How a student's prompts are built; stored in the adapter manifest."""

    template: Template = TEMPLATE
    instruction_mode: Literal["full", "compact"] = "compact"
    #: The instruction used for every document in compact mode (and when a record has no system prompt).
    instruction: str = Field(default="", max_length=20_000)
    #: The order the student writes the answer's fields in: the schema's, or the label fields last, so
    #: that a small student writes its explanation (the evidence) before it commits to a label.
    answer_order: Literal["schema", "labels_last"] = "schema"


def compact_instruction(task: Task) -> str:
    """A short instruction naming the task and its JSON fields (enum fields with their values)."""
    fields = []
    for name, schema in task.output_schema["properties"].items():
        if "enum" in schema:
            fields.append(f"{name} ({'|'.join(schema['enum'])})")
        else:
            fields.append(name)
    return f"Tarefa: {task.name}. Responda só com JSON com os campos: {', '.join(fields)}."


def prompt_spec_for(task: Task, instruction_mode: Literal["full", "compact"],
                    answer_order: Literal["schema", "labels_last"] = "schema",
                    system_prompts: Sequence[str] = ()) -> PromptSpec:
    """The prompt spec a new student of `task` is trained with. In full mode, the instruction served to a
    document that comes without a system prompt is the one most training records had (`system_prompts`:
    the records' own, already anonymized as the student saw them), else the task's."""
    if instruction_mode == "compact":
        instruction = compact_instruction(task)
    else:
        seen = Counter(p for p in system_prompts if p.strip()).most_common(1)
        instruction = seen[0][0] if seen else task.instruction
    return PromptSpec(instruction_mode=instruction_mode, instruction=instruction, answer_order=answer_order)


def answer_fields(task: Task, spec: PromptSpec) -> list[str]:
    """The answer's top-level fields in the order the student writes them (training and decoding)."""
    names = list(task.output_schema["properties"])
    if spec.answer_order == "labels_last":
        names = [n for n in names if n not in task.label_fields] + [n for n in names if n in task.label_fields]
    return names


def build_prompt(spec: PromptSpec, user_prompt: str | dict[str, Any], system_prompt: str | None = None) -> str:
    """The text the student continues with its JSON answer."""
    if spec.instruction_mode == "full" and system_prompt:
        instruction = system_prompt
    else:
        instruction = spec.instruction
    return (f"{_INSTRUCTION_HEADER}{instruction.strip()}{_DOCUMENT_HEADER}{user_prompt_text(user_prompt).strip()}"
            f"{_ANSWER_HEADER}")


#: How prompts become token ids (recorded in adapter manifests; inference refuses an unknown one).
PROMPT_TOKENS = "bos+text-v1"


def prompt_token_ids(tokenizer: Any, prompt: str) -> list[int]:
    """The token ids a student sees for `prompt`: the tokenizer's BOS (when it has one), then the text
    without any special token the tokenizer would add on its own. Training, validation and serving all
    call this, so the served prompt is token for token the trained one (vLLM given a string would
    tokenize it its own way: SmolLM2's tokenizer, for one, adds no BOS)."""
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    return [tokenizer.bos_token_id, *ids] if tokenizer.bos_token_id is not None else list(ids)


def json_separators(template: Template = TEMPLATE) -> tuple[str, str]:
    """The item and key separators of a template's answers (as `json.dumps(separators=...)`)."""
    return _SEPARATORS[template]


def build_completion(output: Any, template: Template = TEMPLATE) -> str:
    """The answer the student learns to produce: JSON in the schema's field order, characters not
    escaped, formatted exactly as constrained decoding will let it write (the caller appends the
    tokenizer's end-of-sequence token)."""
    return json.dumps(output, ensure_ascii=False, separators=json_separators(template))
