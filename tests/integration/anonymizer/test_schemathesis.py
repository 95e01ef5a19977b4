"""Schemathesis against the anonymizer's OpenAPI schema: no input makes the server fail with a 5xx."""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.integration.anonymizer.conftest import Anonymizer


def test_no_server_errors(anonymizer: Anonymizer) -> None:
    schema = schemathesis.openapi.from_url(f"{anonymizer.url}/openapi.json")
    schema.config.update(base_url=anonymizer.url)
    headers = {"Authorization": f"Bearer {anonymizer.keys['admin']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in operations} >= {
        "POST /v1/analyze", "POST /v1/analyze/batch", "POST /v1/anonymize", "POST /v1/anonymize/batch",
        "POST /v1/deanonymize", "GET /healthz", "GET /readyz", "GET /metrics"}
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        check()
    # the run really exercised the API (generated requests reached every POST route)

    metrics = httpx.get(f"{anonymizer.url}/metrics").text
    for route in ("/v1/analyze", "/v1/anonymize", "/v1/deanonymize", "/v1/anonymize/batch"):
        sent = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                   if line.startswith("llm4gov_anonymizer_http_requests_total") and f'route="{route}"' in line)
        assert sent >= 10, route
