#!/usr/bin/env bash
# Set up the virtual environment, start the anonymizer on 127.0.0.1 with the embedded defaults
# (SQLite + local directory under ./.llm4gov, auth off for this local run), anonymize
# examples/oficio.json, print the result, and stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh anonymizer
PORT="${PORT:-8081}"
export LLM4GOV_AUTH=off LLM4GOV_LOG_FORMAT=console
.venv/bin/llm4gov serve anonymizer --host 127.0.0.1 --port "$PORT" > .llm4gov-anonymizer.log 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { cat .llm4gov-anonymizer.log; exit 1; }
  sleep 0.5
done
echo "== POST /v1/anonymize (examples/oficio.json)"
python3 -c 'import json,sys; print(json.dumps({"document": json.load(open("examples/oficio.json"))}))' \
  | curl -fsS -X POST "http://127.0.0.1:$PORT/v1/anonymize" -H 'content-type: application/json' --data-binary @- \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps(r["document"], ensure_ascii=False, indent=2)); print("entities:", ", ".join(sorted({e["type"] for e in r["entities"]})))'
