"""Tasks: an instruction plus the JSON structure the teacher and the student must produce.

The output schema comes from a structure example exactly like the seed's `structure_example.json`
(types inferred from the example values; `"BAIXA|MEDIA|ALTA|CRITICA"` becomes an enum) or from a JSON
Schema given directly. Schemas are kept to the subset that strict structured outputs support
(objects with required properties and no extras, arrays, enums, string/number/integer/boolean), so
one schema drives the teacher's `response_format`, pydantic validation, and the student's
constrained decoding.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from shared.protocol import StrictModel, require_exactly_one

_ALTERNATIVES = re.compile(r"^[^|\s][^|]*(\|[^|]+)+$")
_SUPPORTED_KEYS = {"type", "properties", "required", "additionalProperties", "items", "enum", "description",
                   "title", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"}
_PRIMITIVES: dict[str, type] = {"string": str, "integer": int, "number": float, "boolean": bool}


class SchemaError(ValueError):
    """The example or schema cannot be used as a task output structure."""


def schema_from_example(example: Any) -> dict[str, Any]:
    """Infer a strict JSON Schema from a structure example."""
    if isinstance(example, bool):
        return {"type": "boolean"}
    if isinstance(example, int):
        return {"type": "integer"}
    if isinstance(example, float):
        return {"type": "number"}
    if isinstance(example, str):
        if _ALTERNATIVES.match(example.strip()):
            return {"type": "string", "enum": [v.strip() for v in example.split("|")]}
        return {"type": "string", "description": example} if example else {"type": "string"}
    if isinstance(example, list):
        if not example:
            raise SchemaError("an empty list in the example gives no item type")
        return {"type": "array", "items": schema_from_example(example[0])}
    if isinstance(example, dict):
        if not example:
            raise SchemaError("an empty object in the example has no fields")
        return {"type": "object", "properties": {k: schema_from_example(v) for k, v in example.items()},
                "required": list(example), "additionalProperties": False}
    raise SchemaError(f"unsupported example value of type {type(example).__name__}")


def check_schema(schema: dict[str, Any], path: str = "$") -> None:
    """Raise SchemaError unless `schema` is in the supported strict subset."""
    if not isinstance(schema, dict):
        raise SchemaError(f"{path}: a schema must be an object")
    unknown = set(schema) - _SUPPORTED_KEYS
    if unknown:
        raise SchemaError(f"{path}: unsupported keywords {sorted(unknown)}")
    kind = schema.get("type")
    if "enum" in schema:
        values = schema["enum"]
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            raise SchemaError(f"{path}: enum must be a non-empty list of strings")
        if kind not in (None, "string"):
            raise SchemaError(f"{path}: only string enums are supported")
        return
    if kind == "object":
        props = schema.get("properties")
        if not isinstance(props, dict) or not props:
            raise SchemaError(f"{path}: an object needs properties")
        required = schema.get("required", list(props))
        if not isinstance(required, list) or set(required) - set(props):
            raise SchemaError(f"{path}: required must list properties")
        for name, sub in props.items():
            check_schema(sub, f"{path}.{name}")
    elif kind == "array":
        check_schema(schema.get("items", {}), f"{path}[]")
    elif kind not in _PRIMITIVES:
        raise SchemaError(f"{path}: unsupported type {kind!r}")


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with every object closed and all properties required (OpenAI strict mode rules)."""
    if schema.get("type") == "object":
        props = {k: strict_schema(v) for k, v in schema["properties"].items()}
        return {**schema, "properties": props, "required": list(props), "additionalProperties": False}
    if schema.get("type") == "array":
        return {**schema, "items": strict_schema(schema["items"])}
    return dict(schema)


def _field_type(schema: dict[str, Any], name: str) -> Any:
    if "enum" in schema:
        return Literal[tuple(schema["enum"])]  # type: ignore[misc]
    kind = schema.get("type")
    if kind == "object":
        return model_from_schema(schema, name)
    if kind == "array":
        return list[_field_type(schema["items"], name + "Item")]  # type: ignore[misc]
    return _PRIMITIVES[kind]


