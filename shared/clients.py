"""HTTP clients services use to call each other (a service never imports another service)."""

from __future__ import annotations

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
        return response.json()["results"]

    async def aclose(self) -> None:
        await self._client.aclose()


def _problem_title(response: httpx.Response) -> str:
    try:
        return str(response.json().get("title", ""))[:100]
    except ValueError:
        return ""
