"""HTTP calls to the services, with their RFC 9457 problem errors turned into exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

EXIT_OK = 0
EXIT_FAILED_JOB = 1
EXIT_USAGE = 2
EXIT_SERVER = 3
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """An error to show (one message, no traceback) and the exit code it ends the command with."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


#: What to do about each kind of answer (the server's detail says what was wrong).
_HINTS = {
    401: "give an API key with --api-key, LLM4GOV_API_KEY or the client configuration file",
    403: "use a key with the role named above, or ask an admin (admin keys can read other keys' jobs and files)",
    404: "check the id or name (`llm4gov files list`, `llm4gov label list`, `llm4gov train list`, "
         "`llm4gov adapters list`) and the service URL",
    409: "check the job's or adapter's current state (`status` / `adapters show`) and retry the action that fits it",
    413: "split the input into smaller files or batches, or ask the operator to raise the service's limit",
    422: "fix the fields named above and run the command again",
    429: "wait a moment and retry",
    500: "retry later; if it persists, the service's log has the details (look up the request id)",
}


class ApiError(CliError):
    """An HTTP error answer: 4xx exit 2, 5xx exit 3, with the problem document's fields."""

    def __init__(self, service: str, status: int, title: str, detail: str,
                 errors: list[dict[str, Any]] | None = None, body: dict[str, Any] | None = None) -> None:
        self.service = service
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors or []
        self.body = body or {}
        lines = [f"{service}: HTTP {status} {title}: {detail}" if detail and detail != title
                 else f"{service}: HTTP {status} {title}"]
        for err in self.errors[:20]:
            loc = ".".join(str(p) for p in err.get("loc", []) if p != "body")
            lines.append(f"  {loc or '(request)'}: {err.get('msg', '')}")
        hint = _HINTS.get(status) or (_HINTS[500] if status >= 500 else None)
        if hint:
            lines.append(f"  hint: {hint}")
        super().__init__(EXIT_USAGE if 400 <= status < 500 else EXIT_SERVER, "\n".join(lines))


def problem_from(service: str, response: httpx.Response) -> ApiError:
    """The ApiError for an error response (a problem document, or whatever text came back)."""
    title, detail, errors, body = response.reason_phrase or "Error", "", None, None
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        detail = response.text[:300].strip() if response.text else ""
    if isinstance(body, dict):
        title = str(body.get("title") or title)
        raw_detail = body.get("detail", "")
        detail = raw_detail if isinstance(raw_detail, str) else json.dumps(raw_detail, ensure_ascii=False)[:500]
        if isinstance(body.get("errors"), list):
            errors = [e for e in body["errors"] if isinstance(e, dict)]
    else:
        body = None
    return ApiError(service, response.status_code, title, detail, errors, body)


class ApiClient:
    """One service's API: base URL, bearer key, and errors as CliError/ApiError."""

    def __init__(self, service: str, base_url: str, api_key: str | None, timeout_s: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/json", "User-Agent": "llm4gov-cli"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(base_url=self.base_url, headers=headers, transport=transport,
                                    timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)))

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def _unreachable(self, exc: httpx.TransportError) -> CliError:
        kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "unreachable"
        return CliError(EXIT_SERVER, f"{self.service} at {self.base_url} is {kind} ({type(exc).__name__}); "
                                     f"is it running? (see --{self.service}-url)")

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        if response.status_code >= 400:
            raise problem_from(self.service, response)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise CliError(EXIT_SERVER, f"{self.service}: the answer to {method} {path} is not JSON") from None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.json("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.json("POST", path, **kwargs)

    @contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """A streamed answer (checked before its body is read)."""
        try:
            with self._client.stream(method, path, **kwargs) as response:
                if response.status_code >= 400:
                    response.read()
                    raise problem_from(self.service, response)
                yield response
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
