#!/usr/bin/env bash
# Create .venv/ and install the project with the given extras (default: every service + dev).
# torch, when a service needs it, is installed first and pinned (2.13.0 CPU wheel) so that no
# CUDA build is pulled in.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-anonymizer,teacher,trainer,dev}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip setuptools wheel
case ",${EXTRAS}," in
  *,trainer,*) .venv/bin/python -m pip install -q "torch==2.13.0" ;;
esac
.venv/bin/python -m pip install -q -e ".[${EXTRAS}]"