def _constraints(schema: dict[str, Any]) -> dict[str, Any]:
    mapping = {"minimum": "ge", "maximum": "le", "minLength": "min_length", "maxLength": "max_length",
               "minItems": "min_length", "maxItems": "max_length"}
    return {mapping[k]: v for k, v in schema.items() if k in mapping}


def model_from_schema(schema: dict[str, Any], name: str = "TaskOutput") -> type[BaseModel]:
    """A pydantic model that validates exactly the objects the schema allows (no extra keys)."""
    check_schema(schema)
    if schema.get("type") != "object":
        raise SchemaError("the output schema must be an object")
    required = set(schema.get("required", schema["properties"]))
    fields: dict[str, Any] = {}
    for prop, sub in schema["properties"].items():
        annotation = _field_type(sub, f"{name}_{prop}")
        if prop in required:
            fields[prop] = (annotation, Field(..., **_constraints(sub)))
        else:
            fields[prop] = (annotation | None, Field(None, **_constraints(sub)))
    return create_model(name, __config__=ConfigDict(extra="forbid", strict=False), **fields)


class Task(StrictModel):
    """What a student learns: an instruction and the JSON structure of its answer."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$", description="Slug used in adapter names.")
    instruction: str = Field(default="", description="System prompt given to the teacher.")
    output_schema: dict[str, Any]
    label_fields: list[str] = Field(default_factory=list, description="Enum fields metrics are computed on.")

    @field_validator("output_schema")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            model_from_schema(value)
        except SchemaError as exc:
            raise ValueError(str(exc)) from None
        return strict_schema(value)

    def model_post_init(self, _context: Any) -> None:
        enums = [k for k, v in self.output_schema["properties"].items() if "enum" in v]
        if not self.label_fields:
            self.label_fields = enums
        elif set(self.label_fields) - set(enums):
            raise ValueError(f"label_fields must be enum fields of the schema: {enums}")

    @classmethod
    def from_example(cls, name: str, example: dict[str, Any], instruction: str = "",
                     label_fields: list[str] | None = None) -> "Task":
        return cls(name=name, instruction=instruction, output_schema=schema_from_example(example),
                   label_fields=label_fields or [])

    def output_model(self) -> type[BaseModel]:
        return model_from_schema(self.output_schema, "TaskOutput")

    def validate_output(self, value: Any) -> dict[str, Any]:
        """The validated output, or pydantic's ValidationError (its messages hold no input values)."""
        return self.output_model().model_validate(value).model_dump()


class TaskSpec(StrictModel):
    """A task as API clients give it: an output structure example (seed style) or a JSON Schema, and
    an instruction. Shared by the teacher's and the trainer's job APIs."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    instruction: str | None = Field(default=None, description="Used when a record has no system_prompt.")
    structure_example: dict[str, Any] | None = Field(default=None, description="Like structure_example.json.")
    output_schema: dict[str, Any] | None = None
    label_fields: list[str] | None = None

    @model_validator(mode="after")
    def _one_structure(self) -> "TaskSpec":
        require_exactly_one(self, "structure_example", "output_schema")
        return self

    def to_task(self) -> Task:
        """The Task, or SchemaError with a one-line reason (no input values)."""
        try:
            if self.structure_example is not None:
                return Task.from_example(self.name, self.structure_example, self.instruction or "",
                                         self.label_fields or [])
            return Task(name=self.name, instruction=self.instruction or "", output_schema=self.output_schema or {},
                        label_fields=self.label_fields or [])
        except ValidationError as exc:
            raise SchemaError("; ".join(e["msg"] for e in exc.errors())) from None
        except (SchemaError, ValueError) as exc:
            raise SchemaError(str(exc).splitlines()[0]) from None


__all__ = ["SchemaError", "Task", "TaskSpec", "ValidationError", "check_schema", "model_from_schema", "schema_from_example",
           "strict_schema"]
