"""RFC 9457 problem+json errors.

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


def problem_response(status: int, title: str, detail: str, slug: str,
                     extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": _TYPE_BASE + slug, "title": title, "status": status, "detail": detail}
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _safe_validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """Keep where and why a field failed; drop the offending input value."""
    out = []
    for err in exc.errors():
        out.append({"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", "")),
                    "type": str(err.get("type", ""))})
    return out


def _code_location(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(frames[-6:]))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem_response(exc.status, exc.title, exc.detail, exc.slug, exc.extra, headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(HTTP_422_UNPROCESSABLE_CONTENT, "Unprocessable content",
                                "The request does not match the expected schema.", "validation-error",
                                {"errors": _safe_validation_errors(exc)})

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
