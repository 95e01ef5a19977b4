"""Schemathesis against the teacher's OpenAPI schema: no generated request gets a 5xx."""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error


def test_no_server_errors(start_teacher) -> None:  # type: ignore[no-untyped-def]
    teacher = start_teacher()
    schema = schemathesis.openapi.from_url(f"{teacher.url}/openapi.json")
    schema.config.update(base_url=teacher.url)
    headers = {"Authorization": f"Bearer {teacher.keys['admin']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        check()
    metrics = httpx.get(f"{teacher.url}/metrics").text
    posts = [line for line in metrics.splitlines() if line.startswith("llm4gov_teacher_http_requests_total")
             and 'route="/v1/labeling-jobs"' in line and 'method="POST"' in line]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in posts) >= 10
