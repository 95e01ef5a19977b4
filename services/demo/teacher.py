"""The built-in DEMO teacher: an OpenAI-compatible endpoint that labels by keyword rules, not an LLM.

`llm4gov demo` uses it only when no real teacher is configured (OPENAI_BASE_URL / OPENAI_API_KEY), so
the whole method runs on a laptop without any external service. It says what it is everywhere: its
model id is `llm4gov-demo-teacher-keyword-rules`, every explanation it writes starts with
"[professor de demonstração]", and the demo prints a banner. It answers the schema it is sent
(`response_format: json_schema`): enum fields get the severity its rules find, other strings a short
explanation or the document id.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

MODEL_ID = "llm4gov-demo-teacher-keyword-rules"
PREFIX = "[professor de demonstração]"

RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("CRITICA", ("incêndio", "ransomware", "vítimas", "feridos", "tóxico", "iminente", "evacuad", "rompimento",
                 "desabamento")),
    ("ALTA", ("vazamento de dados", "fora do ar", "desvio", "rachadura", "interdição", "abastecimento")),
    ("MEDIA", ("atraso de duas semanas", "instabilidade", "infiltração", "falta de servidores", "suspensa",
               "multa")),
)


def severity_of(text: str) -> tuple[str, str | None]:
    """The label the rules give `text`, and the keyword that decided it (BAIXA when none matches)."""
    lowered = text.lower()
    for label, words in RULES:
        for word in words:
            if word in lowered:
                return label, word
    return "BAIXA", None


def _fill(schema: dict[str, Any], name: str, text: str) -> Any:
    if "enum" in schema:
        label, _ = severity_of(text)
        return label if label in schema["enum"] else schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {key: _fill(sub, key, text) for key, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_fill(schema.get("items", {}), name, text)]
    if kind == "integer":
        return int(schema.get("minimum", 0))
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return False
    if "id" in name.lower():
        found = re.search(r'"?document_id"?\s*[:=]\s*"?([A-Za-z0-9_.-]+)', text)
        return found.group(1) if found else ""
    label, word = severity_of(text)
    reason = f"o texto menciona '{word}'" if word else "nenhum termo de risco maior foi encontrado"
    return f"{PREFIX} regra de palavras-chave: {reason}, logo {label}."[: schema.get("maxLength", 500)]


def create_demo_teacher_app() -> FastAPI:
    app = FastAPI(title="LLM4Gov demo teacher (keyword rules, not an LLM)")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "llm4gov-demo"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> JSONResponse:
        body = await request.json()
        text = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
        schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema") \
            or {"type": "object", "properties": {"severity_level": {"enum": ["BAIXA", "MEDIA", "ALTA", "CRITICA"]},
                                                 "explanation": {"type": "string"}}}
        content = json.dumps(_fill(schema, "", text), ensure_ascii=False)
        choices = [{"index": i, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}
                   for i in range(int(body.get("n") or 1))]
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4 + 1
        return JSONResponse({"id": f"chatcmpl-demo-{uuid.uuid4().hex[:12]}", "object": "chat.completion",
                             "created": int(time.time()), "model": MODEL_ID, "choices": choices,
                             "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": len(content) // 4 + 1,
                                       "total_tokens": prompt_tokens + len(content) // 4 + 1}})

    return app
