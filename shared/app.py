"""The FastAPI app every service is built on.

`create_service_app` gives each service the same skeleton: JSON logs with request ids, problem+json
errors, API-key auth, Prometheus metrics, a request-size limit, and the `/healthz` (alive),
`/readyz` (dependencies ready) and `/metrics` endpoints. Services add routers and readiness checks.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import ApiKeyAuthenticator
from shared.config import ServiceSettings
from shared.errors import install_error_handlers, internal_error_response, problem_response
from shared.logs import configure_logging, get_logger
from shared.metrics import ServiceMetrics, create_service_metrics
from shared.workers import BackgroundWorker

log = get_logger("http")

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

#: Raises when the dependency is not ready; may return a note (e.g. "degraded: ...") that is shown
#: without making the service unready.
ReadinessCheck = Callable[[], str | None]


class _BodyTooLarge(Exception):
    pass


class RequestContextMiddleware:
    """Request id, access log line, HTTP metrics and the body-size limit, in one pure ASGI layer."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, max_body: int,
                 upload_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body
        #: POST paths that take uploads (streamed to disk, not memory) and their own, larger limit
        self.upload_limits = upload_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        incoming = headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        max_body = self.max_body
        if scope.get("method") == "POST" and scope.get("path") in self.upload_limits:
            max_body = self.upload_limits[scope["path"]]
        status = 500
        response_started = False
        started = time.perf_counter()
        self.metrics.in_flight.inc()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            nonlocal response_started
            if message["type"] == "http.response.start":
                status, response_started = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > max_body:
                raise _BodyTooLarge
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > max_body:
                        raise _BodyTooLarge
                return message

            await self.app(scope, limited_receive, send_with_id)
        except _BodyTooLarge:
            response = problem_response(413, "Payload too large",
                                        f"The request body exceeds {max_body} bytes.", "payload-too-large")
            await response(scope, receive, send_with_id)
        except Exception as exc:  # the client gets a problem document, the log gets no message text
            if response_started:
                raise
            await internal_error_response(exc)(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.in_flight.dec()
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(template, method, str(status)).inc()
            self.metrics.latency.labels(template, method).observe(elapsed)
            if template not in ("/healthz", "/metrics"):
                log.info("request", method=method, route=template, status=status,
                         duration_ms=round(elapsed * 1000, 1))
            structlog.contextvars.unbind_contextvars("request_id")


def request_id(request: Request) -> str:
    return request.scope.get("state", {}).get("request_id", "")


def create_service_app(
    service: str,
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    version: str = "0.1.0",
    routers: list[APIRouter] = (),  # type: ignore[assignment]
    readiness: dict[str, ReadinessCheck] | None = None,
    on_startup: Callable[[FastAPI], None] | None = None,
    on_shutdown: Callable[[FastAPI], None] | None = None,
    upload_limits: dict[str, int] | None = None,
    worker: BackgroundWorker | None = None,
) -> FastAPI:
    """The service's app; `on_startup` and then `worker` run when it starts, `worker` stops before
    `on_shutdown` runs (which may close what the worker uses)."""
    configure_logging(settings.log_level, settings.log_format)
    metrics = create_service_metrics(service)
    checks = dict(readiness or {})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auth == "off":
            log.warning("auth_disabled", service=service,
                        message="LLM4GOV_AUTH=off: every caller is admin. Local use only.")
        elif app.state.authenticator.key_count == 0:
            log.warning("no_api_keys", service=service, message="auth is on but no API key is configured")
        if on_startup:
            on_startup(app)
        if worker is not None:
            worker.start(app)
        log.info("service_started", service=service)
        yield
        if worker is not None:
            worker.stop()
        if on_shutdown:
            on_shutdown(app)
        log.info("service_stopped", service=service)

    docs = settings.api_docs  # the interactive docs and the schema show every route and model: a setting
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  openapi_url="/openapi.json" if docs else None)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.authenticator = ApiKeyAuthenticator(settings)
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, metrics=metrics, max_body=settings.max_request_bytes,
                       upload_limits=upload_limits)

    @app.get("/healthz", tags=["ops"], summary="Liveness: the process is up.")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="Readiness: every dependency answers.",
             responses={503: {"description": "A dependency is not ready."}})
    def readyz() -> JSONResponse:
        results: dict[str, Any] = {}
        ready = True
        for name, check in checks.items():
            try:
                results[name] = check() or "ok"
            except Exception as exc:  # a readiness probe reports, it does not raise
                ready = False
                results[name] = f"unavailable: {type(exc).__name__}"
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": results},
                            status_code=200 if ready else 503)

    @app.get("/metrics", tags=["ops"], summary="Prometheus metrics.", response_class=Response)
    def metrics_endpoint() -> Response:
        return metrics.render()

    for router in routers:
        app.include_router(router)
    return app

