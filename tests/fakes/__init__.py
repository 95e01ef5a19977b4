"""Test doubles for external APIs (only the OpenAI-compatible teacher LLM is faked).

Import from `tests.fakes.teacher_server`; this package stays empty so that
`python -m tests.fakes.teacher_server` runs without a double import.
"""
