"""Messages sent to the teacher: one document or several per call, and the repair turn."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_HINT = ("\n\nResponda somente com um objeto JSON válido que siga exatamente este JSON Schema "
               "(sem texto fora do JSON):\n<schema>{schema}</schema>")


def multi_document_schema(item_schema: dict[str, Any], k: int) -> dict[str, Any]:
    """The schema of a k-document answer: `{"results": [answer_1, ..., answer_k]}`."""
    return {"type": "object", "additionalProperties": False, "required": ["results"],
            "properties": {"results": {"type": "array", "items": item_schema, "minItems": k, "maxItems": k}}}


def build_messages(system_prompt: str, user_texts: list[str], schema: dict[str, Any],
                   embed_schema: bool) -> list[dict[str, str]]:
    """System + user messages for one call; `embed_schema` when the endpoint cannot enforce it."""
    system = system_prompt + (SCHEMA_HINT.format(schema=json.dumps(schema, ensure_ascii=False))
                              if embed_schema else "")
    if len(user_texts) == 1:
        user = user_texts[0]
    else:
        parts = [f"Analise cada um dos {len(user_texts)} documentos abaixo de forma independente. Responda "
                 f"com um objeto JSON {{\"results\": [...]}} com exatamente {len(user_texts)} respostas, "
                 "na mesma ordem dos documentos."]
        parts += [f"### Documento {i}\n{text}" for i, text in enumerate(user_texts, start=1)]
        user = "\n\n".join(parts)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def repair_messages(messages: list[dict[str, str]], bad_answer: str, problem: str) -> list[dict[str, str]]:
    """Show the model its invalid answer and why it is invalid; ask for the corrected JSON only."""
    return [*messages, {"role": "assistant", "content": bad_answer[:4000]},
            {"role": "user", "content": f"A resposta anterior não é válida: {problem}. Responda novamente "
                                        "apenas com o JSON corrigido, seguindo exatamente o esquema pedido."}]
