from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from shared.records import RecordsError, dump_jsonl, parse_records, user_prompt_text
from shared.tasks import SchemaError, Task, model_from_schema, schema_from_example

EXAMPLE = {"document_id": "ID_DO_DOCUMENTO", "nivel": "BAIXA|MEDIA|ALTA", "explicacao": "Resumo técnico.",
           "tags": ["palavra"], "confianca": 0.9, "paginas": 3, "urgente": True}


def test_schema_from_example() -> None:
    schema = schema_from_example(EXAMPLE)
    props = schema["properties"]
    assert props["nivel"] == {"type": "string", "enum": ["BAIXA", "MEDIA", "ALTA"]}
    assert props["explicacao"]["type"] == "string" and "enum" not in props["explicacao"]
    assert props["tags"] == {"type": "array", "items": {"type": "string", "description": "palavra"}}
    assert (props["confianca"]["type"], props["paginas"]["type"], props["urgente"]["type"]) == \
        ("number", "integer", "boolean")
    assert schema["required"] == list(EXAMPLE) and schema["additionalProperties"] is False


def test_task_validates_outputs() -> None:
    task = Task.from_example("severity", EXAMPLE, instruction="Classifique.")
    assert task.label_fields == ["nivel"]
    good = {"document_id": "D1", "nivel": "ALTA", "explicacao": "x", "tags": [], "confianca": 1, "paginas": 2,
            "urgente": False}
    assert task.validate_output(good)["nivel"] == "ALTA"
    for bad in ({**good, "nivel": "ALTISSIMA"}, {k: v for k, v in good.items() if k != "explicacao"},
                {**good, "extra": 1}, {**good, "paginas": "muitas"}):
        with pytest.raises(ValidationError):
            task.validate_output(bad)


def test_direct_schema_is_made_strict() -> None:
    schema = {"type": "object", "properties": {"label": {"enum": ["A", "B"]}, "note": {"type": "string"}},
              "required": ["label"]}
    task = Task(name="t1", output_schema=schema)
    assert task.output_schema["required"] == ["label", "note"]
    assert task.output_schema["additionalProperties"] is False


@pytest.mark.parametrize("schema", [
    {"type": "string"},
    {"type": "object", "properties": {}},
    {"type": "object", "properties": {"a": {"type": "string", "pattern": "x"}}},
    {"type": "object", "properties": {"a": {"enum": []}}},
    {"type": "object", "properties": {"a": {"type": "date"}}},
    {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]},
])
def test_unsupported_schemas(schema: dict) -> None:
    with pytest.raises((SchemaError, ValidationError)):
        Task(name="t", output_schema=schema)


def test_bad_examples_and_labels() -> None:
    with pytest.raises(SchemaError):
        schema_from_example({"a": []})
    with pytest.raises(ValidationError):
        Task.from_example("t", EXAMPLE, label_fields=["explicacao"])
    with pytest.raises(ValidationError):
        Task.from_example("Nome Inválido", EXAMPLE)
    with pytest.raises(SchemaError):
        model_from_schema({"type": "array", "items": {"type": "string"}})


def test_records_json_array_and_jsonl() -> None:
    items = [{"system_prompt": "s", "user_prompt": {"document_id": "D1", "texto": "t"}},
             {"id": "x", "system_prompt": "s", "user_prompt": "texto", "teacher_output": {"nivel": "ALTA"}}]
    from_array = parse_records(json.dumps(items).encode())
    from_jsonl = parse_records("\n".join(json.dumps(i) for i in items) + "\n\n")
    assert from_array == from_jsonl
    assert from_array[1].teacher_output == {"nivel": "ALTA"}
    assert parse_records(dump_jsonl(from_array)) == from_array
    assert user_prompt_text(from_array[0].user_prompt) == '{"document_id": "D1", "texto": "t"}'


@pytest.mark.parametrize("data,where", [
    (b"", "empty"), (b"[]", "no records"), (b"[{\"user_prompt\": 1}]", "item 0"),
    (b'{"user_prompt": "a"}\n{oops', "line 2"), (b"[{", "line 1"),
])
def test_record_errors_say_where(data: bytes, where: str) -> None:
    with pytest.raises(RecordsError, match=where):
        parse_records(data)
