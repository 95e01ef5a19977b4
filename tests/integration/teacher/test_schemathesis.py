"""Schemathesis against the teacher's OpenAPI schema: no generated request gets a 5xx."""

from __future__ import annotations

from tests.servers import assert_no_server_errors, requests_served


def test_no_server_errors(start_teacher) -> None:  # type: ignore[no-untyped-def]
    teacher = start_teacher()
    headers = {"Authorization": f"Bearer {teacher.keys['admin']}"}
    assert assert_no_server_errors(teacher.url, headers, max_examples=25) >= 10
    assert requests_served(teacher.url, "teacher", "/v1/labeling-jobs") >= 10
