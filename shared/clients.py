"""HTTP clients services use to call each other (a service never imports another service)."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import httpx


class AnonymizerUnavailable(RuntimeError):
    """The anonymizer could not be reached or failed; callers must not send raw text anywhere."""


class AnonymizerClient:
    """Async client of the anonymizer's batch API."""

    def __init__(self, base_url: str, api_key: str | None = None, timeout_s: float = 60.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s,
                                         transport=transport)

    async def anonymize_documents(self, documents: list[Any], operators: dict[str, Any] | None = None
                                  ) -> list[dict[str, Any]]:
        """Anonymize JSON documents; returns one `{document, entities, mapping_id?}` per input."""
        body: dict[str, Any] = {"items": [{"document": d} for d in documents]}
        if operators:
            body["operators"] = operators
        try:
            response = await self._client.post("/v1/anonymize/batch", json=body)
        except httpx.HTTPError as exc:
            raise AnonymizerUnavailable(f"anonymizer unreachable ({type(exc).__name__})") from None
        if response.status_code != 200:
            title = _problem_title(response)
            raise AnonymizerUnavailable(f"anonymizer answered {response.status_code} ({title})")
        try:
            results = response.json()["results"]
        except (ValueError, KeyError, TypeError):
            raise AnonymizerUnavailable("anonymizer answered without results") from None
        # fail closed: one analyzed document per document sent, or nothing is used
        if not isinstance(results, list) or len(results) != len(documents) or \
                not all(isinstance(r, dict) and "document" in r for r in results):
            count = len(results) if isinstance(results, list) else 0
            raise AnonymizerUnavailable(f"anonymizer answered {count} results for {len(documents)} documents")
        return results

    async def aclose(self) -> None:
        await self._client.aclose()


def _problem_title(response: httpx.Response) -> str:
    try:
        return str(response.json().get("title", ""))[:100]
    except ValueError:
        return ""


def is_ready(url: str, path: str = "/readyz", timeout_s: float = 3.0) -> bool:
    """Whether `url + path` answers 200 right now."""
    try:
        return httpx.get(url.rstrip("/") + path, timeout=timeout_s).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until_healthy(url: str, timeout_s: float = 60.0, path: str = "/healthz",
                       process: "subprocess.Popen[bytes] | None" = None) -> None:
    """Block until `url + path` answers 200; fail early if `process` (the server) exits."""
    deadline = time.monotonic() + timeout_s
    while True:
        if is_ready(url, path, timeout_s=2):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server process exited with code {process.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url}{path} not ready after {timeout_s:.0f} s")
        time.sleep(0.2)
