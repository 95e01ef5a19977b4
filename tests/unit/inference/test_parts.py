"""Inference parts without an engine: decoding schema, output parsing, routing and draining, the vLLM
command line, adapter checks, the tasks file, settings."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.inference.engine import AdapterLoadFailed, vllm_command
from services.inference.routing import Route, Router
from services.inference.settings import EngineOptions, InferenceOptions
from services.inference.supervisor import check_adapter_files, load_tasks_file, zero_shot_route
from shared.adapters import AdapterManifest
from shared.errors import NotFound
from shared.prompts import prompt_spec_for
from shared.structured_output import decoding_schema, parse_output
from shared.tasks import Task

TASK = Task.from_example("severity", {"document_id": "ID", "severity_level": "BAIXA|ALTA", "explanation": "Por quê.",
                                      "tags": ["x"]}, instruction="Classifique.")


def test_decoding_schema_bounds_free_text_and_keeps_enums() -> None:
    schema = decoding_schema(TASK.output_schema, 100)
    props = schema["properties"]
    assert props["severity_level"] == TASK.output_schema["properties"]["severity_level"]
    assert props["explanation"]["maxLength"] == 100 and props["document_id"]["maxLength"] == 100
    assert props["tags"]["items"]["maxLength"] == 100
    # a task's own tighter bounds win; ours never loosens them
    own = decoding_schema({"type": "string", "minLength": 3, "maxLength": 10}, 100)
    assert own["maxLength"] == 10 and own["minLength"] == 3
    assert decoding_schema({"type": "string", "maxLength": 500}, 100)["maxLength"] == 100


def test_decoding_schema_compiles_with_the_default_bounds() -> None:
    """xgrammar (the engine's backend) must compile what we send with the default settings: bounded
    character-class patterns above ~100 repetitions crash its compiler, maxLength does not."""
    xgr = pytest.importorskip("xgrammar")
    vocab = [chr(c) for c in range(32, 127)] + ["ção", "</s>"]
    compiler = xgr.GrammarCompiler(xgr.TokenizerInfo(vocab, stop_token_ids=[len(vocab) - 1]))
    schema = decoding_schema(TASK.output_schema, InferenceOptions().max_string_chars)
    compiler.compile_json_schema(json.dumps(schema), any_whitespace=False)


def test_parse_output_validates_against_the_task_schema_without_quoting_it() -> None:
    good = {"document_id": "D1", "severity_level": "ALTA", "explanation": "ok", "tags": []}
    assert parse_output(TASK, json.dumps(good)) == good
    tab = parse_output(TASK, json.dumps(good).replace('"ok"', '"o\tk"'))
    assert tab["explanation"] == "o\tk"  # a raw control character inside a string is accepted
    with pytest.raises(ValueError, match="not valid JSON"):
        parse_output(TASK, '{"document_id": "D1", "severity')
    with pytest.raises(ValueError, match="severity_level") as info:
        parse_output(TASK, json.dumps({**good, "severity_level": "SEGREDO-123"}))
    assert "SEGREDO-123" not in str(info.value)


def _route(version: str | None, name: str) -> Route:
    return Route(task=TASK, prompt=prompt_spec_for(TASK, "compact"), served_name=name, version=version)


def test_router_switch_drains_the_old_route_after_its_requests_finish() -> None:
    async def scenario() -> None:
        router = Router()
        with pytest.raises(NotFound):
            with router.use("severity"):
                pass
        v1 = _route("1", "severity@1")
        assert router.switch(v1) is None
        with router.use("severity") as held:
            assert held is v1 and v1.in_flight == 1
            v2 = _route("2", "severity@2")
            assert router.switch(v2) is v1
            assert v1.retired and not v1.drained.is_set()  # a request still runs on v1
            with router.use("severity") as new:
                assert new is v2  # new requests go to v2 at once
        assert v1.in_flight == 0 and v1.drained.is_set()
        assert router.by_served_name("severity@2") is v2 and router.by_served_name("severity@1") is None
        idle = _route("3", "severity@3")
        router.switch(idle)
        assert v2.drained.is_set()  # nothing in flight: drained immediately

    asyncio.run(scenario())


def test_zero_shot_route_uses_the_task_instruction_or_a_compact_one() -> None:
    route = zero_shot_route(TASK, "base")
    assert route.version is None and route.mode == "zero_shot" and route.served_name == "base"
    assert route.prompt.instruction == "Classifique."
    bare = Task.from_example("bare", {"kind": "A|B"})
    assert "kind (A|B)" in zero_shot_route(bare, "base").prompt.instruction


def test_vllm_command_carries_the_engine_settings() -> None:
    options = EngineOptions(max_loras=3, max_lora_rank=32, max_model_len=1024, max_num_seqs=8,
                            kv_cache_memory_bytes=1 << 28, quantization="bitsandbytes", max_cpu_loras=6,
                            extra_args=["--seed", "1"])
    command = vllm_command(options, Path("/models/base"), 8123)
    joined = " ".join(command)
    for expected in ("--enable-lora", "--max-loras 3", "--max-lora-rank 32", "--max-model-len 1024",
                     "--max-num-seqs 8", f"--kv-cache-memory-bytes {1 << 28}", "--quantization bitsandbytes",
                     "--max-cpu-loras 6", "--host 127.0.0.1", "--port 8123", "--model /models/base", "--seed 1"):
        assert expected in joined
    structured = json.loads(command[command.index("--structured-outputs-config") + 1])
    assert structured == {"backend": "xgrammar", "disable_any_whitespace": True}
    assert "--enable-log-requests" not in command  # prompts never reach the engine's log
    plain = vllm_command(EngineOptions(kv_cache_memory_bytes=None), Path("/m"), 1)
    assert "--quantization" not in plain and "--kv-cache-memory-bytes" not in plain


def _manifest(base_model: str = "tiny") -> AdapterManifest:
    return AdapterManifest(task="severity", version="1", base_model=base_model, method="lora",
                           task_spec=TASK.model_dump(), prompt=prompt_spec_for(TASK, "compact"))


def test_check_adapter_files_refuses_what_the_engine_would_fail_on(tmp_path: Path) -> None:
    from safetensors.torch import save_file
    import torch

    options = InferenceOptions(base_model="tiny", engine=EngineOptions(max_lora_rank=16))
    (tmp_path / "adapter_config.json").write_text(json.dumps({"r": 8}))
    save_file({"w": torch.zeros(2, 2)}, str(tmp_path / "adapter_model.safetensors"))
    check_adapter_files(tmp_path, _manifest(), options)

    with pytest.raises(AdapterLoadFailed, match="base model 'other'"):
        check_adapter_files(tmp_path, _manifest("other"), options)
    (tmp_path / "adapter_config.json").write_text(json.dumps({"r": 64}))
    with pytest.raises(AdapterLoadFailed, match="rank 64 exceeds"):
        check_adapter_files(tmp_path, _manifest(), options)
    (tmp_path / "adapter_config.json").write_text("{not json")
    with pytest.raises(AdapterLoadFailed, match="adapter_config.json"):
        check_adapter_files(tmp_path, _manifest(), options)
    (tmp_path / "adapter_config.json").write_text(json.dumps({"r": 8}))
    (tmp_path / "adapter_model.safetensors").write_bytes(b"garbage")
    with pytest.raises(AdapterLoadFailed, match="unreadable"):
        check_adapter_files(tmp_path, _manifest(), options)


def test_serving_config_must_be_the_one_the_job_validated() -> None:
    from services.inference.supervisor import check_serving_config

    plain = InferenceOptions(base_model="tiny")
    four_bit = InferenceOptions(base_model="tiny", engine=EngineOptions(quantization="bitsandbytes"))
    check_serving_config(_manifest(), plain)
    qlora = _manifest().model_copy(update={"method": "qlora"})
    with pytest.raises(AdapterLoadFailed, match="quantization 'bitsandbytes'.*retrain with method lora"):
        check_serving_config(qlora, plain)  # an old manifest: QLoRA was validated on the 4-bit base
    check_serving_config(qlora, four_bit)
    recorded = AdapterManifest.model_validate({**_manifest().model_dump(), "serving": {"quantization": "none"}})
    with pytest.raises(AdapterLoadFailed, match="quantization 'none'"):
        check_serving_config(recorded, four_bit)
    other_tokens = AdapterManifest.model_validate({**_manifest().model_dump(), "serving": {"prompt_tokens": "x"}})
    with pytest.raises(AdapterLoadFailed, match="prompt token format"):
        check_serving_config(other_tokens, plain)
    other_head = AdapterManifest.model_validate({**_manifest().model_dump(),
                                                 "serving": {"label_head": {"embedder": {"name": "other"}}}})
    with pytest.raises(AdapterLoadFailed, match="embedder 'other'"):
        check_serving_config(other_head, plain)


def test_tasks_file_names_the_bad_entry(tmp_path: Path) -> None:
    good = tmp_path / "tasks.yaml"
    good.write_text("- name: triage\n  instruction: Diga se é urgente.\n  structure_example: {urgent: SIM|NAO}\n",
                    encoding="utf-8")
    (task,) = load_tasks_file(good)
    assert task.name == "triage" and task.output_schema["properties"]["urgent"]["enum"] == ["SIM", "NAO"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: ok\n  structure_example: {a: X|Y}\n- name: Bad Name\n  structure_example: {a: 1}\n")
    with pytest.raises(ValueError, match="task #1"):
        load_tasks_file(bad)
    (tmp_path / "scalar.yaml").write_text("triage")
    with pytest.raises(ValueError, match="list"):
        load_tasks_file(tmp_path / "scalar.yaml")


def test_settings_validation() -> None:
    with pytest.raises(ValidationError, match="external"):
        EngineOptions(mode="external")
    assert EngineOptions(mode="external", url="http://vllm:8000").url
    with pytest.raises(ValidationError):
        EngineOptions(quantization="gptq")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        InferenceOptions(max_tokens=0)


def test_engine_metrics_are_a_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from services.inference.app import create_app
    from services.inference.settings import InferenceOptions, InferenceSettings

    app = create_app(InferenceSettings(data_dir=tmp_path, inference=InferenceOptions(engine_metrics=False),
                                       api_docs=False))
    client = TestClient(app)  # no lifespan: nothing starts; the route answers from its setting alone
    r = client.get("/metrics/engine")
    assert r.status_code == 404 and "ENGINE_METRICS" in r.json()["detail"]
    assert client.get("/openapi.json").status_code == 404
