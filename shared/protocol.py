"""Building blocks of the services' request models: strict objects (an unknown key is a 422, never
silently dropped) and the "exactly one of these sources" rule several requests share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A request object that refuses keys it does not declare."""

    model_config = ConfigDict(extra="forbid")


def _quoted(names: tuple[str, ...]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def require_exactly_one(model: BaseModel, *names: str) -> None:
    """Raise ValueError (a 422 in a validator) unless exactly one of the fields `names` is set."""
    if sum(getattr(model, name) is not None for name in names) != 1:
        raise ValueError(f"give exactly one of {_quoted(names)}")
