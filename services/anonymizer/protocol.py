"""Request and response models of the anonymizer API (kept apart from the engine)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from services.anonymizer.recognizers.registry import supported_entities

#: The entity types a request may name: the registry's (NER labels plus every recognizer class's
#: ENTITY); a deployment's recognizer configuration may enable a subset (then: 422, not enabled).
EntityType = Literal[supported_entities()]  # type: ignore[valid-type]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- analyze ----------------------------------------------------------------------------------------
class AnalyzeRequest(_Strict):
    text: str = Field(description="Text to analyze (Portuguese).")
    language: Literal["pt"] = "pt"
    entities: list[EntityType] | None = Field(default=None, min_length=1,
                                              description="Only these types; default: all.")
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class Entity(BaseModel):
    type: str
    start: int = Field(description="Start offset (Unicode code points) in the input text.")
    end: int = Field(description="End offset (exclusive).")
    score: float
    public_body: bool | None = Field(default=None,
                                     description="ORGANIZATION only: the span names a public body.")


class AnalyzeResponse(BaseModel):
    entities: list[Entity]


class AnalyzeBatchRequest(_Strict):
    texts: list[str] = Field(min_length=1)
    language: Literal["pt"] = "pt"
    entities: list[EntityType] | None = Field(default=None, min_length=1)
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class AnalyzeBatchResponse(BaseModel):
    results: list[AnalyzeResponse]


# --- operators --------------------------------------------------------------------------------------
class PlaceholderOperator(_Strict):
    """`<PESSOA_1>`: numbered, the same value gets the same placeholder within a request."""
    type: Literal["placeholder"] = "placeholder"


class RedactOperator(_Strict):
    """Remove the value."""
    type: Literal["redact"]


class MaskOperator(_Strict):
    """Replace characters with `masking_char` (all, or the first/last `chars_to_mask`)."""
    type: Literal["mask"]
    masking_char: str = Field(default="*", min_length=1, max_length=1)
    chars_to_mask: int | None = Field(default=None, ge=1)
    from_end: bool = False


class HashOperator(_Strict):
    """Keyed HMAC-SHA256 (hex, 32 chars): the same value always gives the same hash; not reversible."""
    type: Literal["hash"]


class EncryptOperator(_Strict):
    """`<ENC:token>`: authenticated encryption with the service key; /v1/deanonymize decrypts it."""
    type: Literal["encrypt"]


class PseudonymizeOperator(_Strict):
    """`<PESSOA_1>` plus a vault entry; the response's mapping_id lets /v1/deanonymize restore values."""
    type: Literal["pseudonymize"]


class KeepOperator(_Strict):
    """Leave the value as it is (e.g. keep dates)."""
    type: Literal["keep"]


Operator = Annotated[
    Union[PlaceholderOperator, RedactOperator, MaskOperator, HashOperator, EncryptOperator,
          PseudonymizeOperator, KeepOperator],
    Field(discriminator="type"),
]

OperatorMap = dict[Literal[EntityType, "DEFAULT"], Operator]  # type: ignore[valid-type]


# --- anonymize --------------------------------------------------------------------------------------
class _TextOrDocument(_Strict):
    text: str | None = None
    document: JsonValue = Field(default=None, description="Any JSON value; strings inside are processed, "
                                                          "keys and structure are kept.")

    @model_validator(mode="after")
    def _exactly_one(self) -> "_TextOrDocument":
        if (self.text is None) == (self.document is None):
            raise ValueError("give exactly one of 'text' or 'document'")
        return self


class AnonymizeRequest(_TextOrDocument):
    language: Literal["pt"] = "pt"
    operators: OperatorMap | None = Field(default=None, description="Per entity type (or DEFAULT); "
                                                                   "default: placeholder for every type.")
    entities: list[EntityType] | None = Field(default=None, min_length=1)
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class AnonymizedEntity(BaseModel):
    type: str
    start: int = Field(description="Offset in the input string.")
    end: int
    score: float
    operator: str
    output_start: int = Field(description="Offset of the replacement in the output string.")
    output_end: int
    path: str | None = Field(default=None, description="JSON pointer of the string inside `document`.")


class AnonymizeResponse(BaseModel):
    text: str | None = None
    document: JsonValue = None
    entities: list[AnonymizedEntity]
    mapping_id: str | None = Field(default=None, description="Vault entry for pseudonymized values.")


class AnonymizeBatchItem(_TextOrDocument):
    """One text or document of a batch."""


class AnonymizeBatchRequest(_Strict):
    items: list[AnonymizeBatchItem] = Field(min_length=1)
    language: Literal["pt"] = "pt"
    operators: OperatorMap | None = None
    entities: list[EntityType] | None = Field(default=None, min_length=1)
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class AnonymizeBatchResponse(BaseModel):
    results: list[AnonymizeResponse]


# --- deanonymize ------------------------------------------------------------------------------------
class DeanonymizeRequest(_TextOrDocument):
    mapping_id: str | None = Field(default=None, max_length=64,
                                   description="Vault entry from a pseudonymizing /v1/anonymize call.")


class DeanonymizeResponse(BaseModel):
    text: str | None = None
    document: JsonValue = None
    restored: int = Field(description="How many tokens were restored.")
