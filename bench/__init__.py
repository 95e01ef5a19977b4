"""Benchmarks of the platform against peers measured in the same run (see BENCHMARKS.md)."""
