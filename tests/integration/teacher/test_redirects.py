"""The teacher's API key goes to the configured endpoint and nowhere else: a redirect is not followed."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from prometheus_client import CollectorRegistry, Counter, Histogram

from services.teacher.llm import CallMetrics, TeacherCallFailed, TeacherClient
from services.teacher.protocol import ExecutionSpec, TeacherSpec
from tests.servers import serve_app


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def test_a_redirect_does_not_carry_the_key_to_another_host() -> None:
    seen: list[str | None] = []
    elsewhere = _app()

    @elsewhere.post("/v1/chat/completions")
    async def grab(request: Request) -> dict[str, str]:
        seen.append(request.headers.get("authorization"))
        return {}

    with serve_app(elsewhere) as elsewhere_url:
        redirecting = _app()

        @redirecting.post("/v1/chat/completions")
        async def redirect() -> RedirectResponse:
            return RedirectResponse(f"{elsewhere_url}/v1/chat/completions", status_code=307)

        with serve_app(redirecting) as url:
            registry = CollectorRegistry()
            metrics = CallMetrics(calls=Counter("c", "c", ["outcome"], registry=registry),
                                  retries=Counter("r", "r", ["cause"], registry=registry),
                                  latency=Histogram("l", "l", registry=registry),
                                  tokens=Counter("t", "t", ["kind"], registry=registry))
            client = TeacherClient(TeacherSpec(endpoint="configured", model="m"), f"{url}/v1",
                                   ExecutionSpec(max_attempts=1), "sk-server-secret", metrics)

            async def call() -> None:
                try:
                    await client.complete([{"role": "user", "content": "x"}], {"type": "object"})
                finally:
                    await client.aclose()

            with pytest.raises(TeacherCallFailed, match="307"):
                asyncio.run(call())
    assert seen == []
