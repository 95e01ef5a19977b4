"""Inference service: vLLM serving of hot-loaded LoRA students with schema-constrained outputs."""
