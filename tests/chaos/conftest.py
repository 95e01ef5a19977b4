"""The chaos suite: real processes on 127.0.0.1, faults injected while they work (kill -9 of a training
run, of the trainer service, of the vLLM engine, of the anonymizer; object storage unreachable), and
each test asserts what a user sees through the API. Bounded in time: every wait has a deadline.

Fixtures come from the integration suites (a tiny Llama built at test time, the inference service
over vLLM, the anonymizer and the fake teacher)."""

from __future__ import annotations

import pytest

from tests.integration.trainer.conftest import tiny_base  # noqa: F401

try:  # the inference fixtures need vLLM (extra inference-cpu); without it only that test is skipped
    from tests.integration.inference.conftest import anonymizer, inference, tiny_base_model  # noqa: F401
except pytest.skip.Exception:
    pass
