"""Schemathesis against the anonymizer's OpenAPI schema: no input makes the server fail with a 5xx."""

from __future__ import annotations

from tests.integration.anonymizer.conftest import Anonymizer
from tests.servers import assert_no_server_errors, requests_served


def test_no_server_errors(anonymizer: Anonymizer) -> None:
    headers = {"Authorization": f"Bearer {anonymizer.keys['admin']}"}
    assert assert_no_server_errors(anonymizer.url, headers) >= 8
    for route in ("/v1/analyze", "/v1/anonymize", "/v1/deanonymize", "/v1/anonymize/batch"):
        assert requests_served(anonymizer.url, "anonymizer", route) >= 10, route  # the run reached every route
