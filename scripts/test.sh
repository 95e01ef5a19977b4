#!/usr/bin/env bash
# Set up .venv with every extra the tests need, then run the whole test suite.
# PostgreSQL-backed tests run when a server answers on 127.0.0.1:5432 and are skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "anonymizer,teacher,trainer,inference-cpu,dev"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests"; exit 0
fi
exit "$status"
