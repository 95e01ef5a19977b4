"""RFC 9457 problem+json errors (with OpenAI's `error` member, for its SDKs).

Raise `ProblemError` (or a subclass) anywhere; the handlers installed by `install_error_handlers`
turn it, FastAPI's HTTP and validation errors, and any unexpected exception into problem documents.
Validation errors never echo the submitted input back (it may be personal data), and unexpected
exceptions give the client no trace; the log gets the exception type and the code location only.
"""

from __future__ import annotations

import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.status import HTTP_422_UNPROCESSABLE_CONTENT

from shared.logs import get_logger

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_BASE = "https://llm4gov.dev/problems/"
#: Seconds a 503 asks the client to wait (unless the error names its own `retry_after_s`).
RETRY_AFTER_S = 5

log = get_logger(__name__)


class ProblemError(Exception):
    """An error with an HTTP status, safe to show to the client."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(self, detail: str, *, status: int | None = None, title: str | None = None,
                 slug: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        if slug is not None:
            self.slug = slug
        self.extra = extra or {}


class NotFound(ProblemError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(ProblemError):
    status, title, slug = 409, "Conflict", "conflict"


class PayloadTooLarge(ProblemError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


class Unprocessable(ProblemError):
    status, title, slug = 422, "Unprocessable content", "validation-error"


class Unauthorized(ProblemError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(ProblemError):
    status, title, slug = 403, "Forbidden", "forbidden"


class ServiceUnavailable(ProblemError):
    status, title, slug = 503, "Service unavailable", "unavailable"


def error_responses(forbidden: str = "Role missing.", not_found: str = "Not found.",
                    invalid: str = "Invalid request.") -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of a route's usual errors (401, 403, 404, 422), each said as it applies there."""
    return {401: {"description": "Missing or invalid API key."}, 403: {"description": forbidden},
            404: {"description": not_found}, 422: {"description": invalid}}


def problem_response(status: int, title: str, detail: str, slug: str,
                     extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": _TYPE_BASE + slug, "title": title, "status": status, "detail": detail,
                            # the same in OpenAI's error shape, so OpenAI SDKs show the reason too
                            "error": {"message": detail, "type": slug, "code": str(status), "param": None}}
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


_LOC_ROOTS = frozenset({"body", "query", "path", "header", "cookie"})


def _declared_names(app: Any) -> frozenset[str]:
    """Every field and parameter name the app's API declares (cached on the app)."""
    names = getattr(app.state, "declared_field_names", None)
    if names is None:
        found: set[str] = set()

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key in ("properties", "patternProperties"):
                    if isinstance(node.get(key), dict):
                        found.update(node[key])
                if isinstance(node.get("name"), str) and node.get("in") in _LOC_ROOTS:
                    found.add(node["name"])
                for child in node.values():
                    walk(child)
            elif isinstance(node, list):
                for child in node:
                    walk(child)

        walk(app.openapi())
        names = app.state.declared_field_names = frozenset(found)
    return names


def _safe_validation_errors(exc: RequestValidationError, declared: frozenset[str]) -> list[dict[str, Any]]:
    """Keep where and why a field failed, never what was sent.

    A location part that is not a declared field name (a key of the caller's own JSON object, e.g. a
    metadata key that may be personal data) is shown as `*`; the offending value is never echoed.
    """
    out = []
    for err in exc.errors():
        loc = [p if isinstance(p, int) or p in _LOC_ROOTS or p in declared else "*" for p in err.get("loc", ())]
        # pydantic's messages name the rule (and our validators' the field), never the input
        out.append({"loc": loc, "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))})
    return out


def _code_location(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames[-6:]))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if exc.status == 503:  # every "not now" says when to try again
            headers = {"Retry-After": str(int(exc.extra.get("retry_after_s", RETRY_AFTER_S)))}
        return problem_response(exc.status, exc.title, exc.detail, exc.slug, exc.extra, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(HTTP_422_UNPROCESSABLE_CONTENT, "Unprocessable content",
                                "The request does not match the expected schema.", "validation-error",
                                {"errors": _safe_validation_errors(exc, _declared_names(request.app))})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "HTTP error"
        return problem_response(exc.status_code, detail, detail, f"http-{exc.status_code}",
                                headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return internal_error_response(exc)


def internal_error_response(exc: BaseException) -> JSONResponse:
    """Log an unexpected exception by type and code location only (its message may hold PII)."""
    log.error("unhandled_exception", exc_type=type(exc).__name__, where=_code_location(exc))
    return problem_response(500, "Internal server error",
                            "An unexpected error occurred; the request id identifies it in the logs.", "internal")
